from __future__ import annotations

from celery import shared_task
from django.core.management import call_command
from django.db import DatabaseError, OperationalError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import deletion, services


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=20, time_limit=30)
def record_activity(user_id: str, at: str) -> int:
    """Remember when a member last logged something (shown to their dietitian)."""
    return services.record_activity(user_id, parse_datetime(at))


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=540, time_limit=600)
def flush_expired_tokens() -> None:
    """Drop expired refresh tokens and their blacklist entries."""
    call_command("flushexpiredtokens")


@shared_task(
    acks_late=True,
    soft_time_limit=1740,
    time_limit=1800,
    autoretry_for=(OperationalError, DatabaseError),
    retry_backoff=60,
    retry_backoff_max=900,
    max_retries=5,
)
def delete_due_accounts() -> int:
    """Daily: delete every account whose grace period has passed, with all its rows.
    Idempotent: each account goes in its own transaction, re-checked under a row lock, so a
    retry or a second run deletes only what is still due."""
    return deletion.delete_due_accounts(timezone.now())
