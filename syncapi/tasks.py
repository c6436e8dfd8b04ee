"""Tombstone retention: deleted rows are kept SYNC_TOMBSTONE_DAYS so devices learn of the
deletion, then purged; a device whose cursor is older must resync from scratch."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.db.models.functions import Greatest
from django.utils import timezone

from sync.models import SyncClock
from tracking.models import AdherenceSnapshot, IntakeLog, Regimen

from .registry import TABLES

logger = logging.getLogger(__name__)

# Children first, so a parent whose tombstoned children went is free to go too.
PURGE_ORDER = (
    "intake_logs",
    "adherence_weeks",
    "nutrient_days",
    "flags",
    "regimens",
    "products",
)


@shared_task(acks_late=True, soft_time_limit=540, time_limit=600)
def purge_tombstones() -> int:
    horizon = timezone.now() - timedelta(days=settings.SYNC_TOMBSTONE_DAYS)
    purged = sum(_purge(name, horizon) for name in PURGE_ORDER)
    logger.info("purged %d tombstones older than %s", purged, horizon.date())
    return purged


@transaction.atomic
def _purge(name: str, horizon) -> int:
    table = TABLES[name]
    rows = _without_dependants(name, table.model.objects.filter(deleted_at__lt=horizon))
    member = f"{table.member_field}_id"
    for row in rows.values(member).annotate(last=Max("server_version")).order_by():
        SyncClock.objects.filter(member_id=row[member]).update(
            purged_through=Greatest("purged_through", row["last"])
        )
    count, _ = rows.delete()
    return count


def _without_dependants(name: str, rows):
    """Rows still referenced by kept history stay as tombstones (their ids stay known)."""
    if name == "regimens":
        return rows.exclude(Exists(IntakeLog.objects.filter(regimen=OuterRef("pk")))).exclude(
            Exists(AdherenceSnapshot.objects.filter(regimen=OuterRef("pk")))
        )
    if name == "products":
        return rows.exclude(Exists(IntakeLog.objects.filter(product=OuterRef("pk")))).exclude(
            Exists(Regimen.objects.filter(product=OuterRef("pk")))
        )
    return rows
