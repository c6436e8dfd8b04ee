"""What members are told and how it reached them: the inbox, push devices, deliveries."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from sync.models import Syncable


class Kind(models.TextChoices):
    WEEKLY_DIGEST = "weekly_digest", "Weekly digest"
    DOSE_REMINDER = "dose_reminder", "Dose reminder"


class Notification(Syncable):
    """One message in a member's in-app inbox (synced; only read_at is theirs to change).

    (member, kind, period) is unique: the planner claims a digest by inserting this row, so
    overlapping planners and retries never produce a second one for the same week or dose.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    period = models.CharField(max_length=64, help_text='"2026-W47" or a dose occurrence')
    title = models.CharField(max_length=160)
    body = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "period"], name="notification_once_per_period"
            ),
        ]
        indexes = [models.Index(fields=["member", "server_version"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.period})"


class PushSubscription(models.Model):
    """A browser's Web Push endpoint and keys (one per device). A push service answering
    404 or 410 means the device unsubscribed: the row is deactivated, never retried."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=60)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["member", "deactivated_at"])]

    def __str__(self) -> str:
        return f"{self.member} {self.endpoint[:40]}"

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None


class Channel(models.TextChoices):
    IN_APP = "in_app", "In-app inbox"
    PUSH = "push", "Web Push"
    EMAIL = "email", "E-mail"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Delivery(models.Model):
    """One notification on one channel: its status, attempts and last error."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "claimed_at"], name="delivery_status_claimed"),
        ]

    def __str__(self) -> str:
        return f"{self.notification} via {self.channel}: {self.status}"
