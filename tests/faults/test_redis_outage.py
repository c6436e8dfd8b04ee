"""Redis (cache and broker) dies while members log doses over REST and sync: every write
still succeeds, exactly once, and once Redis is back the nightly batch brings adherence and
flags to what a clean run gives.

A live test server and a private Redis; a Celery worker subprocess runs throughout (it
loses the broker and must reconnect by itself); for each member one thread posts
/api/v1/intakes and one pushes /api/v1/sync/push with client UUIDs. Mid-run the Redis
process is SIGKILLed (nothing persisted: every queued task and coalescing marker is lost),
the writers go on, then Redis starts again, empty, on the same port and the batch runs.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass, field

import pytest
import requests
from django.utils import timezone

from accounts import services as accounts
from backend.celery import broker_outage
from tracking.models import IntakeLog, MemberComputation
from tracking.tasks import recompute_everyone

from .conftest import (
    Worker,
    assert_equals_a_clean_run,
    report,
    seed_members,
    use_broker,
    wait_for,
    worker_env,
)

pytestmark = pytest.mark.faults

MEMBERS = 3
UP_S, DOWN_S = 2.0, 3.0
PUSH_ROWS = 2


@dataclass
class Writes:
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: dict[str, list[str]] = field(default_factory=dict)  # member id -> log ids
    requests: list[tuple[str, float, int, float]] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    def record(self, member: str, kind: str, sent: float, status: int, ids: list[str]) -> None:
        with self.lock:
            self.requests.append((kind, sent, status, time.monotonic() - sent))
            if 200 <= status < 300:
                self.acknowledged.setdefault(member, []).extend(ids)

    def run(self, work, *args) -> threading.Thread:
        def guarded():
            try:
                work(*args)
            except BaseException as exc:  # reported by the test
                self.errors.append(exc)

        thread = threading.Thread(target=guarded)
        thread.start()
        return thread


def session_for(member) -> requests.Session:
    tokens = accounts.issue_tokens(accounts.start_session(member, device_name="phone"))
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {tokens['access']}"
    return session


def taken_at() -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=1)


def rest_writer(writes: Writes, url: str, session: requests.Session, member: str, plan: str):
    while not writes.stop.is_set():
        log_id = str(uuid.uuid4())
        body = {"id": log_id, "regimen": plan, "taken_at": taken_at().isoformat()}
        sent = time.monotonic()
        response = session.post(f"{url}/api/v1/intakes", json=body, timeout=30)
        writes.record(member, "rest", sent, response.status_code, [log_id])
        time.sleep(0.05)


def sync_writer(writes: Writes, url: str, session, member: str, plan: str, product: str):
    pulled = session.get(f"{url}/api/v1/sync/pull?last_pulled_at=null&schema_version=1")
    cursor = pulled.json()["timestamp"]
    while not writes.stop.is_set():
        rows = [
            {
                "id": str(uuid.uuid4()),
                "regimen_id": plan,
                "product_id": product,
                "servings": 1,
                "taken_at": int(taken_at().timestamp() * 1000),
                "status": "taken",
                "note": "",
                "source": "app",
                "_status": "created",
                "_changed": "",
            }
            for _ in range(PUSH_ROWS)
        ]
        changes = {"intake_logs": {"created": rows, "updated": [], "deleted": []}}
        sent = time.monotonic()
        response = session.post(
            f"{url}/api/v1/sync/push?last_pulled_at={cursor}&schema_version=1",
            json={"changes": changes},
            timeout=30,
        )
        writes.record(member, "sync", sent, response.status_code, [r["id"] for r in rows])
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_writes_survive_a_redis_outage_and_the_batch_catches_up(
    live_server, broker_at, workers, tmp_path
):
    from accounts.models import User
    from tracking.models import Regimen

    member_ids = seed_members(MEMBERS, days=21)
    before = {
        m: set(IntakeLog.objects.filter(member_id=m).values_list("id", flat=True))
        for m in member_ids
    }
    worker = Worker(worker_env(broker_at.url), tmp_path / "worker.log")
    workers.append(worker)
    worker.wait_ready()

    writes = Writes()
    threads = []
    for member in User.objects.filter(id__in=member_ids):
        plan = Regimen.objects.filter(member=member).order_by("created_at").first()
        ids = (str(member.id), str(plan.id))
        threads.append(writes.run(rest_writer, writes, live_server.url, session_for(member), *ids))
        threads.append(
            writes.run(sync_writer, writes, live_server.url, session_for(member), *ids,
                       str(plan.product_id))
        )  # fmt: skip

    time.sleep(UP_S)
    broker_at.stop()
    down_at = time.monotonic()
    time.sleep(DOWN_S)
    writes.stop.set()
    for thread in threads:
        thread.join(60)
    assert writes.errors == []

    # Every write was answered 2xx, before and during the outage, and is stored once.
    statuses = [status for _, _, status, _ in writes.requests]
    assert statuses and all(200 <= s < 300 for s in statuses), sorted(set(statuses))
    during = [r for r in writes.requests if r[1] >= down_at]
    assert {kind for kind, *_ in during} == {"rest", "sync"}
    for member in member_ids:
        acknowledged = writes.acknowledged[str(member)]
        assert len(acknowledged) == len(set(acknowledged))
        stored = set(IntakeLog.objects.filter(member_id=member).values_list("id", flat=True))
        assert {str(i) for i in stored - before[member]} == set(acknowledged)

    # Redis returns, empty. The worker reconnects by itself; beat's nightly batch repairs.
    broker_at.start()
    back_at = timezone.now()
    back = time.monotonic()
    broker_outage.forget()
    use_broker(broker_at.url)  # this process's pooled connections died with Redis
    recompute_everyone.delay()

    # kombu's Redis transport can crash the worker when the broker dies while it holds
    # unacked messages (restore_unacked on a closed connection: AttributeError), so
    # production runs workers under a supervisor that restarts them (README); this loop is
    # that supervisor.
    restarts = []

    def caught_up() -> bool:
        nonlocal worker
        if worker.process.poll() is not None:
            restarts.append(worker.process.returncode)
            worker = Worker(worker_env(broker_at.url), tmp_path / f"worker-{len(restarts)}.log")
            workers.append(worker)
        fresh = MemberComputation.objects.filter(member_id__in=member_ids, computed_at__gte=back_at)
        return fresh.count() == MEMBERS

    assert wait_for(caught_up, 90, every=0.25), worker.log.read_text()[-4000:]
    caught_up_s = time.monotonic() - back
    worker.stop()
    assert worker.process.returncode is not None

    counted = assert_equals_a_clean_run(member_ids)
    latencies = [latency for *_, latency in writes.requests]
    report(
        "redis_outage",
        {
            "writers": len(threads),
            "requests": len(writes.requests),
            "requests_during_outage": len(during),
            "non_2xx": sum(1 for s in statuses if not 200 <= s < 300),
            "writes_acknowledged": sum(len(v) for v in writes.acknowledged.values()),
            "max_request_s": round(max(latencies), 2),
            "max_request_during_outage_s": round(max(r[3] for r in during), 2),
            "redis_back_to_caught_up_s": round(caught_up_s, 1),
            "worker_restarts": len(restarts),
            **counted,
        },
    )
