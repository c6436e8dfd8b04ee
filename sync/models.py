"""The per-member sync clock and the columns every syncable row carries
(docs/architecture.md#cursor)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class SyncClock(models.Model):
    """A member's logical clock: the pull cursor, never wall-clock time.

    Every write transaction touching a member's syncable rows increments it under the
    row lock (see sync.clock.tick), and stamps those rows with the new value.
    """

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="sync_clock",
    )
    value = models.BigIntegerField(default=1)
    # Tombstones stamped at or below this were purged; an older cursor must resync fully.
    purged_through = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.member_id}@{self.value}"


class Syncable(models.Model):
    """UUID key, timestamps, the server_version stamp and a soft-delete tombstone."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    server_version = models.BigIntegerField(default=0, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    # The field naming the member whose clock this row follows ("member", "owner", "user").
    sync_member_field = "member"

    class Meta:
        abstract = True

    @property
    def sync_member_id(self):
        return getattr(self, f"{self.sync_member_field}_id")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
