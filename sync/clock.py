"""Ticking a member's sync clock inside the caller's transaction."""

from __future__ import annotations

from uuid import UUID

from django.db import connection, transaction

from .models import SyncClock


def tick(member_id: UUID) -> int:
    """Increment the member's clock and return the new value.

    Must run inside a transaction: the UPDATE holds the clock's row lock until commit, so
    concurrent writers for one member are serialised and their stamps strictly increase
    in commit order. One statement in the common case.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sync.clock.tick() must run inside transaction.atomic()")
    table = SyncClock._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = value + 1 WHERE member_id = %s RETURNING value",
            [_db_member_id(member_id)],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    SyncClock.objects.get_or_create(member_id=member_id)
    return tick(member_id)


def stamp(row) -> None:
    """Give a syncable row the next stamp of its member's clock (catalogue rows have none)."""
    member_id = row.sync_member_id
    if member_id is not None:
        row.server_version = tick(member_id)


def _db_member_id(member_id: UUID):
    field = SyncClock._meta.get_field("member").target_field
    return field.get_db_prep_value(member_id, connection)


def current(member_id: UUID) -> int:
    value = SyncClock.objects.filter(member_id=member_id).values_list("value", flat=True).first()
    return value or 1
