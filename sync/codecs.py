"""Wire values the WatermelonDB client accepts, and back.

The real client silently turns a Decimal string into 0, an ISO datetime into 0 and an
integer id into a new random record (docs/architecture.md#wire-values), so every column crosses the
wire through one of these codecs: numbers as JSON numbers, datetimes as epoch
milliseconds, dates and times as strings, lists as JSON text, booleans as booleans.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


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


class Number(Codec):
    """Decimal columns: a JSON number on the wire, a Decimal in the database."""

    def encode(self, value: Decimal) -> float:
        return float(value)

    def decode(self, value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise WireError("must be a number")
        try:
            return Decimal(str(value))
        except InvalidOperation as exc:  # NaN and infinities never reach a column
            raise WireError("must be a finite number") from exc


class Integer(Codec):
    def decode(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise WireError("must be a whole number")
        return int(value)


class Boolean(Codec):
    def decode(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise WireError("must be true or false")
        return value


class EpochMs(Codec):
    def encode(self, value: dt.datetime) -> int:
        return int(value.timestamp() * 1000)

    def decode(self, value: Any) -> dt.datetime:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise WireError("must be epoch milliseconds")
        try:
            return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise WireError("is out of range") from exc


class Date(Codec):
    def encode(self, value: dt.date) -> str:
        return value.isoformat()

    def decode(self, value: Any) -> dt.date:
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise WireError("must be a date YYYY-MM-DD") from exc


class ClockTime(Codec):
    def encode(self, value: dt.time) -> str:
        return value.strftime("%H:%M")

    def decode(self, value: Any) -> dt.time:
        try:
            return dt.time.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise WireError('must be a time "HH:MM"') from exc


class JsonText(Codec):
    """Lists and objects: JSON text on the wire (WatermelonDB columns are scalars)."""

    def encode(self, value: Any) -> str:
        return json.dumps(value, separators=(",", ":"))

    def decode(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise WireError("must be JSON text")
        try:
            decoded = json.loads(value)
        except ValueError as exc:
            raise WireError("is not valid JSON") from exc
        if _has_nul(decoded):
            raise WireError("must not contain NUL characters")
        return decoded


class Id(Codec):
    """Foreign keys: UUID strings."""

    def encode(self, value: Any) -> str:
        return str(value)

    def decode(self, value: Any) -> str:
        if not isinstance(value, str):
            raise WireError("must be an id string")
        return value


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
