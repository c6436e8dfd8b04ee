"""Upper-limit flags (ODS-CA, ODS-D, ODS-MG): calcium, vitamin D or magnesium from supplements
above the tolerable upper intake level for the member's life stage."""

from __future__ import annotations

from tracking.rules.flags.common import (
    LAST_WEEK_DAYS,
    UL_NUTRIENTS,
    FlagInputs,
    above,
    day_evidence,
    flag,
    logged_per_day,
    number,
    quantity,
    scheduled_per_day,
    worst_day,
)
from tracking.rules.reference import codes_for, life_stage, reference_for
from tracking.rules.types import FlagResult, ReferenceIntake

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
