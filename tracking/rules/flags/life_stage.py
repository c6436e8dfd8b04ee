"""Life-stage flags (SEED): bone-building years, reaching peak bone mass, over 40, after
menopause, and a child on an adult MK-7 dose."""

from __future__ import annotations

from datetime import date

from tracking.rules.flags.common import (
    LAST_WEEK_DAYS,
    FlagInputs,
    above,
    accrual_end,
    age_evidence,
    age_years,
    consolidation_start,
    day_evidence,
    flag,
    logged_per_day,
    number,
    quantity,
    scheduled_per_day,
    worst_day,
)
from tracking.rules.types import FlagResult

# Peak bone mass is reached by about 30.
PEAK_BONE_MASS_YEARS = 30  # source: SEED
# "Adults over 40": someone with 40 completed years has lived more than 40 years.
OVER_40_YEARS = 40  # source: SEED
# Trial dose of MK-7 for children; more than this a day is an adult dose for a child.
CHILD_MK7_MCG_PER_DAY = 45.0  # source: SEED
CHILD_UNTIL_YEARS = 18  # source: SEED ("children under 18 on an adult MK-7 dose")


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
