"""What reaches the logs (backend/logging.py): ids, status codes and timings, never secrets
or health data, as one JSON object per line in production.

The lines are taken from the real root handler (settings.LOGGING, with its redacting
filter), switched to JSON and to a buffer for the test; Celery and gunicorn run in a
process of their own with their real logging set-up.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from accounts import views as account_views
from backend.logging import (
    JsonFormatter,
    RedactingFilter,
    log_format,
    logging_config,
    scrub,
)
from notifications import push_sender, transports
from notifications.models import Kind, Notification, PushSubscription
from notifications.unsubscribe import unsubscribe_token

ROOT = Path(__file__).resolve().parent.parent

PASSWORD = "Wrong-horse-4-battery staple"
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoiYWxpY2UifQ.c2lnbmF0dXJlLXZhbHVl"
ENDPOINT = "https://fcm.googleapis.com/fcm/send/d3vice-t0ken:APA91bHun4MxP5egoKMwt2KZ"
P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"


@dataclass
class Captured:
    stream: io.StringIO

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        """Every line, parsed: each must be one JSON object."""
        return [json.loads(line) for line in self.text.splitlines()]

    def assert_free_of(self, *secrets: str) -> None:
        for secret in secrets:
            assert secret not in self.text, f"{secret!r} reached the log:\n{self.text}"


@pytest.fixture
def logs():
    """The configured root handler (settings.LOGGING), writing JSON into a buffer."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)
    stream = io.StringIO()
    saved_stream, saved_formatter = handler.setStream(stream), handler.formatter
    handler.setFormatter(JsonFormatter())
    try:
        yield Captured(stream)
    finally:
        handler.setStream(saved_stream)
        handler.setFormatter(saved_formatter)


@pytest.mark.django_db
def test_a_failed_sign_in_logs_its_status_and_path_not_the_email_or_password(alice, logs):
    response = Client().post(
        "/api/v1/auth/token",
        {"email": "alice@example.com", "password": PASSWORD},
        content_type="application/json",
    )

    assert response.status_code in {400, 401}
    (line,) = [line for line in logs.lines() if line["logger"] == "django.request"]
    assert line["level"] == "WARNING"
    assert line["status_code"] == response.status_code
    assert (line["method"], line["path"]) == ("POST", "/api/v1/auth/token")
    logs.assert_free_of("alice@example.com", PASSWORD, "Wrong-horse")


@pytest.mark.django_db
def test_a_server_error_logs_neither_the_body_nor_what_the_exception_quotes_of_it(
    alice, logs, monkeypatch
):
    def crash(self, request):
        # A bug that quotes the request in its exception: the worst case for a log.
        raise RuntimeError(f"could not sign in with {dict(request.data)} ({request.headers})")

    monkeypatch.setattr(account_views.LoginView, "post", crash)

    response = Client(raise_request_exception=False).post(
        "/api/v1/auth/token",
        {"email": "alice@example.com", "password": PASSWORD, "device_name": "Alice's phone"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {JWT}", "Cookie": "sessionid=s3ss10nvalue99"},
    )

    assert response.status_code == 500
    (line,) = [line for line in logs.lines() if line["level"] == "ERROR"]
    assert line["logger"] == "django.request"
    assert line["message"].endswith("Server Error (500): /api/v1/auth/token")
    assert line["status_code"] == 500
    assert "RuntimeError: could not sign in with {'email': [redacted]" in line["exception"]
    assert "Traceback" in line["exception"]
    logs.assert_free_of("alice@example.com", PASSWORD, "Wrong-horse", JWT, "s3ss10nvalue99")


@pytest.mark.django_db
def test_a_refused_push_warning_keeps_the_device_id_not_the_email_endpoint_or_keys(
    alice, logs, monkeypatch
):
    device = PushSubscription.objects.create(
        member=alice, endpoint=ENDPOINT, p256dh=P256DH, auth=AUTH
    )

    def refuse(info, data, **kwargs):
        # A push service that answers with what it was sent, and more.
        body = f"for {info['endpoint']} (keys {info['keys']}); contact alice@example.com"
        return push_sender.Answer(403, "Forbidden", body)

    monkeypatch.setattr(push_sender, "send", refuse)
    reminder = Notification(
        member=alice,
        kind=Kind.choices[0][0],
        title="Alendronate 70 mg tomorrow",
        body="Take it with a full glass of water.",
    )

    with pytest.raises(transports.PermanentError):
        transports.WebPushTransport().send(reminder, alice)

    (line,) = [line for line in logs.lines() if line["logger"] == "notifications.transports"]
    assert line["level"] == "WARNING"
    assert line["message"].startswith(f"push refused for {device.id}: 403: Push failed")
    logs.assert_free_of("alice@example.com", "d3vice-t0ken", P256DH, AUTH, "Alendronate")


@pytest.mark.django_db
def test_a_refused_unsubscribe_link_is_logged_with_its_token_masked(alice, logs):
    token = unsubscribe_token(alice)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    response = Client().get(f"/unsubscribe/{tampered}")

    assert response.status_code == 400
    (line,) = logs.lines()
    assert line["path"] == "/unsubscribe/[redacted]"
    assert line["message"] == "Bad Request: /unsubscribe/[redacted]"
    logs.assert_free_of(tampered, tampered.rsplit(":", 1)[-1])


@pytest.mark.django_db
def test_arguments_become_safe_forms_and_only_allowed_extra_fields_stay(alice, logs):
    request = RequestFactory().get("/admin/tracking/client/?q=alice@example.com")
    logger = logging.getLogger("ossa.test")

    logger.info(
        "member %s took %s servings; profile %s; at %s; %d doses",
        alice,
        Decimal("2.50"),
        {"date_of_birth": dt.date(1950, 4, 1), "timezone": "Europe/Paris"},
        dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC),
        3,
        extra={
            "request": request,
            "status_code": 200,
            "duration_ms": 4.2,
            "member_id": alice.pk,
            "note": "felt dizzy after the calcium",
            "email": "alice@example.com",
        },
    )

    (line,) = logs.lines()
    assert line["message"] == (
        f"member <User {alice.pk}> took [redacted] servings; "
        "profile {'date_of_birth': [redacted], 'timezone': 'Europe/Paris'}; "
        "at 2026-01-05 08:00:00+00:00; 3 doses"
    )
    assert line["method"] == "GET"
    assert line["path"] == "/admin/tracking/client/"  # no query string
    assert line["status_code"] == 200
    assert line["duration_ms"] == 4.2
    assert line["member_id"] == str(alice.pk)
    assert {"note", "email", "request"}.isdisjoint(line)
    logs.assert_free_of("alice@example.com", "dizzy", "1950", "2.50")


def test_every_line_is_one_json_object_even_with_a_traceback(logs):
    logger = logging.getLogger("ossa.test")
    try:
        raise ValueError(f"refresh token {JWT}\nfor bob@example.com")
    except ValueError:
        logger.exception("could not rotate %s", "a session")
    logger.warning('quotes " and \\ and unicode: é ✓')

    first, second = logs.lines()
    assert logs.text.count("\n") == 2
    assert set(first) >= {"time", "level", "logger", "message", "exception"}
    assert dt.datetime.fromisoformat(first["time"]).tzinfo is not None
    assert first["level"] == "ERROR"
    assert "ValueError: refresh token [jwt]\nfor [email]" in first["exception"]
    assert second["message"] == 'quotes " and \\ and unicode: é ✓'
    logs.assert_free_of(JWT, "bob@example.com")


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        (f"Authorization: Bearer {JWT}", "Authorization", JWT),
        ("password=hunter2&next=/admin/", "next=/admin/", "hunter2"),
        ('{"refresh": "opaque-refresh-value", "ok": 1}', '"ok": 1', "opaque-refresh-value"),
        ("share code K7QXM2PA accepted", "share code", "K7QXM2PA"),
        ("/admin/tracking/client/invite/MTIz:1tX:sig/ 400", "/invite/", "MTIz:1tX:sig"),
        (f"p256dh={P256DH}", "p256dh=", P256DH),
        (f"vapid key {P256DH} refused", "vapid key", P256DH),
        ("redis://:s3cret@10.0.0.2:6379/0 is down", "10.0.0.2:6379/0", "s3cret"),
        (
            "DETAIL:  Failing row contains (7, Calcium citrate 500, 2.50, 1950-04-01).",
            "Failing row contains",
            "Calcium",
        ),
        ("Key (email)=(bob@example.com) already exists.", "already exists", "bob@example"),
        ("note: 'felt dizzy' weight=62.5 dose: 2", "note:", "dizzy"),
        ('"GET /admin/tracking/client/?q=Alice+W HTTP/1.1" 200', "client/ HTTP/1.1", "Alice"),
    ],
)
def test_secrets_in_free_text_are_masked(text, kept, gone):
    scrubbed = scrub(text)

    assert kept in scrubbed
    assert gone not in scrubbed


def test_ids_counts_paths_and_task_lines_are_left_as_they_are():
    for text in (
        "account 3f2a8f8e-1111-2222-3333-444455556666 deleted",
        "Task tracking.tasks.recompute_member[6f1c6c0b-9e1f-4a5f-8d16-0c7f5b1e2d3a] "
        "succeeded in 0.12s: 14",
        "Not Found: /api/v1/regimens/3f2a8f8e-1111-2222-3333-444455556666",
        "nightly recompute: 4 chunks of up to 500 members",
        "broker unavailable, notifications.tasks.send_weekly_digest not enqueued",
    ):
        assert scrub(text) == text


def test_json_in_production_and_plain_in_development_both_filtered():
    assert log_format({}) == "plain"
    assert log_format({"DJANGO_ENV": "production"}) == "json"
    assert log_format({"DJANGO_ENV": "production", "LOG_FORMAT": "plain"}) == "plain"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        log_format({"LOG_FORMAT": "xml"})
    for fmt in ("json", "plain"):
        config = logging_config(fmt, "INFO")
        assert config["handlers"]["console"]["filters"] == ["redact"]
        assert config["handlers"]["console"]["formatter"] == fmt
        # Django's own loggers go through the root handler too, never around the filter.
        assert config["loggers"]["django"] == {"handlers": [], "level": "INFO", "propagate": True}


# --- Celery and gunicorn, each in a process of its own ----------------------------------
CELERY_PROBE = r"""
import logging
from celery.utils.log import get_task_logger
from backend.celery import app

app.log.setup_logging_subsystem(loglevel="INFO")

@app.task(name="probe.fails")
def fails(member_id, email):
    raise LookupError(f"no profile for {email}")

@app.task(name="probe.succeeds")
def succeeds(member_id):
    get_task_logger("probe").warning("member %s has token %s", member_id, "JWT")
    return 3

succeeds.apply(args=["3f2a8f8e-1111-2222-3333-444455556666"])
fails.apply(args=["3f2a8f8e-1111-2222-3333-444455556666", "carol@example.com"])
"""


def test_celery_task_logs_go_through_the_filter_as_json(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", CELERY_PROBE.replace("JWT", JWT)],
        cwd=ROOT,
        env={**os.environ, "LOG_FORMAT": "json", "OSSA_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_logger = {}
    for line in lines:
        by_logger.setdefault(line["logger"], []).append(line)
    assert by_logger["probe"][0]["message"] == (
        "member 3f2a8f8e-1111-2222-3333-444455556666 has token [jwt]"
    )
    trace = [line["message"] for line in by_logger["celery.app.trace"]]
    assert any("probe.succeeds" in m and "succeeded" in m and m.endswith(": 3") for m in trace)
    failure = next(line for line in by_logger["celery.app.trace"] if line["level"] == "ERROR")
    assert "LookupError" in failure["message"]
    assert "data" not in failure  # Celery's extra with the task's arguments
    assert "carol@example.com" not in result.stdout + result.stderr
    assert JWT not in result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {JWT}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_gunicorn_access_lines_carry_no_query_string_token_or_email(tmp_path):
    port = _free_port()
    environment = {
        **os.environ,
        "LOG_FORMAT": "json",
        "OSSA_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "backend.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        statuses = [
            _get(f"{base}/unsubscribe/MzE:1tXyz:s1gnatureValue?email=dave@example.com"),
            _get(f"{base}/api/v1/me?token={JWT}"),
        ]
    finally:
        server.terminate()
        stdout, stderr = server.communicate(timeout=30)

    assert statuses == [400, 401]
    lines = [json.loads(line) for line in stdout.splitlines()]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert [(a["method"], a["path"], a["status_code"]) for a in access] == [
        ("GET", "/unsubscribe/[redacted]", 400),
        ("GET", "/api/v1/me", 401),
    ]
    assert all(isinstance(a["duration_ms"], float) for a in access)
    everything = stdout + stderr
    for secret in ("dave@example.com", "s1gnatureValue", JWT, "?email", "?token"):
        assert secret not in everything
