"""Flag rules: what Ossa points out about a member's plan and log.

Each rule is a small function `FlagInputs -> list[FlagResult]` listed in RULES; `evaluate`
runs them all and sorts the results. Ossa informs, it does not diagnose: a flag says what was
observed and, where it matters, suggests talking to a clinician or pharmacist. Every number
cites its source key (docs/domain.md#sources). Flag codes are a public API: keep them stable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tracking.rules.reference import (
    codes_for,
    life_stage,
    member_age_months,
    recommended_intake_for,
    reference_for,
)
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


Rule = Callable[[FlagInputs], list[FlagResult]]

SEVERITY_ORDER: dict[Severity, int] = {"critical": 0, "warning": 1, "info": 2}

# --- numbers -------------------------------------------------------------------------------

# Girls acquire up to 90% of peak bone mass by 18, boys by 20; peak by about 30.
ACCRUAL_END_YEARS = {"female": 18, "male": 20}  # source: SEED
PEAK_BONE_MASS_YEARS = 30  # source: SEED
# "Adults over 40": someone with 40 completed years has lived more than 40 years.
OVER_40_YEARS = 40  # source: SEED
# Trial dose of MK-7 for children; more than this a day is an adult dose for a child.
CHILD_MK7_MCG_PER_DAY = 45.0  # source: SEED
CHILD_UNTIL_YEARS = 18  # source: SEED ("children under 18 on an adult MK-7 dose")

# Waiting time after the bisphosphonate before calcium, antacids or minerals, by drug.
# Delayed-release risedronate has no minutes: calcium etc. belong "at another time of day".
WAIT_MINUTES = {"alendronate": 30, "risedronate": 30, "ibandronate": 60}
DRUG_SOURCE = {"alendronate": "FDA-ALN", "risedronate": "FDA-RIS", "ibandronate": "FDA-IBN"}
# Ossa's reading of "another time of day" for delayed-release risedronate (taken right after
# breakfast): calcium, antacids or minerals on the same local day before noon are too close.
MORNING_ENDS = time(12, 0)

# How long a missed bisphosphonate dose stays worth flagging: until the next dose day comes,
# and never longer than one dosing interval. Ossa's own choice, matching the schedules.
MISSED_DOSE_DAYS = {"weekly": 7, "monthly": 31}

# Proportion of days covered at or above this is "adherent".
ADHERENT_PDC_PCT = 80.0  # source: PQA-PDC

# ODS-K says to keep vitamin K intake consistent on a vitamin K antagonist but gives no
# number (docs/domain.md#vitamin-k-and-vitamin-k-antagonists). This is Ossa's own product
# threshold (docs/domain.md#ossas-own-choices): a change from one complete week to the next
# of more than 25% of the larger week counts as a swing.
VITAMIN_K_SWING_FRACTION = 0.25
VITAMIN_K_SWING_WEEKS = 4

# Ossa's own choice: the ages at which an unknown menopause status is worth asking about.
# Outside 45-60 a missing status rarely changes which flags apply.
MENOPAUSE_ASK_YEARS = (45, 60)

# Look-back windows in local days including today. 28 days matches the occurrence window the
# caller computes; the upper-limit and child-dose checks look at the last week only, so a
# single day long ago does not keep a flag alive.
RECENT_DAYS = 28
LAST_WEEK_DAYS = 7

UL_NUTRIENTS = ("calcium", "vitamin_d", "magnesium")
K2_CODES = frozenset({"k2_mk7", "k2_mk4"})
MINERAL_CODES = frozenset({"calcium", "magnesium", "zinc"})

# --- public entry point --------------------------------------------------------------------


def evaluate(inputs: FlagInputs) -> list[FlagResult]:
    """All flags for the member, sorted by severity (critical first), code and subject."""
    results = [flag for rule in RULES for flag in rule(inputs)]
    return sorted(results, key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.subject))


# --- shared reading of the inputs ----------------------------------------------------------


@dataclass(frozen=True)
class _Event:
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


def _today(inputs: FlagInputs) -> date:
    return inputs.member.today


def _age_years(member: Member) -> int | None:
    months = member_age_months(member)
    return None if months is None else months // 12


def _is_active(regimen: Regimen, day: date) -> bool:
    return regimen.start_date <= day and (regimen.end_date is None or day <= regimen.end_date)


def _schedule_on(regimen: Regimen, day: date) -> Schedule:
    in_force = [s for s in regimen.schedules if s.effective_from <= day]
    return in_force[-1] if in_force else regimen.schedules[0]


def _active(inputs: FlagInputs) -> list[Regimen]:
    today = _today(inputs)
    return sorted((r for r in inputs.regimens if _is_active(r, today)), key=lambda r: r.id)


def _scheduled(inputs: FlagInputs) -> list[Regimen]:
    """Active regimens with a schedule today (as-needed ones have no scheduled doses)."""
    today = _today(inputs)
    return [r for r in _active(inputs) if _schedule_on(r, today).kind != "as_needed"]


def _regimen(inputs: FlagInputs, regimen_id: str | None) -> Regimen | None:
    return next((r for r in inputs.regimens if r.id == regimen_id), None)


def _product_of(inputs: FlagInputs, dose: Dose) -> Product | None:
    if dose.product_id in inputs.products:
        return inputs.products[dose.product_id]
    return next((r.product for r in inputs.regimens if r.product.id == dose.product_id), None)


def _logged(inputs: FlagInputs, first: date, last: date) -> list[_Event]:
    """Taken doses with a local date in [first, last], oldest first. Logs after `now` are
    ignored: they describe nothing that has happened yet."""
    zone = _zone(inputs)
    events = []
    for dose in inputs.doses:
        product = _product_of(inputs, dose)
        if dose.status != "taken" or product is None or dose.taken_at > inputs.now:
            continue
        local = dose.taken_at.astimezone(zone)
        if first <= local.date() <= last:
            events.append(_Event("logged", local, product, dose.regimen_id, dose.id, dose.servings))
    return sorted(events, key=lambda e: (e.at, e.dose_id or ""))


def _logged_recent(inputs: FlagInputs, days: int) -> list[_Event]:
    today = _today(inputs)
    return _logged(inputs, today - timedelta(days=days - 1), today)


def _upcoming(inputs: FlagInputs) -> list[_Event]:
    """Scheduled occurrences from today on: the plan as it stands, not past versions of it."""
    zone = _zone(inputs)
    events = []
    for occurrence in inputs.occurrences:
        regimen = _regimen(inputs, occurrence.regimen_id)
        if regimen is None or occurrence.local_date < _today(inputs):
            continue
        servings = _schedule_on(regimen, occurrence.local_date).servings_per_dose
        at = occurrence.due_at.astimezone(zone)
        events.append(_Event("scheduled", at, regimen.product, regimen.id, None, servings))
    return sorted(events, key=lambda e: (e.at, e.regimen_id or ""))


def _recent_occurrence_products(inputs: FlagInputs) -> list[Product]:
    """Products of every regimen scheduled in the caller's occurrence window (28 days back
    to 7 ahead), so a regimen that ended last week still counts as recently scheduled."""
    ids = sorted({o.regimen_id for o in inputs.occurrences})
    regimens = [_regimen(inputs, regimen_id) for regimen_id in ids]
    return [r.product for r in regimens if r is not None]


def _amount(product: Product, codes: Iterable[str]) -> float:
    return sum(product.nutrients.get(code, 0.0) for code in codes)


def _has_any(product: Product, codes: Iterable[str]) -> bool:
    return _amount(product, codes) > 0


def _scheduled_per_day(
    inputs: FlagInputs, codes: frozenset[str], unit: str
) -> tuple[float, list[dict[str, Any]]]:
    """What one scheduled day brings of `codes`, summed over active regimens: servings per dose
    x doses per day x amount per serving. Regimens on different days (weekly, monthly) are
    counted as if they coincide: the worst day of the plan."""
    today = _today(inputs)
    total, parts = 0.0, []
    for regimen in _scheduled(inputs):
        schedule = _schedule_on(regimen, today)
        per_serving = _amount(regimen.product, codes)
        if per_serving <= 0:
            continue
        amount = schedule.servings_per_dose * len(schedule.times) * per_serving
        total += amount
        parts.append(
            {"regimen_id": regimen.id, "product": regimen.product.name} | _quantity(amount, unit)
        )
    return total, parts


def _logged_per_day(inputs: FlagInputs, codes: frozenset[str], days: int) -> dict[date, float]:
    totals: dict[date, float] = defaultdict(float)
    for event in _logged_recent(inputs, days):
        amount = event.servings * _amount(event.product, codes)
        if amount > 0:
            totals[event.at.date()] += amount
    return dict(totals)


def _worst_day(per_day: dict[date, float]) -> tuple[date, float] | None:
    if not per_day:
        return None
    # Highest amount; on a tie the latest day, so the evidence is as recent as possible.
    return max(per_day.items(), key=lambda item: (item[1], item[0]))


def _above(amount: float, limit: float) -> bool:
    # Rounded so that 3 x 116.666... does not land a hair above 350.
    return round(amount, 6) > limit


def _quantity(amount: float, unit: str) -> dict[str, Any]:
    return {"amount": round(float(amount), 3), "unit": unit}


def _number(amount: float) -> str:
    return f"{amount:.1f}".rstrip("0").rstrip(".")


def _drug_name(product: Product) -> str:
    return product.drug or product.name


def _in_plan_or_log(inputs: FlagInputs, codes: Iterable[str], days: int = RECENT_DAYS) -> bool:
    codes = frozenset(codes)
    products = [r.product for r in _active(inputs)] + _recent_occurrence_products(inputs)
    products += [e.product for e in _logged_recent(inputs, days)]
    return any(_has_any(p, codes) for p in products)


def _flag(
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


def _age_evidence(member: Member) -> dict[str, Any]:
    return {
        "age_years": _age_years(member),
        "sex": member.sex,
        "life_stage": life_stage(member),
    }


# --- life stage (SEED) ---------------------------------------------------------------------


def _accrual_end(member: Member) -> int:
    # With the sex unknown, only the age both sexes share (under 18) is certain.
    if member.sex is None:
        return min(ACCRUAL_END_YEARS.values())
    return ACCRUAL_END_YEARS[member.sex]


def _consolidation_start(member: Member) -> int:
    if member.sex is None:
        return max(ACCRUAL_END_YEARS.values())
    return ACCRUAL_END_YEARS[member.sex]


def life_stage_accrual(inputs: FlagInputs) -> list[FlagResult]:
    member = inputs.member
    age = _age_years(member)
    if age is None or age >= _accrual_end(member):
        return []
    explanation = (
        "At your age most bone mass is being built: girls gain up to 90% of their peak bone "
        "mass by 18, boys by 20."
    )
    evidence = _age_evidence(member) | {"window_years": [0, _accrual_end(member)]}
    return [
        _flag(
            code="life_stage_accrual",
            severity="info",
            title="Bone-building years",
            explanation=explanation,
            evidence=evidence,
            source="SEED",
        )
    ]


def life_stage_consolidation(inputs: FlagInputs) -> list[FlagResult]:
    member = inputs.member
    age = _age_years(member)
    start = _consolidation_start(member)
    if age is None or not start <= age < PEAK_BONE_MASS_YEARS:
        return []
    explanation = (
        "Most bone mass is already built; from here until about 30 it consolidates and "
        "reaches its peak."
    )
    evidence = _age_evidence(member) | {"window_years": [start, PEAK_BONE_MASS_YEARS]}
    return [
        _flag(
            code="life_stage_consolidation",
            severity="info",
            title="Reaching peak bone mass",
            explanation=explanation,
            evidence=evidence,
            source="SEED",
        )
    ]


def life_stage_over_40(inputs: FlagInputs) -> list[FlagResult]:
    member = inputs.member
    age = _age_years(member)
    if age is None or age < OVER_40_YEARS:
        return []
    explanation = (
        f"You are {age}. Adults over 40 are among the groups most likely to be low in vitamin K, "
        "and gradual bone loss begins. Your clinician can tell you whether that matters for you."
    )
    evidence = _age_evidence(member) | {"from_years": OVER_40_YEARS}
    return [
        _flag(
            code="life_stage_over_40",
            severity="info",
            title="Over 40",
            explanation=explanation,
            evidence=evidence,
            source="SEED",
        )
    ]


def life_stage_postmenopause(inputs: FlagInputs) -> list[FlagResult]:
    member = inputs.member
    if member.menopause_status != "post":
        return []
    explanation = (
        "Your profile says you are past menopause. After menopause women lose bone mass faster; "
        "it is worth talking with your clinician about your bone health."
    )
    evidence = _age_evidence(member) | {
        "menopause_status": member.menopause_status,
        "final_period_date": _iso(member.final_period_date),
    }
    return [
        _flag(
            code="life_stage_postmenopause",
            severity="info",
            title="After menopause",
            explanation=explanation,
            evidence=evidence,
            source="SEED",
        )
    ]


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# --- MK-7 for children (SEED) --------------------------------------------------------------


def child_adult_mk7_dose(inputs: FlagInputs) -> list[FlagResult]:
    age = _age_years(inputs.member)
    if age is None or age >= CHILD_UNTIL_YEARS:
        return []
    mk7 = frozenset({"k2_mk7"})
    planned, parts = _scheduled_per_day(inputs, mk7, "mcg")
    worst = _worst_day(_logged_per_day(inputs, mk7, LAST_WEEK_DAYS))
    planned_high = _above(planned, CHILD_MK7_MCG_PER_DAY)
    logged_high = worst is not None and _above(worst[1], CHILD_MK7_MCG_PER_DAY)
    if not (planned_high or logged_high):
        return []
    observed = []
    if planned_high:
        observed.append(f"your plan adds up to {_number(planned)} mcg of MK-7 a day")
    if logged_high and worst is not None:
        observed.append(f"on {worst[0].isoformat()} you logged {_number(worst[1])} mcg")
    explanation = (
        f"For a child under {CHILD_UNTIL_YEARS}, {' and '.join(observed)}. Trials in children used "
        f"{_number(CHILD_MK7_MCG_PER_DAY)} mcg a day; more is an adult dose. "
        "Check the dose with your doctor or pharmacist."
    )
    evidence = _age_evidence(inputs.member) | {
        "threshold": _quantity(CHILD_MK7_MCG_PER_DAY, "mcg"),
        "scheduled_per_day": _quantity(planned, "mcg"),
        "scheduled_regimens": parts,
        "highest_logged_day": _day_evidence(worst, "mcg"),
    }
    title = "Adult MK-7 dose for a child"
    return [
        _flag(
            code="child_adult_mk7_dose",
            severity="info",
            title=title,
            explanation=explanation,
            evidence=evidence,
            source="SEED",
        )
    ]


def _day_evidence(worst: tuple[date, float] | None, unit: str) -> dict[str, Any] | None:
    if worst is None:
        return None
    return {"date": worst[0].isoformat()} | _quantity(worst[1], unit)


# --- bisphosphonates (SEED, FDA-ALN, FDA-RIS, FDA-IBN) -------------------------------------


def _is_bisphosphonate(product: Product) -> bool:
    return product.drug_class == "bisphosphonate"


def _blocks_absorption(product: Product) -> bool:
    """Calcium, antacids and mineral supplements block bisphosphonate absorption."""
    if _is_bisphosphonate(product):
        return False
    return product.drug_class == "antacid" or _has_any(product, MINERAL_CODES)


def _drug_source(product: Product) -> str | None:
    return DRUG_SOURCE.get(product.drug)


def _sources(*keys: str | None) -> str:
    """Several source keys (docs/domain.md#sources) in one FlagResult.source, comma-separated."""
    return ", ".join(key for key in keys if key)


def bisphosphonate_dental(inputs: FlagInputs) -> list[FlagResult]:
    flags = []
    for regimen in _active(inputs):
        product = regimen.product
        if not _is_bisphosphonate(product):
            continue
        explanation = (
            f"You take {_drug_name(product)}. Bisphosphonates carry a rare but serious risk of "
            "osteonecrosis of the jaw. Let your dentist know you take it."
        )
        evidence = {"regimen_id": regimen.id, "product": product.name, "drug": product.drug}
        source = _sources("SEED", _drug_source(product))
        title = "Tell your dentist about your bisphosphonate"
        flags.append(
            _flag(
                code="bisphosphonate_dental",
                severity="info",
                title=title,
                explanation=explanation,
                evidence=evidence,
                source=source,
                subject=regimen.id,
            )
        )
    return flags


def _same_morning_rule(product: Product) -> bool:
    return product.drug == "risedronate" and product.release == "delayed"


def _minutes_between(first: _Event, second: _Event) -> float:
    return (second.at - first.at).total_seconds() / 60


def _too_close(bisphosphonate: _Event, other: _Event) -> bool:
    """Whether `other` falls inside the bisphosphonate's waiting window."""
    if _same_morning_rule(bisphosphonate.product):
        same_day = other.at.date() == bisphosphonate.at.date()
        return same_day and other.at.time() < MORNING_ENDS
    wait = WAIT_MINUTES.get(bisphosphonate.product.drug)
    if wait is None:
        return False  # no label in docs/domain.md for this drug
    minutes = _minutes_between(bisphosphonate, other)
    return 0 <= minutes < wait


def _window_conflicts(events: list[_Event]) -> list[tuple[_Event, _Event]]:
    bisphosphonates = [e for e in events if _is_bisphosphonate(e.product)]
    blockers = [e for e in events if _blocks_absorption(e.product)]
    return [(b, o) for b in bisphosphonates for o in blockers if _too_close(b, o)]


def _bisphosphonate_subject(inputs: FlagInputs, event: _Event) -> str:
    """The regimen a bisphosphonate event belongs to; a dose logged without one is matched to
    an active regimen of the same product, else named by its product."""
    if event.regimen_id:
        return event.regimen_id
    same = [r.id for r in _active(inputs) if r.product.id == event.product.id]
    return same[0] if same else f"product:{event.product.id}"


def bisphosphonate_absorption_window(inputs: FlagInputs) -> list[FlagResult]:
    # What happened (logs with logs) and what is planned (upcoming occurrences with each
    # other); a log is not compared with the plan, because the plan may not be what was done.
    conflicts = _window_conflicts(_logged_recent(inputs, RECENT_DAYS))
    conflicts += _window_conflicts(_upcoming(inputs))
    by_subject: dict[str, list[tuple[_Event, _Event]]] = defaultdict(list)
    for pair in conflicts:
        by_subject[_bisphosphonate_subject(inputs, pair[0])].append(pair)
    return [_absorption_flag(subject, pairs) for subject, pairs in sorted(by_subject.items())]


def _absorption_flag(subject: str, pairs: list[tuple[_Event, _Event]]) -> FlagResult:
    pairs = sorted(pairs, key=lambda p: (p[0].at, p[1].at, p[0].origin, p[1].product.id))
    product = pairs[0][0].product
    drug = _drug_name(product)
    origins = sorted({b.origin for b, _ in pairs} | {o.origin for _, o in pairs})
    seen = " and ".join("planned" if o == "scheduled" else o for o in origins)
    if _same_morning_rule(product):
        rule = (
            f"The label for delayed-release {drug} says to take calcium, antacids and mineral "
            "supplements at another time of day."
        )
        observed = f"on the same morning as your {drug}"
        wait: int | None = None
    else:
        wait = WAIT_MINUTES[product.drug]
        rule = f"They block its absorption: the label says to wait at least {wait} minutes."
        observed = f"less than {wait} minutes after your {drug}"
    explanation = (
        f"Calcium, an antacid or a mineral supplement was {seen} {observed} "
        f"({len(pairs)} time{'s' if len(pairs) != 1 else ''}). {rule} "
        "Your pharmacist can help you plan the timing."
    )
    evidence = {
        "drug": product.drug,
        "release": product.release,
        "wait_minutes": wait,
        "same_morning_rule": wait is None,
        "conflicts": [_conflict_evidence(b, o) for b, o in pairs],
    }
    title = f"Calcium or minerals too close to {drug}"
    source = _sources(_drug_source(product))
    return _flag(
        code="bisphosphonate_absorption_window",
        severity="warning",
        title=title,
        explanation=explanation,
        evidence=evidence,
        source=source,
        subject=subject,
    )


def _conflict_evidence(bisphosphonate: _Event, other: _Event) -> dict[str, Any]:
    return {
        "bisphosphonate": bisphosphonate.evidence(),
        "other": other.evidence(),
        "minutes_after": round(_minutes_between(bisphosphonate, other), 1),
    }


def _cadence(schedule: Schedule) -> Literal["weekly", "monthly"] | None:
    if schedule.kind == "weekdays" and len(schedule.weekdays) == 1:
        return "weekly"
    if schedule.kind == "interval" and schedule.interval_days == 7:
        return "weekly"
    if schedule.kind == "monthly":
        return "monthly"
    if schedule.kind == "interval" and 28 <= (schedule.interval_days or 0) <= 31:
        return "monthly"
    return None


def _still_relevant(inputs: FlagInputs, missed: Occurrence, cadence: str) -> bool:
    """A miss matters until the next dose day of the regimen comes, within one interval."""
    today = _today(inputs)
    age_days = (today - missed.local_date).days
    if not 0 <= age_days < MISSED_DOSE_DAYS[cadence]:
        return False
    return not any(
        o.regimen_id == missed.regimen_id and missed.local_date < o.local_date <= today
        for o in inputs.occurrences
    )


def bisphosphonate_missed_dose(inputs: FlagInputs) -> list[FlagResult]:
    flags = []
    for regimen in sorted(inputs.regimens, key=lambda r: r.id):
        if not _is_bisphosphonate(regimen.product):
            continue
        misses = _relevant_misses(inputs, regimen)
        if not misses:
            continue
        cadence = _cadence(_schedule_on(regimen, misses[-1].local_date))
        if cadence is not None:
            flags.append(_missed_flag(regimen, misses, cadence))
    return flags


def _relevant_misses(inputs: FlagInputs, regimen: Regimen) -> list[Occurrence]:
    """The regimen's weekly or monthly misses that still call for catch-up guidance."""
    misses = []
    for missed in inputs.missed:
        if missed.regimen_id != regimen.id:
            continue
        cadence = _cadence(_schedule_on(regimen, missed.local_date))
        if cadence is not None and _still_relevant(inputs, missed, cadence):
            misses.append(missed)
    return sorted(misses, key=lambda o: o.due_at)


def _missed_flag(regimen: Regimen, misses: list[Occurrence], cadence: str) -> FlagResult:
    product = regimen.product
    drug = _drug_name(product)
    due = misses[-1].local_date
    observed = f"Your {cadence} {drug} dose due on {due:%A} {due.day} {due:%B} is not logged."
    if cadence == "weekly":
        # source: FDA-ALN, FDA-RIS (missed weekly dose)
        guidance = (
            "The label says: take it the morning after you remember, never take two doses on "
            "the same day, then go back to your usual day."
        )
    else:
        # docs/domain.md#missed-doses gives no catch-up rule for monthly doses: point to the
        # label instead.
        guidance = (
            "How to catch up depends on when your next dose is due, so follow the instructions "
            "that came with your medicine or ask your pharmacist."
        )
    evidence = {
        "regimen_id": regimen.id,
        "drug": product.drug,
        "cadence": cadence,
        "missed": [
            {"due_at": o.due_at.isoformat(), "local_date": o.local_date.isoformat()} for o in misses
        ],
    }
    source = _sources(_drug_source(product))
    title = f"Missed {drug} dose"
    return _flag(
        code="bisphosphonate_missed_dose",
        severity="warning",
        title=title,
        explanation=f"{observed} {guidance}",
        evidence=evidence,
        source=source,
        subject=regimen.id,
    )


# --- vitamin K and vitamin K antagonists (ODS-K) -------------------------------------------


def _is_vka(product: Product) -> bool:
    return product.drug_class == "vitamin_k_antagonist"


def _vka_products(inputs: FlagInputs) -> list[Product]:
    """VKAs in the active plan or logged in the last 28 days."""
    products = [r.product for r in _active(inputs) if _is_vka(r.product)]
    products += [e.product for e in _logged_recent(inputs, RECENT_DAYS) if _is_vka(e.product)]
    return _unique(products)


def _unique(products: list[Product]) -> list[Product]:
    return sorted({p.id: p for p in products}.values(), key=lambda p: p.id)


def _vitamin_k_products(inputs: FlagInputs) -> list[Product]:
    """Vitamin K supplements planned (active or scheduled in the last 28 days) or logged."""
    codes = codes_for("vitamin_k")
    products = [r.product for r in _active(inputs)] + _recent_occurrence_products(inputs)
    products += [e.product for e in _logged_recent(inputs, RECENT_DAYS)]
    return _unique([p for p in products if _has_any(p, codes) and not _is_vka(p)])


def vitamin_k_with_vka(inputs: FlagInputs) -> list[FlagResult]:
    vkas = _vka_products(inputs)
    supplements = _vitamin_k_products(inputs)
    if not (vkas and supplements):
        return []
    drug = _drug_name(vkas[0])
    names = ", ".join(p.name for p in supplements)
    explanation = (
        f"You take {drug} and your plan or log includes vitamin K ({names}). Vitamin K "
        f"counteracts {drug}. Talk to your clinician before starting, stopping or changing a "
        "vitamin K supplement, and keep your vitamin K intake consistent."
    )
    evidence = {
        "antagonists": [{"product_id": p.id, "product": p.name, "drug": p.drug} for p in vkas],
        "vitamin_k_products": [
            {"product_id": p.id, "product": p.name, "per_serving": _k_per_serving(p)}
            for p in supplements
        ],
        "window_days": RECENT_DAYS,
    }
    title = f"Vitamin K supplement while taking {drug}"
    return [
        _flag(
            code="vitamin_k_with_vka",
            severity="critical",
            title=title,
            explanation=explanation,
            evidence=evidence,
            source="ODS-K",
        )
    ]


def _k_per_serving(product: Product) -> dict[str, Any]:
    return _quantity(_amount(product, codes_for("vitamin_k")), "mcg")


def _complete_weeks(today: date, count: int) -> list[date]:
    """Mondays of the `count` complete ISO weeks before the current one, oldest first."""
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=n) for n in range(count, 0, -1)]


def _weekly_vitamin_k(inputs: FlagInputs, mondays: list[date]) -> list[float]:
    codes = codes_for("vitamin_k")
    events = _logged(inputs, mondays[0], mondays[-1] + timedelta(days=6))
    totals = dict.fromkeys(mondays, 0.0)
    for event in events:
        monday = event.at.date() - timedelta(days=event.at.weekday())
        totals[monday] += event.servings * _amount(event.product, codes)
    return [totals[m] for m in mondays]


def _largest_swing(totals: list[float]) -> float:
    """The largest change between consecutive weeks, as a fraction of the larger week."""
    swings = [abs(a - b) / max(a, b) for a, b in pairwise(totals) if max(a, b) > 0]
    return max(swings, default=0.0)


def vitamin_k_swing_on_vka(inputs: FlagInputs) -> list[FlagResult]:
    vkas = _vka_products(inputs)
    if not vkas:
        return []
    mondays = _complete_weeks(_today(inputs), VITAMIN_K_SWING_WEEKS)
    totals = _weekly_vitamin_k(inputs, mondays)
    swing = _largest_swing(totals)
    if round(swing, 6) <= VITAMIN_K_SWING_FRACTION:
        return []
    drug = _drug_name(vkas[0])
    weeks = ", ".join(_number(t) for t in totals)
    explanation = (
        f"Your logged vitamin K over the last {VITAMIN_K_SWING_WEEKS} weeks was {weeks} mcg a "
        f"week, changing by up to {_number(swing * 100)}% from one week to the next. On {drug}, "
        "vitamin K intake should stay consistent; talk to your clinician before changing it."
    )
    evidence = {
        "weeks": [
            {"week_start": m.isoformat()} | _quantity(t, "mcg")
            for m, t in zip(mondays, totals, strict=True)
        ],
        "largest_change_pct": round(swing * 100, 1),
        "threshold_pct": VITAMIN_K_SWING_FRACTION * 100,
        "threshold_basis": "change between consecutive complete weeks, % of the larger week",
        "drug": vkas[0].drug,
    }
    title = f"Vitamin K intake varies while taking {drug}"
    return [
        _flag(
            code="vitamin_k_swing_on_vka",
            severity="warning",
            title=title,
            explanation=explanation,
            evidence=evidence,
            source="ODS-K",
        )
    ]


# --- upper limits (ODS-CA, ODS-D, ODS-MG) --------------------------------------------------

NUTRIENT_NAMES = {"calcium": "calcium", "vitamin_d": "vitamin D", "magnesium": "magnesium"}
NUTRIENT_TITLES = {"calcium": "Calcium", "vitamin_d": "Vitamin D", "magnesium": "Magnesium"}


def above_upper_limit(inputs: FlagInputs) -> list[FlagResult]:
    flags = []
    for nutrient in UL_NUTRIENTS:
        limit = reference_for(inputs.references, nutrient, "ul", inputs.member)
        if limit is not None:
            flags += _upper_limit_flag(inputs, nutrient, limit)
    return flags


def _upper_limit_flag(
    inputs: FlagInputs, nutrient: str, limit: ReferenceIntake
) -> list[FlagResult]:
    codes = codes_for(nutrient)
    planned, parts = _scheduled_per_day(inputs, codes, limit.unit)
    worst = _worst_day(_logged_per_day(inputs, codes, LAST_WEEK_DAYS))
    planned_high = _above(planned, limit.amount)
    logged_high = worst is not None and _above(worst[1], limit.amount)
    if not (planned_high or logged_high):
        return []
    name, unit = NUTRIENT_NAMES[nutrient], limit.unit
    observed = []
    if planned_high:
        observed.append(f"your plan adds up to {_number(planned)} {unit} of {name} a day")
    if logged_high and worst is not None:
        observed.append(f"on {worst[0].isoformat()} you logged {_number(worst[1])} {unit}")
    stage = life_stage(inputs.member)
    explanation = (
        f"From supplements, {' and '.join(observed)}. The upper limit for your life stage "
        f"({stage}) is "
        f"{_number(limit.amount)} {unit} a day. {_limit_scope(nutrient)} "
        "Talk with your clinician or pharmacist before changing doses."
    )
    evidence = {
        "nutrient": nutrient,
        "upper_limit": _quantity(limit.amount, unit),
        "life_stage": stage,
        "scheduled_per_day": _quantity(planned, unit),
        "scheduled_regimens": parts,
        "highest_logged_day": _day_evidence(worst, unit),
        "limit_note": limit.note,
    }
    title = f"{NUTRIENT_TITLES[nutrient]} above the upper limit"
    return [
        _flag(
            code="above_upper_limit",
            severity="warning",
            title=title,
            explanation=explanation,
            evidence=evidence,
            source=limit.source,
            subject=nutrient,
        )
    ]


def _limit_scope(nutrient: str) -> str:
    if nutrient == "magnesium":
        # source: ODS-MG: the magnesium UL covers supplements and medicines, not food.
        return "This limit is about magnesium from supplements and medicines only, not food."
    return "Supplements are only part of your intake: food and drinks count toward this limit too."


# --- D3 and K2 (SEED) ----------------------------------------------------------------------


def d3_without_k2(inputs: FlagInputs) -> list[FlagResult]:
    # Never nudge toward vitamin K for someone on a vitamin K antagonist (ODS-K).
    if _vka_products(inputs):
        return []
    if not _in_plan_or_log(inputs, {"d3"}) or _in_plan_or_log(inputs, K2_CODES):
        return []
    explanation = (
        "You take vitamin D3 without vitamin K2. The article Ossa draws on says K2 works best "
        "together with D3. If you are curious, ask your clinician or pharmacist whether K2 "
        "suits you."
    )
    evidence = {"window_days": RECENT_DAYS, "found": ["d3"], "missing": sorted(K2_CODES)}
    return [
        _flag(
            code="d3_without_k2",
            severity="info",
            title="Vitamin D3 without K2",
            explanation=explanation,
            evidence=evidence,
            source="SEED",
        )
    ]


# --- adherence (PQA-PDC) -------------------------------------------------------------------


def low_pdc(inputs: FlagInputs) -> list[FlagResult]:
    flags = []
    for regimen in _scheduled(inputs):
        pdc = inputs.pdc_last_4_weeks.get(regimen.id)
        if pdc is None or pdc >= ADHERENT_PDC_PCT:
            continue
        explanation = (
            f"Over the last 4 weeks {regimen.product.name} was taken as planned on "
            f"{_number(pdc)}% of days; {_number(ADHERENT_PDC_PCT)}% or more counts as taking "
            "it regularly. If something makes it hard, your pharmacist or clinician can help."
        )
        evidence = {
            "regimen_id": regimen.id,
            "product": regimen.product.name,
            "pdc_pct": round(float(pdc), 1),
            "threshold_pct": ADHERENT_PDC_PCT,
            "period": "last 4 weeks",
        }
        title = f"{regimen.product.name} taken on {_number(pdc)}% of days"
        flags.append(
            _flag(
                code="low_pdc",
                severity="warning",
                title=title,
                explanation=explanation,
                evidence=evidence,
                source="PQA-PDC",
                subject=regimen.id,
            )
        )
    return flags


# --- profile gaps --------------------------------------------------------------------------


def profile_gap_menopause(inputs: FlagInputs) -> list[FlagResult]:
    member = inputs.member
    age = _age_years(member)
    low, high = MENOPAUSE_ASK_YEARS
    if member.sex != "female" or age is None or not low <= age <= high:
        return []
    if member.menopause_status != "unknown":
        return []
    explanation = (
        "Your profile does not say whether you have been through menopause. Adding it lets "
        "Ossa point out what matters after menopause."
    )
    evidence = _age_evidence(member) | {"ask_between_years": [low, high]}
    title = "Add your menopause status"
    return [
        _flag(
            code="profile_gap_menopause",
            severity="info",
            title=title,
            explanation=explanation,
            evidence=evidence,
            source="SEED",
            audience="member",
        )
    ]


def profile_gap_birth_date(inputs: FlagInputs) -> list[FlagResult]:
    if inputs.member.date_of_birth is not None:
        return []
    blocked = ["life_stage"]
    limited = [n for n in UL_NUTRIENTS if _in_plan_or_log(inputs, codes_for(n), LAST_WEEK_DAYS)]
    if limited:
        blocked.append("above_upper_limit")
    if _in_plan_or_log(inputs, {"k2_mk7"}, LAST_WEEK_DAYS):
        blocked.append("child_adult_mk7_dose")
    explanation = (
        "Your profile has no date of birth, so Ossa cannot tell your life stage or check your "
        "supplements against the limits for your age. Adding it fixes that."
    )
    evidence = {"blocked_checks": blocked, "nutrients_unchecked": limited}
    title = "Add your date of birth"
    source = _sources("SEED", *_nutrient_sources(inputs, limited))
    return [
        _flag(
            code="profile_gap_birth_date",
            severity="info",
            title=title,
            explanation=explanation,
            evidence=evidence,
            source=source,
            audience="member",
        )
    ]


def profile_gap_sex(inputs: FlagInputs) -> list[FlagResult]:
    member = inputs.member
    age = _age_years(member)
    if member.sex is not None or age is None:
        return []
    depends = _sex_dependent_nutrients(inputs)
    window_unclear = _accrual_end(member) <= age < _consolidation_start(member)
    if not depends and not window_unclear:
        return []
    explanation = (
        "Your profile does not say your sex, and for your age the reference values Ossa uses "
        "differ between women and men. Adding it lets Ossa use the right ones."
    )
    evidence = _age_evidence(member) | {
        "sex_dependent_nutrients": depends,
        "life_stage_window_unclear": window_unclear,
    }
    title = "Add your sex"
    source = _sources("SEED" if window_unclear else None, *_nutrient_sources(inputs, depends))
    return [
        _flag(
            code="profile_gap_sex",
            severity="info",
            title=title,
            explanation=explanation,
            evidence=evidence,
            source=source,
            audience="member",
        )
    ]


def _sex_dependent_nutrients(inputs: FlagInputs) -> list[str]:
    """Reference nutrients in the member's plan or log whose values at their age differ by sex
    (a look-up that fails without a sex but works with one)."""
    as_female = replace(inputs.member, sex="female")
    return [
        nutrient
        for nutrient in ("calcium", "magnesium", "vitamin_d", "vitamin_k")
        if _in_plan_or_log(inputs, codes_for(nutrient))
        and _differs_by_sex(inputs.references, nutrient, inputs.member, as_female)
    ]


def _differs_by_sex(
    refs: list[ReferenceIntake], nutrient: str, member: Member, as_female: Member
) -> bool:
    recommended = recommended_intake_for(refs, nutrient, member)
    if recommended is None and recommended_intake_for(refs, nutrient, as_female) is not None:
        return True
    upper = reference_for(refs, nutrient, "ul", member)
    return upper is None and reference_for(refs, nutrient, "ul", as_female) is not None


def _nutrient_sources(inputs: FlagInputs, nutrients: list[str]) -> list[str]:
    keys = {r.source for r in inputs.references if r.nutrient in nutrients}
    return sorted(keys)


RULES: tuple[Rule, ...] = (
    life_stage_accrual,
    life_stage_consolidation,
    life_stage_over_40,
    life_stage_postmenopause,
    child_adult_mk7_dose,
    bisphosphonate_dental,
    bisphosphonate_absorption_window,
    bisphosphonate_missed_dose,
    vitamin_k_with_vka,
    vitamin_k_swing_on_vka,
    above_upper_limit,
    d3_without_k2,
    low_pdc,
    profile_gap_menopause,
    profile_gap_birth_date,
    profile_gap_sex,
)
