"""Benchmark members: one registered afresh, an access token for it, and years of daily
doses written as the services would: plans through tracking.services, logs with bulk_create
stamped from the member's sync clock in the order taken, created_at = taken_at."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

# Catalogue product, servings per dose, local time of the daily dose: the four daily plans
# of the five-year member (bench/api_throughput.py, bench/sync.py, bench/app.py).
FOUR_DAILY_PLANS = [
    ("Vitamin D3 25 mcg (1000 IU)", Decimal("1"), "08:00"),
    ("Vitamin K2 MK-7 90 mcg", Decimal("1"), "08:00"),
    ("Calcium citrate 315 mg", Decimal("2"), "19:00"),
    ("Magnesium bisglycinate 100 mg", Decimal("1"), "21:30"),
]


@dataclass
class DailyHistory:
    regimens: list
    logs: int
    start: dt.date


def replace_member(email: str, display_name: str, zone_name: str, password: str | None = None):
    """The member with this e-mail deleted (their doses first) and registered again, as
    accounts.services.register_member does it (a random password unless one is given)."""
    from accounts import services as account_services
    from accounts.models import User
    from tracking.models import IntakeLog

    old = User.objects.filter(email=email).first()
    if old is not None:
        IntakeLog.objects.filter(member=old).delete()
        old.delete()
    return account_services.register_member(
        email=email,
        password=password or secrets.token_urlsafe(24),
        display_name=display_name,
        timezone_name=zone_name,
    )


def access_token(member, device_name: str, user_agent: str) -> str:
    """A JWT access token of a new sign-in session (JWT_ACCESS_MINUTES long)."""
    from accounts import services as account_services

    session = account_services.start_session(member, device_name=device_name, user_agent=user_agent)
    return account_services.issue_tokens(session)["access"]


def analyze(*models) -> None:
    """Planner statistics for these tables, as autovacuum would have them on a live
    database (and may not soon enough here: autovacuum is off on the bench server)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')


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
    from django.utils import timezone

    zone = ZoneInfo(zone_name)
    today = timezone.localdate(timezone=zone)
    if years is not None:
        start = today.replace(year=today.year - years, day=min(today.day, 28))
    else:
        start = today - dt.timedelta(days=days)
    regimens = create_daily_plans(member, plans, start)
    logs = daily_logs(member, regimens, start, today, zone, rng, skip_rate, missing_rate)
    write_logs(member, logs)
    return DailyHistory(regimens=regimens, logs=len(logs), start=start)


def create_daily_plans(member, plans: list[tuple[str, Decimal, str]], start: dt.date) -> list:
    from tracking import services
    from tracking.models import Product

    return [
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


def daily_logs(
    member,
    regimens: list,
    start: dt.date,
    today: dt.date,
    zone: ZoneInfo,
    rng: random.Random,
    skip_rate: float,
    missing_rate: float,
) -> list:
    """Unsaved IntakeLogs, one per plan and day up to now (20 minutes early to 75 late),
    in the order taken."""
    from django.utils import timezone

    from tracking.models import IntakeLog

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
    return logs


def write_logs(member, logs: list) -> None:
    """bulk_create, each log stamped with its own tick of the member's clock, then
    created_at and updated_at set to taken_at."""
    from django.db import transaction
    from django.db.models import F

    from sync.models import SyncClock
    from tracking.models import IntakeLog

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
