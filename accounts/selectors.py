"""Reads scoped to the caller, for accounts. Dietitians reach members only through here."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from .models import AccessLog, CareLink, User


def active_links() -> QuerySet[CareLink]:
    return CareLink.objects.filter(granted_at__isnull=False, revoked_at__isnull=True)


def clients_for(dietitian) -> QuerySet[User]:
    """The members who currently consent to this dietitian: the one scoping rule every
    dietitian view, list, action and export uses."""
    linked = active_links().filter(dietitian=dietitian, member=OuterRef("pk"))
    return User.objects.filter(Exists(linked), is_active=True)


def care_links_for(member) -> QuerySet[CareLink]:
    return CareLink.objects.filter(member=member).select_related("dietitian")


def access_log_for(member) -> QuerySet[AccessLog]:
    return AccessLog.objects.filter(member=member)
