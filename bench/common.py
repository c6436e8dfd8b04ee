"""What several benchmarks need the same way: their command-line options for the services,
their environment, their PostgreSQL database, Django set up and migrated on it, the servers
they start (gunicorn, a Celery worker), timing with percentiles, waiting for a quiet
machine and counting the CPU other processes take, and the machine they ran on."""

from __future__ import annotations

import gc
import json
import math
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_URL = "postgres://postgres@127.0.0.1:5432"


def add_service_arguments(
    parser, *, database: str, redis_url: str, redis_help: str | None = None
) -> None:
    """--pg-url, --database and --redis-url: where a benchmark keeps its data."""
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--database", default=database)
    parser.add_argument("--redis-url", default=redis_url, help=redis_help)


def configure_environment(args, settings: str = "bench.settings", **extra: str) -> dict[str, str]:
    """What the benchmark and the servers it starts run with: its own database and Redis
    database (args.pg_url, args.database, args.redis_url), production settings, a throwaway
    SECRET_KEY unless BENCH_SECRET_KEY is given, plus `extra`."""
    values = {
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": f"{args.pg_url}/{args.database}",
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.redis_url,
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "DEBUG": "0",
        "DJANGO_ENV": "benchmark",
        "JWT_ACCESS_MINUTES": "240",  # one token lasts the whole run
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    os.environ.update(values)
    return values


def ensure_database(pg_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def recreate_database(pg_url: str, name: str) -> None:
    """Drop the database (whoever is connected) and create it empty."""
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(migrate: bool = True) -> float:
    """django.setup(), then migrate; returns the seconds migrating took."""
    import django

    django.setup()
    started = time.monotonic()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    return time.monotonic() - started


def drain_broker(redis_url: str) -> int:
    """Drop the tasks the benchmark's writes queued (no worker reads its Redis database);
    return how many there were. Database 0 is only counted, never emptied."""
    import redis

    client = redis.Redis.from_url(redis_url)
    queued = client.llen("celery")
    if not redis_url.rstrip("/").endswith("/0"):
        client.delete("celery")
    return queued


# --- Servers the benchmarks start -----------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, log_dir: Path) -> subprocess.Popen:
    """gunicorn (sync workers) on 127.0.0.1:port, logging to log_dir/gunicorn.log; returns
    once /bench/floor answers."""
    command = [
        str(VENV_BIN / "gunicorn"),
        "backend.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
    ]
    log = open(log_dir / "gunicorn.log", "w")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early, see {log_dir / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/floor", timeout=1):
                return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 30 s")


def celery_worker_command(concurrency: int, *extra: str) -> list[str]:
    return [
        str(VENV_BIN / "celery"),
        "-A",
        "backend",
        "worker",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "WARNING",
        *extra,
    ]


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM (gunicorn's and Celery's warm shutdown), then SIGKILL after `timeout` s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def error_lines(log: str, markers: tuple[str, ...] = ("Error", "Traceback")) -> list[str]:
    """The lines of a server's or worker's log that name an error."""
    return [line for line in log.splitlines() if any(m in line for m in markers)]


def timed(action):
    gc.collect()
    cpu, started = time.process_time(), time.perf_counter()
    result = action()
    wall = (time.perf_counter() - started) * 1000
    return wall, (time.process_time() - cpu) * 1000, result


def summary(walls: list[float], cpus: list[float] | None = None) -> dict:
    ordered = sorted(walls)
    out = {
        "n": len(walls),
        "p50": statistics.median(walls),
        "p95": ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)],
        "min": ordered[0],
        "max": ordered[-1],
    }
    if cpus:
        out["cpu_p50"] = statistics.median(cpus)
    return out


# --- A quiet machine, and what other processes take -----------------------------------
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_times() -> tuple[int, int]:
    """(all, idle) ticks of all CPUs so far, from /proc/stat (idle counts iowait too)."""
    with open("/proc/stat") as f:
        values = list(map(int, f.readline().split()[1:]))
    return sum(values), values[3] + values[4]


def busy_share(interval: float = 1.0) -> float:
    """Share of all CPUs busy over `interval` seconds."""
    total0, idle0 = cpu_times()
    time.sleep(interval)
    total1, idle1 = cpu_times()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def wait_for_quiet(limit: float, timeout: float) -> float:
    """Wait (up to `timeout` s) until the machine's busy share over 1 s is at most `limit`;
    return the last share."""
    deadline = time.monotonic() + timeout
    share = busy_share()
    while share > limit and time.monotonic() < deadline:
        share = busy_share()
    return share


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def wait_for_load(label: str, limit: float, max_wait: float) -> dict:
    """Wait (polling every 10 s, up to max_wait) until the 1-minute load is at most limit;
    print and return the load the phase starts at."""
    waited = 0.0
    load = os.getloadavg()[0]
    while load > limit and waited < max_wait:
        time.sleep(10)
        waited += 10
        load = os.getloadavg()[0]
    note = f" after waiting {waited:.0f} s" if waited else ""
    over = " (still above the limit)" if load > limit else ""
    print(f"[{label}] 1-min load {load:.2f}{note}{over}", flush=True)
    return {"load": round(load, 2), "waited_s": waited}


def process_ticks(fields: list[str]) -> int:
    """CPU ticks a process used so far (user + system), from its processes() fields."""
    return int(fields[11]) + int(fields[12])


def watched_run(action: Callable, foreign_ticks: Callable[[], dict]) -> tuple:
    """Run `action`; return its result, the share of the machine's CPUs the processes
    `foreign_ticks()` counts used meanwhile, and the ticks each of them used."""
    before, started = foreign_ticks(), time.monotonic()
    result = action()
    after, elapsed = foreign_ticks(), time.monotonic() - started
    used = {key: ticks - before.get(key, 0) for key, ticks in after.items()}
    share = sum(used.values()) / CLK_TCK / elapsed / (os.cpu_count() or 1)
    return result, share, used


def processes() -> Iterator[tuple[int, str, list[str]]]:
    """(pid, command name, the fields after the name) from every /proc/<pid>/stat still
    readable: fields[1] is the parent pid, fields[11] + fields[12] the CPU ticks used,
    fields[13] + fields[14] those of its exited children (see proc(5))."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:  # ended meanwhile
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        yield int(entry), comm, raw[raw.rindex(")") + 2 :].split()


def descendants(root: int, table: list[tuple[int, str, list[str]]]) -> set[int]:
    """`root` and every process below it, in a processes() table."""
    parents = {pid: int(fields[1]) for pid, _, fields in table}
    found = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def cmdline(pid: int) -> str | None:
    """A process's command line (a PostgreSQL backend's title names its database; a kernel
    thread's is empty), or None when it ended meanwhile."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None


def machine(postgresql: bool = False) -> dict[str, str]:
    """The machine a figure was measured on: CPUs, their model, RAM, Python, load average
    (and with `postgresql`, the server's version, read through Django's connection)."""
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    info = {
        "cpus": str(os.cpu_count()),
        "cpu": model,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "load": load_average(),
    }
    if postgresql:
        info["postgresql"] = postgresql_version()
    return info


def postgresql_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def git(*command: str) -> str:
    """A read-only git command in the checkout the benchmark runs from; its output."""
    done = subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


# --- Report ---------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def write_json(path: Path, results) -> None:
    path.write_text(json.dumps(results, indent=2, default=str))


@contextmanager
def timing_stages(patches: list[tuple[object, str, str]], spent: dict[str, float]):
    """Each patched function wrapped to add its wall time to spent[label]; restored after."""

    def timed(label, fn):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - started

        return wrapper

    originals = [(owner, name, vars(owner).get(name)) for owner, name, _ in patches]
    for owner, name, label in patches:
        setattr(owner, name, timed(label, getattr(owner, name)))
    try:
        yield
    finally:
        for owner, name, fn in originals:
            if fn is None:
                delattr(owner, name)  # inherited: the class had none of its own
            else:
                setattr(owner, name, fn)
