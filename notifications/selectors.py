from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification, PushSubscription

__all__ = ["Notification", "PushSubscription", "inbox_for", "push_subscriptions_for"]


def push_subscriptions_for(member) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(member=member, deactivated_at=None)


def inbox_for(member) -> QuerySet[Notification]:
    return Notification.objects.filter(member=member, deleted_at=None)
