"""Hand-written SELECTs for the hottest reads, with values converted as the ORM would.

Compiling an ORM query costs about 0.3 ms of Python, more than running a simple indexed
query on PostgreSQL. On the few reads every client repeats (the session check of every
request, a page of the intake list) the SQL is written out instead; this module keeps
parameters and results identical to the ORM's on every backend (SQLite keeps UUIDs as
hex text and datetimes naive).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from django.db import connection, models


def prepare(model: type[models.Model], field_name: str, value):
    """`value` as the database stores it in this field (what the ORM would bind)."""
    return model._meta.get_field(field_name).get_db_prep_value(value, connection)


def select(model: type[models.Model], fields: Sequence[str], sql: str, params) -> list[tuple]:
    """Rows of `sql`, which selects `fields` of `model` (attnames, in this order)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    converters = _converters(connection.ops, model, tuple(fields))
    if not converters:  # PostgreSQL's driver already returns the Python types
        return rows
    return [_convert(list(row), converters) for row in rows]


def convert(rows: list[tuple], converters) -> list[tuple]:
    """Rows with Django's converters (converters_of) applied, as the ORM would return them."""
    return [_convert(list(row), converters) for row in rows]


def converters_of(compiler) -> list:
    """The converters a compiled query's selected columns need, in _converters' form."""
    found = compiler.get_converters([expression for expression, _, _ in compiler.select])
    return [(position, column, functions) for position, (functions, column) in found.items()]


def _convert(row: list, converters) -> tuple:
    for position, column, functions in converters:
        value = row[position]
        for function in functions:
            value = function(value, column, connection)
        row[position] = value
    return tuple(row)


# Found once per connection (its `ops`), not on every request: 35 µs a request otherwise.
@lru_cache(maxsize=64)
def _converters(ops, model: type[models.Model], fields: tuple[str, ...]) -> list:
    # The same pairs SQLCompiler.get_converters() finds for these columns.
    found = []
    for position, name in enumerate(fields):
        column = model._meta.get_field(name).get_col(model._meta.db_table)
        functions = ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            found.append((position, column, functions))
    return found


def move_moments(model: type[models.Model], field_name: str, moves: Sequence[tuple]) -> list:
    """Claim rows by moving a moment column on: each (pk, moment read, new moment) moves
    only if the row still holds the moment read, so two planners never both claim a row.
    One UPDATE ... FROM (VALUES ...) RETURNING on PostgreSQL (one statement and one commit
    for a chunk); elsewhere one conditional update each. Returns the pks claimed."""
    if not moves:
        return []
    if connection.vendor != "postgresql":
        manager = model._default_manager
        return [
            pk
            for pk, read, new in moves
            if manager.filter(pk=pk, **{field_name: read}).update(**{field_name: new})
        ]
    column = model._meta.get_field(field_name).column
    pk_column = model._meta.pk.column
    values = ", ".join(["(%s::uuid, %s::timestamptz, %s::timestamptz)"] * len(moves))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} AS t SET {column} = v.new "
            f"FROM (VALUES {values}) AS v(pk, read, new) "
            f"WHERE t.{pk_column} = v.pk AND t.{column} = v.read RETURNING t.{pk_column}",
            [value for move in moves for value in move],
        )
        return [row[0] for row in cursor.fetchall()]
