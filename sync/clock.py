"""Ticking a member's sync clock inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
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


def read(
    member_id: UUID, *, lock: bool = False, where: tuple[str, list] | None = None
) -> tuple[int, int] | None:
    """(value, purged_through) of the member's clock, or None if it has none (or `where`,
    an SQL condition with its parameters, is false); with `lock`, under its row lock until
    commit. Written out: every pull reads it first."""
    with connection.cursor() as cursor:
        cursor.execute(*read_statement(member_id, lock=lock, where=where))
        return cursor.fetchone()


def read_statement(
    member_id: UUID, *, lock: bool = False, where: tuple[str, list] | None = None
) -> tuple[str, list]:
    """read()'s SQL and parameters, for a caller that sends it along with other queries."""
    table = SyncClock._meta.db_table
    condition, params = where or ("TRUE", [])
    locking = " FOR UPDATE" if lock and connection.features.has_select_for_update else ""
    sql = f"SELECT value, purged_through FROM {table} WHERE member_id = %s AND {condition}"
    return sql + locking, [_db_member_id(member_id), *params]


def current(member_id: UUID) -> int:
    value = SyncClock.objects.filter(member_id=member_id).values_list("value", flat=True).first()
    return value or 1


def lock(member_ids: Iterable[UUID]) -> None:
    """Hold the clocks of these members until commit without moving them, in key order so
    two batches never wait on each other in a cycle."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sync.clock.lock() must run inside transaction.atomic()")
    ids = sorted(member_ids, key=str)
    list(SyncClock.objects.select_for_update().filter(member_id__in=ids).order_by("member_id"))


def tick_many(member_ids: Iterable[UUID]) -> dict[UUID, int]:
    """Increment several members' clocks in one statement (two when some have none yet);
    return member id → new value."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sync.clock.tick_many() must run inside transaction.atomic()")
    ids = sorted({m if isinstance(m, UUID) else UUID(str(m)) for m in member_ids}, key=str)
    if not ids:
        return {}
    ticked = _tick_existing(ids)
    missing = [m for m in ids if m not in ticked]
    if missing:
        SyncClock.objects.bulk_create(
            [SyncClock(member_id=m) for m in missing], ignore_conflicts=True
        )
        ticked.update(_tick_existing(missing))
    return ticked


def _tick_existing(ids: list[UUID]) -> dict[UUID, int]:
    table = SyncClock._meta.db_table
    if connection.vendor == "postgresql":
        # The ids as one array literal: psycopg quotes a list's items one by one in Python.
        condition, params = "member_id = ANY(%s::uuid[])", [f"{{{','.join(map(str, ids))}}}"]
    else:
        condition = f"member_id IN ({', '.join(['%s'] * len(ids))})"
        params = [_db_member_id(m) for m in ids]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = value + 1 WHERE {condition} RETURNING member_id, value",
            params,
        )
        rows = cursor.fetchall()
    # SQLite hands back the key as hex text, PostgreSQL as a UUID.
    return {m if isinstance(m, UUID) else UUID(m): value for m, value in rows}
