"""How one Web Push message reaches a push service: encrypted for the device (RFC 8291,
aes128gcm: encrypt, the bytes pywebpush's WebPusher writes), with a VAPID token (RFC 8292)
signed once per push service and reused until an hour before it expires, posted on a
connection kept alive per push service and thread with a lean HTTP/1.1 exchange (Link).

pywebpush's `webpush()` parses the VAPID key, signs a token and opens a new `requests`
connection for every message: about 2.5 ms of CPU each, most of a dose-reminder burst
(bench/RESULTS.md, issue 17). The message and its headers are the same as there.
"""

from __future__ import annotations

import base64
import hmac
import http.client
import os
import re
import select
import socket
import ssl
import struct
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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

    Raises ValueError for keys that cannot be used, before
    anything is sent; OSError or http.client.HTTPException when the push service cannot be
    reached or the exchange breaks off (whether it got the message is then unknown)."""
    endpoint = subscription["endpoint"]
    body = encrypt(data.encode(), subscription["keys"]["p256dh"], subscription["keys"]["auth"])
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


# --- Encryption (RFC 8291) ---------------------------------------------------------------
RECORD_SIZE = 4096  # http_ece's default: a message of up to ONE_RECORD bytes is one record
ONE_RECORD = RECORD_SIZE - 17  # less the padding delimiter and the AES-GCM tag
_KEY_INFO = b"WebPush: info\x00"
_CEK_INFO = b"Content-Encoding: aes128gcm\x00\x01"
_NONCE_INFO = b"Content-Encoding: nonce\x00\x01"


def encrypt(data: bytes, p256dh: str, auth: str, key=None, salt: bytes | None = None) -> bytes:
    """`data` encrypted for the device (aes128gcm, RFC 8291 section 3 and RFC 8188), the
    same bytes as pywebpush's WebPusher.encode with a new key pair and salt per message
    (`key` and `salt` given only by tests). Written out with cryptography's primitives and
    hashlib's HMAC: pywebpush's copies and checks around them cost a third of a push's
    encryption. A message longer than one record goes through pywebpush."""
    device_key, secret = _unb64(p256dh), _unb64(auth)
    if not secret:
        raise ValueError("the subscription has no auth secret")
    if len(data) > ONE_RECORD:
        subscription = {"endpoint": "", "keys": {"p256dh": p256dh, "auth": auth}}
        return WebPusher(subscription).encode(data)["body"]
    device = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), device_key)
    key = key or ec.generate_private_key(ec.SECP256R1())
    salt = salt or os.urandom(16)
    server_key = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    shared = key.exchange(ec.ECDH(), device)
    # HKDF with one block of output (32 bytes or fewer): extract, then one HMAC of info || 1.
    ikm = _hmac(_hmac(secret, shared), _KEY_INFO + device_key + server_key + b"\x01")
    prk = _hmac(salt, ikm)
    cek, nonce = _hmac(prk, _CEK_INFO)[:16], _hmac(prk, _NONCE_INFO)[:12]
    sealed = AESGCM(cek).encrypt(nonce, data + b"\x02", None)  # \x02: the last record
    return salt + struct.pack("!LB", RECORD_SIZE, len(server_key)) + server_key + sealed


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.digest(key, message, "sha256")


def _unb64(text: str) -> bytes:
    """URL-safe base64 with or without padding (a ValueError when it is not base64)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


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
# A lean HTTP/1.1 client: http.client spends about 65 µs of CPU on a push (building the
# request a header at a time, parsing the answer's headers with the e-mail parser), a third
# of a push's work; a request written in one piece and an answer read line by line cost a
# third of that. What it speaks: POST with a body, answers with Content-Length, chunked or
# ended by the close, 1xx answers skipped, the connection kept unless either side closes.
MAX_LINE = 65536
MAX_HEADERS = 100
# Push services answer in a few hundred bytes; an endpoint is the subscriber's to choose, so
# a longer answer ends the exchange rather than filling a worker's memory.
MAX_BODY = 65536
_local = threading.local()


class Link:
    """One connection to a push service, kept alive between messages."""

    def __init__(self, scheme: str, host: str, port: int | None):
        self.scheme, self.host = scheme, host
        self.port = port or (443 if scheme == "https" else 80)
        default = self.port == (443 if scheme == "https" else 80)
        self.authority = host if default else f"{host}:{self.port}"
        self.sock: socket.socket | None = None
        self.file = None

    def post(self, path: str, body: bytes, headers: dict) -> tuple[Answer, bool]:
        """Send one request and read its answer: (the answer, whether the link closes)."""
        if self.sock is None:
            self._connect()
        self.sock.sendall(request_bytes(self.authority, path, body, headers))
        return read_answer(self.file)

    def closed_by_peer(self) -> bool:
        """An idle connection the other end closed reads as ready (end of file)."""
        if self.sock is None:
            return False  # not connected yet: post() connects
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def close(self) -> None:
        if self.sock is not None:
            self.file.close()
            self.sock.close()
            self.sock = self.file = None

    def _connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=TIMEOUT_SECONDS)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.scheme == "https":
            sock = _tls().wrap_socket(sock, server_hostname=self.host)
        self.sock, self.file = sock, sock.makefile("rb")


def request_bytes(authority: str, path: str, body: bytes, headers: dict) -> bytes:
    """The request in one piece; a path or header with a control character is refused, as
    http.client refuses it: nothing can be smuggled into the request."""
    fields = {"Host": authority, "Content-Length": str(len(body)), **headers}
    unsafe = _UNSAFE_PATH.search(path) or any(
        not _NAME.fullmatch(name) or _UNSAFE_VALUE.search(value) for name, value in fields.items()
    )
    if unsafe:
        raise http.client.InvalidURL(f"control characters in a push request to {path[:60]!r}")
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return f"POST {path} HTTP/1.1\r\n{head}\r\n".encode("latin-1") + body


_UNSAFE_PATH = re.compile(r"[\x00-\x20\x7f]")
_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_UNSAFE_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def read_answer(file) -> tuple[Answer, bool]:
    """One answer (past any 1xx): (status, reason and body; whether the link closes)."""
    while True:
        version, status, reason = _status_line(file)
        headers = _headers(file)
        if not 100 <= status < 200:
            break
    connection = headers.get("connection", "").lower()
    closes = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
    if status in (204, 304):
        body = b""
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        body = _chunked(file)
    elif "content-length" in headers:
        body = _exactly(file, _number(headers["content-length"]))
    else:  # the body ends where the connection does
        body, closes = _to_the_end(file), True
    return Answer(status, reason, body.decode(errors="replace")), closes


def _line(file) -> bytes:
    line = file.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise http.client.LineTooLong("push service answer line")
    return line


def _status_line(file) -> tuple[str, int, str]:
    line = _line(file)
    if not line:
        raise http.client.RemoteDisconnected("the push service closed the connection")
    version, _, rest = line.decode("latin-1").rstrip("\r\n").partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or not (code.isdigit() and len(code) == 3):
        raise http.client.BadStatusLine(line.decode("latin-1"))
    return version, int(code), reason


def _headers(file) -> dict[str, str]:
    found: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        line = _line(file)
        if line in (b"\r\n", b"\n", b""):
            return found
        name, _, value = line.decode("latin-1").partition(":")
        found[name.strip().lower()] = value.strip()
    raise http.client.HTTPException(f"more than {MAX_HEADERS} headers in a push answer")


def _number(text: str, base: int = 10) -> int:
    """A length in an answer; a broken one is the exchange breaking off, not a ValueError
    (which callers read as keys that cannot be used)."""
    try:
        value = int(text, base)
    except ValueError:
        value = -1
    if value < 0:
        raise http.client.HTTPException(f"a broken length in a push answer: {text[:20]!r}")
    return value


def _exactly(file, length: int, *, before: int = 0) -> bytes:
    """`length` more bytes of an answer's body, `before` of it already read."""
    if before + length > MAX_BODY:
        raise _too_long()
    data = file.read(length)
    if len(data) < length:
        raise http.client.IncompleteRead(data, length - len(data))
    return data


def _to_the_end(file) -> bytes:
    data = file.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        raise _too_long()
    return data


def _too_long() -> http.client.HTTPException:
    return http.client.HTTPException(f"a push answer of more than {MAX_BODY} bytes")


def _chunked(file) -> bytes:
    parts = []
    while True:
        size = _number(_line(file).split(b";", 1)[0].strip().decode("latin-1"), 16)
        if size == 0:
            break
        parts.append(_exactly(file, size, before=sum(map(len, parts))))
        _line(file)  # the chunk's closing line end
    while _line(file) not in (b"\r\n", b"\n", b""):  # trailers
        pass
    return b"".join(parts)


def _links() -> OrderedDict:
    if not hasattr(_local, "links"):
        _local.links = OrderedDict()
    return _local.links


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
    link = _link(key)
    try:
        answer, closes = link.post(path, body, headers)
    except (OSError, http.client.HTTPException):
        _drop(key)
        raise
    if closes:
        _drop(key)
    return answer


def _link(key: tuple) -> Link:
    """The kept-alive connection to this push service, or a new one when it has none or
    the service closed it meanwhile (checked before reuse, as urllib3 does: a message is
    never sent on a connection already closed)."""
    links = _links()
    link = links.get(key)
    if link is not None and link.closed_by_peer():
        _drop(key)
        link = None
    if link is None:
        link = links[key] = Link(*key)
        while len(links) > KEPT_ORIGINS:
            links.popitem(last=False)[1].close()
    links.move_to_end(key)
    return link


def _drop(key: tuple) -> None:
    link = _links().pop(key, None)
    if link is not None:
        link.close()
