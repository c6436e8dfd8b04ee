"""Bisphosphonate users get a reminder on their dose morning, once, in their own zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import tasks
from notifications.models import Notification
from tracking import services
from tracking.models import Product, Regimen

from .conftest import member_in

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")
SUNDAY = dt.datetime(2026, 11, 22, 12, 0, tzinfo=KOLKATA)  # plan made on a Sunday
MONDAY_7 = dt.datetime(2026, 11, 23, 7, 0, tzinfo=KOLKATA)


def weekly(member, name: str) -> Regimen:
    product = Product.objects.get(name=name, owner=None)
    fields = {"product": product, "schedule_kind": "weekdays", "weekdays": [1], "times": ["07:00"]}
    with time_machine.travel(SUNDAY, tick=False):
        return services.create_regimen(member, {**fields, "start_date": SUNDAY.date()})


def beat(at: dt.datetime, eager_tasks) -> None:
    with time_machine.travel(at, tick=False):
        tasks.plan_reminders.apply()


def test_the_dose_morning_brings_one_reminder_with_the_label_instructions(eager_tasks):
    alice = member_in("Asia/Kolkata", SUNDAY, reminder_weekday=5)
    plan = weekly(alice, "Alendronate 70 mg (weekly)")
    assert plan.next_dose_reminder_at == MONDAY_7

    beat(MONDAY_7 - dt.timedelta(minutes=15), eager_tasks)
    assert not Notification.objects.filter(member=alice, kind="dose_reminder").exists()
    beat(MONDAY_7 + dt.timedelta(minutes=1), eager_tasks)
    beat(MONDAY_7 + dt.timedelta(minutes=16), eager_tasks)

    [reminder] = Notification.objects.filter(member=alice, kind="dose_reminder")
    assert reminder.title == "Alendronate 70 mg (weekly): dose today at 07:00"
    assert "wait at least 30 minutes" in reminder.body
    assert reminder.period == f"{plan.id}:2026-11-23"
    assert set(reminder.deliveries.values_list("channel", flat=True)) == {"in_app", "push", "email"}
    plan.refresh_from_db()
    assert plan.next_dose_reminder_at == MONDAY_7 + dt.timedelta(weeks=1)


def test_only_bisphosphonates_and_live_plans_get_dose_reminders(eager_tasks):
    alice = member_in("Asia/Kolkata", SUNDAY)
    k2 = weekly(alice, "Vitamin K2 MK-7 90 mcg")
    alendronate = weekly(alice, "Alendronate 70 mg (weekly)")
    with time_machine.travel(SUNDAY, tick=False):
        services.end_regimen(alendronate)

    beat(MONDAY_7 + dt.timedelta(minutes=1), eager_tasks)

    assert k2.next_dose_reminder_at is None
    alendronate.refresh_from_db()
    assert alendronate.next_dose_reminder_at is None
    assert not Notification.objects.filter(member=alice, kind="dose_reminder").exists()
