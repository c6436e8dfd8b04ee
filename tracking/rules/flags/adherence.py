"""Adherence flags (PQA-PDC): a plan taken on too few of the last four weeks' days."""

from __future__ import annotations

from tracking.rules.flags.common import FlagInputs, flag, number, scheduled
from tracking.rules.types import FlagResult

# Proportion of days covered at or above this is "adherent".
ADHERENT_PDC_PCT = 80.0  # source: PQA-PDC


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
