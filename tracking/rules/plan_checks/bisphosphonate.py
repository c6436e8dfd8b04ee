"""Nothing but water inside a bisphosphonate's waiting window, and magnesium 2 hours away
(FDA-ALN, FDA-RIS, FDA-IBN, ODS-MG)."""

from __future__ import annotations

from tracking.rules import medicines
from tracking.rules.plan_checks.common import (
    PlanInputs,
    Planned,
    clock,
    finding,
    meal_minutes,
    minutes,
    once,
)
from tracking.rules.types import FlagResult


def _bisphosphonates(doses: list[Planned]) -> list[Planned]:
    return [d for d in doses if medicines.is_bisphosphonate(d.product)]


def _too_close(bisphosphonate: Planned, other: Planned) -> bool:
    """Inside the window after the dose, or, after a delayed-release dose, a calcium,
    antacid or mineral before noon that day (Ossa's reading of "another time of day")."""
    if medicines.is_delayed_release(bisphosphonate.product):
        morning = minutes(medicines.MORNING_ENDS)
        return medicines.blocks_absorption(other.product) and other.at < morning
    wait = medicines.wait_minutes(bisphosphonate.product)
    return wait is not None and bisphosphonate.at <= other.at < bisphosphonate.at + wait


def inside_window(inputs: PlanInputs) -> list[FlagResult]:
    found = []
    for doses in inputs.days:
        for bisphosphonate in _bisphosphonates(doses):
            for other in doses:
                if other is not bisphosphonate and _too_close(bisphosphonate, other):
                    found.append(_dose_in_window(bisphosphonate, other))
            found += _meals_in_window(inputs, bisphosphonate)
    return once(found)


def _window_words(bisphosphonate: Planned) -> str:
    product = bisphosphonate.product
    if medicines.is_delayed_release(product):
        return (
            f"{product.name} is taken right after breakfast, and its label says calcium, "
            "antacids and supplements belong at another time of day (Ossa reads that as not "
            "before noon)."
        )
    wait = medicines.wait_minutes(product)
    return (
        f"After {product.name} at {bisphosphonate.clock} its label says nothing but plain water "
        f"for {wait} minutes: food, drinks, other medicines and supplements keep it from being "
        "absorbed."
    )


def _dose_in_window(bisphosphonate: Planned, other: Planned) -> FlagResult:
    return finding(
        code="bisphosphonate_window",
        severity="warning",
        title=f"{other.product.name} at {other.clock} is too close to "
        f"{bisphosphonate.product.name}",
        explanation=f"{_window_words(bisphosphonate)} Your plan has {other.product.name} at "
        f"{other.clock}.",
        source=medicines.drug_source(bisphosphonate.product) or "",
        subject=other.regimen.id,
        evidence={
            "bisphosphonate": {"regimen_id": bisphosphonate.regimen.id, "at": bisphosphonate.clock},
            "other": {"regimen_id": other.regimen.id, "at": other.clock},
            "wait_minutes": medicines.wait_minutes(bisphosphonate.product),
        },
    )


def _meals_in_window(inputs: PlanInputs, bisphosphonate: Planned) -> list[FlagResult]:
    wait = medicines.wait_minutes(bisphosphonate.product)
    if wait is None:
        return []
    found = []
    for meal, at in meal_minutes(inputs.day).items():
        if bisphosphonate.at <= at < bisphosphonate.at + wait:
            found.append(
                finding(
                    code="bisphosphonate_window_meal",
                    severity="warning",
                    title=f"Your {meal} at {clock(at)} is inside the waiting window",
                    explanation=f"{_window_words(bisphosphonate)} Your usual {meal} is at "
                    f"{clock(at)}, {at - bisphosphonate.at} minutes after it.",
                    source=medicines.drug_source(bisphosphonate.product) or "",
                    subject=f"{bisphosphonate.regimen.id}:{meal}",
                    evidence={"meal": meal, "at": clock(at), "wait_minutes": wait},
                )
            )
    return found


def magnesium_near(inputs: PlanInputs) -> list[FlagResult]:
    found = []
    apart = medicines.MAGNESIUM_APART_MINUTES
    for doses in inputs.days:
        for bisphosphonate in _bisphosphonates(doses):
            for other in doses:
                gap = abs(other.at - bisphosphonate.at)
                if not medicines.magnesium_rich(other.product) or gap >= apart:
                    continue
                if _too_close(bisphosphonate, other):
                    continue  # already inside the window: one finding is enough
                found.append(
                    finding(
                        code="magnesium_near_bisphosphonate",
                        severity="warning",
                        title=f"{other.product.name} is less than 2 hours from "
                        f"{bisphosphonate.product.name}",
                        explanation=(
                            f"Supplements rich in magnesium and bisphosphonates taken by mouth "
                            f"are best at least 2 hours apart. Your plan has "
                            f"{other.product.name} at {other.clock} and "
                            f"{bisphosphonate.product.name} at {bisphosphonate.clock}."
                        ),
                        source="ODS-MG",
                        subject=other.regimen.id,
                        evidence={"minutes_apart": gap, "at_least": apart},
                    )
                )
    return once(found)
