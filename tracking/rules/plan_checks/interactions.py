"""Other medicines: calcium 4 hours from levothyroxine (FDA-LT4), and vitamin K while on a
vitamin K antagonist (ODS-K), checked when the plan is made."""

from __future__ import annotations

from tracking.rules import medicines
from tracking.rules.plan_checks.common import PlanInputs, finding, once
from tracking.rules.types import FlagResult


def levothyroxine_calcium(inputs: PlanInputs) -> list[FlagResult]:
    found = []
    apart = medicines.LEVOTHYROXINE_APART_MINUTES
    for doses in inputs.days:
        for thyroid in (d for d in doses if medicines.is_levothyroxine(d.product)):
            for other in doses:
                gap = abs(other.at - thyroid.at)
                if medicines.calcium_mg(other.product) <= 0 or gap >= apart:
                    continue
                found.append(
                    finding(
                        code="levothyroxine_calcium",
                        severity="warning",
                        title=f"{other.product.name} is less than 4 hours from levothyroxine",
                        explanation=(
                            "The levothyroxine label says to take calcium at least 4 hours "
                            f"apart from it. Your plan has {thyroid.product.name} at "
                            f"{thyroid.clock} and {other.product.name} at {other.clock}."
                        ),
                        source="FDA-LT4",
                        subject=other.regimen.id,
                        evidence={"minutes_apart": gap, "at_least": apart},
                    )
                )
    return once(found)


def vitamin_k_with_vka(inputs: PlanInputs) -> list[FlagResult]:
    vkas = [r for r in inputs.regimens if medicines.is_vka(r.product)]
    if not vkas:
        return []
    # Every antagonist in the plan, by name: the words do not depend on the plans' order.
    drug = " and ".join(sorted({r.product.drug or r.product.name for r in vkas}))
    found = []
    for regimen in sorted(inputs.regimens, key=lambda r: r.id):
        product = regimen.product
        if medicines.is_vka(product) or not medicines.has_any(product, medicines.VITAMIN_K_CODES):
            continue
        found.append(
            finding(
                code="vitamin_k_with_vka",
                severity="critical",
                title=f"{product.name} holds vitamin K, which counteracts {drug}",
                explanation=(
                    f"Your plan has {drug} and {product.name}, which holds vitamin K. Vitamin K "
                    f"counteracts {drug}: people on it are told to keep their vitamin K intake "
                    "consistent and to talk to their clinician before starting or changing a "
                    "vitamin K supplement."
                ),
                source="ODS-K",
                subject=regimen.id,
                evidence={"regimen_id": regimen.id, "product": product.name, "antagonist": drug},
            )
        )
    return found
