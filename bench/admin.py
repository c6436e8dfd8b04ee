"""The dietitian's "My clients" list with 500 consenting clients (issue 6).

    .venv/bin/python bench/admin.py [--clients 500] [--runs 30]

On PostgreSQL (database `ossa_bench_admin`, created and migrated if missing) it seeds one
dietitian, N members who each granted her a care link, 13 weeks of overall adherence and a
few active flags per member, then renders /admin/tracking/client/ in-process through the
whole Django stack (sessions, admin, unfold templates) with django.test.Client: the first
page (50 rows), the list sorted by lowest PDC, a flag-severity filter and the last page.
Server time is the wall time of Client.get; SQL statements are counted on a separate
untimed request.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: `bench` must be importable

from bench import common  # noqa: E402

DATABASE = "ossa_bench_admin"
PG = common.PG_URL
DIETITIAN_EMAIL = "dana@bench.invalid"
CLIENT_EMAIL = "c{}@clients.bench.invalid"
FLAG_CODES = [("low_pdc", "warning"), ("vitamin_k_with_vka", "critical"), ("d3_without_k2", "info")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup_django()
    dietitian = seed(args.clients)
    measure(dietitian, args.runs)


def setup_django() -> None:
    os.environ.update(
        DATABASE_URL=f"{PG}/{DATABASE}",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6"),
        DJANGO_SETTINGS_MODULE="backend.settings",
        ALLOWED_HOSTS="testserver,localhost",
    )
    common.ensure_database(PG, DATABASE)
    common.setup_django()


def seed(count: int):
    """Dana the dietitian and `count` clients who granted her a care link, each with 13
    weeks of overall adherence and up to three active flags; kept when already there."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from accounts.models import CareLink, User

    if User.objects.filter(email=DIETITIAN_EMAIL).exists():
        dana = User.objects.get(email=DIETITIAN_EMAIL)
        if CareLink.objects.filter(dietitian=dana).count() == count:
            return dana
        User.objects.filter(email__endswith="@clients.bench.invalid").delete()
    else:
        dana = User.objects.create_user(DIETITIAN_EMAIL, "bench password 123", is_staff=True)
        dana.groups.add(Group.objects.get(name="Dietitians"))
    rng = random.Random(6)
    started = time.perf_counter()
    with transaction.atomic():
        members = create_clients(dana, count, rng)
        create_snapshots(members, rng)
        create_flags(members, rng)
    print(f"seeded {count} clients in {time.perf_counter() - started:.1f} s")
    return dana


def create_clients(dana, count: int, rng: random.Random) -> list:
    """Members with a profile and a sync clock, each linked to Dana."""
    from django.utils import timezone

    from accounts.models import CareLink, Profile, User
    from sync.models import SyncClock

    now = timezone.now()
    members = User.objects.bulk_create(
        User(email=CLIENT_EMAIL.format(n), display_name=f"Client {n}", password="!")
        for n in range(count)
    )
    Profile.objects.bulk_create(
        Profile(
            id=m.id,
            user=m,
            timezone=rng.choice(["Europe/Amsterdam", "America/New_York", "Asia/Tokyo"]),
            date_of_birth=date(rng.randint(1940, 2005), rng.randint(1, 12), 1),
            sex=rng.choice(["female", "male"]),
            menopause_status=rng.choice(["pre", "post", "unknown"]),
        )
        for m in members
    )
    SyncClock.objects.bulk_create(SyncClock(member=m, value=1) for m in members)
    CareLink.objects.bulk_create(
        CareLink(member=m, dietitian=dana, granted_at=now, expires_at=now) for m in members
    )
    return members


def create_snapshots(members: list, rng: random.Random) -> None:
    """13 weeks of overall adherence per member, 8 to 21 of 21 doses taken."""
    from tracking.models import AdherenceSnapshot

    monday = date.today() - timedelta(days=date.today().weekday())
    AdherenceSnapshot.objects.bulk_create(
        AdherenceSnapshot(
            member=m,
            week_start=monday - timedelta(weeks=w),
            scheduled=21,
            taken=(taken := rng.randint(8, 21)),
            on_time=taken,
            skipped=0,
            days_covered=min(7, taken // 3),
            days_in_period=7,
            dose_taking_pct=round(taken / 21 * 100, 1),
            timing_pct=round(taken / 21 * 100, 1),
            pdc_pct=round(min(7, taken // 3) / 7 * 100, 1),
            streak_days=0,
        )
        for m in members
        for w in range(13)
    )


def create_flags(members: list, rng: random.Random) -> None:
    """Zero to three of FLAG_CODES per member, active."""
    from django.utils import timezone

    from tracking.models import Flag

    now = timezone.now()
    Flag.objects.bulk_create(
        Flag(
            member=m,
            code=code,
            subject="",
            severity=severity,
            title=code.replace("_", " "),
            explanation="Benchmark flag.",
            evidence={},
            source="SEED",
            first_seen_at=now,
        )
        for m in members
        for code, severity in rng.sample(FLAG_CODES, rng.randint(0, 3))
    )


class QueryCounter(list):
    """An execute wrapper that records each statement it lets through."""

    def __call__(self, execute, sql, params, many, context):
        self.append(sql)
        return execute(sql, params, many, context)


def measure(dietitian, runs: int) -> None:
    from django.db import connection
    from django.test import Client

    browser = Client()
    browser.force_login(dietitian)
    cases = [
        ("first page (50 rows)", "/admin/tracking/client/"),
        ("sorted by lowest PDC", "/admin/tracking/client/?o=6"),
        ("severity filter: critical", "/admin/tracking/client/?severity=critical"),
        ("last page", "/admin/tracking/client/?p=10"),
    ]
    print(f"\n{'case':32} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'rows':>6}")
    for name, url in cases:
        response = browser.get(url)
        assert response.status_code == 200, (url, response.status_code)
        rows = response.content.decode().count('class="field-pdc')  # one cell per row
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            browser.get(url)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            browser.get(url)
            times.append((time.perf_counter() - started) * 1000)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        print(f"{name:32} {p50:8.1f} {p95:8.1f} {len(queries):8d} {rows:6d}")
    print(f"\n1-minute load at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
