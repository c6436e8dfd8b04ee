"""The Celery application, and the one way the web tier hands work to it."""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery, Task
from django.db import transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("ossa")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue_now(task: Task, *args: Any, **kwargs: Any) -> bool:
    """Publish a task; if the broker is unreachable, log and report False.

    Writes never fail because Redis is away: what is not enqueued here is caught up by
    the periodic batch that owns the same work.
    """
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except (OperationalError, ConnectionError, OSError) as exc:
        logger.warning("broker unavailable, %s not enqueued: %s", task.name, exc)
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Publish a task once the surrounding transaction has committed."""
    transaction.on_commit(lambda: enqueue_now(task, *args, **kwargs))
