"""A stand-in push service on 127.0.0.1 that decrypts what it receives, and the helpers the
reminder tests share: members in named zones, a planner run without a broker."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
import time_machine
from celery.signals import task_retry
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from accounts import services as account_services
from backend.celery import app
from notifications import planner, services, tasks
from notifications.models import Notification, PushSubscription

from ..factories import MemberFactory


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- Members and the planner ----------------------------------------------------------
def member_in(zone: str, at: dt.datetime, email: str | None = None, **reminder):
    """A member living in `zone` whose reminder settings were chosen at `at` (so their
    next reminder is the first one after it)."""
    fields = {"email": email} if email else {}
    with time_machine.travel(at, tick=False):
        member = MemberFactory(**fields)
        account_services.update_profile(member.profile, {"timezone": zone, **reminder})
    member.profile.refresh_from_db()
    return member


def run_planner(now: dt.datetime) -> list[Notification]:
    """What one beat of `plan_reminders` and its `send_weekly_digests` do, without a broker:
    claim the due members, write each digest once and open its deliveries."""
    written = []
    for chunk in planner.plan_weekly(now):
        for member_id, week in chunk:
            notification = services.weekly_notification(member_id, week, now)
            if notification is not None:
                services.open_deliveries(notification)
                written.append(notification)
    return written


def periods(member) -> list[str]:
    return sorted(Notification.objects.filter(member=member).values_list("period", flat=True))


@pytest.fixture
def eager_tasks():
    """Celery runs `.delay()` in the caller, as a worker would, one task after another."""
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def retry_delays():
    """The countdown of every retry the delivery task asks for, in order. (Run with
    `apply()`, Celery runs each retry at once; the countdown is what a worker would wait.)"""
    delays: list[float] = []

    def record(sender=None, reason=None, **kwargs):
        if sender is not None and sender.name == tasks.deliver.name:
            delays.append(reason.when)

    task_retry.connect(record, weak=False)
    yield delays
    task_retry.disconnect(record)


# --- A push service on 127.0.0.1 ------------------------------------------------------
@dataclass
class Received:
    """One push message as the push service saw it, decrypted with the device's key."""

    device: str
    headers: dict[str, str]  # names in lower case
    payload: dict | None
    error: str = ""


@dataclass
class PushService:
    """Plays a browser vendor's push service: keeps each device's private key, decrypts
    every message (RFC 8291, aes128gcm) and answers with the status set per device."""

    url: str = ""
    keys: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = field(default_factory=dict)
    answers: dict[str, list[int]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    connections: int = 0  # TCP connections senders opened to it

    def device(self, member, *answers: int) -> PushSubscription:
        """A browser of `member` subscribed here (created directly: the API insists on
        https endpoints outside DEBUG). The service answers its messages with `answers` in
        turn, the last one from then on (201 Created by default)."""
        name = uuid.uuid4().hex
        private = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.keys[name] = (private, auth)
        self.answers[name] = list(answers or [201])
        return PushSubscription.objects.create(
            member=member, endpoint=f"{self.url}/push/{name}", p256dh=b64(public), auth=b64(auth)
        )

    def for_device(self, device: PushSubscription) -> list[Received]:
        name = device.endpoint.rsplit("/", 1)[-1]
        return [message for message in self.received if message.device == name]

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        name = path.rsplit("/", 1)[-1]
        if name not in self.keys:
            return 404
        private, auth = self.keys[name]
        try:
            plain = http_ece.decrypt(body, private_key=private, auth_secret=auth)
        except (http_ece.ECEException, InvalidTag, ValueError) as exc:
            self.received.append(Received(name, headers, None, f"undecryptable: {exc!r}"))
            return 400
        self.received.append(Received(name, headers, json.loads(plain)))
        answers = self.answers[name]
        return answers.pop(0) if len(answers) > 1 else answers[0]


def handler_for(service: PushService, keep_alive: bool = False) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 keeps the connection open between messages, as push services do, and
        # closes it after a short idle time (as they do after a longer one).
        protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"
        timeout = 0.3 if keep_alive else None

        def setup(self) -> None:
            service.connections += 1
            super().setup()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = service.receive(self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args) -> None:  # keep test output quiet
            return None

    return Handler


def serving(keep_alive: bool = False):
    service = PushService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(service, keep_alive))
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def push_service():
    yield from serving()


@pytest.fixture
def keep_alive_push_service():
    """A push service that keeps connections open between messages (HTTP/1.1) and closes
    them after 0.3 s idle."""
    yield from serving(keep_alive=True)


def vapid_claims(authorization: str) -> tuple[dict, str]:
    """Verify a `vapid t=<JWT>, k=<key>` header (RFC 8292) with the key it names; return
    the JWT's claims and the key. Raises InvalidSignature if the token was not signed by
    that key."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid", authorization
    parts = dict(part.strip().split("=", 1) for part in params.split(","))
    header, claims, signature = parts["t"].split(".")
    assert json.loads(unb64(header)) == {"typ": "JWT", "alg": "ES256"}
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(parts["k"]))
    raw = unb64(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    return json.loads(unb64(claims)), parts["k"]
