"""Pull: every row of the member's synced tables stamped after the client's cursor.

The clock is read under its row lock first: writers hold that lock until they commit, so
once it is ours every stamp up to the value we read is committed and visible, and no
write can slip in with a stamp at or below it while we read the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    TextField,
)
from django.db.models.functions import Cast

from sync.models import SyncClock

from . import codecs
from .protocol import Column, Table, check_cursor
from .registry import SCHEMA_VERSION, tables_for


@dataclass(frozen=True)
class Migration:
    """WatermelonDB migration sync: tables and columns the client gained since `from_version`;
    their existing rows are sent again in full."""

    from_version: int
    tables: frozenset[str]


def pull(
    member_id,
    last_pulled_at: int,
    migration: Migration | None = None,
    schema_version: int = SCHEMA_VERSION,
) -> dict[str, Any]:
    tables = tables_for(schema_version)
    resend = migration.tables if migration else frozenset()
    if not resend and _unchanged(member_id, last_pulled_at):
        # The common case costs one query: a write still in flight has not committed its
        # stamp, so the cursor stays valid and the next pull brings it.
        return {"changes": {name: _empty() for name in tables}, "timestamp": last_pulled_at}
    with transaction.atomic():
        clock = _locked_clock(member_id)
        check_cursor(clock.value, clock.purged_through, last_pulled_at)
        changes = {
            name: _changes(table, member_id, 0 if name in resend else last_pulled_at)
            for name, table in tables.items()
        }
    return {"changes": changes, "timestamp": clock.value}


def _unchanged(member_id, last_pulled_at: int) -> bool:
    if not last_pulled_at:
        return False
    found = SyncClock.objects.filter(member_id=member_id).values("value", "purged_through")
    clock = found.first()
    if clock is None:
        return False
    check_cursor(clock["value"], clock["purged_through"], last_pulled_at)
    return clock["value"] == last_pulled_at


def _locked_clock(member_id) -> SyncClock:
    clock = SyncClock.objects.select_for_update().filter(member_id=member_id).first()
    if clock is None:  # a member who never wrote anything
        clock, _ = SyncClock.objects.get_or_create(member_id=member_id)
    return clock


def _empty() -> dict[str, list]:
    return {"created": [], "updated": [], "deleted": []}


def _changes(table: Table, member_id, since: int) -> dict[str, list]:
    """Live rows go in `updated` (the client uses sendCreatedAsUpdated), tombstones in
    `deleted`; a first sync (since 0) needs no tombstones."""
    plain = [col for col in table.columns if col.load is None]
    in_sql = [_in_sql(col) for col in [ID_COLUMN, *plain]]
    names = [col.name for col in plain]
    # Columns the database already hands over in wire form skip the Python codec.
    converters = [
        None if sql is not None else col.codec for col, sql in zip(plain, in_sql[1:], strict=True)
    ]
    columns = [
        sql if sql is not None else col.attr
        for col, sql in zip([ID_COLUMN, *plain], in_sql, strict=True)
    ]
    live_or_newer = {"server_version__gt": since} if since else {"deleted_at__isnull": True}
    rows = table.rows_for(member_id).filter(**live_or_newer).order_by()
    updated, deleted = [], []
    for row_id, is_deleted, *values in rows.values_list(columns[0], IS_DELETED, *columns[1:]):
        row_id = str(row_id)
        if is_deleted:
            deleted.append(row_id)
            continue
        record = {"id": row_id}
        for name, codec, value in zip(names, converters, values, strict=True):
            record[name] = value if codec is None or value is None else codec.to_wire(value)
        updated.append(record)
    _fill_loaded_columns(table, updated)
    return {"created": [], "updated": updated, "deleted": deleted}


ID_COLUMN = Column("id", codecs.ID)
IS_DELETED = ExpressionWrapper(Q(deleted_at__isnull=False), output_field=BooleanField())
# Milliseconds since the epoch, floored as Python's int(timestamp * 1000) truncates.
EPOCH_MS_SQL = "floor(extract(epoch from %(expressions)s) * 1000)::bigint"


def _in_sql(col: Column):
    """The column in wire form computed by PostgreSQL, where that saves per-cell Python
    work (timestamp parsing dominates a full pull); None to convert in Python."""
    if connection.vendor != "postgresql":
        return None
    if isinstance(col.codec, codecs.EpochMs):
        return Func(F(col.attr), template=EPOCH_MS_SQL, output_field=BigIntegerField())
    if isinstance(col.codec, codecs.Id):
        return Cast(col.attr, TextField())
    if isinstance(col.codec, codecs.Number):
        return Cast(col.attr, FloatField())
    return None


def _fill_loaded_columns(table: Table, records: list[dict]) -> None:
    loaded = [col for col in table.columns if col.load is not None]
    if not loaded or not records:
        return
    ids = [record["id"] for record in records]
    for col in loaded:
        values = {str(k): v for k, v in col.load(ids).items()}
        for record in records:
            record[col.name] = col.codec.to_wire(values.get(record["id"], []))
