"""Where one GET /api/v1/intakes?page_size=50 spends its time (issue 2 follow-up).

    .venv/bin/python bench/profile_list.py [--requests 300]

Runs in process against the database api_throughput.py seeded (seeding it if needed):
times the floor, the list and its parts without the network, then profiles the list with
pyinstrument when importable (it is not a project requirement: put it on PYTHONPATH from
a scratch venv), else with cProfile. Django's test client skips the per-request
connection health check (a SELECT 1), so in-process figures leave it out.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import api_throughput as bench
from bench import common
from bench.common import configure_environment, timing_stages

LIST_PATH = "/api/v1/intakes?page_size=50"


def per_request_ms(fn, n: int) -> float:
    for _ in range(min(n, 30)):
        fn()
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n * 1000


# The functions that do the list's work: (owner, attribute, label); labels indented with
# two spaces are part of the one above them.
def cpu_ms_per_request(fn, n: int) -> float:
    """CPU ms per call of this process and its PostgreSQL backend together: unlike wall
    time it hardly moves when other work shares the machine, and it counts the server's
    parsing and planning that a round trip hides."""
    from django.db import connection

    for _ in range(min(n, 30)):
        fn()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    started = _cpu_ticks(backend), time.process_time()
    for _ in range(n):
        fn()
    ticks, seconds = _cpu_ticks(backend) - started[0], time.process_time() - started[1]
    return (ticks / common.CLK_TCK + seconds) / n * 1000


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return common.process_ticks(fields)


def stage_patches() -> list[tuple[object, str, str]]:
    import accounts.authentication
    import tracking.selectors
    import tracking.views
    from accounts.authentication import SessionJWTAuthentication
    from backend.pagination import NewestFirstKeysetPagination
    from backend.renderers import JSONRenderer

    return [
        (SessionJWTAuthentication, "authenticate", "authentication (JWT + session query)"),
        (accounts.authentication, "active_session_user", "  of which the session query"),
        (tracking.views, "_list_filters", "filter parameters"),
        (NewestFirstKeysetPagination, "paginate_rows", "page: query, rows to dicts, edges"),
        (tracking.selectors, "intake_page", "  of which the page query"),
        (NewestFirstKeysetPagination, "get_paginated_response", "envelope (next/previous links)"),
        (JSONRenderer, "render", "JSON rendering"),
    ]


def print_stages(request, n: int) -> None:
    """Wall time per stage of the list request, by wrapping the functions that do the work."""
    patches = stage_patches()
    spent: dict[str, float] = {}
    with timing_stages(patches, spent):
        for _ in range(min(n, 30)):
            request()
        spent.clear()
        started = time.perf_counter()
        for _ in range(n):
            request()
        total = time.perf_counter() - started
    print("list request, by stage (in process):")
    for _, _, label in patches:
        seconds = spent.get(label, 0.0)
        print(f"  {label:<48} {seconds / n * 1000:6.2f} ms  {seconds / total:4.0%}")
    rest = total - sum(v for k, v in spent.items() if not k.startswith(" "))
    print(f"  {'everything else (Django, DRF dispatch)':<48} {rest / n * 1000:6.2f} ms")
    print(f"  {'total':<48} {total / n * 1000:6.2f} ms")


def in_process_timings(member, token: str, n: int, measure=None) -> dict[str, float]:
    """ms per request (wall time, or what `measure` counts) of the floor, the list (with
    and without middleware) and the list's two queries alone."""
    from django.test import Client
    from rest_framework.test import APIRequestFactory

    from accounts.authentication import active_session_user
    from accounts.models import LoginSession
    from tracking import selectors
    from tracking.views import IntakeLogViewSet

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    anon = Client(HTTP_HOST="127.0.0.1")
    view = IntakeLogViewSet.as_view({"get": "list"})
    factory = APIRequestFactory()
    session = LoginSession.objects.filter(user=member, revoked_at__isnull=True).first()

    def view_without_middleware():
        req = factory.get(LIST_PATH, HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
        return view(req).render()

    measure = measure or per_request_ms
    return {
        "floor, full Django stack (in process)": measure(lambda: anon.get("/bench/floor"), n),
        "authenticated floor, full stack (in process)": measure(
            lambda: client.get("/bench/floor/authenticated"), n
        ),
        "list, full stack (in process)": measure(lambda: client.get(LIST_PATH), n),
        "textbook DRF peer, full stack (in process)": measure(
            lambda: client.get(bench.PEER_PATH), n
        ),
        "list, DRF view without Django middleware": measure(view_without_middleware, n),
        "list: the session query alone": measure(
            lambda: active_session_user(session.id, member.id), n
        ),
        "list: the page query alone (51 rows)": measure(
            lambda: selectors.intake_page(member, limit=51), n
        ),
    }


def print_profile(request, n: int) -> None:
    """`n` requests under pyinstrument when importable, else cProfile."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(n):
            request()
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
        return
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(n):
        request()
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    common.add_service_arguments(
        parser, database="ossa_bench", redis_url="redis://127.0.0.1:6379/15"
    )
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="No directory at")

    configure_environment(args)
    common.ensure_database(args.pg_url, args.database)
    common.setup_django()

    from django.test import Client

    from accounts.models import User

    member = User.objects.filter(email=bench.MEMBER_EMAIL).first()
    if member is None or not member.intake_logs.exists():
        member, _, _ = bench.seed(random.Random(args.seed))
    token = bench.access_token(member)
    n = args.requests

    timings = in_process_timings(member, token, n)
    cpu = in_process_timings(member, token, n, measure=cpu_ms_per_request)
    width = max(map(len, timings))
    print(f"{'':<{width}}  {'wall':>10}  {'CPU, with the database':>24}")
    for label, ms in timings.items():
        print(f"{label:<{width}}  {ms:7.2f} ms  {cpu[label]:21.2f} ms")
    print()
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    print_stages(lambda: client.get(LIST_PATH), n)
    print()
    print_profile(lambda: client.get(LIST_PATH), n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
