"""A Celery worker SIGKILLed in the middle of the nightly batch: the chunks it held are
redelivered to another worker, the batch completes, and the stored adherence and flags equal
a clean run's.

The worker holds its chunks unacknowledged (acks_late). A SIGKILLed worker cannot give them
back, so Redis hands them out again only once they have been unacknowledged for the
transport's visibility_timeout (production: settings.CELERY_BROKER_TRANSPORT_OPTIONS, one
hour, see the comment there). Here it is 5 s, with a restore sweep every second, and the
batch is cut into chunks of 6 members so it runs for several seconds.
"""

from __future__ import annotations

import time

import pytest

from tracking.models import MemberComputation
from tracking.tasks import recompute_everyone

from .conftest import Worker, assert_equals_a_clean_run, report, seed_members, wait_for, worker_env

pytestmark = pytest.mark.faults

MEMBERS = 60
CHUNK = 6
VISIBILITY_TIMEOUT = 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_batch_has_its_chunks_redelivered_and_finished(
    broker_at, workers, tmp_path
):
    seeding = time.monotonic()
    member_ids = seed_members(MEMBERS)
    seed_s = time.monotonic() - seeding
    broker = broker_at.client()
    broker.flushall()  # the recomputes seeding asked for: only the batch runs here
    env = worker_env(
        broker_at.url,
        OSSA_FAULTS_BATCH_CHUNK=str(CHUNK),
        OSSA_FAULTS_TRANSPORT_OPTIONS={
            "visibility_timeout": VISIBILITY_TIMEOUT,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
            # Each restore sweep holds a lock in Redis; a worker killed while holding it
            # would stop every other worker's sweeps for the lock's expiry (300 s).
            "unacked_mutex_expire": 2,
        },
    )
    first = Worker(env, tmp_path / "worker-1.log")
    workers.append(first)
    first.wait_ready()

    started = time.monotonic()
    recompute_everyone.delay()  # as beat does at 02:30

    def computed() -> int:
        return MemberComputation.objects.filter(member_id__in=member_ids).count()

    # Kill it once some chunks are stored and most are not, while it holds its full
    # prefetch (two chunks, one per process): it is then not reading from Redis, where a
    # message already popped but not yet recorded as unacknowledged would be lost
    # (kombu's Redis transport, celery/celery#4354). Polled often: the batch is quick.
    def busy_midway() -> bool:
        return computed() >= 2 * CHUNK and broker.hlen("unacked") >= 2

    assert wait_for(busy_midway, 60, every=0.005), first.log.read_text()[-3000:]
    first.kill()
    killed_at = time.monotonic()
    done_at_kill = computed()
    unacked_at_kill = broker.hlen("unacked")
    assert 0 < done_at_kill < MEMBERS
    assert unacked_at_kill >= 1, "the killed worker held no chunk"

    second = Worker(env, tmp_path / "worker-2.log")
    workers.append(second)
    assert wait_for(
        lambda: computed() == MEMBERS and broker.hlen("unacked") == 0, 90, every=0.25
    ), second.log.read_text()[-3000:]
    finished_at = time.monotonic()
    second.stop()

    redelivered = set(first.received()) & set(second.received())
    assert len(redelivered) >= 1
    runs = list(
        MemberComputation.objects.filter(member_id__in=member_ids).values_list("runs", flat=True)
    )
    checking = time.monotonic()
    counted = assert_equals_a_clean_run(member_ids)
    check_s = time.monotonic() - checking
    report(
        "worker_sigkill",
        {
            "members": MEMBERS,
            "chunks": -(-MEMBERS // CHUNK),
            "computed_when_killed": done_at_kill,
            "unacked_when_killed": unacked_at_kill,
            "tasks_redelivered": len(redelivered),
            "members_computed_twice": sum(1 for r in runs if r > 1),
            "killed_after_s": round(killed_at - started, 1),
            "kill_to_complete_s": round(finished_at - killed_at, 1),
            **counted,
            "seed_s": round(seed_s, 1),
            "clean_run_s": round(check_s, 1),
        },
    )
