"""Reminder planner benchmark (issue 5).

    .venv/bin/python bench/reminders.py [--profiles 1000000] [--skip-generate]

On PostgreSQL (database `ossa_bench_reminders`, created and migrated if missing) it writes
--profiles members with PostgreSQL COPY: a user (unusable password "!"), a profile and a
sync clock each, as accounts.services.create_member_records would leave them. Zones are
drawn uniformly from zoneinfo.available_timezones() (without Etc/* and the bare legacy
names such as EST5EDT or Factory, UTC kept), weekdays uniformly 1..7 and reminder times
uniformly from the 96 quarter hours; next_weekly_reminder_at is
accounts.reminder_moments.next_weekly_moment relative to a fixed moment BASE (cached per zone,
weekday and time). The original values are kept in the table bench_reminder_original, so
every repetition starts from the same state. The tables are then VACUUM ANALYZEd
(autovacuum is off on the bench server).

Then it measures, in this process, against the product code:

1. the planner's due-member query, notifications.planner.due_profiles, for one 15-minute
   window (BASE + 15 min + 0.5 s, ~profiles / 672 members due): list(due_profiles(now,
   500)) as plan_weekly runs it and the whole due set (limit above the due count), p50 of
   --reps-query runs each, with EXPLAIN (ANALYZE, BUFFERS) of both;
2. the fan-out of plan_reminders: `for chunk in plan_weekly(now): enqueue_now(
   send_weekly_digests, chunk, now.isoformat())` end to end, claims included (profiles
   reset to their original moments and the table vacuumed between repetitions, untimed);
   digests/s = members in the enqueued chunks / seconds. No worker runs: the Redis list
   `celery` must then hold exactly one message per chunk;
3. the pure enqueue rate: send_weekly_digests.delay for chunks of 500;
4. a catch-up: the planner down for 6 hours (~24 windows, ~36,000 due), query and fan-out;
5. where the fan-out's time goes (one instrumented run), and two runs that show what a
   change would give, without changing product code: the same fan-out with
   `SET synchronous_commit = off` on the planner's connection, and a prototype in this file
   claiming a whole chunk with one conditional UPDATE (same semantics as claim_weekly);
6. stale inactive members: 1 % of members deactivated with their reminder left in the past
   (nothing ever claims them), the due query measured again, then restored.

Before each phase the script waits until the 1-minute load is at most --max-load (polling
every 10 s, up to --load-wait) and reports the load it started at. Redis db 5 is flushed
before and after. Needs PostgreSQL accepting `postgres` without a password and a Redis.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import time
import uuid
import warnings
from collections import defaultdict
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: `bench` must be importable

from bench import common  # noqa: E402
from bench.common import configure_environment, summary, timed, verdict, wait_for_load  # noqa: E402

BASE = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # a Wednesday; no DST change near
WINDOW = dt.timedelta(minutes=15)
# plan_reminders runs on the quarter hour; timezone.now() is a moment later.
BEAT_LAG = dt.timedelta(milliseconds=500)
CATCH_UP = dt.timedelta(hours=6)
CHUNK = 500
TARGET_QUERY_MS = 200.0
TARGET_DIGESTS_PER_S = 5000.0
QUEUE = "celery"

USER_COLUMNS = (
    "id, password, last_login, is_superuser, email, display_name, is_active, is_staff, "
    "date_joined, last_activity_at"
)
PROFILE_COLUMNS = (
    "id, created_at, updated_at, server_version, deleted_at, date_of_birth, sex, "
    "menopause_status, final_period_date, pregnant, lactating, weight_kg, timezone, units, "
    "reminder_weekday, reminder_time, remind_in_app, remind_by_push, remind_by_email, "
    "quiet_hours_start, quiet_hours_end, user_id, next_weekly_reminder_at"
)
CLOCK_COLUMNS = "member_id, value, purged_through"


# --- Environment and database ---------------------------------------------------------
def sql(statement: str, params=None) -> list[tuple]:
    """Run one statement on Django's connection (autocommit); return its rows, if any."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def machine() -> dict[str, str]:
    def run(command: str) -> str:
        try:
            return subprocess.run(
                command, shell=True, capture_output=True, text=True, check=False
            ).stdout.strip()
        except OSError as exc:
            return f"({exc})"

    return {
        "nproc": run("nproc"),
        "cpu": run("lscpu | grep 'Model name'"),
        "memory": run("free -g | head -2"),
        "psql": run("psql --version"),
        "server": sql("SELECT version()")[0][0],
        "redis": run("redis-cli -v"),
        "python": sys.version.split()[0],
    }


# --- Generation -----------------------------------------------------------------------
def zone_names() -> list[str]:
    """Every IANA zone but Etc/* and the bare legacy names (EST5EDT, Factory, localtime);
    UTC stays."""
    names = {name for name in available_timezones() if "/" in name and not name.startswith("Etc/")}
    return sorted(names | {"UTC"})


@cache
def moment_after_base(zone: str, weekday: int, quarter: int) -> str:
    """The member's first reminder after BASE, as COPY text (many members share one)."""
    from accounts.reminder_moments import next_weekly_moment

    at = dt.time(quarter // 4, quarter % 4 * 15)
    return next_weekly_moment(BASE, weekday, at, zone).isoformat()


def generate(dsn: str, count: int, rng: random.Random) -> dict:
    """Members written with COPY in one transaction, then the originals saved and every
    table vacuumed and analysed. Foreign-key triggers are skipped while copying
    (session_replication_role = replica): every row references a user written just before."""
    import psycopg

    zones = zone_names()
    started = time.monotonic()
    sql("DROP TABLE IF EXISTS bench_reminder_original")
    sql("DROP TABLE IF EXISTS bench_reminder_meta")
    # A dedicated database: everything hanging off users goes.
    sql("TRUNCATE accounts_user CASCADE")
    batch = 50_000
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        for first in range(0, count, batch):
            lines = member_lines(range(first, min(first + batch, count)), zones, rng)
            for (table, columns), rows in zip(COPIED, lines, strict=True):
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write("".join(rows))
            print(f"  {first + len(lines[0]):,} members copied", end="\r", flush=True)
        cursor.execute(
            "CREATE TABLE bench_reminder_original AS "
            "SELECT id, next_weekly_reminder_at AS at FROM accounts_profile"
        )
        cursor.execute("ALTER TABLE bench_reminder_original ADD PRIMARY KEY (id)")
        cursor.execute("CREATE TABLE bench_reminder_meta (key text PRIMARY KEY, value text)")
        conn.commit()
    copied = time.monotonic() - started
    print()
    for table in ("accounts_user", "accounts_profile", "sync_syncclock", "bench_reminder_original"):
        sql(f"VACUUM (ANALYZE) {table}")
    meta = {
        "profiles": count,
        "zones": len(zones),
        "distinct_moments": moment_after_base.cache_info().currsize,
        "copy_s": round(copied, 1),
        "total_s": round(time.monotonic() - started, 1),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    for key, value in meta.items():
        sql("INSERT INTO bench_reminder_meta VALUES (%s, %s)", [key, str(value)])
    return meta


# The tables generate() copies, in order, with the columns member_lines() writes.
COPIED = (
    ("accounts_user", USER_COLUMNS),
    ("accounts_profile", PROFILE_COLUMNS),
    ("sync_syncclock", CLOCK_COLUMNS),
)


def member_lines(indexes: range, zones: list[str], rng: random.Random) -> tuple[list, ...]:
    """COPY text lines of users, profiles and sync clocks for these member numbers."""
    stamp = BASE.isoformat()
    users, profiles, clocks = [], [], []
    for i in indexes:
        member = uuid.UUID(int=rng.getrandbits(128), version=4)
        zone = rng.choice(zones)
        weekday = rng.randint(1, 7)
        quarter = rng.randrange(96)
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(60 * 365))
        sex = "female" if rng.random() < 0.8 else "male"
        users.append(
            f"{member}\t!\t\\N\tf\tmember{i:07d}@bench.ossa.invalid\t\tt\tf\t{stamp}\t\\N\n"
        )
        profiles.append(
            f"{member}\t{stamp}\t{stamp}\t2\t\\N\t{born}\t{sex}\tunknown\t\\N\tf\tf\t\\N\t"
            f"{zone}\tmetric\t{weekday}\t{quarter // 4:02d}:{quarter % 4 * 15:02d}:00\t"
            f"t\tt\tt\t\\N\t\\N\t{member}\t{moment_after_base(zone, weekday, quarter)}\n"
        )
        clocks.append(f"{member}\t2\t0\n")
    return users, profiles, clocks


def generated_meta() -> dict:
    try:
        rows = sql("SELECT key, value FROM bench_reminder_meta")
    except Exception:  # the table is missing: nothing generated yet
        rows = []
    if not rows:
        sys.exit("no generated members in the database: run once without --skip-generate")
    return dict(rows)


def table_sizes() -> dict[str, str]:
    rows = sql(
        "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
        "WHERE relname IN ('accounts_user', 'accounts_profile', 'sync_syncclock', "
        "'profile_reminder_due')"
    )
    return dict(rows)


def reset_profiles() -> int:
    """Every profile back to its generated moment and every user active; vacuumed and
    analysed so dead versions from the last run do not slow the next (untimed)."""
    moved = sql(
        "WITH moved AS (UPDATE accounts_profile p SET next_weekly_reminder_at = o.at "
        "FROM bench_reminder_original o WHERE o.id = p.id "
        "AND p.next_weekly_reminder_at IS DISTINCT FROM o.at RETURNING 1) "
        "SELECT count(*) FROM moved"
    )[0][0]
    reactivated = sql(
        "WITH r AS (UPDATE accounts_user SET is_active = true WHERE NOT is_active RETURNING 1) "
        "SELECT count(*) FROM r"
    )[0][0]
    sql("VACUUM (ANALYZE) accounts_profile")
    if reactivated:
        sql("VACUUM (ANALYZE) accounts_user")
    return moved


def due_count(now: dt.datetime) -> int:
    return sql(
        "SELECT count(*) FROM accounts_profile p JOIN accounts_user u ON u.id = p.user_id "
        "WHERE p.next_weekly_reminder_at <= %s AND u.is_active",
        [now],
    )[0][0]


# --- Redis ----------------------------------------------------------------------------
def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url)


def warm_broker(client) -> None:
    """One publish so the producer's connection and the queue's binding exist; dropped."""
    from backend.celery import enqueue_now
    from notifications.tasks import send_weekly_digests

    if not enqueue_now(send_weekly_digests, [], BASE.isoformat()):
        sys.exit("the broker did not take a message")
    client.delete(QUEUE)


# --- Measuring ------------------------------------------------------------------------
def explain(queryset) -> str:
    return queryset.explain(analyze=True, buffers=True)


def uses_reminder_index(plan: str) -> bool:
    return any(
        marker in plan
        for marker in (
            "Index Scan using profile_reminder_due",
            "Bitmap Index Scan on profile_reminder_due",
        )
    )


def phase_query(args, label: str, now: dt.datetime) -> dict:
    """The planner's SELECT: the first chunk as plan_weekly asks for it, and all due."""
    from notifications.planner import due_profiles

    start = wait_for_load(label, args.max_load, args.load_wait)
    due = due_count(now)
    everyone = args.profiles_total
    first_wall, _, _ = timed(lambda: list(due_profiles(now, CHUNK)))
    chunk_walls, chunk_cpus, all_walls, all_cpus = [], [], [], []
    rows = 0
    for _ in range(args.reps_query):
        wall, cpu, result = timed(lambda: list(due_profiles(now, CHUNK)))
        chunk_walls.append(wall)
        chunk_cpus.append(cpu)
        assert len(result) == min(CHUNK, due), (len(result), due)
        wall, cpu, result = timed(lambda: [p.user_id for p in due_profiles(now, everyone)])
        all_walls.append(wall)
        all_cpus.append(cpu)
        rows = len(result)
    assert rows == due, (rows, due)
    chunk_plan = explain(due_profiles(now, CHUNK))
    all_plan = explain(due_profiles(now, everyone))
    compiled, params = due_profiles(now, CHUNK).query.sql_with_params()
    out = {
        "now": now.isoformat(),
        "due": due,
        "start": start,
        "first_chunk_ms": first_wall,
        "chunk": summary(chunk_walls, chunk_cpus),
        "all": summary(all_walls, all_cpus),
        "sql": compiled % tuple(repr(str(p)) for p in params),
        "explain_chunk": chunk_plan,
        "explain_all": all_plan,
        "index_chunk": uses_reminder_index(chunk_plan),
        "index_all": uses_reminder_index(all_plan),
    }
    print(
        f"[{label}] {due:,} due; first chunk of {CHUNK} p50 {out['chunk']['p50']:.1f} ms, "
        f"all due p50 {out['all']['p50']:.1f} ms; index used: "
        f"{out['index_chunk']}/{out['index_all']}"
    )
    return out


def enqueue_chunk(chunk, now: dt.datetime) -> None:
    """What plan_reminders does with each chunk (the fallback when the broker refuses is
    a failure here: nothing may be written by the benchmark)."""
    from backend.celery import enqueue_now
    from notifications.tasks import send_weekly_digests

    if not enqueue_now(send_weekly_digests, chunk, now.isoformat()):
        raise RuntimeError("the broker did not take a chunk")


def fan_out(now: dt.datetime, planner=None) -> tuple[int, int, set]:
    from notifications.planner import plan_weekly

    chunks = members = 0
    claimed = set()
    for chunk in (planner or plan_weekly)(now):
        enqueue_chunk(chunk, now)
        chunks += 1
        members += len(chunk)
        claimed.update(chunk)
    return chunks, members, claimed


@contextmanager
def synchronous_commit_off():
    sql("SET synchronous_commit = off")
    try:
        yield
    finally:
        sql("SET synchronous_commit = on")


def phase_fan_out(args, client, label: str, now: dt.datetime, reps: int, planner=None) -> dict:
    runs = []
    claimed_sets = []
    for rep in range(reps):
        moved = reset_profiles()
        client.delete(QUEUE)
        due = due_count(now)
        # The phase waits for a quiet machine once; later runs record the load they met.
        wait = args.load_wait if rep == 0 else 0
        start = wait_for_load(f"{label} {rep + 1}/{reps}", args.max_load, wait)
        wall, cpu, (chunks, members, claimed) = timed(lambda: fan_out(now, planner))
        queued = client.llen(QUEUE)
        left = due_count(now)
        run = {
            "load": start["load"],
            "reset_rows": moved,
            "due": due,
            "members": members,
            "chunks": chunks,
            "queued": queued,
            "left_due": left,
            "wall_ms": wall,
            "cpu_ms": cpu,
            "digests_per_s": members / (wall / 1000),
        }
        assert members == due and queued == chunks and left == 0, run
        runs.append(run)
        claimed_sets.append(claimed)
        print(
            f"  {members:,} claimed in {chunks} chunks, {wall:,.0f} ms "
            f"(CPU {cpu:,.0f} ms): {run['digests_per_s']:,.0f} digests/s; "
            f"{queued} messages queued"
        )
    client.delete(QUEUE)
    rates = [run["digests_per_s"] for run in runs]
    return {
        "now": now.isoformat(),
        "runs": runs,
        "digests_per_s_p50": statistics.median(rates),
        "wall_ms_p50": statistics.median(run["wall_ms"] for run in runs),
        "same_claims_every_run": all(s == claimed_sets[0] for s in claimed_sets),
        "claimed": claimed_sets[0],
    }


def phase_enqueue(args, client, member_ids: list[str]) -> dict:
    """send_weekly_digests.delay alone, for chunks of 500 (member id, ISO week) pairs."""
    from notifications.tasks import send_weekly_digests

    chunks = [
        [[member, "2026-W48"] for member in member_ids[i : i + CHUNK]]
        for i in range(0, args.enqueue_chunks * CHUNK, CHUNK)
    ]
    planned_at = (BASE + WINDOW).isoformat()
    runs = []
    for rep in range(args.reps_enqueue):
        client.delete(QUEUE)
        wait = args.load_wait if rep == 0 else 0
        start = wait_for_load(f"enqueue {rep + 1}/{args.reps_enqueue}", args.max_load, wait)

        def publish():
            for chunk in chunks:
                send_weekly_digests.delay(chunk, planned_at)

        wall, cpu, _ = timed(publish)
        queued = client.llen(QUEUE)
        assert queued == len(chunks), (queued, len(chunks))
        digests = sum(len(chunk) for chunk in chunks)
        runs.append(
            {
                "load": start["load"],
                "wall_ms": wall,
                "cpu_ms": cpu,
                "digests_per_s": digests / (wall / 1000),
                "ms_per_message": wall / len(chunks),
            }
        )
        print(f"  {len(chunks)} messages of {CHUNK}: {runs[-1]['digests_per_s']:,.0f} digests/s")
    message_bytes = client.memory_usage(QUEUE) if client.exists(QUEUE) else None
    client.delete(QUEUE)
    return {
        "chunks": len(chunks),
        "digests": len(chunks) * CHUNK,
        "runs": runs,
        "digests_per_s_p50": statistics.median(r["digests_per_s"] for r in runs),
        "ms_per_message_p50": statistics.median(r["ms_per_message"] for r in runs),
        "queue_bytes": message_bytes,
    }


# --- Where the fan-out's time goes ----------------------------------------------------
class Breakdown:
    """Wraps the planner's pieces (module attributes plan_weekly looks up when it runs)
    and times every SQL statement; restored afterwards."""

    def __init__(self):
        self.totals = defaultdict(float)
        self.counts = defaultdict(int)

    def add(self, key: str, started: float) -> None:
        self.totals[key] += time.perf_counter() - started
        self.counts[key] += 1

    def timing(self, key: str, fn):
        """`fn`, with the time of every call added to `key`."""

        def timed_call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(key, started)

        return timed_call

    @contextmanager
    def installed(self):
        from django.db import connection

        from accounts.models import Profile
        from notifications import planner

        due_profiles, claim_weekly = planner.due_profiles, planner.claim_weekly
        next_after = Profile.next_reminder_after
        label = planner.iso_week_label

        def timed_due(now, limit):
            started = time.perf_counter()
            rows = list(due_profiles(now, limit))
            self.add("due_profiles: query and models", started)
            return rows

        def timed_sql(execute, statement, params, many, context):
            kind = statement.lstrip().split(" ", 1)[0].upper()
            started = time.perf_counter()
            try:
                return execute(statement, params, many, context)
            finally:
                self.add(f"SQL {kind}: execute incl. round trip (and commit)", started)

        planner.due_profiles = timed_due
        planner.claim_weekly = self.timing("claim_weekly: whole call", claim_weekly)
        planner.iso_week_label = self.timing("claim_weekly: iso_week_label (Python)", label)
        Profile.next_reminder_after = self.timing(
            "claim_weekly: next_reminder_after (Python)", next_after
        )
        try:
            with connection.execute_wrapper(timed_sql):
                yield self
        finally:
            planner.due_profiles, planner.claim_weekly = due_profiles, claim_weekly
            planner.iso_week_label = label
            Profile.next_reminder_after = next_after


def phase_breakdown(args, client, now: dt.datetime) -> dict:
    from backend import celery as backend_celery

    reset_profiles()
    client.delete(QUEUE)
    breakdown = Breakdown()
    publish = backend_celery.enqueue_now
    start = wait_for_load("breakdown", args.max_load, args.load_wait)
    backend_celery.enqueue_now = breakdown.timing("enqueue_now: publish a chunk to Redis", publish)
    try:
        with breakdown.installed():
            wall, cpu, (chunks, members, _) = timed(lambda: fan_out(now))
    finally:
        backend_celery.enqueue_now = publish
    client.delete(QUEUE)
    rows = [
        {"part": key, "calls": breakdown.counts[key], "ms": total * 1000}
        for key, total in sorted(breakdown.totals.items(), key=lambda kv: -kv[1])
    ]
    for row in rows:
        print(f"  {row['part']:<58} {row['calls']:>7,} calls {row['ms']:>10,.0f} ms")
    return {
        "load": start["load"],
        "wall_ms": wall,
        "cpu_ms": cpu,
        "members": members,
        "chunks": chunks,
        "rows": rows,
    }


def prototype_atomic_plan_weekly(now: dt.datetime):
    """plan_weekly with its chunk's claims in one transaction (not product code): the
    same claim_weekly calls, one commit per chunk instead of one per member. A second
    planner waits on the row locks, then finds the moment moved and claims nothing."""
    from django.db import transaction

    from notifications.planner import claim_weekly, due_profiles

    while True:
        profiles = list(due_profiles(now, CHUNK))
        if not profiles:
            return
        with transaction.atomic():
            claimed = [(str(p.user_id), week) for p in profiles if (week := claim_weekly(p, now))]
        if claimed:
            yield claimed


def prototype_plan_weekly(now: dt.datetime):
    """What plan_weekly could do (not product code): the same query, and the whole chunk
    claimed with one conditional UPDATE ... FROM (VALUES ...) RETURNING, in one statement
    and so one commit. A member is claimed only if their moment is still the one read,
    exactly as claim_weekly's filter(next_weekly_reminder_at=due)."""
    from accounts.reminder_moments import iso_week_label
    from notifications.planner import due_profiles

    while True:
        profiles = list(due_profiles(now, CHUNK))
        if not profiles:
            return
        rows, weeks = [], {}
        for p in profiles:
            due = p.next_weekly_reminder_at
            upcoming = p.next_reminder_after(now)
            previous = upcoming.astimezone(p.zone) - dt.timedelta(weeks=1)
            weeks[p.pk] = iso_week_label(max(due, previous), p.timezone)
            rows.append((p.pk, due, upcoming))
        values = ", ".join(["(%s::uuid, %s::timestamptz, %s::timestamptz)"] * len(rows))
        claimed = sql(
            "UPDATE accounts_profile p SET next_weekly_reminder_at = v.upcoming "
            f"FROM (VALUES {values}) AS v(id, due, upcoming) "
            "WHERE p.id = v.id AND p.next_weekly_reminder_at = v.due RETURNING p.id, p.user_id",
            [value for row in rows for value in row],
        )
        chunk = [(str(user_id), weeks[pk]) for pk, user_id in claimed]
        if chunk:
            yield chunk


# --- Stale inactive members -----------------------------------------------------------
def phase_stale(args, share: float, now: dt.datetime, rng: random.Random) -> dict:
    """Deactivated members keep their moment: due_profiles skips them (user.is_active) and
    nothing claims them, so after a week or more every one of them sits before `now` at
    the head of the index, and every planner query walks past them."""
    reset_profiles()
    count = int(args.profiles_total * share)
    sql("DROP TABLE IF EXISTS bench_reminder_stale")
    sql(
        "CREATE TABLE bench_reminder_stale AS SELECT id FROM accounts_profile "
        "ORDER BY md5(id::text || %s) LIMIT %s",
        [str(rng.random()), count],
    )
    sql(
        "UPDATE accounts_user SET is_active = false WHERE id IN "
        "(SELECT id FROM bench_reminder_stale)"
    )
    # Deactivated 1 to 52 weeks ago: their moment stayed where it was then.
    sql(
        "UPDATE accounts_profile SET next_weekly_reminder_at = next_weekly_reminder_at "
        "- (1 + floor(random() * 52)) * interval '1 week' "
        "WHERE id IN (SELECT id FROM bench_reminder_stale)"
    )
    for table in ("accounts_user", "accounts_profile"):
        sql(f"VACUUM (ANALYZE) {table}")
    out = phase_query(args, f"stale {share:.0%}", now)
    out["stale"] = count
    sql("DROP TABLE bench_reminder_stale")
    reset_profiles()
    return out


# --- Report ---------------------------------------------------------------------------
def trim_plan(plan: str) -> str:
    """The plan without its planning block (buffers the planner itself touched)."""
    lines, planning = [], False
    for line in plan.splitlines():
        if line.startswith("Planning:"):
            planning = True
            continue
        if planning and line.startswith(" "):
            continue
        planning = False
        lines.append(line)
    return "\n".join(lines)


def report(results: dict) -> str:
    q, c = results["query"], results["catch_up_query"]
    f, fc, e = results["fan_out"], results["catch_up"], results["enqueue"]
    lines = [
        "| measure | figure | target | |",
        "|---|---:|---:|---|",
        f"| due query, first chunk of {CHUNK} (`list(due_profiles(now, 500))`), "
        f"{q['due']:,} due, p50 of {q['chunk']['n']} | {q['chunk']['p50']:.1f} ms "
        f"(p95 {q['chunk']['p95']:.1f}) | ≤ {TARGET_QUERY_MS:.0f} ms | "
        f"{verdict(q['chunk']['p50'] <= TARGET_QUERY_MS and q['index_chunk'])} |",
        f"| due query, all {q['due']:,} due | {q['all']['p50']:.1f} ms "
        f"(p95 {q['all']['p95']:.1f}) | ≤ {TARGET_QUERY_MS:.0f} ms | "
        f"{verdict(q['all']['p50'] <= TARGET_QUERY_MS and q['index_all'])} |",
        f"| catch-up due query, first chunk ({c['due']:,} due) | {c['chunk']['p50']:.1f} ms | "
        f"≤ {TARGET_QUERY_MS:.0f} ms | {verdict(c['chunk']['p50'] <= TARGET_QUERY_MS)} |",
        f"| catch-up due query, all {c['due']:,} due at once (plan_weekly never asks: it "
        f"reads {CHUNK} at a time) | {c['all']['p50']:.1f} ms | (info) | |",
        f"| fan-out, plan_weekly + enqueue, {f['runs'][0]['due']:,} due, p50 of "
        f"{len(f['runs'])} | {f['digests_per_s_p50']:,.0f} digests/s | "
        f"≥ {TARGET_DIGESTS_PER_S:,.0f}/s | "
        f"{verdict(f['digests_per_s_p50'] >= TARGET_DIGESTS_PER_S)} |",
        f"| catch-up fan-out, {fc['runs'][0]['due']:,} due, p50 of {len(fc['runs'])} | "
        f"{fc['digests_per_s_p50']:,.0f} digests/s | ≥ {TARGET_DIGESTS_PER_S:,.0f}/s | "
        f"{verdict(fc['digests_per_s_p50'] >= TARGET_DIGESTS_PER_S)} |",
        f"| enqueue only, `send_weekly_digests.delay`, {e['chunks']} chunks of {CHUNK} | "
        f"{e['digests_per_s_p50']:,.0f} digests/s | ≥ {TARGET_DIGESTS_PER_S:,.0f}/s | "
        f"{verdict(e['digests_per_s_p50'] >= TARGET_DIGESTS_PER_S)} |",
    ]
    if "stale" in results:
        st = results["stale"]
        lines.append(
            f"| due query with {st['stale']:,} stale inactive members, first chunk "
            f"({st['due']:,} due) | {st['chunk']['p50']:.1f} ms | ≤ {TARGET_QUERY_MS:.0f} ms | "
            f"{verdict(st['chunk']['p50'] <= TARGET_QUERY_MS)} |"
        )
    for key, label in (
        ("async_commit", "catch-up, `synchronous_commit = off` (experiment)"),
        ("atomic", "catch-up, one transaction per chunk (prototype)"),
        ("batched", "catch-up, one UPDATE per chunk (prototype)"),
        ("batched_window", "one window, one UPDATE per chunk (prototype)"),
    ):
        if key in results:
            r = results[key]
            lines.append(
                f"| {label}, {r['runs'][0]['due']:,} due, p50 of {len(r['runs'])} | "
                f"{r['digests_per_s_p50']:,.0f} digests/s | ≥ {TARGET_DIGESTS_PER_S:,.0f}/s | "
                f"{verdict(r['digests_per_s_p50'] >= TARGET_DIGESTS_PER_S)} |"
            )
    return "\n".join(lines)


def jsonable(results: dict) -> dict:
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if isinstance(value, set):
            return len(value)
        return value

    return clean(results)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--skip-generate", action="store_true", help="reuse the members")
    parser.add_argument("--reps-query", type=int, default=25)
    parser.add_argument("--reps-fan-out", type=int, default=5)
    parser.add_argument("--reps-catch-up", type=int, default=3)
    parser.add_argument("--reps-enqueue", type=int, default=7)
    parser.add_argument("--enqueue-chunks", type=int, default=40)
    # The planner now claims deactivated members too (without sending), so they no longer
    # pile up at the head of the index; the phase measured the old behaviour.
    parser.add_argument(
        "--stale-share", type=float, default=0.0, help="0 skips the (historical) phase"
    )
    parser.add_argument("--no-experiments", action="store_true", help="only the figures")
    parser.add_argument("--max-load", type=float, default=1.0)
    parser.add_argument("--load-wait", type=float, default=600, help="seconds, per phase")
    common.add_service_arguments(
        parser, database="ossa_bench_reminders", redis_url="redis://127.0.0.1:6379/5"
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    return parser.parse_args()


def members(args, rng: random.Random) -> dict:
    """The generated members' description: generated now, or (--skip-generate) found."""
    if args.skip_generate:
        return generated_meta()
    print(f"generating {args.profiles:,} members")
    meta = generate(f"{args.pg_url}/{args.database}", args.profiles, rng)
    print(
        f"generated in {meta['total_s']} s (COPY {meta['copy_s']} s); "
        f"{meta['distinct_moments']:,} distinct (zone, weekday, time)"
    )
    return meta


def measure_figures(args, client, results: dict, now, catch_up) -> None:
    """The figures held to targets: the due query, the fan-out, the enqueue rate."""
    warm_broker(client)
    results["query"] = phase_query(args, "due query", now)
    results["catch_up_query"] = phase_query(args, "catch-up due query", catch_up)

    print("fan-out, one window")
    results["fan_out"] = phase_fan_out(args, client, "fan-out", now, args.reps_fan_out)
    print("enqueue only")
    member_ids = [str(row[0]) for row in sql("SELECT id FROM accounts_user LIMIT 20000")]
    results["enqueue"] = phase_enqueue(args, client, member_ids)
    print("fan-out, catch-up after 6 hours down")
    results["catch_up"] = phase_fan_out(args, client, "catch-up", catch_up, args.reps_catch_up)


def measure_experiments(args, client, results: dict, now, catch_up) -> None:
    """Where the catch-up's time goes, and what three changes to the planner would give."""
    print("where the time goes (catch-up, instrumented, one run)")
    results["breakdown"] = phase_breakdown(args, client, catch_up)
    print("experiment: synchronous_commit = off on the planner's connection")
    with synchronous_commit_off():
        results["async_commit"] = phase_fan_out(args, client, "async commit", catch_up, 1)
    print("experiment: each chunk's claims in one transaction (prototype in this file)")
    results["atomic"] = phase_fan_out(
        args, client, "atomic chunk", catch_up, 2, planner=prototype_atomic_plan_weekly
    )
    results["atomic"]["same_claims_as_product"] = (
        results["atomic"]["claimed"] == results["catch_up"]["claimed"]
    )
    print("experiment: one UPDATE per chunk (prototype in this file)")
    results["batched"] = phase_fan_out(
        args, client, "batched claims", catch_up, 2, planner=prototype_plan_weekly
    )
    results["batched"]["same_claims_as_product"] = (
        results["batched"]["claimed"] == results["catch_up"]["claimed"]
    )
    same = results["batched"]["same_claims_as_product"]
    print(f"  same (member, week) pairs as plan_weekly: {same}")
    results["batched_window"] = phase_fan_out(
        args, client, "batched claims, one window", now, 3, planner=prototype_plan_weekly
    )


def print_plans(results: dict) -> None:
    """The report's EXPLAIN (ANALYZE, BUFFERS) of the due queries, and their SQL."""
    for key in ("query", "catch_up_query"):
        print(f"\n{key}: EXPLAIN (ANALYZE, BUFFERS), first chunk\n")
        print(trim_plan(results[key]["explain_chunk"]))
        print(f"\n{key}: EXPLAIN (ANALYZE, BUFFERS), all due\n")
        print(trim_plan(results[key]["explain_all"]))
    if "stale" in results:
        print("\nstale: EXPLAIN (ANALYZE, BUFFERS), first chunk\n")
        print(trim_plan(results["stale"]["explain_chunk"]))
    print(f"\nSQL: {results['query']['sql']}")


def main() -> int:
    if "--doses" in sys.argv[1:]:  # issue 17: dose reminders (bench/dose_reminders.py)
        from bench import dose_reminders

        return dose_reminders.main([a for a in sys.argv[1:] if a != "--doses"])
    args = parse_args()
    warnings.filterwarnings("ignore", message="No directory at")
    configure_environment(args)
    common.ensure_database(args.pg_url, args.database)
    common.setup_django()
    rng = random.Random(args.seed)
    client = redis_client(args.redis_url)
    client.flushdb()

    results: dict = {"machine": machine(), "base": BASE.isoformat()}
    meta = members(args, rng)
    args.profiles_total = int(meta["profiles"])
    results["generation"] = meta
    results["sizes"] = table_sizes()
    moved = reset_profiles()
    if moved:
        print(f"{moved:,} profiles reset to their generated moments")

    now = BASE + WINDOW + BEAT_LAG
    catch_up = BASE + CATCH_UP + BEAT_LAG
    measure_figures(args, client, results, now, catch_up)
    if not args.no_experiments:
        measure_experiments(args, client, results, now, catch_up)
    if args.stale_share > 0:
        results["stale"] = phase_stale(args, args.stale_share, now, rng)

    reset_profiles()
    client.flushdb()
    print()
    print(report(results))
    print_plans(results)
    if args.json:
        common.write_json(args.json, jsonable(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
