"""Years of daily doses for one benchmark member, written as the services would: plans
through tracking.services, logs with bulk_create stamped from the member's sync clock in
the order taken, created_at = taken_at."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo


@dataclass
class DailyHistory:
    regimens: list
    logs: int
    start: dt.date


def seed_daily_history(
    member,
    plans: list[tuple[str, Decimal, str]],
    *,
    zone_name: str,
    rng: random.Random,
    skip_rate: float,
    years: int | None = None,
    days: int | None = None,
    missing_rate: float = 0.0,
) -> DailyHistory:
    """One daily plan per (catalogue product, servings, "HH:MM") from `years` or `days`
    ago, and a log for every dose up to now, some skipped and (missing_rate) some never
    logged."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from sync.models import SyncClock
    from tracking import services
    from tracking.models import IntakeLog, Product

    zone = ZoneInfo(zone_name)
    today = timezone.localdate(timezone=zone)
    if years is not None:
        start = today.replace(year=today.year - years, day=min(today.day, 28))
    else:
        start = today - dt.timedelta(days=days)
    regimens = [
        services.create_regimen(
            member,
            {
                "product": Product.objects.get(name=name, owner__isnull=True),
                "servings_per_dose": servings,
                "schedule_kind": "daily",
                "times": [at],
                "start_date": start,
            },
        )
        for name, servings, at in plans
    ]

    now = timezone.now()
    logs = []
    day = start
    while day <= today:
        for regimen in regimens:
            hour, minute = map(int, regimen.times[0].split(":"))
            local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
            taken_at = (local + dt.timedelta(minutes=rng.randint(-20, 75))).astimezone(dt.UTC)
            taken_at = taken_at.replace(second=rng.randint(0, 59))
            if taken_at > now or (missing_rate and rng.random() < missing_rate):
                continue
            skipped = rng.random() < skip_rate
            logs.append(
                IntakeLog(
                    member=member,
                    regimen=regimen,
                    product_id=regimen.product_id,
                    servings=regimen.servings_per_dose,
                    taken_at=taken_at,
                    status="skipped" if skipped else "taken",
                    note="Forgot at home" if skipped and rng.random() < 0.3 else "",
                    source="app",
                )
            )
        day += dt.timedelta(days=1)
    logs.sort(key=lambda log: log.taken_at)

    with transaction.atomic():
        clock = SyncClock.objects.select_for_update().get(member=member)
        first = clock.value + 1
        clock.value += len(logs)
        clock.save(update_fields=["value"])
        for offset, log in enumerate(logs):
            log.server_version = first + offset
        IntakeLog.objects.bulk_create(logs, batch_size=1000)
        IntakeLog.objects.filter(member=member).update(
            created_at=F("taken_at"), updated_at=F("taken_at")
        )
    return DailyHistory(regimens=regimens, logs=len(logs), start=start)
