from __future__ import annotations

from django.db.models import QuerySet

from .models import DoseReminder, Notification, PushSubscription

__all__ = [
    "DoseReminder",
    "Notification",
    "PushSubscription",
    "dose_reminders_for",
    "inbox_for",
    "push_subscriptions_for",
]


def push_subscriptions_for(member) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(member=member, deactivated_at=None)


def inbox_for(member) -> QuerySet[Notification]:
    return Notification.objects.filter(member=member, deleted_at=None)


def dose_reminders_for(member) -> QuerySet[DoseReminder]:
    return DoseReminder.objects.filter(member=member, deleted_at=None).select_related(
        "member__profile", "regimen"
    )
