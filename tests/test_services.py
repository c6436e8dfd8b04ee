"""The real Redis and Celery: health reporting and the web -> broker -> worker path."""

from __future__ import annotations

import logging
import time

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from backend.celery import app, enqueue_now

from .conftest import client_for
from .factories import RegimenFactory


@pytest.mark.django_db
def test_healthz_reports_database_cache_and_broker(client, redis_url):
    response = client.get("/healthz", HTTP_ACCEPT="application/json")

    assert response.status_code == 200, response.content
    checks = response.json()
    assert len(checks) == 3
    assert all(status == "OK" for status in checks.values()), checks
    assert any("Redis" in name for name in checks)
    assert any("Database" in name for name in checks)
    assert any("Cache" in name for name in checks)


@pytest.mark.django_db
def test_healthz_names_a_broker_that_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz", HTTP_ACCEPT="application/json")

    assert response.status_code == 500
    broken = [name for name, status in response.json().items() if status != "OK"]
    assert any("Redis" in name for name in broken)


def test_an_unreachable_broker_is_logged_not_raised(caplog):
    # A test worker started earlier leaves the root logger at ERROR.
    caplog.set_level(logging.WARNING, logger="backend.celery")
    dead_broker = Celery("dead", broker="redis://127.0.0.1:1/0")
    dead_broker.conf.broker_transport_options = app.conf.broker_transport_options

    @dead_broker.task(name="tests.noop")
    def noop() -> None: ...

    started = time.monotonic()
    published = enqueue_now(noop)

    assert published is False
    assert time.monotonic() - started < 10
    assert "broker unavailable, tests.noop not enqueued" in caplog.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_logging_a_dose_records_activity_through_a_real_worker(alice, empty_queue):
    regimen = RegimenFactory(member=alice)
    taken_at = timezone.now().replace(microsecond=0)

    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        response = client_for(alice).post(
            "/api/v1/intakes", {"regimen": str(regimen.id), "taken_at": taken_at.isoformat()}
        )
        assert response.status_code == 201
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            alice.refresh_from_db()
            if alice.last_activity_at is not None:
                break
            time.sleep(0.1)

    assert alice.last_activity_at == taken_at
