"""Sync benchmark (issue 4).

    .venv/bin/python bench/sync.py [--skip-seed] [--years 1,5,20]
                                   [--phases full,stages,unchanged,changes,push]

On PostgreSQL (database `ossa_bench_sync`, created and migrated if missing) it seeds one
member per --years with that many years of daily doses for four plans (~1,460 intake logs
a year), the adherence weeks and flags the nightly recompute would have written over those
years, and a weekly digest in the inbox for every week. Then, in this process, through the
whole Django stack (middleware, JWT authentication, DRF view, gzip_page) with
django.test.Client, it times:

- for each member, the first full pull (last_pulled_at=null) of the current schema,
  identity and gzip, interleaved with the floor: the same rows and columns read with one
  raw SQL SELECT per table (psycopg) and serialised with orjson, as the server writes,
  into the same bytes;
- (stages) where each member's full pull spends its time, by wrapping the functions that
  do the work, as bench/profile_list.py does for the intake list;
- on the five-year member: an incremental pull with nothing changed;
- an incremental pull after 20 changes made through tracking.services;
- a push of 500 new intake logs in one body (checked in the database, then removed).

Server time is the wall time of `Client.get/post`: the request is built in-process and the
full handler runs (no network, no WSGI server). SQL statements are counted on separate,
untimed requests with CaptureQueriesContext. Before each phase the script waits until the
1-minute load is at most --max-load (the machine is shared) and reports the load it started
at. Needs PostgreSQL accepting `postgres` without a password and a Redis.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import sys
import time
import uuid
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: `bench` must be importable

from bench import common  # noqa: E402
from bench.common import configure_environment, summary, timed, verdict, wait_for_load  # noqa: E402
from bench.history import FOUR_DAILY_PLANS, analyze, replace_member  # noqa: E402

MEMBER_TZ = "Europe/Amsterdam"
YEARS = (1, 5, 20)
CHANGES_YEARS = 5  # the member the incremental pulls and the push run on
SKIP_RATE = 0.06
RECOMPUTE_STEP = dt.timedelta(weeks=12)  # under the 13-week window: every week computed

PULL = "/api/v1/sync/pull"
PUSH = "/api/v1/sync/push"
CHANGES = 20
PUSHED = 500
TARGET_FULL_RATIO = 1.3  # issue 18: full pull / raw SQL + orjson floor, at 1, 5 and 20 years
TARGET_NOCHANGE_QUERIES = 3
TARGET_NOCHANGE_P50_MS = 10.0
TARGET_PUSH_MS = 1000.0
PHASES = ("full", "stages", "unchanged", "changes", "push")


def member_email(years: int) -> str:
    return f"bench-sync-{years}y@ossa.invalid"


# --- Seed -----------------------------------------------------------------------------
def seed(rng: random.Random, years: int):
    """One member, four daily plans from `years` ago and a dose log for every day,
    written as the services would (bulk_create for the logs, stamped from the member's
    clock in the order taken). Then the years of adherence weeks and flags, and one weekly
    digest per week in the inbox."""
    from django.utils import timezone

    from accounts.models import User
    from bench.history import seed_daily_history
    from notifications.models import Notification
    from sync.models import SyncClock
    from tracking.models import AdherenceSnapshot, Flag, IntakeLog, Regimen

    member = replace_member(member_email(years), f"Bench sync {years}y", MEMBER_TZ)
    history = seed_daily_history(
        member, FOUR_DAILY_PLANS, years=years, zone_name=MEMBER_TZ, rng=rng, skip_rate=SKIP_RATE
    )
    now = timezone.now()
    recompute_the_years(member, history.start, now)
    weekly_digests(member, history.start, now)
    analyze(User, Regimen, IntakeLog, SyncClock, AdherenceSnapshot, Flag, Notification)
    return member


def recompute_the_years(member, start: dt.date, now: dt.datetime) -> None:
    """Adherence weeks and flags since `start`: recompute only (re)writes a 13-week
    window, so it runs as the nightly batch would have, every 12 weeks from the start."""
    from tracking import computation

    at = dt.datetime.combine(start, dt.time(3), tzinfo=dt.UTC) + RECOMPUTE_STEP
    while at < now:
        computation.recompute([member.id], now=at)
        at += RECOMPUTE_STEP
    computation.recompute([member.id], now=now)


def weekly_digests(member, start: dt.date, now: dt.datetime) -> int:
    """One weekly digest per week since `start` in the inbox, sent Monday 07:00 local, all
    but the last two weeks' read."""
    from notifications import services as notification_services
    from notifications.models import Notification

    zone = ZoneInfo(MEMBER_TZ)
    monday = start - dt.timedelta(days=start.weekday()) + dt.timedelta(weeks=1)
    digests = 0
    while True:
        sent = dt.datetime.combine(monday, dt.time(7), tzinfo=zone)
        if sent > now:
            break
        year, week, _ = monday.isocalendar()
        note = notification_services.weekly_notification(member.id, f"{year}-W{week:02d}", sent)
        if note is not None:
            read = sent + dt.timedelta(hours=5) if sent < now - dt.timedelta(weeks=2) else None
            Notification.objects.filter(id=note.id).update(created_at=sent, read_at=read)
            digests += 1
        monday += dt.timedelta(weeks=1)
    return digests


def seeded_member(years: int):
    from accounts.models import User

    member = User.objects.filter(email=member_email(years)).first()
    if member is None:
        sys.exit(f"no {member_email(years)} in the database: run once without --skip-seed")
    return member


def row_counts(member) -> dict[str, tuple[int, int]]:
    """Per synced table: live rows (what a first pull sends) and tombstones."""
    from syncapi.registry import SCHEMA_VERSION, tables_for

    counts = {}
    for name, table in tables_for(SCHEMA_VERSION).items():
        rows = table.rows_for(member.id)
        counts[name] = (
            rows.filter(deleted_at__isnull=True).count(),
            rows.filter(deleted_at__isnull=False).count(),
        )
    return counts


# --- The floor: one raw SELECT per table, orjson --------------------------------------
def floor_plan(member_id) -> list[dict]:
    """Per synced table, the SQL that returns its wire columns already converted (epoch
    milliseconds, ISO dates, "HH:MM", floats, UUID text), in the order the server sends
    them. JSON-text columns come back as Python values and are dumped like the server's."""
    from sync.models import SyncClock
    from syncapi import codecs
    from syncapi.registry import SCHEMA_VERSION, tables_for

    def wire(codec, column: str) -> str:
        if isinstance(codec, codecs.EpochMs):
            return f"floor(extract(epoch from t.{column}) * 1000)::bigint"
        if isinstance(codec, codecs.Number):
            return f"t.{column}::float8"
        if isinstance(codec, codecs.Date):
            return f"to_char(t.{column}, 'YYYY-MM-DD')"
        if isinstance(codec, codecs.ClockTime):
            return f"to_char(t.{column}, 'HH24:MI')"
        if isinstance(codec, codecs.Id):
            return f"t.{column}::text"
        return f"t.{column}"

    plan = []
    for name, table in tables_for(SCHEMA_VERSION).items():
        meta = table.model._meta
        plain = [col for col in table.columns if col.load is None]
        if len(plain) != len(table.columns):
            # Loaded columns (product ingredients) need a second query; the benchmark
            # member owns no product, so both the server and the floor skip it.
            loaded = [col.name for col in table.columns if col.load is not None]
            assert table.rows_for(member_id).count() == 0, f"floor lacks {name}.{loaded}"
        exprs = ["t.id::text", *(wire(c.codec, meta.get_field(c.attr).column) for c in plain)]
        member_column = meta.get_field(f"{table.member_field}_id").column
        plan.append(
            {
                "table": name,
                "sql": (
                    f"SELECT {', '.join(exprs)} FROM {meta.db_table} t "
                    f"WHERE t.{member_column} = %s AND t.deleted_at IS NULL"
                ),
                "names": ["id", *(c.name for c in plain)],
                "json": [
                    i + 1 for i, c in enumerate(plain) if isinstance(c.codec, codecs.JsonText)
                ],
            }
        )
    clock = f"SELECT value FROM {SyncClock._meta.db_table} WHERE member_id = %s"
    return [{"table": None, "sql": clock, "names": [], "json": []}, *plan]


def floor_body(conn, plan: list[dict], member_id: str) -> bytes:
    """The first-pull response body, the fastest plain way: rows as tuples straight from
    the driver, dicts by zip, one orjson.dumps (what the server writes with); JSON-text
    columns dumped as the server's codec dumps them."""
    import orjson

    changes = {}
    timestamp = None
    with conn.cursor() as cursor:
        for entry in plan:
            cursor.execute(entry["sql"], [member_id])
            rows = cursor.fetchall()
            if entry["table"] is None:
                timestamp = rows[0][0]
                continue
            names, json_columns = entry["names"], entry["json"]
            if json_columns:
                rows = [list(row) for row in rows]
                for row in rows:
                    for i in json_columns:
                        row[i] = json.dumps(row[i], separators=(",", ":"))  # as the server
            updated = [dict(zip(names, row, strict=True)) for row in rows]
            changes[entry["table"]] = {"created": [], "updated": updated, "deleted": []}
    return orjson.dumps({"changes": changes, "timestamp": timestamp})


# --- Measuring ------------------------------------------------------------------------
class Api:
    """django.test.Client with the member's bearer token; every call checked."""

    def __init__(self, token: str):
        from django.test import Client

        self.client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")

    def pull(self, cursor: int | None, gzip_ok: bool = False):
        query = {"last_pulled_at": "null" if cursor is None else cursor}
        extra = {"HTTP_ACCEPT_ENCODING": "gzip"} if gzip_ok else {}
        response = self.client.get(PULL, query, **extra)
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return response

    def push(self, cursor: int, body: bytes, gzipped: bool = False):
        extra = {"HTTP_CONTENT_ENCODING": "gzip"} if gzipped else {}
        response = self.client.post(
            f"{PUSH}?last_pulled_at={cursor}", body, content_type="application/json", **extra
        )
        assert response.status_code == 200, (response.status_code, response.content[:500])
        return response

    def get(self, path: str):
        response = self.client.get(path)
        assert response.status_code == 200, response.status_code
        return response


def count_queries(action) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def body_of(response) -> dict:
    content = response.content
    if response.get("Content-Encoding") == "gzip":
        content = gzip.decompress(content)
    return json.loads(content)


def same_rows(server: dict, floor: dict) -> list[str]:
    """Tables whose rows differ between the server's body and the floor's."""
    differ = []
    for name, changes in server["changes"].items():
        mine = sorted(changes["updated"], key=lambda r: r["id"])
        theirs = sorted(floor["changes"][name]["updated"], key=lambda r: r["id"])
        if mine != theirs or changes["deleted"] or changes["created"]:
            differ.append(name)
    return differ


def phase_full(args, api: Api, plan, member_id: str, dsn: str) -> dict:
    """First pull, identity and gzip, interleaved with the floor (and floor + gzip)."""
    import psycopg

    runs = {"pull": [], "pull_gzip": [], "floor": [], "floor_gzip": []}
    cpus = {name: [] for name in runs}
    sizes = {}

    def record(name: str, action, body_of_result=lambda body: body):
        wall, cpu, result = timed(action)
        runs[name].append(wall)
        cpus[name].append(cpu)
        sizes[name] = len(body_of_result(result))
        return result

    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(2):  # warm-up: imports, plans, caches
            api.pull(None)
            floor_body(conn, plan, member_id)
        load = wait_for_load("full pull", args.max_load, args.load_wait)
        for _ in range(args.reps_full):
            response = record("pull", lambda: api.pull(None), lambda r: r.content)
            zipped = record("pull_gzip", lambda: api.pull(None, gzip_ok=True), lambda r: r.content)
            assert zipped.get("Content-Encoding") == "gzip"
            floor = record("floor", lambda: floor_body(conn, plan, member_id))
            record(
                "floor_gzip", lambda: gzip.compress(floor_body(conn, plan, member_id), 6, mtime=0)
            )
    server = body_of(response)
    result = {name: summary(walls, cpus.get(name)) for name, walls in runs.items()}
    return result | {
        "load": load,
        "bytes": sizes,
        "identical_bytes": response.content == floor,
        "differing_tables": same_rows(server, json.loads(floor)),
        "rows": {name: len(c["updated"]) for name, c in server["changes"].items()},
        "timestamp": server["timestamp"],
        "queries": count_queries(lambda: api.pull(None)),
        "floor_queries": len(plan),
    }


def stage_patches() -> list[tuple[object, str, str]]:
    """The functions a full pull's work is done in: (owner, attribute, label); labels
    indented with two spaces are part of the one above them."""
    from accounts import authentication
    from accounts.authentication import SessionJWTAuthentication
    from syncapi import pull, views

    return [
        (SessionJWTAuthentication, "authenticate", "authentication (JWT + session query)"),
        (authentication, "active_session_user", "  of which the session query"),
        (views, "pull", "pull: clock, then every table"),
        (pull, "_read_together", "  the clock (locked) and every table, in one pipeline"),
        (pull, "_changes", "  the tables' rows to records"),
        (pull, "_fill_loaded_columns", "    of which columns loaded apart"),
        (views, "json_response", "JSON (orjson) and the response"),
    ]


def phase_stages(args, api: Api, member_id: str) -> dict:
    """ms per full pull in each stage, and what is left (Django, DRF, the test client)."""
    n = args.reps_full
    patches = stage_patches()
    spent: dict[str, float] = {}
    load = wait_for_load("stages", args.max_load, args.load_wait)
    with common.timing_stages(patches, spent):
        api.pull(None)
        spent.clear()
        started = time.perf_counter()
        for _ in range(n):
            api.pull(None)
        total = time.perf_counter() - started
    stages = {label: spent.get(label, 0.0) / n * 1000 for _, _, label in patches}
    top = sum(ms for label, ms in stages.items() if not label.startswith(" "))
    return {"load": load, "n": n, "stages": stages, "rest": total / n * 1000 - top}


def phase_unchanged(args, api: Api, cursor: int) -> dict:
    for _ in range(5):
        api.pull(cursor)
        api.get("/bench/floor")
    load = wait_for_load("no-change pull", args.max_load, args.load_wait)
    walls, cpus, floor_walls = [], [], []
    for _ in range(args.reps_fast):
        wall, cpu, response = timed(lambda: api.pull(cursor))
        walls.append(wall)
        cpus.append(cpu)
        floor_walls.append(timed(lambda: api.get("/bench/floor"))[0])
    body = json.loads(response.content)
    assert body["timestamp"] == cursor, "something changed the member's data meanwhile"
    assert not any(any(c.values()) for c in body["changes"].values())
    return summary(walls, cpus) | {
        "load": load,
        "bytes": len(response.content),
        "queries": count_queries(lambda: api.pull(cursor)),
        "django_floor": summary(floor_walls),
    }


def make_changes(member, rng: random.Random, tag: str, created: list, count: int = CHANGES):
    """`count` changes through the services: a quarter newly logged doses (log_intake),
    the rest edited notes on existing ones (update_intake)."""
    from django.utils import timezone

    from tracking import services
    from tracking.models import IntakeLog, Regimen

    new = count // 4
    logs = list(
        IntakeLog.objects.filter(member=member, deleted_at__isnull=True)
        .exclude(id__in=created)
        .order_by("-taken_at")[:2000]
    )
    for log in rng.sample(logs, count - new):
        services.update_intake(log, {"note": f"bench edit {tag} {rng.randint(0, 9999)}"})
    regimens = list(Regimen.objects.filter(member=member, deleted_at__isnull=True))
    for i in range(new):
        when = timezone.now() - dt.timedelta(minutes=i + 1)
        log, _ = services.log_intake(member, {"regimen": regimens[i % 4], "taken_at": when})
        created.append(log.id)


def current_clock(member) -> int:
    from sync.models import SyncClock

    return SyncClock.objects.get(member=member).value


def phase_changes(args, api: Api, member, rng: random.Random) -> dict:
    created: list = []
    make_changes(member, rng, "warm-up", created)
    api.pull(current_clock(member) - CHANGES)
    load = wait_for_load("pull after 20 changes", args.max_load, args.load_wait)
    walls, cpus = [], []
    for rep in range(args.reps_changes):
        cursor = current_clock(member)
        make_changes(member, rng, str(rep), created)
        wall, cpu, response = timed(lambda c=cursor: api.pull(c))
        walls.append(wall)
        cpus.append(cpu)
        body = json.loads(response.content)
        changed = {name: len(c["updated"]) for name, c in body["changes"].items()}
        assert changed["intake_logs"] == CHANGES, changed
        assert sum(changed.values()) == CHANGES, changed
    queries = {}
    for count in (1, CHANGES, 200):  # statements per incremental pull, by rows changed
        cursor = current_clock(member)
        make_changes(member, rng, f"count {count}", created, count)
        queries[count] = count_queries(lambda c=cursor: api.pull(c))
    return summary(walls, cpus) | {
        "load": load,
        "bytes": len(response.content),
        "queries": queries,
        "created": created,
    }


def push_body(member, regimens, count: int) -> tuple[bytes, list[str]]:
    """`count` new doses as the app sends them after weeks offline (cf. log_row in
    tests/syncapi/test_sync_protocol.py), spread over the last days, plans in turn."""
    now_ms = int(time.time() * 1000)
    rows = []
    for i in range(count):
        regimen = regimens[i % len(regimens)]
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "regimen_id": str(regimen.id),
                "product_id": str(regimen.product_id),
                "servings": float(regimen.servings_per_dose),
                "taken_at": now_ms - (i // len(regimens)) * 86_400_000 - 3_600_000,
                "status": "skipped" if i % 17 == 0 else "taken",
                "note": "",
                "source": "app",
                "created_at": now_ms,
                "updated_at": now_ms,
                "_status": "created",
                "_changed": "",
            }
        )
    changes = {"intake_logs": {"created": rows, "updated": [], "deleted": []}}
    return json.dumps({"changes": changes}).encode(), [r["id"] for r in rows]


def remove_pushed(ids: list[str]) -> None:
    from tracking.models import IntakeLog

    IntakeLog.objects.filter(id__in=ids).delete()


def phase_push(args, api: Api, member) -> dict:
    from tracking.models import IntakeLog, Regimen

    regimens = list(Regimen.objects.filter(member=member, deleted_at__isnull=True))

    def one(count: int, measure: bool):
        body, ids = push_body(member, regimens, count)
        cursor = current_clock(member)
        if measure:
            wall, cpu, response = timed(lambda: api.push(cursor, body))
        else:
            wall = cpu = None
            queries = count_queries(lambda: api.push(cursor, body))
        stored = IntakeLog.objects.filter(id__in=ids, member=member, deleted_at=None).count()
        assert stored == count, f"pushed {count}, stored {stored}"
        remove_pushed(ids)
        if measure:
            return wall, cpu, len(body), len(response.content)
        return queries

    one(PUSHED, measure=True)  # warm-up
    load = wait_for_load("push of 500", args.max_load, args.load_wait)
    walls, cpus = [], []
    for _ in range(args.reps_push):
        wall, cpu, request_bytes, response_bytes = one(PUSHED, measure=True)
        walls.append(wall)
        cpus.append(cpu)
    queries = {n: one(n, measure=False) for n in (1, 10, 100, PUSHED)}
    return summary(walls, cpus) | {
        "load": load,
        "request_bytes": request_bytes,
        "bytes": response_bytes,
        "queries": queries,
        "backlog": {n: backlog_push(api, member, regimens, n) for n in BACKLOGS},
    }


# A phone's whole offline backlog in one gzip-encoded push: five and twenty years of doses.
BACKLOGS = (7_306, 21_915)


def backlog_push(api: Api, member, regimens, count: int) -> dict:
    body, ids = push_body(member, regimens, count)
    packed = gzip.compress(body, 6)
    cursor = current_clock(member)
    wall, cpu, _ = timed(lambda: api.push(cursor, packed, gzipped=True))
    remove_pushed(ids)
    return {"ms": wall, "cpu_ms": cpu, "json_bytes": len(body), "gzip_bytes": len(packed)}


# --- Report ---------------------------------------------------------------------------
class Report:
    """A markdown table of the phases that ran, with the targets they are held to, and the
    notes under it."""

    def __init__(self) -> None:
        self.lines = [
            "| case | n | p50 ms | p95 ms | min ms | Python CPU p50 ms | SQL queries | bytes | "
            "target | |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        self.notes: list[str] = []

    def row(self, label, s, queries, size, target="", mark="") -> None:
        cpu = f"{s['cpu_p50']:.1f}" if "cpu_p50" in s else "-"
        self.lines.append(
            f"| {label} | {s['n']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['min']:.1f} | {cpu} "
            f"| {queries} | {size} | {target} | {mark} |"
        )

    def text(self) -> str:
        return "\n".join([*self.lines, "", *self.notes])


def report(results: dict) -> str:
    out = Report()
    for years, full in results.get("full", {}).items():
        report_full(out, years, full)
    for years, stages in results.get("stages", {}).items():
        report_stages(out, years, stages)
    if unchanged := results.get("unchanged"):
        report_unchanged(out, unchanged)
    if changes := results.get("changes"):
        report_changes(out, changes)
    if pushed := results.get("push"):
        report_push(out, pushed)
    out.notes.append(
        "Load (1-min) at the start of each phase: "
        + ", ".join(f"{k} {v['load']['load']:.2f}" for k, v in _phases_run(results))
    )
    return out.text()


def _phases_run(results: dict):
    for name, result in results.items():
        if name in ("full", "stages"):
            yield from ((f"{name} {years}y", r) for years, r in result.items())
        elif result:
            yield name, result


def report_full(out: Report, years: int, full: dict) -> None:
    ratio = full["pull"]["p50"] / full["floor"]["p50"]
    ratio_gzip = full["pull_gzip"]["p50"] / full["floor_gzip"]["p50"]
    kb, fq, q = full["bytes"], full["floor_queries"], full["queries"]
    target = f"≤ {TARGET_FULL_RATIO:g}x floor (p50): **{ratio:.2f}x**"
    ok = verdict(ratio <= TARGET_FULL_RATIO)
    out.row(f"{years}y: full pull (identity)", full["pull"], q, f"{kb['pull']:,}", target, ok)
    out.row(f"{years}y: floor, raw SQL + orjson", full["floor"], fq, f"{kb['floor']:,}")
    gz = f"{ratio_gzip:.2f}x floor + gzip"
    out.row(f"{years}y: full pull (gzip)", full["pull_gzip"], q, f"{kb['pull_gzip']:,}", gz)
    out.row(f"{years}y: floor + gzip -6", full["floor_gzip"], fq, f"{kb['floor_gzip']:,}")
    out.notes += [
        f"{years}y: rows in the first pull: "
        + ", ".join(f"{k} {v:,}" for k, v in full["rows"].items())
        + f" ({sum(full['rows'].values()):,} rows, {q} SQL statements with BEGIN/COMMIT); "
        f"floor body byte-identical to the server's: {full['identical_bytes']}; tables "
        f"whose rows differ: {full['differing_tables'] or 'none'}.",
    ]


def report_stages(out: Report, years: int, stages: dict) -> None:
    parts = [f"{label.strip()} {ms:.2f}" for label, ms in stages["stages"].items()]
    out.notes.append(
        f"{years}y: a full pull by stage, ms ({stages['n']} pulls): "
        + "; ".join(parts)
        + f"; everything else (Django, DRF, the test client) {stages['rest']:.2f}."
    )


def report_unchanged(out: Report, unchanged: dict) -> None:
    ok = (
        unchanged["queries"] <= TARGET_NOCHANGE_QUERIES
        and unchanged["p50"] <= TARGET_NOCHANGE_P50_MS
    )
    out.row(
        "incremental pull, no change",
        unchanged,
        unchanged["queries"],
        unchanged["bytes"],
        f"≤ {TARGET_NOCHANGE_QUERIES} queries, p50 ≤ {TARGET_NOCHANGE_P50_MS:g} ms",
        verdict(ok),
    )
    out.row("Django floor: GET /bench/floor", unchanged["django_floor"], 0, "-")


def report_changes(out: Report, changes: dict) -> None:
    by_rows = changes["queries"]
    out.row(
        f"incremental pull after {CHANGES} changes",
        changes,
        by_rows[CHANGES],
        f"{changes['bytes']:,}",
        "queries independent of rows",
        verdict(len(set(by_rows.values())) == 1),
    )
    out.notes.append(
        "Incremental pull SQL statements by rows changed: "
        + ", ".join(f"{n}: {q}" for n, q in by_rows.items())
    )


def report_push(out: Report, pushed: dict) -> None:
    push_queries = pushed["queries"]
    out.row(
        f"push of {PUSHED} new logs",
        pushed,
        push_queries[PUSHED],
        f"{pushed['request_bytes']:,} in / {pushed['bytes']} out",
        f"≤ {TARGET_PUSH_MS:g} ms",
        f"p50 {verdict(pushed['p50'] <= TARGET_PUSH_MS)}, "
        f"p95 {verdict(pushed['p95'] <= TARGET_PUSH_MS)}",
    )
    for n, b in pushed["backlog"].items():
        out.notes.append(
            f"Backlog push of {n:,} new logs, gzip: {b['ms']:.0f} ms wall "
            f"({b['cpu_ms']:.0f} ms CPU), {b['json_bytes']:,} bytes of JSON sent as "
            f"{b['gzip_bytes']:,}."
        )
    grows = len(set(push_queries.values())) > 1
    out.notes.append(
        "Push SQL statements by rows pushed: "
        + ", ".join(f"{n}: {q}" for n, q in push_queries.items())
        + (" (grows with rows: NOT independent)" if grows else " (independent of rows)")
    )


# --- Main -----------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded member")
    parser.add_argument("--reps-full", type=int, default=10)
    parser.add_argument("--reps-fast", type=int, default=50)
    parser.add_argument("--reps-changes", type=int, default=20)
    parser.add_argument("--reps-push", type=int, default=7)
    parser.add_argument("--max-load", type=float, default=1.0)
    parser.add_argument("--load-wait", type=float, default=600, help="seconds, per phase")
    common.add_service_arguments(
        parser, database="ossa_bench_sync", redis_url="redis://127.0.0.1:6379/3"
    )
    parser.add_argument(
        "--years", default=",".join(map(str, YEARS)), help="history of the full-pull members"
    )
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--phases", default=",".join(PHASES), help="comma-separated subset of " + ",".join(PHASES)
    )
    return parser.parse_args()


def bench_member(args, rng: random.Random, years: int):
    """The member with `years` of history, seeded now or (--skip-seed) found; its synced
    rows printed."""
    if args.skip_seed:
        member = seeded_member(years)
    else:
        started = time.monotonic()
        member = seed(rng, years)
        print(f"seeded {years}y in {time.monotonic() - started:.1f} s")
    counts = row_counts(member)
    print(
        f"{years}y live rows (tombstones): "
        + ", ".join(f"{k} {a} ({b})" for k, (a, b) in counts.items())
    )
    return member


def api_for(member) -> Api:
    from bench.history import access_token

    return Api(access_token(member, device_name="bench-sync", user_agent="bench"))


def run_full(args, phases: set[str], members: dict) -> dict:
    dsn = f"{args.pg_url}/{args.database}"
    results: dict = {"full": {}, "stages": {}}
    for years, member in members.items():
        api = api_for(member)
        if "full" in phases:
            plan = floor_plan(member.id)
            results["full"][years] = phase_full(args, api, plan, str(member.id), dsn)
        if "stages" in phases:
            results["stages"][years] = phase_stages(args, api, str(member.id))
    return results


def run_phases(args, phases: set[str], members: dict, rng: random.Random) -> dict:
    results = run_full(args, phases, members)
    member = members[CHANGES_YEARS]
    api = api_for(member)
    if "unchanged" in phases:
        cursor = api.pull(None).json()["timestamp"]
        results["unchanged"] = phase_unchanged(args, api, cursor)
    if "changes" in phases:
        results["changes"] = phase_changes(args, api, member, rng)
        remove_pushed(results["changes"].pop("created"))
    if "push" in phases:
        results["push"] = phase_push(args, api, member)
    return results


def main() -> int:
    args = parse_args()

    warnings.filterwarnings("ignore", message="No directory at")
    configure_environment(args)
    common.ensure_database(args.pg_url, args.database)
    common.setup_django()

    rng = random.Random(args.seed)
    phases = set(args.phases.split(","))
    if unknown := phases - set(PHASES):
        sys.exit(f"unknown phases: {', '.join(sorted(unknown))}")
    years = sorted({*map(int, args.years.split(",")), CHANGES_YEARS})
    members = {y: bench_member(args, rng, y) for y in years}
    results = run_phases(args, phases, members, rng)
    queued = common.drain_broker(args.redis_url)

    print()
    print(report(results))
    print(f"\n{queued} tasks the writes queued were dropped from {args.redis_url}")
    if args.json:
        common.write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
