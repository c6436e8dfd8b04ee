"""Times read back exactly as written, through the timestamp loader of
backend/postgresql on PostgreSQL and Django's own conversion on SQLite."""

from __future__ import annotations

import datetime as dt
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
