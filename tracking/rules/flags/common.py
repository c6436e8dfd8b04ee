"""What every flag rule family reads and builds with: the inputs, the member's events placed in
their zone, amounts of nutrients per day, and the flag and evidence builders.

The families import this module (and `__init__` re-exports FlagInputs from it); it imports
no family. Every number cites its source key (docs/domain.md#sources).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tracking.rules import totals
from tracking.rules.reference import life_stage, member_age_months
from tracking.rules.types import (
    Dose,
    FlagResult,
    Member,
    Occurrence,
    Product,
    ReferenceIntake,
    Regimen,
    Schedule,
    Severity,
)


@dataclass(frozen=True)
class FlagInputs:
    """Everything the flag rules read for one member, gathered by the caller (a task)."""

    member: Member
    regimens: list[Regimen]  # active and recently ended
    doses: list[Dose]  # logged doses, at least the last 35 days
    products: dict[str, Product]  # by id, so doses without a regimen can be resolved
    occurrences: list[Occurrence]  # scheduled, all regimens, 28 days ago to 7 days ahead
    missed: list[Occurrence]  # found missed by the adherence matcher in the last 35 days
    pdc_last_4_weeks: dict[str, float | None]  # regimen id → PDC % (None: nothing scheduled)
    references: list[ReferenceIntake]
    now: datetime  # aware

    # Worked out once per member: most rules ask for the same events and totals.
    @cached_property
    def logged_events(self) -> list[Event]:
        """Every taken dose of a known product up to `now`, in the member's zone, oldest
        first."""
        zone = _zone(self)
        events = []
        for dose in self.doses:
            product = _product_of(self, dose)
            if dose.status != "taken" or product is None or dose.taken_at > self.now:
                continue
            local = dose.taken_at.astimezone(zone)
            events.append(Event("logged", local, product, dose.regimen_id, dose.id, dose.servings))
        return sorted(events, key=lambda e: (e.at, e.dose_id or ""))

    @cached_property
    def taken_totals(self) -> dict[date, totals.Totals]:
        taken = [dose for dose in self.doses if dose.taken_at <= self.now]
        return totals.taken_by_day(taken, self.products, self.member.timezone)

    @cached_property
    def planned_totals(self) -> dict[date, totals.Totals]:
        today = local_today(self)
        last = today + timedelta(days=PLAN_HORIZON_DAYS - 1)
        return totals.planned_by_day(scheduled(self), today, last)


# --- numbers more than one family uses -----------------------------------------------------

# Look-back windows in local days including today. 28 days matches the occurrence window the
# caller computes; the upper-limit and child-dose checks look at the last week only, so a
# single day long ago does not keep a flag alive.
RECENT_DAYS = 28
LAST_WEEK_DAYS = 7

UL_NUTRIENTS = ("calcium", "vitamin_d", "magnesium")

# Girls acquire up to 90% of peak bone mass by 18, boys by 20.
ACCRUAL_END_YEARS = {"female": 18, "male": 20}  # source: SEED

# --- the member's doses and plan as events in their zone -----------------------------------


@dataclass(frozen=True)
class Event:
    """A logged dose or a scheduled occurrence, placed in the member's zone."""

    origin: Literal["logged", "scheduled"]
    at: datetime  # local
    product: Product
    regimen_id: str | None
    dose_id: str | None = None
    servings: float = 1.0

    def evidence(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "at": self.at.isoformat(),
            "product_id": self.product.id,
            "product": self.product.name,
            "regimen_id": self.regimen_id,
            "dose_id": self.dose_id,
        }


def _zone(inputs: FlagInputs) -> ZoneInfo:
    return ZoneInfo(inputs.member.timezone)


def local_today(inputs: FlagInputs) -> date:
    """The member's today: a date in their zone."""
    return inputs.member.today


def age_years(member: Member) -> int | None:
    months = member_age_months(member)
    return None if months is None else months // 12


def _is_active(regimen: Regimen, day: date) -> bool:
    return regimen.start_date <= day and (regimen.end_date is None or day <= regimen.end_date)


def schedule_on(regimen: Regimen, day: date) -> Schedule:
    in_force = [s for s in regimen.schedules if s.effective_from <= day]
    return in_force[-1] if in_force else regimen.schedules[0]


def active(inputs: FlagInputs) -> list[Regimen]:
    today = local_today(inputs)
    return sorted((r for r in inputs.regimens if _is_active(r, today)), key=lambda r: r.id)


def scheduled(inputs: FlagInputs) -> list[Regimen]:
    """Active regimens with a schedule today (as-needed ones have no scheduled doses)."""
    today = local_today(inputs)
    return [r for r in active(inputs) if schedule_on(r, today).kind != "as_needed"]


def _regimen(inputs: FlagInputs, regimen_id: str | None) -> Regimen | None:
    return next((r for r in inputs.regimens if r.id == regimen_id), None)


def _product_of(inputs: FlagInputs, dose: Dose) -> Product | None:
    if dose.product_id in inputs.products:
        return inputs.products[dose.product_id]
    return next((r.product for r in inputs.regimens if r.product.id == dose.product_id), None)


def logged(inputs: FlagInputs, first: date, last: date) -> list[Event]:
    """Taken doses with a local date in [first, last], oldest first. Logs after `now` are
    ignored: they describe nothing that has happened yet."""
    return [e for e in inputs.logged_events if first <= e.at.date() <= last]


def logged_recent(inputs: FlagInputs, days: int) -> list[Event]:
    today = local_today(inputs)
    return logged(inputs, today - timedelta(days=days - 1), today)


def upcoming(inputs: FlagInputs) -> list[Event]:
    """Scheduled occurrences from today on: the plan as it stands, not past versions of it."""
    zone = _zone(inputs)
    events = []
    for occurrence in inputs.occurrences:
        regimen = _regimen(inputs, occurrence.regimen_id)
        if regimen is None or occurrence.local_date < local_today(inputs):
            continue
        servings = schedule_on(regimen, occurrence.local_date).servings_per_dose
        at = occurrence.due_at.astimezone(zone)
        events.append(Event("scheduled", at, regimen.product, regimen.id, None, servings))
    return sorted(events, key=lambda e: (e.at, e.regimen_id or ""))


def recent_occurrence_products(inputs: FlagInputs) -> list[Product]:
    """Products of every regimen scheduled in the caller's occurrence window (28 days back
    to 7 ahead), so a regimen that ended last week still counts as recently scheduled."""
    ids = sorted({o.regimen_id for o in inputs.occurrences})
    regimens = [_regimen(inputs, regimen_id) for regimen_id in ids]
    return [r.product for r in regimens if r is not None]


# --- amounts -------------------------------------------------------------------------------


def amount_of(product: Product, codes: Iterable[str]) -> float:
    return sum(product.nutrients.get(code, 0.0) for code in codes)


def has_any(product: Product, codes: Iterable[str]) -> bool:
    return amount_of(product, codes) > 0


def scheduled_per_day(
    inputs: FlagInputs, codes: frozenset[str], unit: str
) -> tuple[float, list[dict[str, Any]]]:
    """The plan's heaviest day of `codes` in the coming five weeks, from the same planned
    totals members see (tracking/rules/totals.py), with what each plan brings that day."""
    plans = scheduled(inputs)
    amounts = {day: _sum(found, codes) for day, found in inputs.planned_totals.items()}
    if not amounts or max(amounts.values()) <= 0:
        return 0.0, []
    heaviest = max(amounts, key=lambda day: (amounts[day], -day.toordinal()))
    parts = []
    for regimen in plans:
        found = totals.planned_by_day([regimen], heaviest, heaviest).get(heaviest, {})
        if (amount := _sum(found, codes)) > 0:
            parts.append(
                {"regimen_id": regimen.id, "product": regimen.product.name} | quantity(amount, unit)
            )
    return amounts[heaviest], parts


def logged_per_day(inputs: FlagInputs, codes: frozenset[str], days: int) -> dict[date, float]:
    """The last `days` local days' taken totals of `codes`, as members see them."""
    today = local_today(inputs)
    first = today - timedelta(days=days - 1)
    return {
        day: amount
        for day, values in inputs.taken_totals.items()
        if first <= day <= today and (amount := _sum(values, codes)) > 0
    }


def _sum(values, codes: frozenset[str]) -> float:
    return float(sum((values.get(code, 0) for code in codes), 0))


# Weekly and monthly plans meet daily ones within five weeks.
PLAN_HORIZON_DAYS = 35


def worst_day(per_day: dict[date, float]) -> tuple[date, float] | None:
    if not per_day:
        return None
    # Highest amount; on a tie the latest day, so the evidence is as recent as possible.
    return max(per_day.items(), key=lambda item: (item[1], item[0]))


def above(amount: float, limit: float) -> bool:
    # Rounded so that 3 x 116.666... does not land a hair above 350.
    return round(amount, 6) > limit


def in_plan_or_log(inputs: FlagInputs, codes: Iterable[str], days: int = RECENT_DAYS) -> bool:
    codes = frozenset(codes)
    products = [r.product for r in active(inputs)] + recent_occurrence_products(inputs)
    products += [e.product for e in logged_recent(inputs, days)]
    return any(has_any(p, codes) for p in products)


# --- life-stage windows (SEED) -------------------------------------------------------------


def accrual_end(member: Member) -> int:
    # With the sex unknown, only the age both sexes share (under 18) is certain.
    if member.sex is None:
        return min(ACCRUAL_END_YEARS.values())
    return ACCRUAL_END_YEARS[member.sex]


def consolidation_start(member: Member) -> int:
    if member.sex is None:
        return max(ACCRUAL_END_YEARS.values())
    return ACCRUAL_END_YEARS[member.sex]


# --- building a flag -----------------------------------------------------------------------


def quantity(amount: float, unit: str) -> dict[str, Any]:
    return {"amount": round(float(amount), 3), "unit": unit}


def number(amount: float) -> str:
    return f"{amount:.1f}".rstrip("0").rstrip(".")


def drug_name(product: Product) -> str:
    return product.drug or product.name


def flag(
    *,
    code: str,
    severity: Severity,
    title: str,
    explanation: str,
    evidence: dict[str, Any],
    source: str,
    subject: str = "",
    audience: Literal["member", "dietitian", "both"] = "both",
) -> FlagResult:
    return FlagResult(code, severity, title, explanation, evidence, source, subject, audience)


def sources(*keys: str | None) -> str:
    """Several source keys (docs/domain.md#sources) in one FlagResult.source, comma-separated."""
    return ", ".join(key for key in keys if key)


def age_evidence(member: Member) -> dict[str, Any]:
    return {
        "age_years": age_years(member),
        "sex": member.sex,
        "life_stage": life_stage(member),
    }


def day_evidence(worst: tuple[date, float] | None, unit: str) -> dict[str, Any] | None:
    if worst is None:
        return None
    return {"date": worst[0].isoformat()} | quantity(worst[1], unit)
