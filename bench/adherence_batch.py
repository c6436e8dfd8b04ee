"""Nightly adherence batch benchmark (issue 3).

    .venv/bin/python bench/adherence_batch.py [--members 10000] [--naive 200] [--skip-generate]

On PostgreSQL (database `ossa_bench_batch`, dropped and recreated unless --skip-generate) it
generates members the way the services would have written them (user, sync clock, profile,
three daily regimens with their schedule history, ~13 weeks of intake logs) with COPY, then:

1. runs the nightly batch end to end: a real `celery -A backend worker --concurrency 2`
   subprocess, `recompute_everyone.delay()`, and waits until every member has a
   MemberComputation row computed since the start; three times: the first run (writes
   every snapshot and flag), the steady state (nothing changed, nothing written) and a
   typical night (each member's newest week made stale, so its rows are rewritten); each
   run split by stage (load, compute, write, refill) from the line each chunk logs;
2. times a deliberately naive implementation (per member, per day ORM queries, python loop,
   update_or_create per week) against `computation.recompute` on the same members,
   in-process, as members/second;
3. times `computation.recompute([member])` for random single members (p50/p95/p99).

`--only profile` splits one 500-member chunk into load / compute / write in each state and
writes cProfile (and pyinstrument, when importable) reports to --log-dir. `--reset` (with
--skip-generate) deletes computed rows so the next first run writes everything again; a
database generated once is reused with --skip-generate (its schema migrated first).

Every measurement waits for a quiet machine first and reports the CPU other processes took
meanwhile. Needs a PostgreSQL accepting `postgres` without a password and a Redis (see
--help); the Redis database given by --redis-url is emptied first.
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: `bench` must be importable

from bench import common  # noqa: E402
from bench.common import configure_environment, verdict  # noqa: E402

WEEKS = 13
LOG_DAYS = WEEKS * 7  # days of logged history per member, ending today
# (zone, share of members); New York members use imperial units.
ZONES = [
    ("Europe/Amsterdam", 0.40),
    ("America/New_York", 0.30),
    ("Asia/Tokyo", 0.15),
    ("UTC", 0.15),
]
K2 = "Vitamin K2 MK-7 90 mcg"
D3 = "Vitamin D3 25 mcg (1000 IU)"
CALCIUM = "Calcium citrate 315 mg"
MORNING = ["07:00", "07:30", "08:00", "08:30", "09:00"]
EVENING = ["19:00", "20:00", "21:00", "22:00"]
# Share of members who take calcium twice a day (morning and evening); the others take it
# once, in the evening. 4 doses a day for everyone would give 3.3 M logs instead of the
# issue's ~2.7 M.
CALCIUM_TWICE = 0.4
# Share of the twice-a-day members who went from once to twice during the window: their
# calcium regimen has two schedule versions, as services._record_schedule writes them.
SCHEDULE_CHANGED = 0.1
FORGET_MAX = 0.20  # per member: forgotten share of doses, uniform 0..20 % (mean 10 %)
SKIPPED = 0.02  # share of logged doses logged as "skipped"

TARGET_BATCH_S = 60.0  # issue 18: 10,000 members / 2.7 M logs
TARGET_RATIO = 20.0
TARGET_P50_MS = 50.0

UUID_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
UUID_V4_SET = (0x4000 << 64) | (0x8000 << 48)


# --- Data generation ------------------------------------------------------------------
def new_uuid(rng: random.Random) -> str:
    """A version-4 UUID from the seeded generator, as PostgreSQL text."""
    n = (rng.getrandbits(128) & UUID_V4_CLEAR) | UUID_V4_SET
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Stamps:
    """UTC epoch seconds → 'YYYY-MM-DD HH:MM:SS+00', with the date part cached."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}

    def __call__(self, ts: int) -> str:
        day, secs = divmod(ts, 86400)
        prefix = self.days.get(day)
        if prefix is None:
            prefix = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()
            self.days[day] = prefix
        hours, rest = divmod(secs, 3600)
        return f"{prefix} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}+00"


class DueTimes:
    """(zone, local date, "HH:MM") → UTC epoch seconds, cached: a few zones and times."""

    def __init__(self) -> None:
        self.cache: dict[tuple[str, dt.date, str], int] = {}

    def __call__(self, zone: str, day: dt.date, at: str) -> int:
        key = (zone, day, at)
        value = self.cache.get(key)
        if value is None:
            local = dt.datetime.combine(day, dt.time.fromisoformat(at), tzinfo=ZoneInfo(zone))
            value = int(local.timestamp())
            self.cache[key] = value
        return value


def pick_zone(rng: random.Random) -> str:
    roll, acc = rng.random(), 0.0
    for zone, share in ZONES:
        acc += share
        if roll < acc:
            return zone
    return ZONES[-1][0]


def profile_values(rng: random.Random, today: dt.date) -> dict:
    """Age, sex and life stage spread so every life-stage and profile-gap rule has work."""
    roll = rng.random()
    if roll < 0.05:
        age = rng.randint(12, 17)  # children on an adult MK-7 dose
    elif roll < 0.15:
        age = rng.randint(18, 29)
    elif roll < 0.40:
        age = rng.randint(30, 44)
    elif roll < 0.70:
        age = rng.randint(45, 60)
    else:
        age = rng.randint(61, 85)
    born = today - dt.timedelta(days=age * 365 + rng.randint(0, 364) + age // 4)
    sex_roll = rng.random()
    sex = "female" if sex_roll < 0.60 else "male" if sex_roll < 0.95 else ""
    menopause, final_period, pregnant, lactating = "unknown", None, False, False
    if sex == "female":
        if age < 45:
            menopause = "pre" if rng.random() < 0.7 else "unknown"
            pregnant = 25 <= age <= 40 and rng.random() < 0.03
            lactating = not pregnant and 25 <= age <= 40 and rng.random() < 0.03
        elif age <= 60:
            menopause = rng.choice(["pre", "peri", "post", "unknown", "unknown"])
        else:
            menopause = "post" if rng.random() < 0.8 else "unknown"
        if menopause == "post" and rng.random() < 0.5:
            final_period = born + dt.timedelta(days=rng.randint(45 * 365, min(age, 56) * 365))
    if rng.random() < 0.04:
        born = None  # no date of birth: the birth-date gap flag
    return {
        "date_of_birth": born,
        "sex": sex,
        "menopause_status": menopause,
        "final_period_date": final_period,
        "pregnant": pregnant,
        "lactating": lactating,
        "weight_kg": Decimal(rng.randint(450, 1050)) / 10,
    }


def text(value) -> str:
    """One COPY text field."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


class Generated:
    def __init__(self, suffixes: dict[str, str]) -> None:
        self.tables: dict[str, io.StringIO] = defaultdict(io.StringIO)
        self.counts: dict[str, int] = defaultdict(int)
        self.suffixes = suffixes

    def add(self, table: str, *values) -> None:
        self.tables[table].write("\t".join(map(text, values)) + self.suffixes[table])
        self.counts[table] += 1


COLUMNS = {
    "accounts_user": (
        "id, password, last_login, is_superuser, email, display_name, is_active, is_staff, "
        "date_joined, last_activity_at"
    ),
    "sync_syncclock": "member_id, value",
    "accounts_profile": (
        "id, created_at, updated_at, server_version, deleted_at, date_of_birth, sex, "
        "menopause_status, final_period_date, pregnant, lactating, weight_kg, timezone, units, "
        "reminder_weekday, reminder_time, remind_in_app, remind_by_push, remind_by_email, "
        "quiet_hours_start, quiet_hours_end, user_id"
    ),
    "tracking_regimen": (
        "id, created_at, updated_at, server_version, deleted_at, servings_per_dose, "
        "schedule_kind, times, weekdays, day_of_month, interval_days, start_date, end_date, "
        "note, member_id, product_id"
    ),
    "tracking_regimenschedule": (
        "effective_from, servings_per_dose, schedule_kind, times, weekdays, day_of_month, "
        "interval_days, regimen_id"
    ),
    "tracking_intakelog": (
        "id, created_at, updated_at, server_version, deleted_at, servings, taken_at, status, "
        "note, source, member_id, product_id"
    ),
}
# Logs name their regimen too; kept apart from COLUMNS so the order above stays readable.
COLUMNS["tracking_intakelog"] += ", regimen_id"


def default_columns() -> tuple[dict[str, str], dict[str, str]]:
    """Columns the generator does not name but the schema may have gained since (a field
    with a default the ORM fills in): table → extra column list and the constant COPY text
    appended to each row, so a new NOT NULL column with a default needs no change here."""
    from django.apps import apps

    models = {m._meta.db_table: m for m in apps.get_models()}
    columns, suffixes = {}, {}
    for table, named in COLUMNS.items():
        given = {c.strip() for c in named.split(",")}
        extra, values = [], []
        for field in models[table]._meta.concrete_fields:
            if field.column in given or field.primary_key or field.null:
                continue
            blank_text = field.blank and field.empty_strings_allowed  # get_default() is ""
            if not field.has_default() and not blank_text:
                raise RuntimeError(f"{table}.{field.column} has no default: generate it")
            value = field.get_default()
            extra.append(field.column)
            values.append(json.dumps(value) if isinstance(value, dict | list) else text(value))
        columns[table] = ", ".join([named, *extra])
        suffixes[table] = "".join(f"\t{v}" for v in values) + "\n"
    return columns, suffixes


@dataclass
class NewMember:
    """Who generate_member() is writing: their id and number, zone, and logged window."""

    id: str
    index: int
    zone: str
    today: dt.date  # in the member's zone
    start: dt.date  # the first day of logged history


def generate_member(out: Generated, rng: random.Random, index: int, ctx: dict) -> None:
    """One member as register_member, create_regimen / update_regimen and log_intake leave
    them: every syncable row stamped from the member's clock, in the order it was written."""
    member_id = new_uuid(rng)
    zone = pick_zone(rng)
    today = ctx["now"].astimezone(ZoneInfo(zone)).date()
    member = NewMember(member_id, index, zone, today, today - dt.timedelta(days=LOG_DAYS - 1))
    clock = add_user_and_profile(out, rng, ctx, member)
    plans, changed_on = pick_plans(rng, member)
    created_ts = ctx["due"](zone, member.start, "07:00") - rng.randint(3600, 86400)
    forget = rng.uniform(0, FORGET_MAX)
    logs: list[tuple[int, str, str, str, str]] = []  # (taken_at, status, product, regimen, id)
    regimens = []
    for product_name, versions in plans:
        regimen_id = new_uuid(rng)
        product_id = ctx["products"][product_name]
        clock += 1
        regimens.append([regimen_id, clock, product_id, versions])
        add_schedules(out, regimen_id, versions)
        logs += dose_logs(rng, ctx, member, versions, forget, product_id, regimen_id)
    logs.sort()
    # A changed schedule was saved again later: that edit stamped the regimen then.
    add_regimens(out, ctx, member, regimens, created_ts, edited_version=clock + len(logs) + 1)
    clock = add_logs(out, rng, ctx, member, logs, clock)
    if changed_on:
        clock += 1
    out.add("sync_syncclock", member_id, clock)


def add_user_and_profile(out: Generated, rng: random.Random, ctx: dict, member: NewMember) -> int:
    """The user and their profile, joined up to 30 days before their history starts;
    returns the member's clock after the profile's stamp."""
    stamp = ctx["stamp"]
    joined_ts = ctx["due"](member.zone, member.start, "12:00") - rng.randint(0, 30 * 86400)
    out.add(
        "accounts_user",
        member.id,
        "!",  # an unusable password, as set_unusable_password stores it (prefix only)
        None,
        False,
        f"member{member.index:05d}@bench.ossa.invalid",
        f"Member {member.index}",
        True,
        False,
        stamp(joined_ts),
        None,
    )
    clock = 2  # SyncClock's default is 1; the profile's write ticks it
    profile = profile_values(rng, member.today)
    out.add(
        "accounts_profile",
        member.id,  # the profile's id equals the user's
        stamp(joined_ts),
        stamp(joined_ts),
        clock,
        None,
        profile["date_of_birth"],
        profile["sex"],
        profile["menopause_status"],
        profile["final_period_date"],
        profile["pregnant"],
        profile["lactating"],
        profile["weight_kg"],
        member.zone,
        "imperial" if member.zone == "America/New_York" else "metric",
        7,
        "18:00:00",
        True,
        True,
        True,
        None,
        None,
        member.id,
    )
    return clock


def pick_plans(rng: random.Random, member: NewMember) -> tuple[list, dt.date | None]:
    """K2 and D3 in the morning, calcium in the evening or twice a day (some switched to
    twice during the window): (product, [(effective from, times)]) and the switch's date."""
    morning, evening = rng.choice(MORNING), rng.choice(EVENING)
    twice = rng.random() < CALCIUM_TWICE
    changed_on = None
    if twice and rng.random() < SCHEDULE_CHANGED:
        changed_on = member.today - dt.timedelta(days=rng.randint(14, 60))
    start = member.start
    plans = [
        (K2, [(start, [morning])]),
        (D3, [(start, [morning])]),
        (
            CALCIUM,
            [(start, [evening]), (changed_on, [morning, evening])]
            if changed_on
            else [(start, [morning, evening] if twice else [evening])],
        ),
    ]
    return plans, changed_on


def add_schedules(out: Generated, regimen_id: str, versions: list) -> None:
    for effective_from, times in versions:
        out.add(
            "tracking_regimenschedule",
            effective_from,
            "1.00",
            "daily",
            json.dumps(times),
            "[]",
            None,
            None,
            regimen_id,
        )


def dose_logs(
    rng: random.Random,
    ctx: dict,
    member: NewMember,
    versions: list,
    forget: float,
    product_id: str,
    regimen_id: str,
) -> list[tuple[int, str, str, str, str]]:
    """Every dose of one plan over the window, but the forgotten share: 80 % within half
    an hour early to an hour late, 13 % later, 7 % earlier; none in the future."""
    starts = [v[0] for v in versions]
    logs = []
    for offset in range(LOG_DAYS):
        day = member.start + dt.timedelta(days=offset)
        times = versions[bisect.bisect_right(starts, day) - 1][1]
        for at in times:
            due_ts = ctx["due"](member.zone, day, at)
            if rng.random() < forget:
                continue
            roll = rng.random()
            if roll < 0.80:
                delta = rng.randint(-30 * 60, 60 * 60)
            elif roll < 0.93:
                delta = rng.randint(60 * 60, 4 * 60 * 60)  # late, partly off the window
            else:
                delta = rng.randint(-2 * 60 * 60, -30 * 60)
            taken_ts = due_ts + delta
            if taken_ts > ctx["now_ts"]:
                continue
            status = "skipped" if rng.random() < SKIPPED else "taken"
            logs.append((taken_ts, status, product_id, regimen_id, new_uuid(rng)))
    return logs


def add_regimens(
    out: Generated,
    ctx: dict,
    member: NewMember,
    regimens: list,
    created_ts: int,
    edited_version: int,
) -> None:
    """The regimens as last saved: a changed schedule carries its newest times and the
    stamp of the edit (`edited_version`), the others their creation's."""
    stamp, now_ts = ctx["stamp"], ctx["now_ts"]
    for regimen_id, stamp_value, product_id, versions in regimens:
        changed = len(versions) > 1
        version = edited_version if changed else stamp_value
        updated = ctx["due"](member.zone, versions[-1][0], "10:00") if changed else created_ts
        out.add(
            "tracking_regimen",
            regimen_id,
            stamp(created_ts),
            stamp(min(updated, now_ts)),
            version,
            None,
            "1.00",
            "daily",
            json.dumps(versions[-1][1]),
            "[]",
            None,
            None,
            member.start,
            None,
            "",
            member.id,
            product_id,
        )


def add_logs(
    out: Generated, rng: random.Random, ctx: dict, member: NewMember, logs: list, clock: int
) -> int:
    """The intake logs in the order taken, each logged up to 15 minutes later with its own
    tick of the clock; returns the clock after them."""
    stamp, now_ts = ctx["stamp"], ctx["now_ts"]
    for taken_ts, status, product_id, regimen_id, log_id in logs:
        clock += 1
        logged = stamp(min(taken_ts + rng.randint(0, 900), now_ts))
        out.add(
            "tracking_intakelog",
            log_id,
            logged,
            logged,
            clock,
            None,
            "1.00",
            stamp(taken_ts),
            status,
            "",
            "app" if rng.random() < 0.9 else "sync",
            member.id,
            product_id,
            regimen_id,
        )
    return clock


def generate(args, rng: random.Random) -> dict:
    """Write the members with COPY, a few hundred at a time, then analyze."""
    import psycopg
    from django.utils import timezone

    from tracking.models import Product

    now = timezone.now().replace(microsecond=0)
    products = {
        name: str(Product.objects.get(name=name, owner__isnull=True).id)
        for name in (K2, D3, CALCIUM)
    }
    ctx = {
        "now": now,
        "now_ts": int(now.timestamp()),
        "stamp": Stamps(),
        "due": DueTimes(),
        "products": products,
    }
    counts: dict[str, int] = defaultdict(int)
    timings = {"python": 0.0, "copy": 0.0}
    order = list(COLUMNS)
    columns, suffixes = default_columns()
    with psycopg.connect(f"{args.pg_url}/{args.database}") as conn:
        for first in range(0, args.members, args.copy_chunk):
            started = time.monotonic()
            out = Generated(suffixes)
            for index in range(first, min(first + args.copy_chunk, args.members)):
                generate_member(out, rng, index, ctx)
            timings["python"] += time.monotonic() - started
            started = time.monotonic()
            with conn.transaction(), conn.cursor() as cur:
                for table in order:
                    with cur.copy(f"COPY {table} ({columns[table]}) FROM STDIN") as copy:
                        copy.write(out.tables[table].getvalue())
                    counts[table] += out.counts[table]
            timings["copy"] += time.monotonic() - started
            done = min(first + args.copy_chunk, args.members)
            print(f"  {done} members, {counts['tracking_intakelog']:,} logs", end="\r")
        print()
        started = time.monotonic()
        conn.autocommit = True
        for table in order:
            conn.execute(f"VACUUM ANALYZE {table}")
        timings["analyze"] = time.monotonic() - started
    return {"counts": dict(counts), "timings": timings}


def row_counts() -> dict[str, int]:
    from django.db import connection

    tables = [
        "accounts_user",
        "accounts_profile",
        "sync_syncclock",
        "tracking_regimen",
        "tracking_regimenschedule",
        "tracking_intakelog",
        "tracking_adherencesnapshot",
        "tracking_flag",
        "tracking_membercomputation",
    ]
    with connection.cursor() as cur:
        result = {}
        for table in tables:
            cur.execute(f"SELECT count(*) FROM {table}")
            result[table] = cur.fetchone()[0]
    return result


# --- CPU accounting -------------------------------------------------------------------
def cpu_by_process(database: str, worker: set[int]) -> dict[int, tuple[str, float]]:
    """pid → (group, CPU seconds used so far). Groups: this process, the Celery worker and
    its children, PostgreSQL backends of the benchmark database, PostgreSQL's shared
    processes, Redis, and everything else (other databases' backends included)."""
    found = {}
    me = os.getpid()
    for pid, comm, fields in common.processes():
        cmdline = common.cmdline(pid)
        if cmdline is None:  # ended meanwhile
            continue
        ppid = int(fields[1])
        seconds = common.process_ticks(fields) / common.CLK_TCK
        if comm == "postgres" and (ppid == 1 or " -D " in cmdline):
            # The postmaster: what its backends used before they exited (any database).
            waited = (int(fields[13]) + int(fields[14])) / common.CLK_TCK
            found[-pid] = ("postgres (exited backends)", waited)
        if pid == me:
            group = "bench"
        elif pid in worker or ppid in worker:
            group = "worker"
        elif comm == "postgres":
            if f" {database} " in cmdline:
                group = "postgres (bench db)"
            elif "127.0.0.1(" in cmdline or "[local]" in cmdline:
                group = "other"  # a backend serving another database
            else:
                group = "postgres (shared)"
        elif comm == "redis-server":
            group = "redis"
        else:
            group = "other"
        found[pid] = (group, seconds)
    return found


def cpu_delta(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds per group between two samples (processes that ended meanwhile are lost)."""
    groups: dict[str, float] = defaultdict(float)
    for pid, (group, seconds) in after.items():
        groups[group] += seconds - before.get(pid, (group, 0.0))[1]
    return {k: round(v, 1) for k, v in sorted(groups.items())}


class Watched:
    """Waits for a quiet machine, then records the CPU each group used while the block ran
    and the share of the machine other processes took meanwhile (a disturbance gauge)."""

    def __init__(self, args, worker: set[int] | None = None) -> None:
        self.args, self.worker = args, worker or set()

    def __enter__(self) -> Watched:
        self.busy_before = common.wait_for_quiet(self.args.quiet_limit, self.args.quiet_timeout)
        self.before = cpu_by_process(self.args.database, self.worker)
        self.ticks_before = common.cpu_times()
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.monotonic() - self.started
        (total, idle), (total_before, idle_before) = common.cpu_times(), self.ticks_before
        self.cpu = cpu_delta(self.before, cpu_by_process(self.args.database, self.worker))
        capacity = self.wall * (os.cpu_count() or 1)
        self.other_share = self.cpu.get("other", 0.0) / capacity
        # The whole machine's busy time from /proc/stat, less what the groups we know used:
        # it also holds processes that started and ended during the block (a test run's
        # short-lived processes), which the per-process sample above cannot see.
        self.machine_busy = (total - total_before - idle + idle_before) / common.CLK_TCK
        known = sum(seconds for group, seconds in self.cpu.items() if group != "other")
        self.unattributed_share = max(0.0, self.machine_busy - known) / capacity

    def summary(self) -> dict:
        return {
            "busy_before": round(self.busy_before, 3),
            "cpu_s": self.cpu,
            "other_cpu_share": round(self.other_share, 3),
            "machine_busy_cpu_s": round(self.machine_busy, 1),
            "unattributed_cpu_share": round(self.unattributed_share, 3),
        }


# --- 1. The nightly batch with a real worker --------------------------------------------
def start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    command = common.celery_worker_command(2)
    log = open(log_path, "w")  # noqa: SIM115 - lives as long as the worker
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    from backend.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited early, see {log_path}")
        replies = app.control.ping(timeout=1.0)
        if replies:
            if len(replies) > 1:
                print(f"warning: {len(replies)} workers answer on this broker: {replies}")
            return process
    stop_worker(process)
    raise RuntimeError("the worker did not answer a ping within 60 s")


def worker_pids(process: subprocess.Popen) -> set[int]:
    children = {pid for pid, _, fields in common.processes() if int(fields[1]) == process.pid}
    return {process.pid} | children


def stop_worker(process: subprocess.Popen) -> None:
    common.stop_process(process, timeout=60)  # a warm shutdown lets running tasks finish


def run_batch(args, members: int, pids: set[int], label: str, log_path: Path) -> dict:
    from django.db import connection
    from django.db.models import Count, Max, Min
    from django.utils import timezone

    from tracking.models import AdherenceSnapshot, Flag, MemberComputation, NutrientDay
    from tracking.tasks import recompute_everyone

    log_offset = log_path.stat().st_size
    with Watched(args, pids) as watched:
        start = timezone.now()
        recompute_everyone.delay()
        done = 0
        deadline = time.monotonic() + args.batch_timeout
        while time.monotonic() < deadline:
            done = MemberComputation.objects.filter(computed_at__gte=start).count()
            if done >= members:
                break
            time.sleep(0.1)
    wall = watched.wall
    connection.close()
    runs = MemberComputation.objects.filter(computed_at__gte=start).aggregate(
        chunks=Count("computed_at", distinct=True),
        first=Min("computed_at"),
        last=Max("computed_at"),
    )
    written = {
        "snapshots": AdherenceSnapshot.objects.filter(updated_at__gte=start).count(),
        "flags": Flag.objects.filter(updated_at__gte=start).count(),
        "nutrient_days": NutrientDay.objects.filter(updated_at__gte=start).count(),
    }
    result = {
        "label": label,
        "members": members,
        "completed": done,
        "wall_s": round(wall, 2),
        "members_per_s": round(done / wall, 1),
        "chunks": runs["chunks"],
        "last_chunk_started_s": round((runs["last"] - start).total_seconds(), 2)
        if runs["last"]
        else None,
        "rows_written": written,
        "stages": chunk_stages(log_path, log_offset, runs["chunks"]),
        **watched.summary(),
    }
    print(
        f"  {label}: {done}/{members} members in {wall:.1f} s = {done / wall:.0f} members/s; "
        f"wrote {written['snapshots']} snapshots, {written['flags']} flags, "
        f"{written['nutrient_days']} nutrient days; "
        f"CPU s {watched.cpu}; other processes took {watched.other_share:.1%} of the machine "
        f"({watched.unattributed_share:.1%} counting the ones that ended meanwhile: machine "
        f"busy {watched.machine_busy:.1f} CPU-s)"
    )
    print_stages(result["stages"])
    return result


# The line tracking.tasks.recompute_chunk logs for each chunk.
CHUNK_LINE = re.compile(r"nightly chunk: (\d+) members, (\d+) rows written, seconds: (.*)$")
WORKERS = 2  # the worker's --concurrency


def chunk_stages(log_path: Path, offset: int, chunks: int, timeout: float = 15) -> dict:
    """The worker's chunk lines since `offset`, summed: members, and for each stage its
    worker-seconds and the members/s the two workers would reach if that stage were all
    there was. A chunk logs just after it has written its runs, so wait for the last."""
    deadline = time.monotonic() + timeout
    while True:
        with log_path.open() as log:
            log.seek(offset)
            found = [m for line in log if (m := CHUNK_LINE.search(line.rstrip()))]
        if len(found) >= chunks or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    members = sum(int(m[1]) for m in found)
    seconds: dict[str, float] = defaultdict(float)
    for match in found:
        for part in match[3].split(", "):
            stage, value = part.split(" ")
            seconds[stage] += float(value)
    total = sum(seconds.values()) or 1.0
    return {
        "chunks": len(found),
        "members": members,
        "rows_written": sum(int(m[2]) for m in found),
        "by_stage": {
            stage: {
                "worker_s": round(value, 2),
                "share": round(value / total, 3),
                "members_per_s": round(members * WORKERS / value) if value else None,
            }
            for stage, value in seconds.items()
        },
    }


def print_stages(stages: dict) -> None:
    parts = [
        f"{stage} {v['worker_s']:.1f} worker-s ({v['share']:.0%}, {v['members_per_s']} members/s)"
        for stage, v in stages["by_stage"].items()
    ]
    print(f"    by stage over {stages['chunks']} chunks: " + "; ".join(parts))


def touch_current_weeks(member_ids: list | None = None) -> int:
    """Make each member's newest week stale (taken + 1 on its rows), as a night after a day
    of logging finds it: the batch then rewrites those rows and nothing else."""
    from django.db import connection

    only = "WHERE member_id = ANY(%s)" if member_ids is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE tracking_adherencesnapshot s SET taken = s.taken + 1
            FROM (
                SELECT member_id, max(week_start) AS week_start
                FROM tracking_adherencesnapshot {only} GROUP BY member_id
            ) newest
            WHERE s.member_id = newest.member_id AND s.week_start = newest.week_start
            """,
            [list(member_ids)] if member_ids is not None else None,
        )
        touched = cursor.rowcount
        cursor.execute("VACUUM ANALYZE tracking_adherencesnapshot")
    return touched


def nightly(args, env: dict[str, str], members: int) -> list[dict]:
    import redis
    from django.db import connections

    redis.Redis.from_url(args.redis_url).flushdb()
    connections.close_all()
    log_path = Path(args.log_dir) / "adherence-batch-worker.log"
    # INFO for the chunks' stage lines (tracking.tasks), which chunk_stages reads.
    worker = start_worker({**env, "LOG_LEVEL": "INFO"}, log_path)
    try:
        pids = worker_pids(worker)
        runs = [
            run_batch(args, members, pids, "first run", log_path),
            run_batch(args, members, pids, "second run (steady state)", log_path),
        ]
        touched = touch_current_weeks()
        label = f"typical night ({touched:,} current-week rows stale)"
        runs.append(run_batch(args, members, pids, label, log_path))
    finally:
        stop_worker(worker)
    errors = common.error_lines(log_path.read_text())
    if errors:
        print(f"  the worker logged {len(errors)} error lines (see {log_path}), first: {errors[0]}")
    for run in runs:
        run["worker_errors"] = len(errors)
    return runs


# --- 2. The naive way -------------------------------------------------------------------
def naive_recompute(member_ids, now: dt.datetime) -> int:
    """Deliberately naive: for each member and each day of the window, ask the ORM for the
    member's regimens (with their schedule versions) and that day's logs, count scheduled
    and taken doses in python, then update_or_create one snapshot per regimen and week plus
    the overall one. Less than the engine does: no dose matching, timing, streaks, flags or
    nutrient totals, so the engine's ratio to it is a conservative one."""
    from accounts.models import Profile

    written = 0
    for member_id in member_ids:
        profile = Profile.objects.get(user_id=member_id)
        zone = ZoneInfo(profile.timezone)
        today = now.astimezone(zone).date()
        first = today - dt.timedelta(days=today.weekday(), weeks=WEEKS - 1)
        # week → regimen id (None: overall) → [scheduled, taken, skipped, days, covered]
        weeks: dict[dt.date, dict] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0, 0]))
        day = first
        while day <= today:
            monday = day - dt.timedelta(days=day.weekday())
            naive_day(member_id, day, zone, now, weeks[monday])
            day += dt.timedelta(days=1)
        written += naive_write(member_id, weeks)
    return written


def naive_day(member_id, day: dt.date, zone: ZoneInfo, now: dt.datetime, week: dict) -> None:
    """One day of one member, two queries, counted into its week's per-regimen and overall
    [scheduled, taken, skipped, days owed, days covered]."""
    from django.db.models import Q

    from tracking.models import IntakeLog, Regimen

    regimens = list(
        Regimen.objects.filter(member_id=member_id, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .prefetch_related("schedules")
    )
    day_start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    logs = list(
        IntakeLog.objects.filter(
            member_id=member_id,
            deleted_at__isnull=True,
            taken_at__gte=day_start,
            taken_at__lt=day_end,
        )
    )
    day_owed = day_covered = False
    for regimen in regimens:
        versions = [s for s in regimen.schedules.all() if s.effective_from <= day]
        times = max(versions, key=lambda s: s.effective_from).times if versions else []
        due = [
            at
            for at in times
            if dt.datetime.combine(day, dt.time.fromisoformat(at), tzinfo=zone) <= now
        ]
        mine = [log for log in logs if log.regimen_id == regimen.id]
        taken = min(len(due), sum(1 for log in mine if log.status == "taken"))
        skipped = min(len(due) - taken, sum(1 for log in mine if log.status == "skipped"))
        covered = bool(due) and taken == len(due)
        for key in (regimen.id, None):
            counts = week[key]
            counts[0] += len(due)
            counts[1] += taken
            counts[2] += skipped
        if due:
            counts = week[regimen.id]
            counts[3] += 1
            counts[4] += covered
            day_covered = covered if not day_owed else day_covered and covered
            day_owed = True
    if day_owed:
        week[None][3] += 1
        week[None][4] += day_covered


def naive_write(member_id, weeks: dict) -> int:
    """update_or_create one snapshot per (week, regimen or overall); returns how many."""
    from tracking.models import AdherenceSnapshot

    written = 0
    for monday, rows in weeks.items():
        for regimen_id, (scheduled, taken, skipped, days, covered) in rows.items():
            values = {
                "scheduled": scheduled,
                "taken": taken,
                "skipped": skipped,
                "days_in_period": days,
                "days_covered": covered,
                "dose_taking_pct": round(100 * taken / scheduled, 1) if scheduled else None,
                "pdc_pct": round(100 * covered / days, 1) if days else None,
            }
            AdherenceSnapshot.objects.update_or_create(
                member_id=member_id,
                regimen_id=regimen_id,
                week_start=monday,
                defaults=values,
                create_defaults={**values, "on_time": 0, "streak_days": 0},
            )
            written += 1
    return written


class QueryCounter:
    """Counts the SQL statements run on the default connection (an execute wrapper: no
    debug cursor, no 9,000-query log limit)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started

    def __enter__(self) -> QueryCounter:
        from django.db import connection

        connection.ensure_connection()
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._wrapper.__exit__(*exc)


def naive_vs_engine(args, all_ids: list) -> dict:
    """The naive loop, then the engine on the same members and `now` in three states:
    right after the naive run (it rewrites the rows whose values the naive loop got
    different), steady (nothing to write) and typical night (each member's newest week
    stale). Steady and typical night are repeated and the least disturbed run is kept."""
    from django.utils import timezone

    ids = random.Random(args.seed + 1).sample(all_ids, min(args.naive, len(all_ids)))
    now = timezone.now()
    result, naive_watch = time_naive(args, ids, now)
    states = [
        ("after naive", lambda: None, 1),
        ("steady", lambda: None, args.repeats),
        ("typical night", lambda: touch_current_weeks(ids), args.repeats),
    ]
    for label, prepare, repeats in states:
        best = None
        for _ in range(repeats):
            prepare()
            run = time_engine(args, ids, now, naive_watch)
            if best is None or run["other_cpu_share"] < best["other_cpu_share"]:
                best = run
        result["engine"][label] = best
        print(
            f"  engine, {label}: {best['s']:.2f} s = {best['members_per_s']:.0f} members/s "
            f"({best['rows_written']} rows written, {best['queries']} queries) = "
            f"{best['ratio']}x naive (CPU: {best['cpu_ratio']}x); other processes took "
            f"{best['other_cpu_share']:.1%}"
        )
    return result


def own_cpu(watched: Watched) -> float:
    """This process and its PostgreSQL backend: the work itself, whatever else ran."""
    return watched.cpu.get("bench", 0.0) + watched.cpu.get("postgres (bench db)", 0.0)


def snapshot_values(ids: list) -> dict:
    from tracking.models import AdherenceSnapshot

    rows = AdherenceSnapshot.objects.filter(member_id__in=ids, deleted_at__isnull=True)
    return {
        (r.member_id, r.regimen_id, r.week_start): (r.scheduled, r.taken, r.skipped) for r in rows
    }


def time_naive(args, ids: list, now: dt.datetime) -> tuple[dict, Watched]:
    """The naive loop on these members, and how many of its rows agree with the engine's."""
    engine_values = snapshot_values(ids)
    with Watched(args) as naive_watch, QueryCounter() as naive_queries:
        written = naive_recompute(ids, now)
    naive_values = snapshot_values(ids)
    agree = sum(1 for k, v in naive_values.items() if engine_values.get(k) == v)
    n = len(ids)
    result = {
        "members": n,
        "naive_s": round(naive_watch.wall, 2),
        "naive_members_per_s": round(n / naive_watch.wall, 2),
        "naive_cpu_s": round(own_cpu(naive_watch), 1),
        "naive_queries": naive_queries.count,
        "naive_rows_written": written,
        "naive_rows_agreeing_on_scheduled_taken_skipped": f"{agree}/{len(naive_values)}",
        "naive_watched": naive_watch.summary(),
        "engine": {},
    }
    print(
        f"  naive: {n} members in {naive_watch.wall:.1f} s = {n / naive_watch.wall:.1f} "
        f"members/s ({naive_queries.count} queries, {written} rows written; "
        f"{result['naive_rows_agreeing_on_scheduled_taken_skipped']} rows agree with the "
        f"engine on scheduled/taken/skipped); other processes took "
        f"{naive_watch.other_share:.1%} of the machine"
    )
    return result, naive_watch


def time_engine(args, ids: list, now: dt.datetime, naive_watch: Watched) -> dict:
    """computation.recompute on the same members, against the naive run."""
    from tracking import computation

    with Watched(args) as watched, QueryCounter() as queries:
        summary = computation.recompute(ids, now)
    return {
        "s": round(watched.wall, 3),
        "members_per_s": round(len(ids) / watched.wall, 1),
        "cpu_s": round(own_cpu(watched), 2),
        "rows_written": summary.rows_written,
        "queries": queries.count,
        "ratio": round(naive_watch.wall / watched.wall, 1),
        "cpu_ratio": round(own_cpu(naive_watch) / max(own_cpu(watched), 0.01), 1),
        **watched.summary(),
    }


# --- 3. Per-member latency --------------------------------------------------------------
def per_member_latency(args, all_ids: list) -> dict:
    from tracking import computation

    ids = random.Random(args.seed + 2).sample(all_ids, min(args.latency, len(all_ids)))
    for member_id in ids[:3]:
        computation.recompute([member_id])  # warm-up: connection, caches
    times = []
    with Watched(args) as watched:
        for member_id in ids:
            started = time.perf_counter()
            computation.recompute([member_id])
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    pct = statistics.quantiles(times, n=100, method="inclusive")
    result = {
        "members": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(pct[94], 1),
        "p99_ms": round(pct[98], 1),
        "max_ms": round(times[-1], 1),
        "mean_ms": round(statistics.fmean(times), 1),
        **watched.summary(),
    }
    print(
        f"  recompute([member]) x{len(times)}: p50 {result['p50_ms']} ms, p95 "
        f"{result['p95_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms; other "
        f"processes took {watched.other_share:.1%} of the machine"
    )
    return result


def forget_computed(ids: list) -> None:
    """Delete these members' snapshots, flags, nutrient days and targets and runs: their
    next recompute writes everything, as in the first nightly run."""
    from tracking.models import (
        AdherenceSnapshot,
        Flag,
        MemberComputation,
        NutrientDay,
        NutrientTarget,
    )

    for model in (AdherenceSnapshot, Flag, NutrientDay, NutrientTarget, MemberComputation):
        model.objects.filter(member_id__in=ids).delete()


def phases(ids: list) -> dict[str, float]:
    """computation.recompute's three steps, timed apart, for one chunk (with the cycle
    collector paused, as recompute pauses it)."""
    from tracking import computation

    with computation._cyclic_gc_paused():
        return _timed_phases(ids)


def _timed_phases(ids: list) -> dict[str, float]:
    from django.utils import timezone

    from tracking import computation

    now = timezone.now()
    timings = {}
    with QueryCounter() as load_sql:
        started = time.perf_counter()
        data = computation.load(ids, now)
        timings["load"] = time.perf_counter() - started
    started = time.perf_counter()
    results = [computation.compute(member, now) for member in data]
    timings["compute"] = time.perf_counter() - started
    with QueryCounter() as write_sql:
        started = time.perf_counter()
        summary = computation.write(results, now)
        timings["write"] = time.perf_counter() - started
    timings["total"] = sum(timings.values())
    # Inside execute (psycopg round trips and PostgreSQL), the rest of load/write is python.
    timings["load_in_sql"] = load_sql.seconds
    timings["write_in_sql"] = write_sql.seconds
    timings = {k: round(v, 2) for k, v in timings.items()}
    return timings | {"rows_written": summary.rows_written}


def profile_chunk(args, all_ids: list) -> dict:
    """One batch-sized chunk in-process (the first chunk the batch would hand out): its
    load / compute / write split in three states (steady: nothing changed; typical night:
    the newest week's rows stale; first run: nothing stored), then profiled in each state
    (cProfile, and pyinstrument when it can be imported, e.g. with
    PYTHONPATH=/tmp/prof-venv/lib/python3.11/site-packages)."""
    from tracking import computation

    ids = all_ids[: min(500, len(all_ids))]
    computation.recompute(ids[:5])  # warm-up
    computation.recompute(ids)  # whatever an earlier run left, start from steady state
    states = {
        "steady": lambda: None,
        "typical-night": lambda: touch_current_weeks(ids),
        "first-run": lambda: forget_computed(ids),
    }
    result = {}
    for label, prepare in states.items():
        prepare()
        common.wait_for_quiet(args.quiet_limit, args.quiet_timeout)
        result[label] = phases(ids)
        print(f"  {len(ids)}-member chunk, {label}, seconds: {result[label]}")

    log_dir = Path(args.log_dir)
    for label, prepare in states.items():
        prepare()
        profiler = cProfile.Profile()
        profiler.enable()
        computation.recompute(ids)
        profiler.disable()
        profiler.dump_stats(log_dir / f"adherence-batch-{label}.prof")
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(40)
        (log_dir / f"adherence-batch-{label}.cprofile.txt").write_text(stream.getvalue())
        try:
            from pyinstrument import Profiler
        except ImportError:
            continue
        prepare()
        sampler = Profiler(interval=0.001)
        sampler.start()
        computation.recompute(ids)
        sampler.stop()
        report = sampler.output_text(unicode=False, color=False, show_all=False)
        (log_dir / f"adherence-batch-{label}.pyinstrument.txt").write_text(report)
    print(f"  profiles written to {log_dir}/adherence-batch-*")
    return result


# --- Report ---------------------------------------------------------------------------
def code_version() -> dict[str, object]:
    """The commit measured and the engine files that differ from it (read-only git)."""
    paths = ["tracking", "sync", "accounts", "backend"]
    exported = ROOT / "COMMIT"  # a `git archive` snapshot: the commit it was taken from
    if exported.exists():
        return {"root": str(ROOT), "commit": exported.read_text().strip()}
    return {
        "root": str(ROOT),
        "commit": common.git("rev-parse", "--short", "HEAD"),
        "changed_since_commit": common.git("diff", "--name-only", "HEAD", "--", *paths).split(),
    }


def print_summary(results: dict) -> None:
    print()
    print("| measure | figure | target | |")
    print("|---|---|---|---|")
    for run in results.get("batch", []):
        ok = run["completed"] == run["members"] and run["wall_s"] <= TARGET_BATCH_S
        print(
            f"| nightly batch, {run['label']}, {run['members']:,} members | "
            f"{run['wall_s']:.1f} s ({run['members_per_s']:.0f} members/s) | "
            f"≤ {TARGET_BATCH_S:.0f} s | {verdict(ok)} |"
        )
        by_stage = run.get("stages", {}).get("by_stage", {})
        if by_stage:
            seconds = " · ".join(f"{k} {v['worker_s']:.1f}" for k, v in by_stage.items())
            rates = " / ".join(str(v["members_per_s"]) for v in by_stage.values())
            print(
                f"| by stage, worker-seconds (members/s at {WORKERS} workers) | {seconds} "
                f"({rates}) | | |"
            )
    naive = results.get("naive")
    if naive:
        print(
            f"| naive per-member/per-day ORM loop, {naive['members']} members | "
            f"{naive['naive_members_per_s']:.1f} members/s | | |"
        )
        for label, run in naive["engine"].items():
            print(
                f"| computation.recompute, same members, {label} ({run['rows_written']} rows "
                f"written) | {run['members_per_s']:.0f} members/s = {run['ratio']}x naive | "
                f"≥ {TARGET_RATIO:.0f}x | {verdict(run['ratio'] >= TARGET_RATIO)} |"
            )
    latency = results.get("latency")
    if latency:
        print(
            f"| recompute([member]) p50 / p95 / p99, {latency['members']} members | "
            f"{latency['p50_ms']} / {latency['p95_ms']} / {latency['p99_ms']} ms | "
            f"p50 ≤ {TARGET_P50_MS:.0f} ms | {verdict(latency['p50_ms'] <= TARGET_P50_MS)} |"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--naive", type=int, default=200, help="members for the naive loop")
    parser.add_argument("--latency", type=int, default=300, help="members timed one by one")
    parser.add_argument(
        "--skip-generate", action="store_true", help="reuse the data already in the database"
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="with --skip-generate: delete computed snapshots, flags and runs first, so the "
        "first batch run writes everything again",
    )
    parser.add_argument(
        "--only",
        default="batch,naive,latency",
        help="comma-separated subset of batch, naive, latency, profile",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each short engine measurement"
    )
    parser.add_argument("--copy-chunk", type=int, default=500, help="members per COPY round")
    parser.add_argument("--batch-timeout", type=float, default=900)
    parser.add_argument("--quiet-limit", type=float, default=0.15, help="busy share to wait for")
    parser.add_argument("--quiet-timeout", type=float, default=60)
    common.add_service_arguments(
        parser, database="ossa_bench_batch", redis_url="redis://127.0.0.1:6379/1"
    )
    parser.add_argument("--log-dir", default="/tmp")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    return parser.parse_args()


def prepare_data(args, results: dict) -> None:
    """The members generated anew, or (--skip-generate) reused, their computed rows
    deleted first with --reset; the schema migrated either way."""
    if not args.skip_generate:
        common.recreate_database(args.pg_url, args.database)
    # Always: the schema must match the code even when the data is reused.
    results["migrate_s"] = round(common.setup_django(migrate=True), 1)
    if not args.skip_generate:
        started = time.monotonic()
        generated = generate(args, random.Random(args.seed))
        generated["total_s"] = round(time.monotonic() - started, 1)
        results["generate"] = generated
        t = generated["timings"]
        print(
            f"generated in {generated['total_s']} s (python {t['python']:.1f} s, COPY "
            f"{t['copy']:.1f} s, VACUUM ANALYZE {t['analyze']:.1f} s): {generated['counts']}"
        )
    elif args.reset:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE tracking_adherencesnapshot, tracking_flag, tracking_nutrientday, "
                "tracking_nutrienttarget, tracking_membercomputation"
            )


def main() -> int:
    args = parse_args()
    wanted = set(args.only.split(","))
    # backend.settings: the worker this benchmark starts needs no benchmark URLs.
    env = configure_environment(args, settings="backend.settings")
    results: dict = {"args": vars(args) | {"json": str(args.json)}}
    prepare_data(args, results)

    from accounts.models import Profile

    results["machine"] = common.machine(postgresql=True)
    results["code"] = code_version()
    members = Profile.objects.filter(user__is_active=True).count()
    all_ids = list(Profile.objects.order_by("user_id").values_list("user_id", flat=True))
    print(f"{members} members; machine {results['machine']}; code {results['code']}")

    if "batch" in wanted:
        print("nightly batch, celery worker --concurrency 2:")
        results["batch"] = nightly(args, env, members)
    if "naive" in wanted:
        print("naive vs engine, in-process:")
        results["naive"] = naive_vs_engine(args, all_ids)
    if "latency" in wanted:
        print("per-member latency, in-process:")
        results["latency"] = per_member_latency(args, all_ids)
    if "profile" in wanted:
        print("one chunk in-process, phases and profiles:")
        results["profile"] = profile_chunk(args, all_ids)
    results["rows"] = row_counts()
    print(f"rows: {results['rows']}")
    print_summary(results)
    if args.json:
        common.write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
