"""Celery tasks for adherence and flags: per-member recompute (coalesced) and the nightly
batch. Both are idempotent: a rerun writes the same rows."""

from __future__ import annotations

import logging
from uuid import UUID

from celery import shared_task
from django.db import DatabaseError, OperationalError

from backend.celery import release_coalesced

from . import computation, selectors
from .services import RECOMPUTE_MEMBER

logger = logging.getLogger(__name__)

BATCH_CHUNK = 500
# Transient failures (a lock timeout, a dropped connection, a deadlock victim) are retried
# with backoff; anything else is a bug and surfaces in the worker log.
TRANSIENT = (OperationalError, DatabaseError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name=RECOMPUTE_MEMBER, acks_late=True, soft_time_limit=60, time_limit=90, **RETRY)
def recompute_member(member_id: str) -> int:
    """Recompute one member after their writes (coalesced: see request_recompute)."""
    release_coalesced(RECOMPUTE_MEMBER, member_id)
    summary = computation.recompute([UUID(member_id)])
    return summary.snapshots_written + summary.flags_written


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360, **RETRY)
def recompute_chunk(member_ids: list[str]) -> int:
    summary = computation.recompute([UUID(m) for m in member_ids])
    # One line a chunk with its stages' seconds: bench/adherence_batch.py reads these.
    logger.info(
        "nightly chunk: %d members, %d rows written, seconds: "
        + ", ".join(f"{stage} %.3f" for stage in computation.STAGES),
        summary.members,
        summary.rows_written,
        *(summary.seconds[stage] for stage in computation.STAGES),
    )
    return summary.members


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660, **RETRY)
def recompute_everyone() -> int:
    """Nightly: fan out the active members in chunks, so every worker shares the batch."""
    chunks = 0
    for chunk in selectors.member_id_chunks(BATCH_CHUNK):
        recompute_chunk.delay([str(m) for m in chunk])
        chunks += 1
    logger.info("nightly recompute: %d chunks of up to %d members", chunks, BATCH_CHUNK)
    return chunks
