"""notifications' part of a member's data export (accounts.data_export): the inbox, how
each message was delivered, and push devices (endpoints only, never the keys)."""

from __future__ import annotations

from accounts.data_export import SYNC_STAMPS, Table

from .models import Delivery

TABLES = (
    Table(
        "notifications",
        ("id", "kind", "period", "title", "body", "data", "read_at", *SYNC_STAMPS),
        lambda user: user.notifications.order_by("created_at", "id"),
        "The in-app inbox: weekly digests and dose reminders.",
    ),
    Table(
        "deliveries",
        (
            "notification_id",
            "channel",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "sent_at",
        ),
        lambda user: Delivery.objects.filter(notification__member=user).order_by(
            "created_at", "id"
        ),
        "How each notification was sent on each channel.",
    ),
    Table(
        "dose_reminders",
        ("id", "regimen_id", "due_at", "state", "snoozed_until", "sends", "follow_up_sent", "late"),
        lambda user: user.dose_reminders.order_by("due_at", "id"),
        "Each dose-time reminder: when it was due, snoozed, followed up.",
    ),
    Table(
        "push_subscriptions",
        ("id", "endpoint", "user_agent", "created_at", "deactivated_at", "last_error"),
        lambda user: user.push_subscriptions.order_by("created_at", "id"),
        "Devices registered for Web Push (endpoint only; the keys stay secret).",
    ),
)
