"""Hostile values, derived from what each column declares.

Every writable column's model field says what it holds: a length, a range, digits, a
calendar type, choices. The values here sit on and just past each of those edges, beside
wrong types, deep nesting and lookalike ids, so a generator built on them reaches every
limit a column has without anyone listing the limits again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# Python's datetime range in epoch milliseconds: what the sync codec promises to take.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MIN_EPOCH_MS = (dt.datetime.min.replace(tzinfo=dt.UTC) - EPOCH) // dt.timedelta(milliseconds=1)
MAX_EPOCH_MS = (dt.datetime.max.replace(tzinfo=dt.UTC) - EPOCH) // dt.timedelta(milliseconds=1)

WRONG_TYPES = [None, True, False, 0, -1, 1.5, "", "x", [], {}, ["x"], {"a": 1}, "\x00", "a\x00b"]


def nested(depth: int, opener: str = "[") -> object:
    value: object = []
    for _ in range(depth - 1):
        value = [value] if opener == "[" else {"a": value}
    return value


def nested_text(depth: int) -> str:
    return "[" * depth + "]" * depth


NESTING = [nested(3), nested(40), nested(3, "{"), nested(40, "{")]


def id_spellings(real: str) -> list[str]:
    """A real id as a device might misspell it, and ids that name nothing."""
    return [
        real,
        real.upper(),
        "{" + real + "}",
        "urn:uuid:" + real,
        real.replace("-", ""),
        real + " ",
        str(uuid.uuid4()),
        "00000000-0000-0000-0000-000000000000",
        "not-a-uuid",
    ]


def edge_values(field: models.Field) -> list:
    """Values on and past this field's every declared edge, then wrong types."""
    values: list = []
    if field.max_length is not None and not field.is_relation:
        longest = field.max_length
        values += ["é" * longest, "a" * longest, "a" * (longest + 1), "a" * (longest * 5)]
    if field.choices:
        values += [choice for choice, _ in field.flatchoices]
        values += ["NOT-A-CHOICE", str(field.flatchoices[0][0]).upper()]
    if isinstance(field, models.DecimalField):
        values += _decimal_edges(field)
    elif isinstance(field, models.IntegerField):
        values += _integer_edges(field)
    elif isinstance(field, models.FloatField):
        values += [1e308, -1e308, 5e-324]
    if isinstance(field, models.DateTimeField):
        values += _epoch_edges()
    elif isinstance(field, models.DateField):
        values += ["2024-02-29", "2026-02-29", "0001-01-01", "9999-12-31", "19500228"]
        values += ["2026-1-1", "2026-11-02T00:00:00", "10000-01-01"]
    elif isinstance(field, models.TimeField):
        values += ["00:00", "23:59", "24:00", "08:00:00", "08:00+05:00", "8:00", "09:15:59.999"]
    if isinstance(field, models.JSONField):
        values += _json_text_edges()
    return values + WRONG_TYPES + NESTING


def _bounds(field: models.Field) -> tuple[int | None, int | None]:
    low = high = None
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value if low is None else max(low, validator.limit_value)
        if isinstance(validator, MaxValueValidator):
            high = validator.limit_value if high is None else min(high, validator.limit_value)
    return low, high


def _integer_edges(field: models.Field) -> list:
    low, high = _bounds(field)
    edges = [2**31, 2**63, -(2**63) - 1, 2**64, 1e300, -1e300, 7.0, 7.5]
    for bound in (low, high):
        if bound is not None:
            edges += [bound - 1, bound, bound + 1, float(bound)]
    return edges


def _decimal_edges(field: models.DecimalField) -> list:
    places = field.decimal_places
    biggest = Decimal(10) ** (field.max_digits - places) - Decimal(10) ** -places
    smallest = Decimal(10) ** -places
    edges = [float(biggest), float(biggest * 10), float(smallest), float(smallest / 10)]
    low, high = _bounds(field)
    for bound in (low, high):
        if bound is not None:
            edges += [float(bound), float(bound) + float(smallest), float(bound) - float(smallest)]
    return [*edges, 1e300, -1e300, 0.1 + 0.2, -0.0]


def _epoch_edges() -> list:
    now = int(dt.datetime.now(dt.UTC).timestamp()) * 1000
    return [
        MIN_EPOCH_MS - 1,
        MIN_EPOCH_MS,
        MAX_EPOCH_MS,
        MAX_EPOCH_MS + 1,
        -1,
        0,
        now,
        now + 3 * 86_400_000,
        float(now),
        now + 0.5,
        2**63,
    ]


def _json_text_edges() -> list:
    return [
        "[]",
        "{}",
        "null",
        '["08:00"]',
        '["08:00", "08:00", "20:00"]',
        '["24:00"]',
        '["08:00:00"]',
        '["08:00", 1, null]',
        "[1, 2, 7, 8]",
        "[true]",
        "[1e999]",
        '["\\ud800"]',
        '["\\u0000"]',
        "[" + ",".join(['"08:00"'] * 13) + "]",
        '[{"nutrient": "calcium", "amount": 500}]',
        '[{"nutrient": "calcium", "amount": 500}, {"nutrient": "calcium", "amount": 1}]',
        '[{"nutrient": ["calcium"], "amount": 1}]',
        '[{"nutrient": "calcium", "amount": 1e30}]',
        '[{"nutrient": "calcium", "amount": "5"}]',
        '[{"nutrient": "calcium", "amount": 5, "form": 7}]',
        nested_text(3),
        nested_text(40),
        nested_text(3000),
        "not json",
        "",
    ]
