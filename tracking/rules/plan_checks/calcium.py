"""Calcium is absorbed best in doses of 500 mg or less (ODS-CA), summed over everything
planned at the same moment."""

from __future__ import annotations

from collections import defaultdict

from tracking.rules import medicines
from tracking.rules.plan_checks.common import (
    PlanInputs,
    Planned,
    amount,
    clock,
    finding,
    once,
)
from tracking.rules.types import FlagResult


def per_moment(inputs: PlanInputs) -> list[FlagResult]:
    found = []
    for doses in inputs.days:
        moments: dict[int, list[Planned]] = defaultdict(list)
        for dose in doses:
            if medicines.calcium_mg(dose.product) > 0:
                moments[dose.at].append(dose)
        for at, together in sorted(moments.items()):
            total = sum(medicines.calcium_mg(d.product) * d.servings for d in together)
            if total > medicines.CALCIUM_PER_DOSE_MG:
                found.append(_too_much(at, together, total))
    return once(found)


def _too_much(at: int, together: list[Planned], total: float) -> FlagResult:
    names = ", ".join(d.product.name for d in together)
    return finding(
        code="calcium_per_moment",
        severity="warning",
        title=f"{amount(total)} mg of calcium at {clock(at)}",
        explanation=(
            f"Calcium is absorbed best in doses of 500 mg or less. Your plan has {amount(total)} "
            f"mg of calcium at {clock(at)} ({names}); the day planner can split it over the day."
        ),
        source="ODS-CA",
        subject=clock(at),
        evidence={
            "at": clock(at),
            "calcium_mg": total,
            "at_most_mg": medicines.CALCIUM_PER_DOSE_MG,
            "products": [
                {"regimen_id": d.regimen.id, "product": d.product.name, "servings": d.servings}
                for d in together
            ],
        },
    )
