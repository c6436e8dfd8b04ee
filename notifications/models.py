"""What members are told and how it reached them: the inbox, push devices, deliveries."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from sync.models import Syncable


class Kind(models.TextChoices):
    WEEKLY_DIGEST = "weekly_digest", "Weekly digest"
    DOSE_REMINDER = "dose_reminder", "Dose reminder"
    REFILL_REMINDER = "refill_reminder", "Refill reminder"


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


class ReminderState(models.TextChoices):
    SENT = "sent", "Sent"
    SNOOZED = "snoozed", "Snoozed"
    WINDOW = "window", "Waiting window running"
    DONE = "done", "Done"


class DoseReminder(Syncable):
    """One scheduled dose's reminders: sent at its time, again when snoozed, once more as a
    follow-up when nothing is logged, and (bisphosphonates) when the waiting window ends.

    The id is derived from the plan and the dose moment (dose_reminders.dose_id) and
    (regimen, due_at) is unique: the planner claims a dose moment by inserting this row, so
    a crash and restart, or two planners, never remind twice. The id is also the id a
    notification's Taken or Skip logs the dose with, so a tap twice, or on two phones, logs
    it once. A log between `counts_from` and `counts_until` is this dose (half-way to the
    plan's neighbouring doses at most). `next_at` is when the planner acts on it next
    (indexed; None when nothing is left to do). Read-only for devices (synced).
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dose_reminders"
    )
    regimen = models.ForeignKey(
        "tracking.Regimen", on_delete=models.CASCADE, related_name="dose_reminders"
    )
    due_at = models.DateTimeField()
    counts_from = models.DateTimeField()
    counts_until = models.DateTimeField()
    state = models.CharField(
        max_length=8, choices=ReminderState.choices, default=ReminderState.SENT
    )
    next_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    sends = models.PositiveSmallIntegerField(default=0)
    follow_up_sent = models.BooleanField(default=False)
    late = models.BooleanField(default=False)

    class Meta:
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(fields=["regimen", "due_at"], name="dose_reminder_once"),
        ]
        indexes = [
            models.Index(fields=["next_at"], name="dose_reminder_next"),
            models.Index(fields=["member", "server_version"]),
        ]

    def __str__(self) -> str:
        return f"{self.regimen_id} at {self.due_at:%Y-%m-%d %H:%M} ({self.state})"


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
