"""Epoch milliseconds cross the wire exactly, over the whole range a datetime holds (years
1 to 9999), on SQLite and PostgreSQL: float seconds used to lose a millisecond before
about 1698 on every edit, and SQLite's path truncated 1 % of 1900-2004 timestamps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sync import clock
from syncapi.codecs import EPOCH_MS, MAX_EPOCH_MS, MIN_EPOCH_MS, WireError
from tracking import services
from tracking.models import IntakeLog, Product

from .test_sync_protocol import pull, push

MILLISECONDS = st.integers(min_value=MIN_EPOCH_MS, max_value=MAX_EPOCH_MS)


@given(MILLISECONDS)
def test_every_millisecond_decodes_and_encodes_to_itself(ms):
    moment = EPOCH_MS.from_wire(ms)

    assert moment.tzinfo is not None
    assert EPOCH_MS.to_wire(moment) == ms


@given(st.datetimes(timezones=st.just(dt.UTC)))
def test_encoding_floors_to_the_millisecond(moment):
    ms = EPOCH_MS.to_wire(moment)

    assert EPOCH_MS.from_wire(ms) <= moment < EPOCH_MS.from_wire(ms + 1)


@pytest.mark.parametrize("value", [MIN_EPOCH_MS - 1, MAX_EPOCH_MS + 1, 1e300, 0.5, -0.5])
def test_milliseconds_outside_the_range_or_with_a_fraction_are_refused(value):
    with pytest.raises(WireError):
        EPOCH_MS.from_wire(value)


def test_whole_milliseconds_written_as_floats_are_taken():
    assert EPOCH_MS.from_wire(1_700_000_000_000.0) == EPOCH_MS.from_wire(1_700_000_000_000)


@pytest.fixture
def dose(alice):
    product = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner__isnull=True)
    log, _ = services.log_intake(alice, {"product": product, "taken_at": timezone.now()})
    return log


@pytest.mark.django_db
@settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ms=MILLISECONDS | st.integers(min_value=-2_208_988_800_000, max_value=1_104_537_600_000))
@example(ms=MIN_EPOCH_MS)
@example(ms=MAX_EPOCH_MS)
@example(ms=-8_520_336_000_001)  # 1699-12-31, where float seconds began to drift
@example(ms=-1)
@example(ms=946_684_799_999)  # 1999-12-31 23:59:59.999
def test_a_stored_moment_pulls_as_the_same_millisecond_and_survives_an_edit(alice_api, dose, ms):
    """Stored through the ORM, read back through the pull (SQL on PostgreSQL, Python on
    SQLite), pushed back unchanged: the same instant at every step."""
    moment = EPOCH_MS.from_wire(ms)
    with transaction.atomic():
        stamp = clock.tick(dose.member_id)
        IntakeLog.objects.filter(id=dose.id).update(taken_at=moment, server_version=stamp)

    body = pull(alice_api)
    [row] = body["changes"]["intake_logs"]["updated"]
    assert row["taken_at"] == ms

    if moment > timezone.now():
        return  # a dose in the future is refused by its own rule; the pull was exact
    edit = {**row, "note": "edited"}
    push(
        alice_api,
        body["timestamp"],
        {"intake_logs": {"created": [], "updated": [edit], "deleted": []}},
    )
    assert IntakeLog.objects.get(id=dose.id).taken_at == moment
