"""What several benchmarks need the same way: their PostgreSQL database, Django set up and
migrated on it, and timing with percentiles."""

from __future__ import annotations

import gc
import math
import statistics
import time


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
