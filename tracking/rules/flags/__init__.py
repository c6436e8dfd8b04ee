"""Flag rules: what Ossa points out about a member's plan and log.

Each rule is a small function `FlagInputs -> list[FlagResult]` listed in RULES; `evaluate`
runs them all and sorts the results. Ossa informs, it does not diagnose: a flag says what was
observed and, where it matters, suggests talking to a clinician or pharmacist. Every number
cites its source key (docs/domain.md#sources). Flag codes are a public API: keep them stable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, time, timedelta
from itertools import pairwise
from typing import Any, Literal

from tracking.rules.flags.common import (
    LAST_WEEK_DAYS,
    RECENT_DAYS,
    UL_NUTRIENTS,
    Event,
    FlagInputs,
    above,
    accrual_end,
    active,
    age_evidence,
    age_years,
    amount_of,
    consolidation_start,
    day_evidence,
    drug_name,
    flag,
    has_any,
    in_plan_or_log,
    local_today,
    logged,
    logged_per_day,
    logged_recent,
    number,
    quantity,
    recent_occurrence_products,
    schedule_on,
    scheduled,
    scheduled_per_day,
    sources,
    upcoming,
    worst_day,
)
from tracking.rules.reference import (
    codes_for,
    life_stage,
    recommended_intake_for,
    reference_for,
)
from tracking.rules.types import (
    FlagResult,
    Member,
    Occurrence,
    Product,
    ReferenceIntake,
    Regimen,
    Schedule,
    Severity,
)

Rule = Callable[[FlagInputs], list[FlagResult]]

SEVERITY_ORDER: dict[Severity, int] = {"critical": 0, "warning": 1, "info": 2}

# --- numbers -------------------------------------------------------------------------------

# Peak bone mass is reached by about 30.
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

K2_CODES = frozenset({"k2_mk7", "k2_mk4"})
MINERAL_CODES = frozenset({"calcium", "magnesium", "zinc"})

# --- public entry point --------------------------------------------------------------------


def evaluate(inputs: FlagInputs) -> list[FlagResult]:
    """All flags for the member, sorted by severity (critical first), code and subject."""
    results = [flag for rule in RULES for flag in rule(inputs)]
    return sorted(results, key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.subject))


# --- life stage (SEED) ---------------------------------------------------------------------


def life_stage_accrual(inputs: FlagInputs) -> list[FlagResult]:
    member = inputs.member
    age = age_years(member)
    if age is None or age >= accrual_end(member):
        return []
    explanation = (
        "At your age most bone mass is being built: girls gain up to 90% of their peak bone "
        "mass by 18, boys by 20."
    )
    evidence = age_evidence(member) | {"window_years": [0, accrual_end(member)]}
    return [
        flag(
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
    age = age_years(member)
    start = consolidation_start(member)
    if age is None or not start <= age < PEAK_BONE_MASS_YEARS:
        return []
    explanation = (
        "Most bone mass is already built; from here until about 30 it consolidates and "
        "reaches its peak."
    )
    evidence = age_evidence(member) | {"window_years": [start, PEAK_BONE_MASS_YEARS]}
    return [
        flag(
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
    age = age_years(member)
    if age is None or age < OVER_40_YEARS:
        return []
    explanation = (
        f"You are {age}. Adults over 40 are among the groups most likely to be low in vitamin K, "
        "and gradual bone loss begins. Your clinician can tell you whether that matters for you."
    )
    evidence = age_evidence(member) | {"from_years": OVER_40_YEARS}
    return [
        flag(
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
    evidence = age_evidence(member) | {
        "menopause_status": member.menopause_status,
        "final_period_date": _iso(member.final_period_date),
    }
    return [
        flag(
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
    age = age_years(inputs.member)
    if age is None or age >= CHILD_UNTIL_YEARS:
        return []
    mk7 = frozenset({"k2_mk7"})
    planned, parts = scheduled_per_day(inputs, mk7, "mcg")
    worst = worst_day(logged_per_day(inputs, mk7, LAST_WEEK_DAYS))
    planned_high = above(planned, CHILD_MK7_MCG_PER_DAY)
    logged_high = worst is not None and above(worst[1], CHILD_MK7_MCG_PER_DAY)
    if not (planned_high or logged_high):
        return []
    observed = []
    if planned_high:
        observed.append(f"your plan adds up to {number(planned)} mcg of MK-7 a day")
    if logged_high and worst is not None:
        observed.append(f"on {worst[0].isoformat()} you logged {number(worst[1])} mcg")
    explanation = (
        f"For a child under {CHILD_UNTIL_YEARS}, {' and '.join(observed)}. Trials in children used "
        f"{number(CHILD_MK7_MCG_PER_DAY)} mcg a day; more is an adult dose. "
        "Check the dose with your doctor or pharmacist."
    )
    evidence = age_evidence(inputs.member) | {
        "threshold": quantity(CHILD_MK7_MCG_PER_DAY, "mcg"),
        "scheduled_per_day": quantity(planned, "mcg"),
        "scheduled_regimens": parts,
        "highest_logged_day": day_evidence(worst, "mcg"),
    }
    title = "Adult MK-7 dose for a child"
    return [
        flag(
            code="child_adult_mk7_dose",
            severity="info",
            title=title,
            explanation=explanation,
            evidence=evidence,
            source="SEED",
        )
    ]


# --- bisphosphonates (SEED, FDA-ALN, FDA-RIS, FDA-IBN) -------------------------------------


def _is_bisphosphonate(product: Product) -> bool:
    return product.drug_class == "bisphosphonate"


def _blocks_absorption(product: Product) -> bool:
    """Calcium, antacids and mineral supplements block bisphosphonate absorption."""
    if _is_bisphosphonate(product):
        return False
    return product.drug_class == "antacid" or has_any(product, MINERAL_CODES)


def _drug_source(product: Product) -> str | None:
    return DRUG_SOURCE.get(product.drug)


def bisphosphonate_dental(inputs: FlagInputs) -> list[FlagResult]:
    flags = []
    for regimen in active(inputs):
        product = regimen.product
        if not _is_bisphosphonate(product):
            continue
        explanation = (
            f"You take {drug_name(product)}. Bisphosphonates carry a rare but serious risk of "
            "osteonecrosis of the jaw. Let your dentist know you take it."
        )
        evidence = {"regimen_id": regimen.id, "product": product.name, "drug": product.drug}
        source = sources("SEED", _drug_source(product))
        title = "Tell your dentist about your bisphosphonate"
        flags.append(
            flag(
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


def _minutes_between(first: Event, second: Event) -> float:
    return (second.at - first.at).total_seconds() / 60


def _too_close(bisphosphonate: Event, other: Event) -> bool:
    """Whether `other` falls inside the bisphosphonate's waiting window."""
    if _same_morning_rule(bisphosphonate.product):
        same_day = other.at.date() == bisphosphonate.at.date()
        return same_day and other.at.time() < MORNING_ENDS
    wait = WAIT_MINUTES.get(bisphosphonate.product.drug)
    if wait is None:
        return False  # no label in docs/domain.md for this drug
    minutes = _minutes_between(bisphosphonate, other)
    return 0 <= minutes < wait


def _window_conflicts(events: list[Event]) -> list[tuple[Event, Event]]:
    bisphosphonates = [e for e in events if _is_bisphosphonate(e.product)]
    blockers = [e for e in events if _blocks_absorption(e.product)]
    return [(b, o) for b in bisphosphonates for o in blockers if _too_close(b, o)]


def _bisphosphonate_subject(inputs: FlagInputs, event: Event) -> str:
    """The regimen a bisphosphonate event belongs to; a dose logged without one is matched to
    an active regimen of the same product, else named by its product."""
    if event.regimen_id:
        return event.regimen_id
    same = [r.id for r in active(inputs) if r.product.id == event.product.id]
    return same[0] if same else f"product:{event.product.id}"


def bisphosphonate_absorption_window(inputs: FlagInputs) -> list[FlagResult]:
    # What happened (logs with logs) and what is planned (upcoming occurrences with each
    # other); a log is not compared with the plan, because the plan may not be what was done.
    conflicts = _window_conflicts(logged_recent(inputs, RECENT_DAYS))
    conflicts += _window_conflicts(upcoming(inputs))
    by_subject: dict[str, list[tuple[Event, Event]]] = defaultdict(list)
    for pair in conflicts:
        by_subject[_bisphosphonate_subject(inputs, pair[0])].append(pair)
    return [_absorption_flag(subject, pairs) for subject, pairs in sorted(by_subject.items())]


def _absorption_flag(subject: str, pairs: list[tuple[Event, Event]]) -> FlagResult:
    pairs = sorted(pairs, key=lambda p: (p[0].at, p[1].at, p[0].origin, p[1].product.id))
    product = pairs[0][0].product
    drug = drug_name(product)
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
    source = sources(_drug_source(product))
    return flag(
        code="bisphosphonate_absorption_window",
        severity="warning",
        title=title,
        explanation=explanation,
        evidence=evidence,
        source=source,
        subject=subject,
    )


def _conflict_evidence(bisphosphonate: Event, other: Event) -> dict[str, Any]:
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
    today = local_today(inputs)
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
        cadence = _cadence(schedule_on(regimen, misses[-1].local_date))
        if cadence is not None:
            flags.append(_missed_flag(regimen, misses, cadence))
    return flags


def _relevant_misses(inputs: FlagInputs, regimen: Regimen) -> list[Occurrence]:
    """The regimen's weekly or monthly misses that still call for catch-up guidance."""
    misses = []
    for missed in inputs.missed:
        if missed.regimen_id != regimen.id:
            continue
        cadence = _cadence(schedule_on(regimen, missed.local_date))
        if cadence is not None and _still_relevant(inputs, missed, cadence):
            misses.append(missed)
    return sorted(misses, key=lambda o: o.due_at)


def _missed_flag(regimen: Regimen, misses: list[Occurrence], cadence: str) -> FlagResult:
    product = regimen.product
    drug = drug_name(product)
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
    source = sources(_drug_source(product))
    title = f"Missed {drug} dose"
    return flag(
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
    products = [r.product for r in active(inputs) if _is_vka(r.product)]
    products += [e.product for e in logged_recent(inputs, RECENT_DAYS) if _is_vka(e.product)]
    return _unique(products)


def _unique(products: list[Product]) -> list[Product]:
    return sorted({p.id: p for p in products}.values(), key=lambda p: p.id)


def _vitamin_k_products(inputs: FlagInputs) -> list[Product]:
    """Vitamin K supplements planned (active or scheduled in the last 28 days) or logged."""
    codes = codes_for("vitamin_k")
    products = [r.product for r in active(inputs)] + recent_occurrence_products(inputs)
    products += [e.product for e in logged_recent(inputs, RECENT_DAYS)]
    return _unique([p for p in products if has_any(p, codes) and not _is_vka(p)])


def vitamin_k_with_vka(inputs: FlagInputs) -> list[FlagResult]:
    vkas = _vka_products(inputs)
    supplements = _vitamin_k_products(inputs)
    if not (vkas and supplements):
        return []
    drug = drug_name(vkas[0])
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
        flag(
            code="vitamin_k_with_vka",
            severity="critical",
            title=title,
            explanation=explanation,
            evidence=evidence,
            source="ODS-K",
        )
    ]


def _k_per_serving(product: Product) -> dict[str, Any]:
    return quantity(amount_of(product, codes_for("vitamin_k")), "mcg")


def _complete_weeks(today: date, count: int) -> list[date]:
    """Mondays of the `count` complete ISO weeks before the current one, oldest first."""
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=n) for n in range(count, 0, -1)]


def _weekly_vitamin_k(inputs: FlagInputs, mondays: list[date]) -> list[float]:
    codes = codes_for("vitamin_k")
    events = logged(inputs, mondays[0], mondays[-1] + timedelta(days=6))
    totals = dict.fromkeys(mondays, 0.0)
    for event in events:
        monday = event.at.date() - timedelta(days=event.at.weekday())
        totals[monday] += event.servings * amount_of(event.product, codes)
    return [totals[m] for m in mondays]


def _largest_swing(totals: list[float]) -> float:
    """The largest change between consecutive weeks, as a fraction of the larger week."""
    swings = [abs(a - b) / max(a, b) for a, b in pairwise(totals) if max(a, b) > 0]
    return max(swings, default=0.0)


def vitamin_k_swing_on_vka(inputs: FlagInputs) -> list[FlagResult]:
    vkas = _vka_products(inputs)
    if not vkas:
        return []
    mondays = _complete_weeks(local_today(inputs), VITAMIN_K_SWING_WEEKS)
    totals = _weekly_vitamin_k(inputs, mondays)
    swing = _largest_swing(totals)
    if round(swing, 6) <= VITAMIN_K_SWING_FRACTION:
        return []
    drug = drug_name(vkas[0])
    weeks = ", ".join(number(t) for t in totals)
    explanation = (
        f"Your logged vitamin K over the last {VITAMIN_K_SWING_WEEKS} weeks was {weeks} mcg a "
        f"week, changing by up to {number(swing * 100)}% from one week to the next. On {drug}, "
        "vitamin K intake should stay consistent; talk to your clinician before changing it."
    )
    evidence = {
        "weeks": [
            {"week_start": m.isoformat()} | quantity(t, "mcg")
            for m, t in zip(mondays, totals, strict=True)
        ],
        "largest_change_pct": round(swing * 100, 1),
        "threshold_pct": VITAMIN_K_SWING_FRACTION * 100,
        "threshold_basis": "change between consecutive complete weeks, % of the larger week",
        "drug": vkas[0].drug,
    }
    title = f"Vitamin K intake varies while taking {drug}"
    return [
        flag(
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
    planned, parts = scheduled_per_day(inputs, codes, limit.unit)
    worst = worst_day(logged_per_day(inputs, codes, LAST_WEEK_DAYS))
    planned_high = above(planned, limit.amount)
    logged_high = worst is not None and above(worst[1], limit.amount)
    if not (planned_high or logged_high):
        return []
    name, unit = NUTRIENT_NAMES[nutrient], limit.unit
    observed = []
    if planned_high:
        observed.append(f"your plan adds up to {number(planned)} {unit} of {name} a day")
    if logged_high and worst is not None:
        observed.append(f"on {worst[0].isoformat()} you logged {number(worst[1])} {unit}")
    stage = life_stage(inputs.member)
    explanation = (
        f"From supplements, {' and '.join(observed)}. The upper limit for your life stage "
        f"({stage}) is "
        f"{number(limit.amount)} {unit} a day. {_limit_scope(nutrient)} "
        "Talk with your clinician or pharmacist before changing doses."
    )
    evidence = {
        "nutrient": nutrient,
        "upper_limit": quantity(limit.amount, unit),
        "life_stage": stage,
        "scheduled_per_day": quantity(planned, unit),
        "scheduled_regimens": parts,
        "highest_logged_day": day_evidence(worst, unit),
        "limit_note": limit.note,
    }
    title = f"{NUTRIENT_TITLES[nutrient]} above the upper limit"
    return [
        flag(
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
    if not in_plan_or_log(inputs, {"d3"}) or in_plan_or_log(inputs, K2_CODES):
        return []
    explanation = (
        "You take vitamin D3 without vitamin K2. The article Ossa draws on says K2 works best "
        "together with D3. If you are curious, ask your clinician or pharmacist whether K2 "
        "suits you."
    )
    evidence = {"window_days": RECENT_DAYS, "found": ["d3"], "missing": sorted(K2_CODES)}
    return [
        flag(
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
    for regimen in scheduled(inputs):
        pdc = inputs.pdc_last_4_weeks.get(regimen.id)
        if pdc is None or pdc >= ADHERENT_PDC_PCT:
            continue
        explanation = (
            f"Over the last 4 weeks {regimen.product.name} was taken as planned on "
            f"{number(pdc)}% of days; {number(ADHERENT_PDC_PCT)}% or more counts as taking "
            "it regularly. If something makes it hard, your pharmacist or clinician can help."
        )
        evidence = {
            "regimen_id": regimen.id,
            "product": regimen.product.name,
            "pdc_pct": round(float(pdc), 1),
            "threshold_pct": ADHERENT_PDC_PCT,
            "period": "last 4 weeks",
        }
        title = f"{regimen.product.name} taken on {number(pdc)}% of days"
        flags.append(
            flag(
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
    age = age_years(member)
    low, high = MENOPAUSE_ASK_YEARS
    if member.sex != "female" or age is None or not low <= age <= high:
        return []
    if member.menopause_status != "unknown":
        return []
    explanation = (
        "Your profile does not say whether you have been through menopause. Adding it lets "
        "Ossa point out what matters after menopause."
    )
    evidence = age_evidence(member) | {"ask_between_years": [low, high]}
    title = "Add your menopause status"
    return [
        flag(
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
    limited = [n for n in UL_NUTRIENTS if in_plan_or_log(inputs, codes_for(n), LAST_WEEK_DAYS)]
    if limited:
        blocked.append("above_upper_limit")
    if in_plan_or_log(inputs, {"k2_mk7"}, LAST_WEEK_DAYS):
        blocked.append("child_adult_mk7_dose")
    explanation = (
        "Your profile has no date of birth, so Ossa cannot tell your life stage or check your "
        "supplements against the limits for your age. Adding it fixes that."
    )
    evidence = {"blocked_checks": blocked, "nutrients_unchecked": limited}
    title = "Add your date of birth"
    source = sources("SEED", *_nutrient_sources(inputs, limited))
    return [
        flag(
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
    age = age_years(member)
    if member.sex is not None or age is None:
        return []
    depends = _sex_dependent_nutrients(inputs)
    window_unclear = accrual_end(member) <= age < consolidation_start(member)
    if not depends and not window_unclear:
        return []
    explanation = (
        "Your profile does not say your sex, and for your age the reference values Ossa uses "
        "differ between women and men. Adding it lets Ossa use the right ones."
    )
    evidence = age_evidence(member) | {
        "sex_dependent_nutrients": depends,
        "life_stage_window_unclear": window_unclear,
    }
    title = "Add your sex"
    source = sources("SEED" if window_unclear else None, *_nutrient_sources(inputs, depends))
    return [
        flag(
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
        if in_plan_or_log(inputs, codes_for(nutrient))
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
