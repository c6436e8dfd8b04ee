"""What several benchmarks need the same way: their environment, their PostgreSQL database,
Django set up and migrated on it, timing with percentiles, and the machine they ran on."""

from __future__ import annotations

import gc
import math
import os
import platform
import secrets
import statistics
import time
from collections.abc import Iterator


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


def setup_django() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


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


def machine() -> dict[str, str]:
    """The machine a figure was measured on: CPUs, their model, RAM, Python, load average."""
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    return {
        "cpus": str(os.cpu_count()),
        "cpu": model,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def postgresql_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]
