"""Validation and normal form of a regimen's schedule fields."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

from .models import ScheduleKind

TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_TIMES_PER_DAY = 12

# Which of the optional schedule fields each kind uses; the others must be empty.
FIELDS_BY_KIND = {
    ScheduleKind.DAILY: {"times"},
    ScheduleKind.WEEKDAYS: {"times", "weekdays"},
    ScheduleKind.MONTHLY: {"times", "day_of_month"},
    ScheduleKind.INTERVAL: {"times", "interval_days"},
    ScheduleKind.AS_NEEDED: set(),
}
EMPTY = {"times": [], "weekdays": [], "day_of_month": None, "interval_days": None}


def clean_schedule(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Return the schedule fields in normal form, or raise ValidationError naming each field.

    Times are sorted unique "HH:MM" strings, weekdays sorted unique ISO numbers, and fields
    the kind does not use are cleared.
    """
    errors: dict[str, list[str]] = {}
    used = FIELDS_BY_KIND.get(kind)
    if used is None:
        raise ValidationError({"schedule_kind": [f"Unknown schedule kind {kind!r}."]})
    cleaned = dict(EMPTY)
    if "times" in used:
        cleaned["times"] = _clean_times(fields.get("times"), errors)
    if "weekdays" in used:
        cleaned["weekdays"] = _clean_weekdays(fields.get("weekdays"), errors)
    if "day_of_month" in used:
        cleaned["day_of_month"] = _require(fields, "day_of_month", "day of the month", errors)
    if "interval_days" in used:
        cleaned["interval_days"] = _require(fields, "interval_days", "number of days", errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _require(fields: dict[str, Any], name: str, label: str, errors: dict) -> Any:
    value = fields.get(name)
    if value is None:
        errors[name] = [f"This schedule needs a {label}."]
    return value


def _clean_times(value: Any, errors: dict) -> list[str]:
    if not isinstance(value, list) or not value:
        errors["times"] = ['Give at least one local time, as a list like ["08:00"].']
        return []
    if not all(isinstance(t, str) and TIME_PATTERN.match(t) for t in value):
        errors["times"] = ['Each time must be a 24-hour local time "HH:MM".']
        return []
    times = sorted(set(value))
    if len(times) > MAX_TIMES_PER_DAY:
        errors["times"] = [f"At most {MAX_TIMES_PER_DAY} times a day."]
    return times


def _clean_weekdays(value: Any, errors: dict) -> list[int]:
    valid = (
        isinstance(value, list)
        and value
        and all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in value)
    )
    if not valid:
        errors["weekdays"] = ["Give at least one weekday, as ISO numbers 1 (Monday) to 7."]
        return []
    return sorted(set(value))
