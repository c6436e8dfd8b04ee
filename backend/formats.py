"""The one accepted text form of a date and of a local clock time, for REST and sync alike.

Python's fromisoformat (and Django's parse_date/parse_time, which use it) is generous:
"19500228" reads as a date, "08:00+05:00" as 08:00 with its offset silently dropped, and
"09:15:59.999999" keeps seconds nobody can see. A client that sends those meant something
else, so anything but these two forms is refused.
"""

from __future__ import annotations

import datetime as dt
import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

DATE_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
CLOCK_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
_DATE = re.compile(DATE_PATTERN)
_CLOCK_TIME = re.compile(CLOCK_TIME_PATTERN)


def parse_date(value: object) -> dt.date:
    """A calendar date "YYYY-MM-DD"; ValueError for anything else."""
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a date in the calendar") from None


def is_clock_time(value: object) -> bool:
    return isinstance(value, str) and _CLOCK_TIME.match(value) is not None


def parse_clock_time(value: object) -> dt.time:
    """A 24-hour local wall-clock time "HH:MM", no seconds, no offset; ValueError else."""
    if not is_clock_time(value):
        raise ValueError('must be a 24-hour local time "HH:MM"')
    return dt.time.fromisoformat(value)


@extend_schema_field({"type": "string", "format": "date", "pattern": DATE_PATTERN})
class DateField(serializers.DateField):
    """REST dates: exactly "YYYY-MM-DD"."""

    def to_internal_value(self, value):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return parse_date(value)
        except ValueError as exc:
            raise serializers.ValidationError(f"Date {exc}.", code="invalid") from None


@extend_schema_field({"type": "string", "pattern": CLOCK_TIME_PATTERN, "example": "18:00"})
class ClockTimeField(serializers.TimeField):
    """A wall-clock time in the member's zone, exactly "HH:MM" (no seconds, no offset);
    the schema's format "time" would promise an offset."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        try:
            return parse_clock_time(value)
        except ValueError as exc:
            raise serializers.ValidationError(f"Time {exc}.", code="invalid") from None
