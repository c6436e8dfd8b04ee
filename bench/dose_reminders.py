"""Dose-reminder benchmark (issue 17, "Exactly once at scale"): `bench/reminders.py --doses`.

    .venv/bin/python bench/reminders.py --doses                  # seed 1 M members, measure
    .venv/bin/python bench/reminders.py --doses --skip-generate  # reuse them

On PostgreSQL (database `ossa_bench_doses`, dropped, created and migrated) it seeds
--members members in SQL (INSERT ... SELECT FROM generate_series, foreign-key triggers off):
a user, a profile in a zone drawn from every IANA zone, a sync clock, one Web Push device
each (endpoints on the local push service, keys from a pool of 16 P-256 pairs kept in
bench_dose_meta) and three daily plans that remind (levothyroxine, vitamin D3, calcium
citrate), each at a quarter hour drawn uniformly from the 96 of the day, with its schedule
version and `next_dose_reminder_at` as tracking.services leaves it: the first moment after
SEED_FROM (BASE - 16 min, BASE a fixed moment in June 2027), computed in SQL and checked
against the product's next_reminder_due on a sample. The moments are kept in
bench_dose_original, so each scenario starts from the same state (the seed is reused
across runs until BASE comes near).

Workers, PostgreSQL and the push service run on the real clock. A scenario therefore moves
its window's plans to the run's clock: the plans whose generated moment lies in the window
get `now`-relative moments and the local dose time that puts them there (regimen and
schedule version both), so each is a real scheduled dose of the run's day; every other
plan keeps its moment in 2027, far from due. Between scenarios the inbox, reminder and
delivery tables are emptied and the window's plans restored (untimed, vacuumed).

It measures, against the product code:
1. selection: the planner's due-plan query (dose_reminders.due_plans, first chunk of 500
   and the whole due set) and the due-reminder query (due_reminders' SELECT), p50 of
   --reps-query, with EXPLAIN (ANALYZE, BUFFERS) showing the indexes;
2. fan-out: a real Celery worker (--concurrency) and the push service
   (bench/push_service.py, a real HTTP server the Web Push sender posts to), the bench
   publishing plan_dose_reminders as beat would (every minute); reminders/s = pushes the
   push service received / seconds from the beat to the last push; CPU per reminder of
   each part (worker, its PostgreSQL backends, Redis, push service);
3. crash: the same, the worker SIGKILLed (process group) while the planner is midway, a
   new one started; beat goes on, and plan_reminders (which hands out deliveries stuck
   with a dead worker) runs once they are STUCK_AFTER old: afterwards every moment has
   one reminder, one inbox row and one push, or the figures say which did not;
4. downtime: beat down for 15 minutes (a moment every minute of them, plus the current
   one), then one beat: each missed moment reminded once, marked late after LATE_AFTER.

Every push received is decrypted afterwards (the device keys are the pool's) and matched
to its inbox row by id, so "once" is counted on what reached the push service.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import configure_environment, summary, timed, verdict, wait_for_load  # noqa: E402

BASE = dt.datetime(2027, 6, 16, 12, 0, tzinfo=dt.UTC)  # a Wednesday; no DST change near
SEED_FROM = BASE - dt.timedelta(minutes=16)
START_DATE = dt.date(2026, 1, 1)
STAMP = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
PRODUCTS = ("Levothyroxine 50 mcg", "Vitamin D3 25 mcg (1000 IU)", "Calcium citrate 315 mg")
DEVICE_KEYS = 16
CHUNK = 500
TARGET_SELECT_MS = 200.0
TARGET_REMINDERS_PER_S = 5000.0
DOWNTIME = dt.timedelta(minutes=15)
BEAT_EVERY = 60.0


# --- Database -------------------------------------------------------------------------
def sql(statement: str, params=None) -> list[tuple]:
    """Run one statement on Django's connection (autocommit); return its rows, if any."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def zone_names() -> list[str]:
    from zoneinfo import available_timezones

    names = {name for name in available_timezones() if "/" in name and not name.startswith("Etc/")}
    return sorted(names | {"UTC"})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def device_keys(rng: random.Random) -> list[dict]:
    """DEVICE_KEYS browser key pairs (P-256 and an auth secret), as the meta table keeps
    them: the private value as an integer, so the bench can decrypt what devices got."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    keys = []
    for _ in range(DEVICE_KEYS):
        private = ec.derive_private_key(rng.getrandbits(255) + 1, ec.SECP256R1())
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        keys.append(
            {
                "private": private.private_numbers().private_value,
                "p256dh": b64(public),
                "auth": b64(rng.randbytes(16)),
            }
        )
    return keys


# A member's number mixed with a salt (Knuth's multiplicative hash): cheap, deterministic
# and spread evenly enough to draw zones and dose times from.
def mixed(salt: str) -> str:
    return f"((i * 2654435761 + ({salt}) * 40503) %% 4294967296)"


def generate(args, rng: random.Random) -> dict:
    """Members, devices, plans and schedule versions in SQL; their moments kept."""
    from tracking.models import Product

    keys = device_keys(rng)
    zones = zone_names()
    products = [str(Product.objects.get(name=name, owner=None).pk) for name in PRODUCTS]
    params = {
        "n": args.members,
        "zones": zones,
        "stamp": STAMP,
        "start": START_DATE,
        "seed_from": SEED_FROM,
        "products": products,
        "p256dh": [k["p256dh"] for k in keys],
        "auth": [k["auth"] for k in keys],
        "push": args.push_url,
    }
    started = time.monotonic()
    timings = {}
    for label, statement in GENERATION:
        began = time.monotonic()
        sql("SET session_replication_role = replica")  # no foreign-key triggers
        sql(statement, params)
        sql("SET session_replication_role = DEFAULT")
        timings[label] = round(time.monotonic() - began, 1)
        print(f"  {label}: {timings[label]} s", flush=True)
    sql("DROP TABLE bench_member, bench_zone_moment")
    began = time.monotonic()
    sql(
        "CREATE TABLE bench_dose_original AS SELECT r.id, r.next_dose_reminder_at AS at, "
        "r.times, p.timezone FROM tracking_regimen r "
        "JOIN accounts_profile p ON p.user_id = r.member_id"
    )
    sql("ALTER TABLE bench_dose_original ADD PRIMARY KEY (id)")
    sql("CREATE INDEX bench_dose_original_at ON bench_dose_original (at)")
    sql("CREATE TABLE bench_dose_meta (key text PRIMARY KEY, value text)")
    for table in SEEDED_TABLES:
        sql(f"VACUUM (ANALYZE) {table}")
    timings["originals kept, vacuum"] = round(time.monotonic() - began, 1)
    meta = {
        "members": args.members,
        "plans": args.members * len(PRODUCTS),
        "zones": len(zones),
        "keys": json.dumps(keys),
        "push_url": args.push_url,
        "timings": json.dumps(timings),
        "total_s": round(time.monotonic() - started, 1),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    for key, value in meta.items():
        sql("INSERT INTO bench_dose_meta VALUES (%s, %s)", [key, str(value)])
    return meta


SEEDED_TABLES = (
    "accounts_user",
    "accounts_profile",
    "sync_syncclock",
    "notifications_pushsubscription",
    "tracking_regimen",
    "tracking_regimenschedule",
    "bench_dose_original",
)

# Columns as accounts.services.create_member_records and tracking.services.create_regimen
# leave them (defaults of the models' fields written out: the database has none). Two
# helper tables first: each member's id and zone, and per zone and quarter hour the first
# moment after SEED_FROM (519 zones x 96 quarters, not 3 M zone conversions).
GENERATION = (
    (
        "member ids and zones",
        f"""CREATE UNLOGGED TABLE bench_member AS
        SELECT i, gen_random_uuid() AS id,
            1 + {mixed("1")} %% cardinality(%(zones)s::text[]) AS zone
        FROM generate_series(1, %(n)s) i""",
    ),
    (
        "first moment per zone and quarter hour",
        """CREATE UNLOGGED TABLE bench_zone_moment AS
        SELECT z AS zone, q AS quarter, to_char(at, 'HH24:MI') AS hhmm,
            CASE WHEN (day + at) AT TIME ZONE name > %(seed_from)s
                 THEN (day + at) AT TIME ZONE name
                 ELSE (day + 1 + at) AT TIME ZONE name END AS moment
        FROM unnest(%(zones)s::text[]) WITH ORDINALITY AS zones(name, z),
        LATERAL (SELECT (%(seed_from)s AT TIME ZONE name)::date AS day) d,
        generate_series(0, 95) q,
        LATERAL (SELECT time '00:00' + q * interval '15 min' AS at) t""",
    ),
    (
        "users",
        """INSERT INTO accounts_user (id, password, last_login, is_superuser, email,
            display_name, is_active, is_staff, date_joined, last_activity_at,
            deletion_scheduled_for)
        SELECT id, '!', NULL, false, 'member' || lpad(i::text, 7, '0') || '@bench.ossa.invalid',
            '', true, false, %(stamp)s, NULL, NULL
        FROM bench_member""",
    ),
    (
        "profiles",
        f"""INSERT INTO accounts_profile (id, created_at, updated_at, server_version,
            deleted_at, date_of_birth, sex, menopause_status, final_period_date, pregnant,
            lactating, weight_kg, timezone, units, reminder_weekday, reminder_time,
            remind_in_app, remind_by_push, remind_by_email, quiet_hours_start,
            quiet_hours_end, user_id, next_weekly_reminder_at, bed_time, breakfast_time,
            dinner_time, lunch_time, wake_time, dose_reminders_by_email, follow_up_minutes,
            phone_timezone, reminder_zone)
        SELECT id, %(stamp)s, %(stamp)s, 1, NULL,
            date '1940-01-01' + ({mixed("2")} %% 21900)::int,
            CASE WHEN {mixed("3")} %% 5 = 0 THEN 'male' ELSE 'female' END,
            'unknown', NULL, false, false, NULL, (%(zones)s::text[])[zone], 'metric', 7,
            '18:00', true, true, true, NULL, NULL, id, NULL, '22:30', '07:30', '18:30',
            '12:30', '07:00', false, 30, '', 'home'
        FROM bench_member""",
    ),
    (
        "sync clocks",
        """INSERT INTO sync_syncclock (member_id, value, purged_through)
        SELECT id, 4, 0 FROM bench_member""",
    ),
    (
        "push devices",
        f"""INSERT INTO notifications_pushsubscription (id, endpoint, p256dh, auth,
            user_agent, created_at, deactivated_at, last_error, member_id)
        SELECT gen_random_uuid(),
            %(push)s || '/push/' || (i %% {DEVICE_KEYS}) || '/' || id::text,
            (%(p256dh)s::text[])[1 + i %% {DEVICE_KEYS}],
            (%(auth)s::text[])[1 + i %% {DEVICE_KEYS}], 'bench', %(stamp)s, NULL, '', id
        FROM bench_member""",
    ),
    (
        "plans",
        f"""INSERT INTO tracking_regimen (id, created_at, updated_at, server_version,
            deleted_at, servings_per_dose, schedule_kind, times, weekdays, day_of_month,
            interval_days, start_date, end_date, note, member_id, product_id,
            next_dose_reminder_at, confirmed_findings, follow_up_minutes,
            next_refill_reminder_at, pack_size, refill_days, remind)
        SELECT gen_random_uuid(), %(stamp)s, %(stamp)s, 1 + k, NULL, 1, 'daily',
            jsonb_build_array(zm.hhmm), '[]', NULL, NULL, %(start)s, NULL, '', m.id,
            (%(products)s::uuid[])[k], zm.moment, '[]', NULL, NULL, NULL, 7, true
        FROM bench_member m CROSS JOIN generate_series(1, 3) k
        JOIN bench_zone_moment zm
            ON zm.zone = m.zone AND zm.quarter = {mixed("k + 3")} / 7 %% 96""",
    ),
    (
        "schedule versions",
        """INSERT INTO tracking_regimenschedule (effective_from, servings_per_dose,
            schedule_kind, times, weekdays, day_of_month, interval_days, regimen_id)
        SELECT start_date, servings_per_dose, schedule_kind, times, weekdays, NULL, NULL, id
        FROM tracking_regimen""",
    ),
)


def generated_meta() -> dict:
    try:
        rows = sql("SELECT key, value FROM bench_dose_meta")
    except Exception:  # the table is missing: nothing generated yet
        rows = []
    if not rows:
        sys.exit("no generated members in the database: run once without --skip-generate")
    return dict(rows)


def check_moments(sample: int, rng: random.Random) -> dict:
    """The generated moments are the product's: next_reminder_due(plan, SEED_FROM) for a
    random sample of plans."""
    from tracking.dose_moments import next_reminder_due
    from tracking.models import Regimen

    ids = [row[0] for row in sql("SELECT id FROM bench_dose_original TABLESAMPLE SYSTEM (1)")]
    chosen = rng.sample(ids, min(sample, len(ids)))
    plans = Regimen.objects.filter(pk__in=chosen).select_related("member__profile", "product")
    wrong = [
        str(p.pk)
        for p in plans.prefetch_related("schedules")
        if next_reminder_due(p, SEED_FROM) != p.next_dose_reminder_at
    ]
    assert not wrong, f"{len(wrong)} generated moments differ from the product's: {wrong[:5]}"
    return {"checked": len(chosen), "differ": len(wrong)}


def table_sizes() -> dict[str, str]:
    rows = sql(
        "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
        "WHERE relname = ANY(%s)",
        [list(SEEDED_TABLES)],
    )
    rows += [("database", sql("SELECT pg_size_pretty(pg_database_size(current_database()))")[0][0])]
    return dict(rows)


# --- A scenario's window, on the run's clock --------------------------------------------
def restore() -> int:
    """Every table a run writes emptied, the window's plans back to their generated moment
    and time, devices active again."""
    sql("TRUNCATE notifications_delivery, notifications_notification, notifications_dosereminder")
    moved = sql(
        "WITH moved AS (UPDATE tracking_regimen r SET next_dose_reminder_at = o.at, "
        "times = o.times FROM bench_dose_original o WHERE o.id = r.id "
        "AND o.at > %s AND o.at <= %s "
        "AND (r.next_dose_reminder_at IS DISTINCT FROM o.at OR r.times <> o.times) "
        "RETURNING r.id) SELECT count(*) FROM moved",
        [SEED_FROM, BASE],
    )[0][0]
    sql(
        "UPDATE tracking_regimenschedule s SET times = o.times FROM bench_dose_original o "
        "WHERE o.id = s.regimen_id AND o.at > %s AND o.at <= %s AND s.times <> o.times",
        [SEED_FROM, BASE],
    )
    sql(
        "UPDATE notifications_pushsubscription SET deactivated_at = NULL, last_error = '' "
        "WHERE deactivated_at IS NOT NULL OR last_error <> ''"
    )
    return moved


def place_window(now: dt.datetime, missed: dt.timedelta | None) -> dict:
    """Put the window's plans on the run's clock: those generated due at BASE get `now`;
    with `missed` (beat downtime), those generated due at BASE - 15 min get one minute of
    the downtime each (now - missed .. now - 1 min), as if nobody had claimed them. Their
    dose time (plan and schedule version) becomes the local time of the new moment."""
    minutes = int(missed.total_seconds() // 60) if missed else 0
    first = BASE - dt.timedelta(minutes=15) if missed else BASE
    moment = (
        "CASE WHEN o.at = %(base)s THEN %(now)s::timestamptz "
        "ELSE %(now)s::timestamptz - interval '1 min' * "
        "(1 + ('x' || left(o.id::text, 8))::bit(32)::bigint %% %(minutes)s) END"
    )
    placed = sql(
        f"""WITH placed AS (
            UPDATE tracking_regimen r SET next_dose_reminder_at = m.at,
                times = jsonb_build_array(to_char(m.at AT TIME ZONE o.timezone, 'HH24:MI'))
            FROM bench_dose_original o, LATERAL (SELECT {moment} AS at) m
            WHERE o.id = r.id AND o.at >= %(first)s AND o.at <= %(base)s
            RETURNING r.id, r.times)
        , versions AS (UPDATE tracking_regimenschedule s SET times = placed.times
            FROM placed WHERE s.regimen_id = placed.id RETURNING 1)
        SELECT (SELECT count(*) FROM placed), (SELECT count(*) FROM versions)""",
        {"base": BASE, "now": now, "first": first, "minutes": max(minutes, 1)},
    )[0]
    return {"plans": placed[0], "versions": placed[1]}


def prepare(now: dt.datetime, missed: dt.timedelta | None = None) -> dict:
    """The scenario's starting state (untimed): restored, placed, vacuumed."""
    began = time.monotonic()
    restored = restore()
    placed = place_window(now, missed)
    for table in ("tracking_regimen", "tracking_regimenschedule", "notifications_dosereminder"):
        sql(f"VACUUM (ANALYZE) {table}")
    return {"restored": restored, **placed, "prepare_s": round(time.monotonic() - began, 1)}


def due_count(now: dt.datetime) -> int:
    return sql("SELECT count(*) FROM tracking_regimen WHERE next_dose_reminder_at <= %s", [now])[0][
        0
    ]


def check_placed(now: dt.datetime, sample: int, rng: random.Random) -> dict:
    """A placed moment is a real scheduled dose: the product's next_reminder_due just
    before it is it, for a sample of the window's plans."""
    from tracking.dose_moments import next_reminder_due
    from tracking.models import Regimen

    ids = [
        row[0]
        for row in sql(
            "SELECT id FROM tracking_regimen WHERE next_dose_reminder_at <= %s LIMIT 20000", [now]
        )
    ]
    chosen = rng.sample(ids, min(sample, len(ids)))
    plans = Regimen.objects.filter(pk__in=chosen).select_related("member__profile", "product")
    second = dt.timedelta(seconds=1)
    wrong = [
        str(p.pk)
        for p in plans.prefetch_related("schedules")
        if next_reminder_due(p, p.next_dose_reminder_at - second) != p.next_dose_reminder_at
    ]
    assert not wrong, f"{len(wrong)} placed moments are not scheduled doses: {wrong[:5]}"
    return {"checked": len(chosen)}


def next_minute(after: float) -> dt.datetime:
    """The first whole minute at least `after` seconds from now (dose times are HH:MM)."""
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=after)
    return moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)


def sleep_until(moment: dt.datetime) -> None:
    left = (moment - dt.datetime.now(dt.UTC)).total_seconds()
    if left > 0:
        time.sleep(left)


# --- Selection --------------------------------------------------------------------------
def uses_index(plan: str, index: str) -> bool:
    return f"Index Scan using {index}" in plan or f"Bitmap Index Scan on {index}" in plan


def phase_select(args, now: dt.datetime) -> dict:
    """The planner's two selections as it runs them: due plans (first chunk with its
    schedules, as claim_moments reads it; and the whole due set) and due reminders."""
    from notifications import dose_reminders
    from notifications.models import DoseReminder
    from tracking.models import Regimen

    start = wait_for_load("selection", args.max_load, args.load_wait)
    due = due_count(now)
    first_ms, _, _ = timed(lambda: dose_reminders.due_plans(now))
    chunk_walls, chunk_cpus, all_walls = [], [], []
    for _ in range(args.reps_query):
        wall, cpu, rows = timed(lambda: dose_reminders.due_plans(now))
        assert len(rows) == min(CHUNK, due), (len(rows), due)
        chunk_walls.append(wall)
        chunk_cpus.append(cpu)
    for _ in range(max(3, args.reps_query // 5)):
        wall, _, rows = timed(lambda: dose_reminders.due_plans(now, limit=due + 1))
        assert len(rows) == due
        all_walls.append(wall)
    query = Regimen.objects.filter(next_dose_reminder_at__lte=now).order_by("next_dose_reminder_at")
    plan_chunk = query[:CHUNK].explain(analyze=True, buffers=True)
    plan_all = query.explain(analyze=True, buffers=True)
    # The reminders' selection, on rows as claim_moments writes them (then emptied again).
    dose_reminders.claim_moments(now)
    reminders = DoseReminder.objects.filter(next_at__lte=now).order_by("next_at")
    rem_walls = []
    for _ in range(args.reps_query):
        wall, _, rows = timed(lambda: list(reminders.values_list("id", "next_at")[:CHUNK]))
        rem_walls.append(wall)
    plan_reminders = reminders.values_list("id", "next_at")[:CHUNK].explain(
        analyze=True, buffers=True
    )
    out = {
        "now": now.isoformat(),
        "due": due,
        "start": start,
        "first_chunk_ms": first_ms,
        "chunk": summary(chunk_walls, chunk_cpus),
        "all": summary(all_walls),
        "reminders": summary(rem_walls),
        "explain_chunk": plan_chunk,
        "explain_all": plan_all,
        "explain_reminders": plan_reminders,
        "index_chunk": uses_index(plan_chunk, "regimen_dose_reminder_due"),
        "index_all": uses_index(plan_all, "regimen_dose_reminder_due"),
        "index_reminders": uses_index(plan_reminders, "dose_reminder_next"),
    }
    print(
        f"[selection] {due:,} due; due_plans first chunk p50 {out['chunk']['p50']:.1f} ms, "
        f"all {out['all']['p50']:.1f} ms, due reminders p50 {out['reminders']['p50']:.1f} ms; "
        f"indexes used: {out['index_chunk']}/{out['index_all']}/{out['index_reminders']}"
    )
    return out


# --- The processes a scenario runs --------------------------------------------------------
class PushService:
    """bench/push_service.py in a process of its own."""

    def __init__(self, port: int, record: Path, log: Path):
        self.url = f"http://127.0.0.1:{port}"
        self.record = record
        command = [sys.executable, str(ROOT / "bench" / "push_service.py")]
        self.process = subprocess.Popen(
            [*command, "--port", str(port), "--record", str(record)],
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                self.stats()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the push service did not start, see {log}")

    def call(self, path: str, method: str = "GET") -> dict:
        request = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stats(self) -> dict:
        return self.call("/stats")

    def reset(self) -> None:
        self.call("/reset", "POST")

    def messages(self) -> list:
        from bench.push_service import read_dump

        self.call("/dump")
        return read_dump(self.record)

    def stop(self) -> None:
        common.stop_process(self.process, timeout=5)


class Worker:
    """`celery -A backend worker` in its own process group (so a kill takes all of it)."""

    def __init__(self, concurrency: int, log: Path):
        from backend.celery import app

        self.name = f"bench-doses-{os.getpid()}-{time.monotonic_ns() % 10**6}@localhost"
        self.log = log
        command = common.celery_worker_command(
            concurrency,
            "-n",
            self.name,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        )
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited, see {log}")
            if app.control.ping(destination=[self.name], timeout=0.5):
                return
        raise RuntimeError(f"the worker did not answer within 60 s, see {log}")

    def kill(self) -> None:
        """SIGKILL the main process and its pool children at once: nothing is given back."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class Beat:
    """What beat publishes for reminders: plan_dose_reminders every minute from the
    scenario's moment on (crontab(minute="*")), and plan_reminders when asked."""

    def __init__(self):
        self.published: list[tuple[str, float]] = []
        self.next_at: float | None = None

    def start(self) -> None:
        self.next_at = time.time()
        self.tick()

    def tick(self) -> None:
        """Publish what is due by now; call often."""
        from backend.celery import enqueue_now
        from notifications.tasks import plan_dose_reminders

        while self.next_at is not None and time.time() >= self.next_at:
            if not enqueue_now(plan_dose_reminders):
                raise RuntimeError("the broker did not take plan_dose_reminders")
            self.published.append(("plan_dose_reminders", time.time()))
            self.next_at += BEAT_EVERY

    def plan_reminders(self) -> None:
        from backend.celery import enqueue_now
        from notifications.tasks import plan_reminders

        if not enqueue_now(plan_reminders):
            raise RuntimeError("the broker did not take plan_reminders")
        self.published.append(("plan_reminders", time.time()))


# --- CPU of each part -----------------------------------------------------------------------
def part_of(pid: int, comm: str, database: str, worker_pids: set[int], push_pid: int) -> str:
    if pid in worker_pids:
        return "worker"
    if pid == push_pid:
        return "push service"
    if comm == "redis-server":
        return "redis"
    if comm == "postgres":
        title = common.cmdline(pid) or ""
        if f" {database} " in title:
            return "postgresql"
    return ""


def ticks_of(database: str, worker: Worker, push: PushService) -> dict[int, tuple[str, int]]:
    """pid -> (part, CPU ticks so far) of every process a part runs in."""
    table = list(common.processes())
    workers = common.descendants(worker.process.pid, table)
    found = {}
    for pid, comm, fields in table:
        part = part_of(pid, comm, database, workers, push.process.pid)
        if part:
            found[pid] = (part, common.process_ticks(fields))
        if comm == "postgres" and " -D " in (common.cmdline(pid) or ""):
            # The postmaster: what backends used before they exited (the worker's close at
            # the end of each task), of any database: on a machine others use, an upper bound.
            exited = int(fields[13]) + int(fields[14])
            found[-pid] = ("postgresql, exited backends (any database)", exited)
    total, idle = common.cpu_times()
    found[0] = ("machine busy", total - idle)
    return found


def other_share(used: dict[str, int], seconds: float) -> float:
    """The share of the machine's CPUs that processes outside the parts used meanwhile."""
    ours = sum(ticks for part, ticks in used.items() if part != "machine busy")
    other = used.get("machine busy", 0) - ours
    return max(other, 0) / common.CLK_TCK / max(seconds, 1e-9) / (os.cpu_count() or 1)


def ticks_used(before: dict, after: dict) -> dict[str, int]:
    """Ticks each part used between two ticks_of() (processes started meanwhile count from
    zero; those that ended are lost, a few connections at most)."""
    used: Counter = Counter()
    for pid, (part, ticks) in after.items():
        used[part] += ticks - before.get(pid, (part, 0))[1]
    return dict(used)


# --- A scenario, end to end ------------------------------------------------------------------
def open_deliveries() -> int:
    return sql(
        "SELECT count(*) FROM notifications_delivery WHERE status IN ('pending', 'sending')"
    )[0][0]


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url)


def run_scenario(args, push: PushService, label: str, **how) -> dict:
    """One beat (and the minutes after it) on a freshly prepared window; how: `missed` (a
    beat downtime before it), `kill` (SIGKILL the worker while the planner is midway)."""
    from notifications import tasks

    missed, kill = how.get("missed"), how.get("kill", False)
    start = wait_for_load(label, args.max_load, args.load_wait)
    at = next_minute(after=args.prepare_margin)
    state = prepare(at, missed)
    due = sql(
        "SELECT id, member_id, next_dose_reminder_at FROM tracking_regimen "
        "WHERE next_dose_reminder_at <= %s",
        [at],
    )
    state["placed_check"] = check_placed(at, 200, random.Random(len(due)))
    push.reset()
    redis_client(args.redis_url).flushdb()
    logs = args.log_dir
    worker = Worker(args.concurrency, logs / f"worker-{label}.log")
    beat = Beat()
    expected = len(due)
    print(
        f"[{label}] {expected:,} moments due at {at:%H:%M:%S} "
        f"(prepared in {state['prepare_s']} s), load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    sleep_until(at)
    ticks = ticks_of(args.database, worker, push)
    began = time.time()
    beat.start()
    killed_at = stuck_handed_at = None
    received = 0
    deadline = began + args.timeout + (tasks.STUCK_AFTER.total_seconds() if kill else 0)
    next_db_check = 0.0
    while time.time() < deadline:
        beat.tick()
        received = push.stats()["received"]
        if kill and killed_at is None and planner_midway(expected):
            worker.kill()
            killed_at = time.time()
            progress = {"reminders": reminders_written(), "received": received}
            print(f"  worker SIGKILLed {killed_at - began:.1f} s in: {progress}", flush=True)
            worker = Worker(args.concurrency, logs / f"worker-{label}-2.log")
        stuck_age = tasks.STUCK_AFTER.total_seconds() + 5
        if killed_at and stuck_handed_at is None and time.time() > killed_at + stuck_age:
            beat.plan_reminders()  # the quarter-hour beat, at its earliest useful moment
            stuck_handed_at = time.time()
        if received >= expected and time.time() >= next_db_check:
            next_db_check = time.time() + 1
            if open_deliveries() == 0:
                break
        time.sleep(0.05 if kill and killed_at is None else 0.2)
    finished = time.time()
    stats = push.stats()
    used = ticks_used(ticks, ticks_of(args.database, worker, push))
    worker.stop()
    checks = check_once(due, push.messages(), args.keys, at, missed)
    last = stats["last"] or finished
    run = {
        "label": label,
        "at": at.isoformat(),
        "load": start["load"],
        "load_at_beat": round(os.getloadavg()[0], 2),
        "due": expected,
        "state": state,
        "received": stats["received"],
        "first_push_s": round((stats["first"] or finished) - began, 2),
        "last_push_s": round(last - began, 2),
        "reminders_per_s": expected / max(last - began, 1e-9),
        "stages": stage_times(at),
        "beats": beat.published,
        "killed_after_s": round(killed_at - began, 2) if killed_at else None,
        "stuck_handed_after_s": round(stuck_handed_at - began, 1) if stuck_handed_at else None,
        "timed_out": finished >= deadline,
        "checks": checks,
    }
    if not kill:
        run["cpu_ms_per_reminder"] = {
            part: ticks / common.CLK_TCK * 1000 / max(expected, 1)
            for part, ticks in used.items()
            if part != "machine busy"
        }
    run["other_processes_cpu_share"] = round(other_share(used, finished - began), 3)
    print(
        f"  {stats['received']:,} pushes received, last {run['last_push_s']} s after the beat: "
        f"{run['reminders_per_s']:,.0f} reminders/s; {checks['verdict']}",
        flush=True,
    )
    return run


def reminders_written() -> int:
    return sql("SELECT count(*) FROM notifications_dosereminder")[0][0]


def planner_midway(expected: int) -> bool:
    """The planner has claimed some of the moments and not all: kill now."""
    written = reminders_written()
    return 0.3 * expected <= written < 0.7 * expected


def stage_times(at: dt.datetime) -> dict:
    """When each stage ran, from the rows it wrote (seconds after the scenario's moment)."""
    rows = sql(
        "SELECT (SELECT extract(epoch FROM min(created_at) - %(at)s) FROM "
        "notifications_dosereminder), (SELECT extract(epoch FROM max(created_at) - %(at)s) "
        "FROM notifications_dosereminder), (SELECT extract(epoch FROM min(created_at) - "
        "%(at)s) FROM notifications_notification), (SELECT extract(epoch FROM "
        "max(created_at) - %(at)s) FROM notifications_notification), (SELECT extract(epoch "
        "FROM max(sent_at) - %(at)s) FROM notifications_delivery)",
        {"at": at},
    )[0]
    names = ("claimed_first", "claimed_last", "inbox_first", "inbox_last", "sent_last")
    return {
        name: round(float(v), 2) if v is not None else None
        for name, v in zip(names, rows, strict=True)
    }


def decrypted(messages: list, keys: list[dict]) -> list[dict]:
    """Each push as its device reads it: (time, member, payload), decrypted with the
    pool's key the endpoint names."""
    import http_ece
    from cryptography.hazmat.primitives.asymmetric import ec

    privates = [ec.derive_private_key(int(k["private"]), ec.SECP256R1()) for k in keys]
    secrets = [base64.urlsafe_b64decode(k["auth"] + "==") for k in keys]
    found = []
    for at, path, topic, body in messages:
        _, _, key, member = path.split("/")
        key = int(key)
        plain = http_ece.decrypt(body, private_key=privates[key], auth_secret=secrets[key])
        found.append({"at": at, "member": member, "topic": topic, "payload": json.loads(plain)})
    return found


def check_once(due: list[tuple], messages: list, keys: list[dict], at, missed) -> dict:
    """Every due moment: one reminder, one inbox row, its deliveries final, one push to the
    member's device; late ones (and only they) marked late."""
    from notifications.dose_reminders import LATE_AFTER
    from notifications.models import Delivery, DoseReminder, Notification

    moments = {(str(plan), moment) for plan, _, moment in due}
    reminders = list(
        DoseReminder.objects.values_list("id", "regimen_id", "due_at", "late", "created_at")
    )
    per_moment = Counter((str(plan), due_at) for _, plan, due_at, *_ in reminders)
    inbox = list(Notification.objects.values_list("id", "member_id", "period", "data"))
    per_period = Counter(period for _, _, period, _ in inbox)
    deliveries = Counter(Delivery.objects.values_list("channel", "status"))
    pushes = decrypted(messages, keys)
    per_push = Counter(p["payload"]["id"] for p in pushes)
    inbox_ids = {str(pk): (str(member), period) for pk, member, period, _ in inbox}
    wrong_member = sum(
        1 for p in pushes if inbox_ids.get(p["payload"]["id"], ("",))[0] != p["member"]
    )
    # Late is decided at the planner's `now`, a moment before the row's created_at.
    late_wrong = sum(
        1 for _, _, due_at, late, made in reminders if late != (made - due_at > LATE_AFTER)
    )
    late_titles = sum(1 for p in pushes if p["payload"]["title"].endswith("(late reminder)"))
    out = {
        "moments": len(moments),
        "reminders": len(reminders),
        "moments_without_reminder": len(moments - set(per_moment)),
        "reminders_not_due": len(set(per_moment) - moments),
        "moments_reminded_twice": sum(1 for n in per_moment.values() if n > 1),
        "inbox_rows": len(inbox),
        "inbox_rows_twice": sum(1 for n in per_period.values() if n > 1),
        "deliveries": {f"{c} {s}": n for (c, s), n in sorted(deliveries.items())},
        "pushes": len(pushes),
        "pushed_once": sum(1 for n in per_push.values() if n == 1),
        "pushed_twice_or_more": sum(1 for n in per_push.values() if n > 1),
        "inbox_rows_never_pushed": len(set(inbox_ids) - set(per_push)),
        "pushes_to_another_member": wrong_member,
        "late": sum(1 for _, _, _, late, _ in reminders if late),
        "late_wrong": late_wrong,
        "late_titles": late_titles,
    }
    ok = (
        out["moments_without_reminder"] == 0
        and out["reminders_not_due"] == 0
        and out["moments_reminded_twice"] == 0
        and out["inbox_rows"] == len(moments)
        and out["inbox_rows_twice"] == 0
        and out["pushed_once"] == len(moments)
        and out["pushed_twice_or_more"] == 0
        and out["pushes_to_another_member"] == 0
        and out["late_wrong"] == 0
        and out["late_titles"] == out["late"]
    )
    out["ok"] = ok
    out["verdict"] = "each moment reminded and pushed once" if ok else f"NOT once: {out}"
    return out


# --- Report -----------------------------------------------------------------------------------
def report(results: dict) -> str:
    s = results["selection"]
    lines = [
        "| measure | figure | target | |",
        "|---|---:|---:|---|",
        f"| due plans, first chunk of {CHUNK} (`due_plans(now)`, with schedules), "
        f"{s['due']:,} due, p50 (p95) of {s['chunk']['n']} | {s['chunk']['p50']:.1f} ms "
        f"({s['chunk']['p95']:.1f}) | ≤ {TARGET_SELECT_MS:.0f} ms | "
        f"{verdict(s['chunk']['p50'] <= TARGET_SELECT_MS and s['index_chunk'])} |",
        f"| due plans, all {s['due']:,} in one query | {s['all']['p50']:.1f} ms | (info) | |",
        f"| due reminders, first chunk of {CHUNK} (`due_reminders`' SELECT) | "
        f"{s['reminders']['p50']:.1f} ms | ≤ {TARGET_SELECT_MS:.0f} ms | "
        f"{verdict(s['reminders']['p50'] <= TARGET_SELECT_MS and s['index_reminders'])} |",
    ]
    for run in results.get("fan_out", []):
        lines.append(
            f"| fan-out, {run['due']:,} due, beat to last push (load {run['load']}) | "
            f"{run['reminders_per_s']:,.0f} reminders/s ({run['last_push_s']} s) | "
            f"≥ {TARGET_REMINDERS_PER_S:,.0f}/s | "
            f"{verdict(run['reminders_per_s'] >= TARGET_REMINDERS_PER_S)} |"
        )
    for key, text in (("crash", "worker SIGKILLed mid-planner"), ("downtime", "beat down 15 min")):
        if key in results:
            run = results[key]
            c = run["checks"]
            lines.append(
                f"| {text}: {c['moments']:,} moments, {c['reminders']:,} reminders, "
                f"{c['inbox_rows']:,} inbox rows, {c['pushes']:,} pushes "
                f"({c['pushed_twice_or_more']} twice, {c['inbox_rows_never_pushed']} never), "
                f"{c['late']:,} late | "
                f"{'once each' if c['ok'] else 'NOT once'} | once each | {verdict(c['ok'])} |"
            )
    return "\n".join(lines)


def print_plans(results: dict) -> None:
    from bench.reminders import trim_plan

    s = results["selection"]
    for key, text in (
        ("explain_chunk", "due plans, first chunk"),
        ("explain_all", "due plans, all due"),
        ("explain_reminders", "due reminders, first chunk"),
    ):
        print(f"\n{text}: EXPLAIN (ANALYZE, BUFFERS)\n")
        print(trim_plan(s[key]))


def jsonable(value):
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the members")
    parser.add_argument("--reps-query", type=int, default=25)
    parser.add_argument("--reps-fan-out", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--push-port", type=int, default=18743)
    parser.add_argument(
        "--only", default="select,fan-out,crash,downtime", help="comma-separated phases"
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds per scenario")
    parser.add_argument("--prepare-margin", type=float, default=20, help="seconds")
    parser.add_argument("--max-load", type=float, default=1.5)
    parser.add_argument("--load-wait", type=float, default=300, help="seconds, per phase")
    common.add_service_arguments(
        parser, database="ossa_bench_doses", redis_url="redis://127.0.0.1:6379/5"
    )
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--log-dir", type=Path, default=ROOT / "var" / "bench-doses")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    args.push_url = f"http://127.0.0.1:{args.push_port}"
    args.log_dir.mkdir(parents=True, exist_ok=True)
    warnings.filterwarnings("ignore", message="No directory at")
    configure_environment(args)
    if args.skip_generate:
        common.ensure_database(args.pg_url, args.database)
    else:  # a database of its own, made afresh (the catalogue comes with the migrations)
        common.recreate_database(args.pg_url, args.database)
    common.setup_django()
    rng = random.Random(args.seed)
    redis_client(args.redis_url).flushdb()
    if dt.datetime.now(dt.UTC) > SEED_FROM - dt.timedelta(days=2):
        sys.exit("BASE is too near: move it on (and generate again)")

    results: dict = {"machine": common.machine(postgresql=True), "base": BASE.isoformat()}
    results["commit"] = common.git("rev-parse", "--short", "HEAD")
    if args.skip_generate:
        meta = generated_meta()
    else:
        print(f"generating {args.members:,} members with {len(PRODUCTS)} plans each")
        meta = generate(args, rng)
        print(f"generated in {meta['total_s']} s")
    if meta["push_url"] != args.push_url:
        sys.exit(f"the devices post to {meta['push_url']}: pass --push-port accordingly")
    args.keys = json.loads(meta["keys"])
    results["generation"] = {k: v for k, v in meta.items() if k != "keys"}
    restore()  # whatever an interrupted run left
    results["moments_check"] = check_moments(1000, rng)
    results["sizes"] = table_sizes()
    phases = set(args.only.split(","))

    if "select" in phases:
        now = next_minute(after=0)
        prepare(now)
        results["selection"] = phase_select(args, now + dt.timedelta(milliseconds=500))
    push = PushService(args.push_port, args.log_dir / "pushes.bin", args.log_dir / "push.log")
    try:
        if "fan-out" in phases:
            results["fan_out"] = [
                run_scenario(args, push, f"fan-out-{rep + 1}") for rep in range(args.reps_fan_out)
            ]
        if "crash" in phases:
            results["crash"] = run_scenario(args, push, "crash", kill=True)
        if "downtime" in phases:
            results["downtime"] = run_scenario(args, push, "downtime", missed=DOWNTIME)
    finally:
        push.stop()
        restore()
        redis_client(args.redis_url).flushdb()
    print()
    if "selection" in results:
        print(report(results))
        print_plans(results)
    if args.json:
        common.write_json(args.json, jsonable(results))
    return 0
