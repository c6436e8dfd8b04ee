"""How one Web Push message reaches a push service: encrypted for the device (RFC 8291,
aes128gcm, pywebpush's WebPusher), with a VAPID token (RFC 8292) signed once per push
service and reused until an hour before it expires, posted on a connection kept alive per
push service and process.

pywebpush's `webpush()` parses the VAPID key, signs a token and opens a new `requests`
connection for every message: about 2.5 ms of CPU each, most of a dose-reminder burst
(bench/RESULTS.md, issue 17). The message and its headers are the same as there.
"""

from __future__ import annotations

import http.client
import select
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from py_vapid import Vapid
from pywebpush import WebPusher

TOKEN_SECONDS = 12 * 60 * 60  # the lifetime pywebpush gives its tokens
RENEW_BEFORE = 60 * 60
TIMEOUT_SECONDS = 10
KEPT_ORIGINS = 32  # push services a process keeps a connection to (a handful exist)


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    body: str

    @property
    def delivered(self) -> bool:
        return self.status <= 202

    @property
    def message(self) -> str:
        return f"Push failed: {self.status} {self.reason}\nResponse body:{self.body}"


def send(
    subscription: dict,
    data: str,
    *,
    private_key: str,
    subject: str,
    ttl: int,
    topic: str | None = None,
) -> Answer:
    """Encrypt `data` for the subscription's device and post it to its push service.
    `topic` (RFC 8030, 5.4: up to 32 base64url characters): a message with the same topic
    still waiting for the device is replaced by this one, not delivered as well.

    Raises ValueError (or pywebpush's WebPushException) for keys that cannot be used, before
    anything is sent; OSError or http.client.HTTPException when the push service cannot be
    reached or the exchange breaks off (whether it got the message is then unknown)."""
    endpoint = subscription["endpoint"]
    body = WebPusher(subscription).encode(data.encode())["body"]
    parts = urlsplit(endpoint)
    origin = f"{parts.scheme}://{parts.netloc}"
    headers = {
        "TTL": str(ttl),
        "Content-Encoding": "aes128gcm",
        **_vapid_headers(origin, private_key, subject),
    }
    if topic:
        headers["Topic"] = topic
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return _post(parts, path, body, headers)


# --- VAPID ---------------------------------------------------------------------------------
_tokens: dict[tuple[str, str, str], tuple[dict, float]] = {}
_tokens_lock = threading.Lock()


@cache
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_string(private_key=private_key)


def _vapid_headers(origin: str, private_key: str, subject: str) -> dict:
    """The Authorization header for this push service: a token valid TOKEN_SECONDS, signed
    again once less than RENEW_BEFORE of it is left."""
    key = (origin, private_key, subject)
    now = time.time()
    with _tokens_lock:
        found = _tokens.get(key)
        if found is not None and found[1] > now:
            return found[0]
    expires = int(now) + TOKEN_SECONDS
    headers = _vapid(private_key).sign({"sub": subject, "aud": origin, "exp": expires})
    with _tokens_lock:
        _tokens[key] = (headers, expires - RENEW_BEFORE)
    return headers


# --- Connections ---------------------------------------------------------------------------
_local = threading.local()


def _connections() -> OrderedDict:
    if not hasattr(_local, "connections"):
        _local.connections = OrderedDict()
    return _local.connections


@cache
def _tls() -> ssl.SSLContext:
    """Certificates checked against certifi's bundle, as `requests` did."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - requests always brings it
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def _post(parts, path: str, body: bytes, headers: dict) -> Answer:
    key = (parts.scheme, parts.hostname, parts.port)
    connection = _connection(key)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
    except (OSError, http.client.HTTPException):
        _drop(key)
        raise
    if response.will_close:
        _drop(key)
    return Answer(response.status, response.reason, text)


def _connection(key: tuple) -> http.client.HTTPConnection:
    """The kept-alive connection to this push service, or a new one when it has none or
    the service closed it meanwhile (checked before reuse, as urllib3 does: a message is
    never sent on a connection already closed)."""
    connections = _connections()
    connection = connections.get(key)
    if connection is not None and _closed(connection):
        _drop(key)
        connection = None
    if connection is None:
        scheme, host, port = key
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=TIMEOUT_SECONDS, context=_tls()
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)
        connections[key] = connection
        while len(connections) > KEPT_ORIGINS:
            connections.popitem(last=False)[1].close()
    connections.move_to_end(key)
    return connection


def _closed(connection: http.client.HTTPConnection) -> bool:
    """An idle connection the other end closed reads as ready (end of file)."""
    if connection.sock is None:
        return False  # not connected yet: request() connects
    try:
        readable, _, _ = select.select([connection.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _drop(key: tuple) -> None:
    connection = _connections().pop(key, None)
    if connection is not None:
        connection.close()
