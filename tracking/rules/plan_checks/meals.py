"""Calcium carbonate with food (ODS-CA); vitamins D and K with a meal, which is Ossa's own
suggestion (they dissolve in fat: ODS-D, ODS-K)."""

from __future__ import annotations

from tracking.rules import medicines
from tracking.rules.plan_checks.common import PlanInputs, finding, near_a_meal, once
from tracking.rules.types import FlagResult


def calcium_without_food(inputs: PlanInputs) -> list[FlagResult]:
    found = []
    for doses in inputs.days:
        for dose in doses:
            if medicines.needs_food(dose.product) and not near_a_meal(dose.at, inputs.day):
                found.append(
                    finding(
                        code="calcium_carbonate_without_food",
                        severity="info",
                        title=f"{dose.product.name} at {dose.clock} is away from a meal",
                        explanation=(
                            "Calcium carbonate is absorbed best with food. Your plan has "
                            f"{dose.product.name} at {dose.clock}, not near one of your meals."
                        ),
                        source="ODS-CA",
                        subject=dose.regimen.id,
                        evidence={"at": dose.clock, "form": "carbonate"},
                    )
                )
    return once(found)


def fat_soluble_without_meal(inputs: PlanInputs) -> list[FlagResult]:
    found = []
    for doses in inputs.days:
        for dose in doses:
            if medicines.fat_soluble(dose.product) and not near_a_meal(dose.at, inputs.day):
                found.append(
                    finding(
                        code="fat_soluble_without_meal",
                        severity="info",
                        title=f"{dose.product.name} at {dose.clock} is away from a meal",
                        explanation=(
                            "Vitamins D and K dissolve in fat. Ossa suggests taking them with a "
                            "meal that has some fat; this is Ossa's own suggestion, not a rule "
                            f"from a source. Your plan has {dose.product.name} at {dose.clock}."
                        ),
                        source="ODS-D, ODS-K",
                        subject=dose.regimen.id,
                        evidence={"at": dose.clock, "ossa_suggestion": True},
                    )
                )
    return once(found)
