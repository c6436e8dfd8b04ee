"""A worker process's start (backend/celery.py)."""

from __future__ import annotations

import gc

from backend.celery import freeze_startup_objects


def test_a_worker_process_leaves_what_it_started_with_out_of_garbage_collection():
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 10_000  # Django, the tasks and their libraries
        gc.collect()  # still collects what is allocated later
    finally:
        gc.unfreeze()
