"""Writing many rows of one model at once: COPY on PostgreSQL, bulk_create elsewhere.

The nightly batch writes tens of thousands of computed rows a chunk. Django's bulk_create
spends most of that time in Python, preparing each value of each model instance; COPY takes
the values as psycopg adapts them, several times faster. A row is a dict of attnames to
the Python values the ORM would take; columns a row leaves out get their field's default
(a new primary key for each row) and auto_now / auto_now_add stamps get the write's time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

BATCH = 1000  # rows a statement on the other databases

Row = dict[str, Any]


def insert(model: type[models.Model], rows: Sequence[Row]) -> None:
    """New rows."""
    if not rows:
        return
    if connection.vendor != "postgresql":  # a model instance fills in what a row leaves out
        model._default_manager.bulk_create([model(**row) for row in rows], batch_size=BATCH)
        return
    defaults = _defaults(model, timezone.now())
    with connection.cursor() as cursor:
        _copy(cursor.cursor, model, model._meta.db_table, list(defaults), rows, defaults)


def insert_returning(
    model: type[models.Model],
    rows: Sequence[Row],
    returning: Sequence[str],
    skip_conflicts: bool = False,
) -> list[tuple]:
    """New rows; the `returning` columns of each row written. With `skip_conflicts`, a row
    whose unique key is already stored is left out (ON CONFLICT DO NOTHING), so the answer
    says which were written; that needs keys the rows bring (an automatic key is only known
    once written). Inside a transaction. On PostgreSQL the rows are copied into a temporary
    table and inserted from it: COPY takes the values as psycopg adapts them, where an
    INSERT's parameters are quoted one by one in Python."""
    if not rows:
        return []
    automatic = isinstance(model._meta.pk, AutoFieldMixin)
    if connection.vendor != "postgresql":
        return _insert_returning_elsewhere(model, rows, returning, skip_conflicts, automatic)
    defaults = _defaults(model, timezone.now())
    if automatic:  # the sequence numbers them
        defaults.pop(model._meta.pk.attname)
    table, new = model._meta.db_table, f"{model._meta.db_table}_new"
    names = ", ".join(f'"{c}"' for c in defaults)
    conflicts = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    answer = ", ".join(f'"{model._meta.get_field(c).column}"' for c in returning)
    with connection.cursor() as cursor:
        _temporary_copy(cursor, table, new, names)
        _copy(cursor.cursor, model, new, list(defaults), rows, defaults)
        cursor.execute(
            f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{new}"{conflicts} '
            f"RETURNING {answer}"
        )
        return cursor.fetchall()


def _insert_returning_elsewhere(model, rows, returning, skip_conflicts, automatic) -> list[tuple]:
    if skip_conflicts and automatic:
        raise ValueError("skip_conflicts needs keys the rows bring")
    instances = [model(**row) for row in rows]
    model._default_manager.bulk_create(instances, batch_size=BATCH, ignore_conflicts=skip_conflicts)
    if skip_conflicts:  # the keys found are those written: a skipped row's key is new
        found = model._default_manager.filter(pk__in=[i.pk for i in instances])
        written = set(found.values_list("pk", flat=True))
        instances = [i for i in instances if i.pk in written]
    fields = [model._meta.get_field(name).attname for name in returning]
    return [tuple(getattr(i, name) for name in fields) for i in instances]


def _temporary_copy(cursor, table: str, name: str, names: str) -> None:
    """An empty temporary table with these columns of `table`, dropped at commit."""
    cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
    cursor.execute(
        f'CREATE TEMPORARY TABLE "{name}" ON COMMIT DROP AS '
        f'SELECT {names} FROM "{table}" WITH NO DATA'
    )


def update(model: type[models.Model], rows: Sequence[Row], fields: Sequence[str]) -> None:
    """Rewrite `fields` of stored rows; each row names its primary key and every column
    (the other databases write them as an upsert, which checks a whole row)."""
    if not rows:
        return
    pk = model._meta.pk.attname
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**row) for row in rows],
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=[pk],
            update_fields=list(fields),
        )
        return
    table, changes = model._meta.db_table, f"{model._meta.db_table}_changes"
    columns = [pk, *fields]
    names = ", ".join(f'"{c}"' for c in columns)
    assignments = ", ".join(f'"{f}" = c."{f}"' for f in fields)
    with connection.cursor() as cursor:
        # A table of the changes only: COPY into it, then one UPDATE joins it by key.
        _temporary_copy(cursor, table, changes, names)
        _copy(cursor.cursor, model, changes, columns, rows)
        cursor.execute(
            f'UPDATE "{table}" AS t SET {assignments} FROM "{changes}" AS c '
            f'WHERE t."{pk}" = c."{pk}"'
        )


def _defaults(model: type[models.Model], now) -> dict[str, Callable[[], Any]]:
    """Each column (attname, in the table's order) → what a row that leaves it out gets."""
    found: dict[str, Callable[[], Any]] = {}
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            found[field.attname] = lambda: now
        else:
            found[field.attname] = field.get_default
    return found


def _copy(
    cursor,
    model: type[models.Model],
    table: str,
    columns: list[str],
    rows: Sequence[Row],
    defaults: dict[str, Callable[[], Any]] | None = None,
) -> None:
    """COPY these columns of `rows` into `table`, a column a row leaves out from `defaults`;
    JSON columns encoded as their field encodes them."""
    defaults = defaults or {}
    # Rows built by one piece of code name the same columns: then the columns are copied
    # in the order "given, then defaulted", a row's values taken in one itemgetter call
    # (a first run copies 1.4 M rows). Rows that differ are copied one by one.
    given = [c for c in columns if c in rows[0]]
    if all(row.keys() == rows[0].keys() for row in rows) and len(given) > 1:
        filled = [c for c in columns if c not in rows[0]]
        take, fills = itemgetter(*given), [defaults[c] for c in filled]
        values = (take(row) + tuple(fill() for fill in fills) for row in rows)
        _copy_values(cursor, model, table, [*given, *filled], values)
        return
    values = ([row[c] if c in row else defaults[c]() for c in columns] for row in rows)
    _copy_values(cursor, model, table, columns, values)


def _copy_values(cursor, model: type[models.Model], table: str, columns: list[str], rows) -> None:
    fields = {field.attname: field for field in model._meta.concrete_fields}
    encoders = {
        position: fields[column].encoder
        for position, column in enumerate(columns)
        if isinstance(fields[column], models.JSONField)
    }
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for values in rows:
            if encoders:
                values = list(values)
                for position, encoder in encoders.items():
                    values[position] = json.dumps(values[position], cls=encoder)
            copy.write_row(values)
