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
    One UPDATE ... FROM (VALUES ...) RETURNING, one statement and one commit for a chunk
    (PostgreSQL; SQLite 3.33+ names the VALUES columns itself). Returns the pks claimed."""
    if not moves:
        return []
    field, pk = model._meta.get_field(field_name), model._meta.pk
    column, pk_column = field.column, pk.column
    if connection.vendor == "postgresql":
        moment = field.db_type(connection)
        row = f"(%s::{pk.db_type(connection)}, %s::{moment}, %s::{moment})"
        source = f"(VALUES {', '.join([row] * len(moves))}) AS v(pk, read, new)"
    else:
        rows = ", ".join(["(%s, %s, %s)"] * len(moves))
        values = f"SELECT column1 AS pk, column2 AS read, column3 AS new FROM (VALUES {rows})"
        source = f"({values}) AS v"
    params = [
        value
        for moved, read, new in moves
        for value in (
            pk.get_db_prep_value(moved, connection),
            field.get_db_prep_value(read, connection),
            field.get_db_prep_value(new, connection),
        )
    ]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = v.new FROM {source} "
            f"WHERE {table}.{pk_column} = v.pk AND {table}.{column} = v.read "
            f"RETURNING {table}.{pk_column}",
            params,
        )
        claimed = [row[0] for row in cursor.fetchall()]
    # SQLite hands back the key as hex text, PostgreSQL as a UUID.
    return [pk.to_python(value) for value in claimed]


def update_rows(model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]):
    """Write `fields` of these rows, each its own values: one UPDATE ... FROM (VALUES ...)
    on PostgreSQL, where Django's bulk_update builds a CASE per row and field in Python
    (about 0.7 ms a row for seven fields); bulk_update elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(rows, fields)
        return
    columns = [model._meta.pk, *(model._meta.get_field(name) for name in fields)]
    casts = ", ".join(f"%s::{field.db_type(connection)}" for field in columns)
    values = ", ".join([f"({casts})"] * len(rows))
    names = [field.column for field in columns]
    assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
    params = [
        field.get_db_prep_save(getattr(row, field.attname), connection)
        for row in rows
        for field in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} AS t SET {assignments} "
            f"FROM (VALUES {values}) AS v({', '.join(names)}) WHERE t.{names[0]} = v.{names[0]}",
            params,
        )
