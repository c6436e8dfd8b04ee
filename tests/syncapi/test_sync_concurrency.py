"""Several devices pushing for one member while the REST API writes: nothing is lost and
the member's clock stamps every write transaction with its own, strictly larger value."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from sync.models import SyncClock
from syncapi import push
from tracking import services
from tracking.models import IntakeLog, Product

DEVICES, PUSHES, REST_WRITES = 4, 8, 8


def row(plan) -> dict:
    taken = timezone.now() - dt.timedelta(minutes=30)
    return {
        "id": str(uuid.uuid4()),
        "regimen_id": str(plan.id),
        "product_id": str(plan.product_id),
        "servings": 1,
        "taken_at": int(taken.timestamp() * 1000),
        "status": "taken",
        "note": "",
        "source": "app",
    }


def in_thread(work, errors: list) -> threading.Thread:
    def run():
        try:
            work()
        except Exception as exc:  # reported by the test, not swallowed
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_pushes_and_rest_writes_lose_nothing(alice):
    product = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner__isnull=True)
    plan = services.create_regimen(
        alice,
        {
            "product": product,
            "schedule_kind": "daily",
            "times": ["08:00"],
            "start_date": dt.date(2026, 11, 1),
        },
    )
    start = SyncClock.objects.get(member=alice).value
    pushed: list[str] = []

    def device():
        for _ in range(PUSHES):
            record = row(plan)
            pushed.append(record["id"])
            push.push(alice, start, {"intake_logs": {"created": [record]}})

    def rest_api():
        for _ in range(REST_WRITES):
            services.log_intake(alice, {"regimen": plan, "taken_at": timezone.now()})

    errors: list[Exception] = []
    threads = [in_thread(device, errors) for _ in range(DEVICES)]
    threads.append(in_thread(rest_api, errors))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    writes = DEVICES * PUSHES + REST_WRITES
    logs = IntakeLog.objects.filter(member=alice)
    assert logs.count() == writes
    assert set(pushed) <= {str(i) for i in logs.values_list("id", flat=True)}
    versions = sorted(logs.values_list("server_version", flat=True))
    assert versions == list(range(start + 1, start + writes + 1))
    assert SyncClock.objects.get(member=alice).value == start + writes
