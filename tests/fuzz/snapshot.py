"""Every row of every table, to prove a refused request changed nothing at all."""

from __future__ import annotations

from django.db import connection


def database_snapshot() -> dict[str, list[tuple]]:
    """Each table's rows, sorted, as the database returns them."""
    snapshot = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            snapshot[table] = sorted(cursor.fetchall(), key=repr)
    return snapshot
