"""Times read back exactly as written, through the timestamp loader of
backend/postgresql on PostgreSQL and Django's own conversion on SQLite."""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from tracking.models import IntakeLog

from .factories import IntakeLogFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 25, 2, 30, tzinfo=AMSTERDAM),  # the hour that happens twice
        dt.datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=dt.UTC),
        dt.datetime(2099, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-9, minutes=-30))),
    ],
)
def test_a_time_reads_back_as_the_same_instant_in_utc(alice, moment):
    log = IntakeLogFactory(member=alice, taken_at=moment)

    read = IntakeLog.objects.values_list("taken_at", flat=True).get(id=log.id)

    assert read == moment.astimezone(dt.UTC)
    assert read.utcoffset() == dt.timedelta(0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loader only")
def test_postgresql_connections_read_times_with_the_fast_loader(alice):
    from psycopg.postgres import types

    from backend.postgresql.base import UtcTimestamptzLoader

    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(types["timestamptz"].oid, 0)

    assert loader is UtcTimestamptzLoader


def _other_connection():
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's health check")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_kept_connection_is_checked_without_a_round_trip():
    pid = _backend_pid()

    assert connection.is_usable()

    with _other_connection() as other:
        query = other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        assert query.fetchone()[0] == "SELECT pg_backend_pid()"  # no SELECT 1 came after it


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's health check")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_the_server_ended_is_found_unusable_and_replaced():
    pid = _backend_pid()
    with _other_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)  # the server's farewell reaches our socket

    assert not connection.is_usable()

    connection.close_if_unusable_or_obsolete()
    assert _backend_pid() != pid
