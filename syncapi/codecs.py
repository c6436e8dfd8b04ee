"""Wire values the WatermelonDB client accepts, and back.

The real client silently turns a Decimal string into 0, an ISO datetime into 0 and an
integer id into a new random record (docs/architecture.md#wire-values), so every column crosses the
wire through one of these codecs: numbers as JSON numbers, datetimes as epoch
milliseconds, dates and times as strings, lists as JSON text, booleans as booleans.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backend import formats, parsers


class WireError(ValueError):
    """A pushed value of the wrong type or form; the message is shown to the client."""


@dataclass(frozen=True)
class Codec:
    name: str
    nullable: bool = False

    def to_wire(self, value: Any) -> Any:
        if value is None:
            return None
        return self.encode(value)

    def from_wire(self, value: Any) -> Any:
        if value is None or (value == "" and self.nullable and self.name != "text"):
            if not self.nullable:
                raise WireError("may not be null")
            return None
        return self.decode(value)

    def encode(self, value: Any) -> Any:
        return value

    def decode(self, value: Any) -> Any:
        return value


def _has_nul(value: Any) -> bool:
    """NUL characters anywhere in a value: PostgreSQL stores none in text or jsonb."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class Text(Codec):
    def decode(self, value: Any) -> str:
        if not isinstance(value, str):
            raise WireError("must be a string")
        if _has_nul(value):
            raise WireError("must not contain NUL characters")
        return value


def _finite_number(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WireError("must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise WireError("must be a finite number")
    return value


def _whole_number(value: Any, what: str = "a whole number") -> int:
    """An int, or a float with no fraction (JSON has one number type)."""
    try:
        number = _finite_number(value)
    except WireError:
        raise WireError(f"must be {what}") from None
    if isinstance(number, float):
        if not number.is_integer():
            raise WireError(f"must be {what}")
        return int(number)
    return number


class Number(Codec):
    """Decimal columns: a JSON number on the wire, a Decimal in the database."""

    def encode(self, value: Decimal) -> float:
        return float(value)

    def decode(self, value: Any) -> Decimal:
        return Decimal(str(_finite_number(value)))


class Integer(Codec):
    def decode(self, value: Any) -> int:
        return _whole_number(value)


class Boolean(Codec):
    def decode(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise WireError("must be true or false")
        return value


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MILLISECOND = dt.timedelta(milliseconds=1)
# Python's datetime range, to the millisecond: years 1 to 9999.
MIN_EPOCH_MS = (dt.datetime.min.replace(tzinfo=dt.UTC) - EPOCH) // MILLISECOND
MAX_EPOCH_MS = (dt.datetime.max.replace(tzinfo=dt.UTC) - EPOCH) // MILLISECOND


class EpochMs(Codec):
    """Aware datetimes as whole epoch milliseconds, in integer arithmetic both ways: float
    seconds lose a millisecond far from 1970 (before about 1698 on every edit)."""

    def encode(self, value: dt.datetime) -> int:
        return (value - EPOCH) // MILLISECOND

    def decode(self, value: Any) -> dt.datetime:
        ms = _whole_number(value, "whole epoch milliseconds")
        if not MIN_EPOCH_MS <= ms <= MAX_EPOCH_MS:
            raise WireError("is out of range (years 1 to 9999)")
        return EPOCH + ms * MILLISECOND


class Date(Codec):
    def encode(self, value: dt.date) -> str:
        return value.isoformat()

    def decode(self, value: Any) -> dt.date:
        try:
            return formats.parse_date(value)
        except ValueError as exc:
            raise WireError(str(exc)) from None


class ClockTime(Codec):
    def encode(self, value: dt.time) -> str:
        return value.strftime("%H:%M")

    def decode(self, value: Any) -> dt.time:
        try:
            return formats.parse_clock_time(value)
        except ValueError as exc:
            raise WireError(str(exc)) from None


class JsonText(Codec):
    """Lists and objects: JSON text on the wire (WatermelonDB columns are scalars)."""

    def encode(self, value: Any) -> str:
        return json.dumps(value, separators=(",", ":"))

    def decode(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise WireError("must be JSON text")
        try:
            decoded = parsers.loads(value, max_depth=JSON_TEXT_DEPTH)
        except parsers.JSONError as exc:
            raise WireError(f"is not acceptable JSON text ({exc})") from None
        if _has_nul(decoded):
            raise WireError("must not contain NUL characters")
        return decoded


# A JSON text column holds a list of scalars or of flat objects (ingredients).
JSON_TEXT_DEPTH = 2


class Id(Codec):
    """Record ids and foreign keys: UUIDs in canonical form, lower-case with hyphens.

    PostgreSQL keeps a uuid, not the text a device sent, so any other spelling (upper
    case, braces, urn:uuid:) would come back changed and the device would keep two
    records, its own and the server's. Such ids are refused, never re-keyed.
    """

    def encode(self, value: Any) -> str:
        return str(value)

    def decode(self, value: Any) -> str:
        if canonical_uuid(value) is None:
            raise WireError(f"must be a lower-case UUID like {CANONICAL_EXAMPLE}")
        return value


CANONICAL_EXAMPLE = "0b5e4c36-3f0a-4c5e-9d55-8a1f2b3c4d5e"


def canonical_uuid(value: Any) -> uuid.UUID | None:
    """The UUID a canonical id string names; None for anything else."""
    if not isinstance(value, str) or len(value) != 36:
        return None
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return None
    return parsed if str(parsed) == value else None


TEXT = Text("text")
NUMBER = Number("number")
OPT_NUMBER = Number("number", nullable=True)
INTEGER = Integer("integer")
OPT_INTEGER = Integer("integer", nullable=True)
BOOLEAN = Boolean("boolean")
EPOCH_MS = EpochMs("epoch_ms")
OPT_EPOCH_MS = EpochMs("epoch_ms", nullable=True)
DATE = Date("date")
OPT_DATE = Date("date", nullable=True)
CLOCK_TIME = ClockTime("time")
OPT_CLOCK_TIME = ClockTime("time", nullable=True)
JSON_TEXT = JsonText("json")
ID = Id("id")
OPT_ID = Id("id", nullable=True)
