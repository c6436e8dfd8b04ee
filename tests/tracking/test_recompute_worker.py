"""The write → broker → worker path for recomputation, with a real Celery worker."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from backend.celery import app
from tracking import services
from tracking.models import AdherenceSnapshot, MemberComputation, Product

from ..conftest import client_for


def wait_for(predicate, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


# serialized_rollback: the catalogue (a data migration) survives other transactional tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_burst_of_fifty_logs_is_one_recompute_that_reflects_them_all(alice, redis_url):
    product = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner__isnull=True)
    today = timezone.localdate()
    plan = services.create_regimen(
        alice,
        {
            "product": product,
            "schedule_kind": "daily",
            "times": ["08:00"],
            "start_date": today - dt.timedelta(days=60),
        },
    )
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
