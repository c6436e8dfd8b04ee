"""The Celery application, and the one way the web tier hands work to it."""

from __future__ import annotations

import gc
import logging
import logging.config
import os
from typing import Any

from celery import Celery, Signature, Task
from celery.signals import setup_logging, worker_process_init
from django.core.cache import cache
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from .outage import Outage

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("ossa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs: Any) -> None:
    """Workers and beat log through settings.LOGGING (its redacting filter, JSON in
    production): with a receiver here, Celery installs no handlers of its own."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@worker_process_init.connect
def freeze_startup_objects(**kwargs: Any) -> None:
    """A worker process begins with what Django, the tasks and their libraries loaded (about
    160,000 objects), which never become garbage; the cyclic collector went through them all
    on every full collection, a sixth of a dose-reminder burst's CPU (bench/RESULTS.md, issue
    17). Frozen, it looks only at what tasks allocate."""
    gc.freeze()


logger = logging.getLogger(__name__)

# A pending marker outlives its countdown by this much, so a lost run (worker killed before
# it released the marker) blocks new runs only briefly; the nightly batch covers the rest.
COALESCE_GRACE_SECONDS = 60


# After a failed publish the broker counts as down for this long: later writes skip the
# publish at once. The work is caught up by the periodic batch that owns it.
BROKER_RETRY_AFTER_SECONDS = 10.0
broker_outage = Outage(BROKER_RETRY_AFTER_SECONDS)


def enqueue_now(task: Task | Signature, *args: Any, countdown: float | None = None) -> bool:
    """Publish a task; if the broker is unreachable, log and report False.

    Writes never fail because Redis is away: what is not enqueued here is caught up by
    the periodic batch that owns the same work.
    """
    if broker_outage.ongoing():
        logger.debug("broker presumed down, %s not enqueued", task.name)
        return False
    try:
        task.apply_async(args=args, countdown=countdown, retry=False)
    except (OperationalError, ConnectionError, OSError) as exc:
        broker_outage.began()
        logger.warning("broker unavailable, %s not enqueued: %s", task.name, exc)
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any) -> None:
    """Publish a task once the surrounding transaction has committed."""
    transaction.on_commit(lambda: enqueue_now(task, *args))


def enqueue_coalesced_on_commit(task_name: str, key: str, window: float = 2.0) -> None:
    """After commit, publish `task_name(key)` to run in `window` seconds, unless a run for
    the same key is already pending: a burst of writes becomes one run.

    The task calls `release_coalesced(task_name, key)` first thing, so a write landing
    while it computes schedules one more run rather than being missed. Named by string so
    apps can ask for another app's work without importing it.
    """
    transaction.on_commit(lambda: _publish_coalesced(task_name, key, window))


def _publish_coalesced(task_name: str, key: str, window: float) -> None:
    if broker_outage.ongoing():  # the cache is usually the same Redis: don't wait on it either
        return
    pending = _coalesce_key(task_name, key)
    try:
        if not cache.add(pending, 1, timeout=int(window) + COALESCE_GRACE_SECONDS):
            return
    except RedisError as exc:
        logger.warning("cache unavailable, %s(%s) not coalesced: %s", task_name, key, exc)
    if not enqueue_now(app.signature(task_name), key, countdown=window):
        release_coalesced(task_name, key)


def release_coalesced(task_name: str, key: str) -> None:
    try:
        cache.delete(_coalesce_key(task_name, key))
    except RedisError as exc:
        logger.warning("cache unavailable, could not release %s(%s): %s", task_name, key, exc)


def _coalesce_key(task_name: str, key: str) -> str:
    return f"coalesce:{task_name}:{key}"
