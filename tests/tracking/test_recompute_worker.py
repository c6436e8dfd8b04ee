"""The write → broker → worker path for recomputation, with a real Celery worker."""

from __future__ import annotations

import datetime as dt
import logging
import time
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from backend.celery import app
from tracking import services
from tracking.models import AdherenceSnapshot, MemberComputation, Product
from tracking.tasks import recompute_everyone

from ..conftest import client_for


def wait_for(predicate, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def daily_k2_plan(member, days: int):
    product = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner__isnull=True)
    start = timezone.localdate() - dt.timedelta(days=days)
    fields = {"product": product, "schedule_kind": "daily", "times": ["08:00"]}
    return services.create_regimen(member, {**fields, "start_date": start})


# serialized_rollback: the catalogue (a data migration) survives other transactional tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_burst_of_fifty_logs_is_one_recompute_that_reflects_them_all(alice, empty_queue):
    plan = daily_k2_plan(alice, days=60)
    today = timezone.localdate()
    api = client_for(alice)
    for day in range(50):
        taken_at = dt.datetime.combine(today - dt.timedelta(days=day + 1), dt.time(8, 5), dt.UTC)
        response = api.post(
            "/api/v1/intakes", {"regimen": str(plan.id), "taken_at": taken_at.isoformat()}
        )
        assert response.status_code == 201

    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        assert wait_for(lambda: MemberComputation.objects.filter(member=alice).exists())
        time.sleep(1)  # room for a second run, had the burst not been coalesced

    assert MemberComputation.objects.get(member=alice).runs == 1
    taken = sum(AdherenceSnapshot.objects.filter(regimen=plan).values_list("taken", flat=True))
    assert taken == 50


@contextmanager
def _broker_stopped():
    """Point the Celery app and the cache at a port where no Redis listens."""
    dead = "redis://127.0.0.1:1/0"
    live = app.conf.broker_url
    dead_cache = {"default": {**settings.CACHES["default"], "LOCATION": dead}}
    _use_broker(dead)
    try:
        with override_settings(CACHES=dead_cache):
            yield
    finally:
        _use_broker(live)


def _use_broker(url: str) -> None:
    app.conf.broker_url = url
    # Drop pooled connections so the next publish connects to `url`.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_during_a_broker_outage_succeeds_and_the_nightly_batch_repairs_it(
    alice, empty_queue, caplog
):
    caplog.set_level(logging.WARNING, logger="backend.celery")
    plan = daily_k2_plan(alice, days=10)
    with _broker_stopped():
        taken_at = timezone.now() - dt.timedelta(days=1)
        response = client_for(alice).post(
            "/api/v1/intakes", {"regimen": str(plan.id), "taken_at": taken_at.isoformat()}
        )

    assert response.status_code == 201
    # The first publish of the request finds the broker down (and later ones skip it).
    assert "broker unavailable" in caplog.text
    assert not MemberComputation.objects.filter(member=alice).exists()

    with start_worker(app, perform_ping_check=False, shutdown_timeout=10):
        recompute_everyone.delay()
        assert wait_for(lambda: MemberComputation.objects.filter(member=alice).exists())

    assert sum(AdherenceSnapshot.objects.filter(regimen=plan).values_list("taken", flat=True)) == 1
