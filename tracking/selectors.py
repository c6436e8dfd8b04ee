"""Reads scoped to the caller. Every queryset that serves a member starts here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

from django.db.models import Q, QuerySet

from accounts.authentication import UnconfirmedMember, session_condition
from accounts.models import Profile
from backend import rawsql

from .models import (
    AdherenceSnapshot,
    Flag,
    IntakeLog,
    MemberComputation,
    Nutrient,
    Product,
    Regimen,
    StockEvent,
)


def nutrients() -> QuerySet[Nutrient]:
    return Nutrient.objects.all()


def products_for_member(member) -> QuerySet[Product]:
    """The shared catalogue plus the member's own live products."""
    return Product.objects.filter(
        Q(owner__isnull=True) | Q(owner=member), deleted_at__isnull=True
    ).prefetch_related("ingredients__nutrient")


def regimens_for_member(member) -> QuerySet[Regimen]:
    return Regimen.objects.filter(member=member, deleted_at__isnull=True)


def stock_events_for_member(member) -> QuerySet[StockEvent]:
    return StockEvent.objects.filter(member=member, deleted_at__isnull=True)


def intakes_for_member(member) -> QuerySet[IntakeLog]:
    return IntakeLog.objects.filter(member=member, deleted_at__isnull=True)


def active_members() -> QuerySet[Profile]:
    return Profile.objects.filter(user__is_active=True)


def member_id_chunks(size: int) -> Iterator[list[UUID]]:
    """Ids of every active member with a profile, in key order, `size` at a time."""
    ids = active_members().order_by("user_id").values_list("user_id", flat=True)
    chunk: list[UUID] = []
    for member_id in ids.iterator(chunk_size=size * 4):
        chunk.append(member_id)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def adherence_for_member(member, weeks: int) -> QuerySet[AdherenceSnapshot]:
    """The member's stored snapshots for their last `weeks` ISO weeks, newest first."""
    today = member.profile.today()
    first_week = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    return (
        AdherenceSnapshot.objects.filter(
            member=member, deleted_at__isnull=True, week_start__gte=first_week
        )
        .select_related("regimen__product")
        .order_by("-week_start", "regimen__start_date", "regimen__created_at")
    )


def flags_for_member(member) -> QuerySet[Flag]:
    return Flag.objects.filter(member=member, deleted_at__isnull=True)


def computed_at(member):
    return (
        MemberComputation.objects.filter(member=member)
        .values_list("computed_at", flat=True)
        .first()
    )


INTAKE_PAGE_FIELDS = tuple(IntakeLog._meta.get_field(f).attname for f in IntakeLog.SHOWN_FIELDS)
# Optional filters of the intake list: parameter → SQL condition on it.
INTAKE_PAGE_FILTERS = {
    "regimen": ("regimen_id", "regimen_id = %s"),
    "product": ("product_id", "product_id = %s"),
    "status": ("status", "status = %s"),
    "taken_after": ("taken_at", "taken_at >= %s"),
    "taken_before": ("taken_at", "taken_at < %s"),
}


def intake_page(
    member, *, limit: int, position: tuple | None = None, older: bool = True, **filters
) -> list[tuple]:
    """Up to `limit` of the member's live intake logs (INTAKE_PAGE_FIELDS) next to
    `position`, a (taken_at, id) pair: the older ones newest first, or the newer ones
    oldest first. Written as SQL: the API's most repeated read (backend/rawsql.py). For a
    member whose session is still to be confirmed, only while that session is active."""
    conditions = ["member_id = %s", "deleted_at IS NULL"]
    params = [rawsql.prepare(IntakeLog, "member", member.pk)]
    if isinstance(member, UnconfirmedMember):
        condition, session_params = session_condition(member)
        conditions.append(condition)
        params += session_params
    for name, value in filters.items():
        field, condition = INTAKE_PAGE_FILTERS[name]
        conditions.append(condition)
        params.append(rawsql.prepare(IntakeLog, field, value))
    if position is not None:
        conditions.append(f"(taken_at, id) {'<' if older else '>'} (%s, %s)")
        params += [rawsql.prepare(IntakeLog, "taken_at", position[0])]
        params += [rawsql.prepare(IntakeLog, "id", position[1])]
    direction = "DESC" if older else "ASC"
    sql = (
        f"SELECT {', '.join(INTAKE_PAGE_FIELDS)} FROM {IntakeLog._meta.db_table}"
        f" WHERE {' AND '.join(conditions)}"
        f" ORDER BY taken_at {direction}, id {direction} LIMIT %s"
    )
    return rawsql.select(IntakeLog, INTAKE_PAGE_FIELDS, sql, [*params, limit])
