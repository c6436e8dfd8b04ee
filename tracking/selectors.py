"""Reads scoped to the caller. Every queryset that serves a member starts here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import IntakeLog, Nutrient, Product, Regimen


def nutrients() -> QuerySet[Nutrient]:
    return Nutrient.objects.all()


def products_for_member(member) -> QuerySet[Product]:
    """The shared catalogue plus the member's own live products."""
    return Product.objects.filter(
        Q(owner__isnull=True) | Q(owner=member), deleted_at__isnull=True
    ).prefetch_related("ingredients__nutrient")


def regimens_for_member(member) -> QuerySet[Regimen]:
    return Regimen.objects.filter(member=member, deleted_at__isnull=True)


def intakes_for_member(member) -> QuerySet[IntakeLog]:
    return IntakeLog.objects.filter(member=member, deleted_at__isnull=True)
