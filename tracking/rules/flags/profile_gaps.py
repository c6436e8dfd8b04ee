"""Profile-gap flags: a missing menopause status, date of birth or sex that keeps other flags
from applying. They are for the member only."""

from __future__ import annotations

from dataclasses import replace

from tracking.rules.flags.common import (
    LAST_WEEK_DAYS,
    UL_NUTRIENTS,
    FlagInputs,
    accrual_end,
    age_evidence,
    age_years,
    consolidation_start,
    flag,
    in_plan_or_log,
    sources,
)
from tracking.rules.reference import codes_for, recommended_intake_for, reference_for
from tracking.rules.types import FlagResult, Member, ReferenceIntake

# Ossa's own choice: the ages at which an unknown menopause status is worth asking about.
# Outside 45-60 a missing status rarely changes which flags apply.
MENOPAUSE_ASK_YEARS = (45, 60)


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
