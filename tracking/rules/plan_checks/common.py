"""What every plan-time check reads: the member's usual day and each day's planned doses,
as local wall-clock minutes (a plan's times are the same on every day it runs)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import cached_property
from typing import Any

from tracking.rules import medicines
from tracking.rules.schedule import dose_days
from tracking.rules.types import FlagResult, MemberDay, Product, Regimen, Severity

# Weekly and monthly plans meet every daily one within five weeks.
HORIZON_DAYS = 35


@dataclass(frozen=True)
class PlanInputs:
    """The member's plans, as saved or as they would be after a change, and their day."""

    today: date
    regimens: tuple[Regimen, ...]
    day: MemberDay = field(default_factory=MemberDay)

    @cached_property
    def days(self) -> list[list[Planned]]:
        """Each distinct day of the coming five weeks (planned_days), worked out once for
        all the checks."""
        return planned_days(self)


@dataclass(frozen=True)
class Planned:
    """One planned dose on a day: which plan, at which local minute, how many servings."""

    regimen: Regimen
    at: int
    servings: float

    @property
    def product(self) -> Product:
        return self.regimen.product

    @property
    def clock(self) -> str:
        return clock(self.at)


def minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def clock(at: int) -> str:
    return f"{at // 60:02d}:{at % 60:02d}"


def planned_days(inputs: PlanInputs) -> list[list[Planned]]:
    """Each distinct day of the coming five weeks, as its planned doses sorted by time.

    Days that plan the same doses are one day here: a check looks at each kind of day once.
    """
    by_day: dict[date, list[Planned]] = {}
    last = inputs.today + timedelta(days=HORIZON_DAYS - 1)
    for regimen in sorted(inputs.regimens, key=lambda r: r.id):
        for day, schedule in dose_days(regimen, inputs.today, last):
            for text in sorted(set(schedule.times)):
                at = minutes(time.fromisoformat(text))
                by_day.setdefault(day, []).append(Planned(regimen, at, schedule.servings_per_dose))
    distinct: dict[tuple, list[Planned]] = {}
    for doses in by_day.values():
        doses.sort(key=lambda p: (p.at, p.regimen.id))
        distinct.setdefault(tuple((p.regimen.id, p.at, p.servings) for p in doses), doses)
    return list(distinct.values())


def meal_minutes(day: MemberDay) -> dict[str, int]:
    return {name: minutes(at) for name, at in day.meals().items()}


def near_a_meal(at: int, day: MemberDay) -> bool:
    return any(abs(at - meal) <= medicines.WITH_MEAL_MINUTES for meal in meal_minutes(day).values())


def finding(
    *,
    code: str,
    severity: Severity,
    title: str,
    explanation: str,
    source: str,
    subject: str,
    evidence: dict[str, Any],
) -> FlagResult:
    return FlagResult(code, severity, title, explanation, evidence, source, subject)


def once(findings: Iterable[FlagResult]) -> list[FlagResult]:
    """The first finding of each (code, subject): the same conflict on many days is one."""
    seen: dict[tuple[str, str], FlagResult] = {}
    for found in findings:
        seen.setdefault((found.code, found.subject), found)
    return list(seen.values())


def amount(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
