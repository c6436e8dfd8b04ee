"""Load benchmark (issue 8): simulated members syncing and logging doses for minutes.

    .venv/bin/python bench/load.py                       # 200 members, 5 minutes
    .venv/bin/python bench/load.py --duration 30s --users 20   # a quick run

On PostgreSQL it (re)creates and migrates its own database (`ossa_bench_load`), seeds one
member per simulated user, each with two daily plans and --history-days of logged doses,
computes their adherence, and starts gunicorn (bench.settings) plus a Celery worker on a
Redis database of its own (never 0; emptied first). Every member signs in once through
POST /api/v1/auth/token before the load; the access token is reused for the whole run
(JWT_ACCESS_MINUTES=240, so nobody refreshes), and only the per-address sign-in limit is
raised for the bench (THROTTLE_LOGIN_IP), because all 200 sign-ins come from 127.0.0.1.

Then it runs locust headless with bench/locustfile.py (see there what a member does),
bounded by --duration, stops the load, waits for the worker's queue to drain and checks:

- every intake id the clients saw acknowledged (2xx) is in the database exactly once, for
  the right member, not deleted, with the note last acknowledged;
- every other row written during the run is one the clients sent but saw no answer for,
  and no dose is stored twice under different ids;
- sync clocks: per member, server_version values are unique and not above the member's
  clock, and a pull from the cursor the device started with returns every acknowledged id;
- after the drain, every member's adherence was computed after their last write.

It prints (and with --json writes) requests/s and p50/p95/p99 per request type and
overall, status codes per request type, the error count (409s from sync push are the
protocol and are counted apart), writes acknowledged/found, drain time, the machine and
the load average.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import configure_environment  # noqa: E402
from bench.history import seed_daily_history  # noqa: E402

EMAIL = "load-{:04d}@ossa.invalid"
PASSWORD = "load-bench-" + "x" * 12  # every bench member shares it; the database is dropped
ZONES = ["Europe/Amsterdam", "America/New_York", "Asia/Tokyo", "UTC"]
PLANS = [  # catalogue product, servings per dose, local time of the daily dose
    ("Vitamin D3 25 mcg (1000 IU)", Decimal("1"), "08:00"),
    ("Calcium citrate 315 mg", Decimal("2"), "19:00"),
]
SKIP_RATE = 0.06


# --- Environment and database ---------------------------------------------------------
def empty_redis(redis_url: str) -> None:
    import redis

    if redis_url.rstrip("/").endswith("/0") or re.search(r":\d+$", redis_url.rstrip("/")):
        sys.exit("--redis-url must name a Redis database of its own (not 0): it is emptied")
    redis.Redis.from_url(redis_url).flushdb()


# --- Seed -----------------------------------------------------------------------------
def seed(members: int, days: int, rng: random.Random) -> list[dict]:
    """Members with two daily plans from `days` ago and a dose for (almost) every one
    since, written by bench/history.py (bulk, stamped from each member's clock in the
    order taken, created_at = taken_at); then their adherence and flags computed."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts import services as account_services
    from accounts.models import User
    from tracking import computation

    hashed = make_password(PASSWORD)
    seeded = []
    for n in range(members):
        zone_name = ZONES[n % len(ZONES)]
        user = User.objects.create(email=EMAIL.format(n), password=hashed, display_name=f"M{n}")
        account_services.create_member_records(user, timezone_name=zone_name)
        history = seed_daily_history(
            user,
            PLANS,
            days=days,
            zone_name=zone_name,
            rng=rng,
            skip_rate=SKIP_RATE,
            missing_rate=0.03,  # a few doses never logged
        )
        seeded.append(
            {
                "id": str(user.id),
                "email": user.email,
                "regimens": [
                    {
                        "id": str(r.id),
                        "product_id": str(r.product_id),
                        "servings": float(r.servings_per_dose),
                    }
                    for r in history.regimens
                ],
            }
        )
    ids = [m["id"] for m in seeded]
    for chunk in range(0, len(ids), 100):
        computation.recompute(ids[chunk : chunk + 100])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return seeded


# --- Processes ------------------------------------------------------------------------
def start_worker(concurrency: int, log_dir: Path) -> subprocess.Popen:
    command = common.celery_worker_command(
        concurrency, "--without-gossip", "--without-mingle", "--without-heartbeat"
    )
    log = open(log_dir / "worker.log", "w")  # noqa: SIM115 - lives as long as the worker
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    time.sleep(3)
    if process.poll() is not None:
        raise RuntimeError(f"the Celery worker exited early, see {log_dir / 'worker.log'}")
    return process


def http(base: str, method: str, path: str, body=None, token=None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def sign_in(base: str, members: list[dict]) -> Counter:
    """POST /api/v1/auth/token once per member; the access token is reused all run."""

    def one(member):
        status, body = http(
            base,
            "POST",
            "/api/v1/auth/token",
            {"email": member["email"], "password": PASSWORD, "device_name": "load phone"},
        )
        if status == 200:
            member["access"] = body["access"]
        return status

    with ThreadPoolExecutor(4) as pool:
        return Counter(pool.map(one, members))


def queue_state(redis_url: str) -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(redis_url)
    return {
        "queued": client.llen("celery"),
        "unacked": client.hlen("unacked"),
        "coalescing": sum(1 for _ in client.scan_iter(match="*coalesce:*", count=1000)),
    }


def wait_for_drain(redis_url: str, timeout: float) -> tuple[float, dict]:
    started = time.monotonic()
    state = queue_state(redis_url)
    while any(state.values()) and time.monotonic() - started < timeout:
        time.sleep(0.5)
        state = queue_state(redis_url)
    return time.monotonic() - started, state


# --- Checks ---------------------------------------------------------------------------
def check_database(record: dict, run_started: dt.datetime) -> dict:
    """What the database holds after the run, against what the clients saw (`record`)."""
    acked = {i: (m, e) for m, r in record.items() for i, e in r["acked"].items()}
    return (
        check_acknowledged(acked)
        | check_rows_of_run(record, acked, run_started)
        | check_clocks(list(record))
    )


def check_acknowledged(acked: dict) -> dict:
    """Every acknowledged intake id stored, for the right member, live, with the note last
    acknowledged."""
    from tracking.models import IntakeLog

    rows = {
        str(row["id"]): row
        for row in IntakeLog.objects.filter(id__in=list(acked)).values(
            "id", "member_id", "deleted_at", "note"
        )
    }
    missing = [i for i in acked if i not in rows]
    wrong_member = [
        i for i, (m, _) in acked.items() if i in rows and str(rows[i]["member_id"]) != m
    ]
    deleted = [i for i in rows if rows[i]["deleted_at"] is not None]
    wrong_note = [i for i, (_, e) in acked.items() if i in rows and rows[i]["note"] != e["note"]]
    return {
        "acknowledged": len(acked),
        "found": len(acked) - len(missing),
        "missing": missing[:20],
        "missing_count": len(missing),
        "wrong_member": len(wrong_member),
        "deleted": len(deleted),
        "wrong_note": len(wrong_note),
    }


def check_rows_of_run(record: dict, acked: dict, run_started: dt.datetime) -> dict:
    """Every other row written during the run was sent by a client that saw no answer,
    and no dose is stored twice under different ids."""
    from django.db.models import Count
    from django.db.models.expressions import RawSQL

    from tracking.models import IntakeLog

    attempted = {i for r in record.values() for i in r["attempted"]}
    new = IntakeLog.objects.filter(member_id__in=list(record), created_at__gte=run_started)
    new_ids = {str(i) for i in new.values_list("id", flat=True)}
    unacked_landed = sorted(new_ids - set(acked))
    unexpected = [i for i in unacked_landed if i not in attempted]
    # The same dose (member, plan, time) stored by two writes: a replay stored twice.
    same_dose = (
        new.values("member_id", "regimen_id", "taken_at")
        .annotate(n=Count("id"), writes=Count(RawSQL("xmin::text", []), distinct=True))
        .filter(writes__gt=1)
        .count()
    )
    return {
        "attempted": len(attempted),
        "rows_written_in_run": len(new_ids),
        "unacknowledged_but_stored": len(unacked_landed),
        "stored_never_sent": len(unexpected),
        "same_dose_twice": same_dose,
    }


def check_clocks(member_ids: list[str]) -> dict:
    """Per member, server_version stamps of one transaction each and none above the
    member's clock, and adherence computed after the member's last write."""
    from django.db import connection
    from django.db.models import Max

    from sync.models import SyncClock
    from tracking.models import IntakeLog, MemberComputation

    # One write (a REST call, a push) stamps all its rows with one tick of the member's
    # clock, so rows may share a server_version, but only rows of the same transaction
    # (same xmin): two transactions with one stamp would let a pull skip a write.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {IntakeLog._meta.db_table} "
            "WHERE member_id = ANY(%s) GROUP BY member_id, server_version "
            "HAVING count(DISTINCT xmin::text) > 1) shared",
            [[uuid.UUID(m) for m in member_ids]],
        )
        versions = cursor.fetchone()[0]
    clocks = dict(
        SyncClock.objects.filter(member_id__in=member_ids).values_list("member_id", "value")
    )
    highest = (
        IntakeLog.objects.filter(member_id__in=member_ids)
        .values("member_id")
        .annotate(top=Max("server_version"), last_write=Max("updated_at"))
    )
    computed = dict(
        MemberComputation.objects.filter(member_id__in=member_ids).values_list(
            "member_id", "computed_at"
        )
    )
    return {
        "server_version_shared_across_transactions": versions,
        "rows_ahead_of_clock": sum(1 for h in highest if h["top"] > clocks[h["member_id"]]),
        "adherence_older_than_last_write": sum(
            1
            for h in highest
            if computed.get(h["member_id"]) is None or computed[h["member_id"]] < h["last_write"]
        ),
    }


def check_pulls(base: str, members: list[dict], record: dict) -> dict:
    """Each member's pull from the cursor its device started with returns every id the
    device saw acknowledged, live and with the acknowledged note."""

    def one(member):
        mine = record.get(member["id"])
        if not mine or not mine["acked"]:
            return 0, 0
        cursor = mine["start_cursor"] or "null"
        status, body = http(
            base,
            "GET",
            f"/api/v1/sync/pull?last_pulled_at={cursor}&schema_version=1&migration=null",
            token=member["access"],
        )
        if status != 200:
            return len(mine["acked"]), 1
        logs = body["changes"]["intake_logs"]
        got = {row["id"]: row for row in logs["updated"]}
        gone = set(logs["deleted"])
        bad = sum(
            1
            for i, e in mine["acked"].items()
            if i not in got or i in gone or got[i]["note"] != e["note"]
        )
        return bad, 0

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, members))
    return {
        "members_pulled": sum(1 for m in members if record.get(m["id"], {}).get("acked")),
        "acked_ids_missing_from_final_pull": sum(r[0] for r in results),
        "final_pull_failures": sum(r[1] for r in results),
    }


# --- Report ---------------------------------------------------------------------------
def machine() -> dict[str, str]:
    from importlib.metadata import version

    import django
    import redis

    server = redis.Redis.from_url(os.environ["REDIS_URL"]).info("server")["redis_version"]
    return common.machine(postgresql=True) | {
        "redis": server,
        "django": django.get_version(),
        "locust": version("locust"),  # never imported here: it monkey-patches
    }


class CpuSampler(threading.Thread):
    """Share of the machine's CPU busy (anyone's), sampled every 2 s while the load runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        total0, idle0 = common.cpu_times()
        while not self.done.wait(2.0):
            total1, idle1 = common.cpu_times()
            self.samples.append(1 - (idle1 - idle0) / max(total1 - total0, 1))
            total0, idle0 = total1, idle1

    def summary(self) -> str:
        if not self.samples:
            return "n/a"
        ordered = sorted(self.samples)
        mean = sum(ordered) / len(ordered)
        return f"mean {mean:.0%}, median {ordered[len(ordered) // 2]:.0%}, max {ordered[-1]:.0%}"


def locust_stats(prefix: Path) -> list[dict]:
    """Locust's per-request-type rows (its _stats.csv), the aggregated row last."""
    with open(f"{prefix}_stats.csv") as f:
        rows = list(csv.DictReader(f))
    return [
        {
            "name": row["Name"],
            "count": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": float(row["Requests/s"]),
            "p50": row["50%"],
            "p95": row["95%"],
            "p99": row["99%"],
            "max": float(row["Max Response Time"]),
        }
        for row in rows
    ]


def server_errors(log: str) -> tuple[Counter, list[str]]:
    """Status codes in gunicorn's access lines, and every traceback it logged."""
    codes = Counter()
    for match in re.finditer(r"\b(GET|POST|PUT|PATCH|DELETE) (\S+) (\d{3}) ", log):
        codes[match.group(3)] += 1
    tracebacks = re.findall(r"Traceback \(most recent call last\):.*?(?=\n\S|\Z)", log, re.S)
    return codes, tracebacks


def is_error(name: str, code: str) -> bool:
    if code.startswith("2"):
        return False
    return not (name == "sync push" and code == "409")


# Checks of the database that must all come out 0.
MUST_BE_ZERO = (
    "wrong_member",
    "deleted",
    "wrong_note",
    "stored_never_sent",
    "same_dose_twice",
    "server_version_shared_across_transactions",
    "rows_ahead_of_clock",
    "adherence_older_than_last_write",
)


def is_consistent(database: dict, pulls: dict, checks: dict, drain_left: dict) -> bool:
    return (
        database["missing_count"] == 0
        and not any(database[k] for k in MUST_BE_ZERO)
        and pulls["acked_ids_missing_from_final_pull"] == 0
        and pulls["final_pull_failures"] == 0
        and checks.get("pull_after_push_missing", 0) == 0
        and checks.get("rest_id_mismatch", 0) == 0
        and not any(drain_left.values())
    )


def print_report(result: dict) -> None:
    print_setup(result)
    print_requests(result)
    print_consistency(result)


def print_setup(result: dict) -> None:
    m = result["machine"]
    print()
    print(
        f"machine: {m['cpus']} CPUs ({m['cpu']}), {m['ram']} RAM; PostgreSQL {m['postgresql']}, "
        f"Redis {m['redis']}, Python {m['python']}, Django {m['django']}, locust {m['locust']}"
    )
    print(
        f"date {result['date']}; load average before {result['load_before']}, at the end of "
        f"the load {result['load_end']}"
    )
    print(
        f"machine CPU busy during the load (all processes, ours and others'): "
        f"{result['cpu_busy']}; {result['users']} sign-ins took {result['sign_in_seconds']:.0f} s"
    )
    print(f"command: {result['command']}")
    print(f"locust:  {result['locust_command']}")
    print(
        f"gunicorn {result['workers']} sync workers, Celery worker concurrency "
        f"{result['celery_concurrency']}; {result['users']} members, {result['duration']}"
    )


def print_requests(result: dict) -> None:
    print()
    header = (
        f"{'request':<30} {'count':>7} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}"
    )
    print(header + "  (ms)")
    print("-" * len(header))
    for row in result["stats"]:
        print(
            f"{row['name']:<30} {row['count']:>7} {row['rps']:>7.2f} {row['p50']:>6} "
            f"{row['p95']:>6} {row['p99']:>6} {row['max']:>6.0f}"
        )
    print()
    print("status codes per request:")
    for name, codes in sorted(result["status"].items()):
        print(f"  {name:<30} " + ", ".join(f"{c}: {n}" for c, n in sorted(codes.items())))
    print(
        f"errors (non-2xx other than push 409, and connection errors): {result['errors']}; "
        f"push 409s (protocol, retried after a pull): {result['checks'].get('push_409', 0)}"
    )
    print(f"client checks: {result['checks']}")
    print(
        f"gunicorn status codes: {dict(result['server_codes'])}; "
        f"tracebacks: {len(result['tracebacks'])}; worker error lines: "
        f"{len(result['worker_errors'])}"
    )


def print_consistency(result: dict) -> None:
    print(
        f"queue drain after the load: {result['drain_seconds']:.1f} s "
        f"(left: {result['drain_left']})"
    )
    db, pulls = result["database"], result["pulls"]
    print(
        f"writes acknowledged {db['acknowledged']}, found {db['found']} (missing "
        f"{db['missing_count']}, other member {db['wrong_member']}, deleted {db['deleted']}, "
        f"note not the acknowledged one {db['wrong_note']})"
    )
    print(
        f"rows written in the run {db['rows_written_in_run']}: unacknowledged but stored "
        f"{db['unacknowledged_but_stored']} (all sent by a client: "
        f"{db['stored_never_sent'] == 0}), same dose stored twice {db['same_dose_twice']}"
    )
    print(
        "sync clocks: server_version shared by two transactions "
        f"{db['server_version_shared_across_transactions']}, "
        f"rows ahead of the clock {db['rows_ahead_of_clock']}; "
        f"final pulls of {pulls['members_pulled']} "
        f"members: acknowledged ids missing {pulls['acked_ids_missing_from_final_pull']}, "
        f"failed pulls {pulls['final_pull_failures']}"
    )
    print(f"adherence older than the member's last write: {db['adherence_older_than_last_write']}")
    print(f"consistency: {'OK' if result['consistent'] else 'FAILED'}")


# --- Main -----------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="simulated members")
    parser.add_argument("--spawn-rate", type=float, default=20, help="members started per s")
    parser.add_argument("--duration", default="5m", help="locust --run-time: 30s, 5m, ...")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--celery-concurrency", type=int, default=1)
    parser.add_argument("--history-days", type=int, default=60)
    parser.add_argument("--think-min", type=float, default=1.0)
    parser.add_argument("--think-max", type=float, default=5.0)
    parser.add_argument("--drain-timeout", type=float, default=600)
    common.add_service_arguments(
        parser,
        database="ossa_bench_load",
        redis_url="redis://127.0.0.1:6379/7",
        redis_help="cache, rate-limit counters and broker; a database of its own, emptied first",
    )
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", type=Path, help="keep the logs and locust CSVs in this folder")
    return parser.parse_args()


def prepare(args) -> list[dict]:
    """Its own Redis database emptied, its own PostgreSQL database created and migrated,
    the members seeded with their adherence computed."""
    # All members sign in once, all from 127.0.0.1: only the per-address limit is raised.
    # The per-account and refresh limits keep their defaults (never reached: one
    # successful sign-in per account, no refresh).
    configure_environment(args, THROTTLE_LOGIN_IP="100000/min")
    empty_redis(args.redis_url)
    started = time.monotonic()
    common.recreate_database(args.pg_url, args.database)
    common.setup_django()
    print(f"database {args.database} created and migrated in {time.monotonic() - started:.1f} s")

    started = time.monotonic()
    members = seed(args.users, args.history_days, random.Random(args.seed))
    print(
        f"seeded {len(members)} members ({args.history_days} days of doses, adherence "
        f"computed) in {time.monotonic() - started:.1f} s"
    )
    return members


def locust_command(args, base: str, out_dir: Path) -> list[str]:
    return [
        str(VENV_BIN / "locust"),
        "-f",
        str(BENCH / "locustfile.py"),
        "--headless",
        "-u",
        str(args.users),
        "-r",
        str(args.spawn_rate),
        "-t",
        args.duration,
        "--stop-timeout",
        "60",
        "--host",
        base,
        "--csv",
        str(out_dir / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]


def sign_in_everyone(base: str, members: list[dict]) -> float:
    """Every member signed in (their access token kept in `members`); the seconds it took."""
    started = time.monotonic()
    sign_ins = sign_in(base, members)
    sign_in_seconds = time.monotonic() - started
    print(
        f"signed in {sign_ins.get(200, 0)} members in {time.monotonic() - started:.1f} s "
        f"(statuses {dict(sign_ins)})"
    )
    if sign_ins.get(200, 0) != len(members):
        raise SystemExit("not every member could sign in")
    return sign_in_seconds


def run_locust(args, base: str, members: list[dict], out_dir: Path) -> dict:
    """Locust headless for --duration, the machine's CPU sampled meanwhile; what the
    clients recorded."""
    from django.utils import timezone

    members_file = out_dir / "members.json"
    members_file.write_text(json.dumps(members))
    record_file = out_dir / "clients.json"
    command = locust_command(args, base, out_dir)
    env = {
        **os.environ,
        "OSSA_LOAD_MEMBERS": str(members_file),
        "OSSA_LOAD_OUT": str(record_file),
        "OSSA_LOAD_THINK_MIN": str(args.think_min),
        "OSSA_LOAD_THINK_MAX": str(args.think_max),
    }
    run_started = timezone.now()
    print(f"load: {' '.join(command[1:])}")
    sampler = CpuSampler()
    sampler.start()
    with open(out_dir / "locust.log", "w") as log:
        locust = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    sampler.done.set()
    return {
        "run_started": run_started,
        "locust_command": command,
        "locust_exit": locust.returncode,
        "load_end": common.load_average(),
        "cpu_busy": sampler.summary(),
        "record_file": record_file,
    }


def run_load(args, members: list[dict], out_dir: Path) -> dict:
    """gunicorn and a Celery worker; members signed in, the load, the queue drained and
    the final pulls checked, before both stop."""
    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    server = common.start_gunicorn(port, args.workers, out_dir)
    worker = start_worker(args.celery_concurrency, out_dir)
    try:
        run = {"sign_in_seconds": sign_in_everyone(base, members)}
        run |= run_locust(args, base, members, out_dir)
        run["drain_seconds"], run["drain_left"] = wait_for_drain(args.redis_url, args.drain_timeout)
        run["clients"] = json.loads(run.pop("record_file").read_text())
        run["pulls"] = check_pulls(base, members, run["clients"]["members"])
    finally:
        common.stop_process(server)
        common.stop_process(worker, timeout=30)
    return run


def summarize(args, run: dict, database: dict, out_dir: Path) -> dict:
    """Everything the report prints and --json writes."""
    clients, pulls = run["clients"], run["pulls"]
    status = clients["status"]
    errors = sum(
        n for name, codes in status.items() for code, n in codes.items() if is_error(name, code)
    )
    server_codes, tracebacks = server_errors((out_dir / "gunicorn.log").read_text())
    worker_log = (out_dir / "worker.log").read_text()
    worker_errors = common.error_lines(worker_log, ("ERROR", "Traceback"))
    checks = clients["checks"]
    return {
        "locust_command": shlex.join(
            [
                ".venv/bin/locust",
                *[a.replace(str(ROOT) + "/", "") for a in run["locust_command"][1:]],
            ]
        ),
        "locust_exit": run["locust_exit"],
        "load_end": run["load_end"],
        "cpu_busy": run["cpu_busy"],
        "sign_in_seconds": run["sign_in_seconds"],
        "workers": args.workers,
        "celery_concurrency": args.celery_concurrency,
        "users": args.users,
        "duration": args.duration,
        "stats": locust_stats(out_dir / "locust"),
        "status": status,
        "errors": errors,
        "checks": checks,
        "server_codes": server_codes,
        "tracebacks": tracebacks,
        "worker_errors": worker_errors[:50],
        "drain_seconds": run["drain_seconds"],
        "drain_left": run["drain_left"],
        "database": database,
        "pulls": pulls,
        "consistent": is_consistent(database, pulls, checks, run["drain_left"]),
        "out_dir": str(out_dir),
    }


def main() -> int:
    args = parse_args()
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", *sys.argv])
    date = dt.datetime.now(dt.UTC).strftime("%a %d %b %Y, %H:%M UTC")
    load_before = common.load_average()
    warnings.filterwarnings("ignore", message="No directory at")
    members = prepare(args)

    from django.db import connections

    info = machine()
    connections.close_all()
    empty_redis(args.redis_url)  # the seed's own recompute requests: already done above

    out_dir = args.keep or Path(tempfile.mkdtemp(prefix="ossa-load-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    run = run_load(args, members, out_dir)
    database = check_database(run["clients"]["members"], run["run_started"])
    connections.close_all()

    result = {"date": date, "command": command, "machine": info, "load_before": load_before}
    result |= summarize(args, run, database, out_dir)
    print_report(result)
    for tb in result["tracebacks"][:3]:
        print("\n" + tb)
    print(f"\nlogs and locust CSVs: {out_dir}")
    if args.json:
        common.write_json(args.json, result)
    return 0 if result["consistent"] and result["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
