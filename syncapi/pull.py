"""Pull: every row of the member's synced tables stamped after the client's cursor.

The clock is read under its row lock first: writers hold that lock until they commit, so
once it is ours every stamp up to the value we read is committed and visible, and no
write can slip in with a stamp at or below it while we read the rows.
"""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from functools import lru_cache
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

from accounts.authentication import UnconfirmedMember, session_condition
from backend import rawsql
from sync import clock as sync_clock
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
    member,
    last_pulled_at: int,
    migration: Migration | None = None,
    schema_version: int = SCHEMA_VERSION,
) -> dict[str, Any]:
    """`member` a User, or an UnconfirmedMember whose session the clock's read checks."""
    tables = tables_for(schema_version)
    resend = migration.tables if migration else frozenset()
    if not resend and _unchanged(member, last_pulled_at):
        # The common case costs one query: a write still in flight has not committed its
        # stamp, so the cursor stays valid and the next pull brings it.
        return {"changes": {name: _empty() for name in tables}, "timestamp": last_pulled_at}
    since = {name: 0 if name in resend else last_pulled_at for name in tables}
    reads = {
        name: _table_read(table, bool(since[name]), connection.ops)
        for name, table in tables.items()
    }
    with transaction.atomic():
        (value, purged_through), rows = _locked_clock_and_rows(member, reads, since)
        check_cursor(value, purged_through, last_pulled_at)
        changes = {
            name: _changes(tables[name], reads[name], rows[name], since[name]) for name in tables
        }
    return {"changes": changes, "timestamp": value}


def _unchanged(member, last_pulled_at: int) -> bool:
    if not last_pulled_at:
        return False
    clock = _clock(member, lock=False)
    if clock is None:
        return False
    check_cursor(*clock, last_pulled_at)
    return clock[0] == last_pulled_at


def _locked_clock_and_rows(member, reads: dict[str, TableRead], since: dict[str, int]):
    """((value, purged_through) of the member's clock, held until commit; every table's
    rows). The rows are read once the lock is ours: the server runs the statements in the
    order they are sent, so they go out together (_read_together)."""
    clock, rows = _read_together(_clock_statement(member, lock=True), reads, member.pk, since)
    if clock is None:  # a member who never wrote anything, or a signed-out device
        _confirm(member)
        SyncClock.objects.get_or_create(member_id=member.pk)
        clock, rows = _read_together(_clock_statement(member, lock=True), reads, member.pk, since)
    return clock, rows


def _clock(member, lock: bool) -> tuple[int, int] | None:
    with connection.cursor() as cursor:
        cursor.execute(*_clock_statement(member, lock))
        clock = cursor.fetchone()
    if clock is None:
        _confirm(member)
    return clock


def _clock_statement(member, lock: bool) -> tuple[str, list]:
    """The read of the member's clock; for a member whose session is still to be confirmed,
    it finds the clock only while that session is active."""
    where = session_condition(member) if isinstance(member, UnconfirmedMember) else None
    return sync_clock.read_statement(member.pk, lock=lock, where=where)


def _confirm(member) -> None:
    if isinstance(member, UnconfirmedMember):
        member.confirm()  # no clock yet, or a signed-out device: which one


def _empty() -> dict[str, list]:
    return {"created": [], "updated": [], "deleted": []}


def _read_together(
    clock_statement: tuple[str, list], reads: dict[str, TableRead], member_id, since: dict
) -> tuple[tuple[int, int] | None, dict[str, list]]:
    """The clock's row and every table's rows. On PostgreSQL the statements go out together
    in one pipeline, so a pull waits for one round trip rather than one per table (and one
    for the transaction's BEGIN)."""
    connection.ensure_connection()
    with ExitStack() as stack:
        if connection.vendor == "postgresql":
            stack.enter_context(connection.connection.pipeline())
        clock_cursor = stack.enter_context(connection.cursor())
        clock_cursor.execute(*clock_statement)
        cursors = {}
        for name, read in reads.items():
            cursors[name] = stack.enter_context(connection.cursor())
            cursors[name].execute(read.sql, read.params(member_id, since[name]))
        clock = clock_cursor.fetchone()
        fetched = {name: cursor.fetchall() for name, cursor in cursors.items()}
    rows = {
        name: rawsql.convert(rows, reads[name].converters) if reads[name].converters else rows
        for name, rows in fetched.items()
    }
    return clock, rows


def _changes(table: Table, read: TableRead, rows: list[tuple], since: int) -> dict[str, list]:
    """Live rows go in `updated` (the client uses sendCreatedAsUpdated), tombstones in
    `deleted`; a first sync (since 0) needs no tombstones."""
    deleted: list[str] = []
    if since:
        deleted = [str(row[0]) for row in rows if row[1]]
        rows = [(row[0], *row[2:]) for row in rows if not row[1]]
    if read.in_python:
        rows = [_to_wire(row, read.in_python) for row in rows]
    updated = [dict(zip(read.names, row, strict=True)) for row in rows]
    _fill_loaded_columns(table, updated)
    return {"created": [], "updated": updated, "deleted": deleted}


def _to_wire(row: tuple, in_python: tuple[tuple[int, codecs.Codec], ...]) -> list:
    row = list(row)
    for position, codec in in_python:
        row[position] = codec.to_wire(row[position])
    return row


@dataclass(frozen=True)
class TableRead:
    """One table's pull query as Django compiles it, kept with where the member and the
    cursor go in its parameters. A pull reads every synced table, and compiling a
    queryset costs more than running it on a small table: compiled once per process, a
    pull's cost no longer starts at a dozen compilations."""

    sql: str
    query_params: tuple
    member_at: tuple[int, ...]
    since_at: tuple[int, ...]
    member_param: Any  # prepares the member's id as the member column stores it
    converters: tuple  # Django's, per selected column that needs one (backend/rawsql.py)
    names: tuple[str, ...]  # wire names of the record's columns, id first
    in_python: tuple[tuple[int, codecs.Codec], ...]  # record columns still to encode

    def params(self, member_id, since: int) -> list:
        params = list(self.query_params)
        for position in self.member_at:
            params[position] = self.member_param(member_id)
        for position in self.since_at:
            params[position] = since
        return params


# Stand-ins compiled into the SQL where the member's id and the cursor go: no other
# parameter of a pull query can equal them.
_MEMBER = uuid.UUID("5e5e5e5e-5e5e-4e5e-9e5e-5e5e5e5e5e5e")
_SINCE = -7_357_159_851_235


@lru_cache(maxsize=128)
def _table_read(table: Table, incremental: bool, ops) -> TableRead:
    # `ops` keys the cache by connection, as rawsql's converters are.
    plain = [col for col in table.columns if col.load is None]
    selected = [ID_COLUMN, *plain]
    in_sql = [_in_sql(col) for col in selected]
    pairs = enumerate(zip(selected, in_sql, strict=True))
    columns = {f"c{i}": sql or F(col.attr) for i, (col, sql) in pairs}
    if incremental:
        columns = {"c0": columns.pop("c0"), "deleted": IS_DELETED, **columns}
    # What PostgreSQL computed in wire form comes back as the driver's int, float, str or
    # bool: Django's converters for those expressions would only copy the values.
    in_wire_form = {
        position
        for position, expression in enumerate(columns.values())
        if expression is IS_DELETED or not isinstance(expression, F)
    }
    live_or_newer = {"server_version__gt": _SINCE} if incremental else {"deleted_at__isnull": True}
    rows = table.rows_for(_MEMBER).filter(**live_or_newer).order_by()
    query = rows.annotate(**columns).values_list(*columns).query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    assert [alias for _, _, alias in compiler.select] == list(columns), "columns out of order"
    member_field = table.model._meta.get_field(table.member_field)

    def member_param(member_id):
        return member_field.get_db_prep_value(member_id, connection)

    member = member_param(_MEMBER)
    return TableRead(
        sql=sql,
        query_params=tuple(params),
        member_at=tuple(i for i, value in enumerate(params) if value == member),
        since_at=tuple(i for i, value in enumerate(params) if value == _SINCE),
        member_param=member_param,
        converters=tuple(c for c in rawsql.converters_of(compiler) if c[0] not in in_wire_form),
        names=tuple(col.name for col in selected),
        in_python=tuple(
            (i, col.codec)
            for i, (col, sql) in enumerate(zip(selected, in_sql, strict=True))
            if sql is None and type(col.codec).encode is not codecs.Codec.encode
        ),
    )


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
    if isinstance(col.codec, codecs.Date):  # as date.isoformat() writes it
        return Func(F(col.attr), template="to_char(%(expressions)s, 'YYYY-MM-DD')", **TEXT)
    if isinstance(col.codec, codecs.ClockTime):  # as strftime("%H:%M") writes it
        return Func(F(col.attr), template="to_char(%(expressions)s, 'HH24:MI')", **TEXT)
    return None


TEXT = {"output_field": TextField()}


def _fill_loaded_columns(table: Table, records: list[dict]) -> None:
    loaded = [col for col in table.columns if col.load is not None]
    if not loaded or not records:
        return
    ids = [record["id"] for record in records]
    for col in loaded:
        values = {str(k): v for k, v in col.load(ids).items()}
        for record in records:
            record[col.name] = col.codec.to_wire(values.get(record["id"], []))
