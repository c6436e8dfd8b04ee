"""Checks of a whole day's plans, made when a plan is created or changed (REST, sync push,
admin) and when the member opens their plan: before the first dose, not after the flags.

Each family is a module of rules, functions from PlanInputs to findings (FlagResults); this
module lists them in CHECKS. A critical finding must be confirmed by the member before the
plan is saved (`unconfirmed`); the rest inform. Pure: no Django, no database.

Families: frequency (a medicine planned more often than its label), bisphosphonate (its
waiting window, magnesium 2 hours away), calcium (500 mg a moment), meals (carbonate with
food; D and K with a meal, Ossa's suggestion), interactions (levothyroxine, vitamin K
antagonists).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tracking.rules.plan_checks import bisphosphonate, calcium, frequency, interactions, meals
from tracking.rules.plan_checks.common import PlanInputs
from tracking.rules.types import FlagResult

Check = Callable[[PlanInputs], list[FlagResult]]

CHECKS: tuple[Check, ...] = (
    frequency.labelled_frequency,
    interactions.vitamin_k_with_vka,
    bisphosphonate.inside_window,
    bisphosphonate.magnesium_near,
    interactions.levothyroxine_calcium,
    calcium.per_moment,
    meals.calcium_without_food,
    meals.fat_soluble_without_meal,
)
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def evaluate(inputs: PlanInputs) -> list[FlagResult]:
    """Every finding about the day, most serious first."""
    found = [result for check in CHECKS for result in check(inputs)]
    return sorted(found, key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.subject))


def unconfirmed(
    findings: list[FlagResult], confirmed: Mapping[str, frozenset[str]]
) -> list[FlagResult]:
    """Critical findings about a plan that its member has not confirmed (by code, keyed by
    the plan's id: the finding's subject)."""
    return [
        f
        for f in findings
        if f.severity == "critical" and f.code not in confirmed.get(f.subject, frozenset())
    ]
