from __future__ import annotations

from celery import shared_task
from django.core.management import call_command
from django.utils.dateparse import parse_datetime

from . import services


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=20, time_limit=30)
def record_activity(user_id: str, at: str) -> int:
    """Remember when a member last logged something (shown to their dietitian)."""
    return services.record_activity(user_id, parse_datetime(at))


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=540, time_limit=600)
def flush_expired_tokens() -> None:
    """Drop expired refresh tokens and their blacklist entries."""
    call_command("flushexpiredtokens")
