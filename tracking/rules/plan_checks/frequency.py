"""A medicine planned more often than its label says (FDA-ALN, FDA-RIS, FDA-IBN): taking a
weekly bisphosphonate every day is seven times the dose."""

from __future__ import annotations

from tracking.rules import medicines
from tracking.rules.plan_checks.common import PlanInputs, finding
from tracking.rules.schedule import schedule_on
from tracking.rules.types import FlagResult, Schedule

PERIOD_DAYS = 28  # a common multiple of a week and (about) a month


def doses_per_period(schedule: Schedule) -> float | None:
    """Doses a schedule plans in 28 days; None for as needed."""
    per_day = len(set(schedule.times))
    if schedule.kind == "daily":
        return PERIOD_DAYS * per_day
    if schedule.kind == "weekdays":
        return PERIOD_DAYS / 7 * len(set(schedule.weekdays)) * per_day
    if schedule.kind == "interval" and schedule.interval_days:
        return PERIOD_DAYS / schedule.interval_days * per_day
    if schedule.kind == "monthly":
        return per_day * PERIOD_DAYS / medicines.USUAL_INTERVAL_DAYS["monthly"]
    return None


def cadence_words(schedule: Schedule) -> str:
    per_day = len(set(schedule.times))
    times = {1: "", 2: ", twice a day"}.get(per_day, f", {per_day} times a day")
    if schedule.kind == "daily":
        return {1: "every day", 2: "twice a day"}.get(per_day, f"{per_day} times a day")
    if schedule.kind == "weekdays":
        count = len(set(schedule.weekdays))
        return ("once a week" if count == 1 else f"on {count} days a week") + times
    if schedule.kind == "interval":
        return f"every {schedule.interval_days} days{times}"
    return "once a month" + times


def labelled_frequency(inputs: PlanInputs) -> list[FlagResult]:
    found = []
    for regimen in sorted(inputs.regimens, key=lambda r: r.id):
        product = regimen.product
        usual = product.usual_schedule
        if usual not in ("weekly", "monthly"):
            continue
        schedule = schedule_on(regimen, inputs.today)
        planned = doses_per_period(schedule)
        labelled = PERIOD_DAYS / medicines.USUAL_INTERVAL_DAYS[usual]
        if planned is None or planned <= labelled + 1e-9:
            continue
        ratio = planned / labelled
        usual_words = medicines.USUAL_WORDS[usual]
        how_often = cadence_words(schedule)
        times = f"{ratio:.0f} times" if abs(ratio - round(ratio)) < 0.05 else f"{ratio:.1f} times"
        found.append(
            finding(
                code="labelled_frequency",
                severity="critical",
                title=f"This is a {medicines.USUAL_DOSE_WORDS[usual]} dose; your plan takes it "
                f"{how_often}",
                explanation=(
                    f"The label of {product.name} says it is taken {usual_words}. Your plan "
                    f"takes it {how_often}: {times} as many doses as the label describes. "
                    "Check the plan against your prescription; your pharmacist or prescriber "
                    "can say what applies to you."
                ),
                source=medicines.drug_source(product) or "",
                subject=regimen.id,
                evidence={
                    "regimen_id": regimen.id,
                    "product": product.name,
                    "labelled": usual,
                    "planned": how_often,
                    "doses_per_28_days": {"labelled": labelled, "planned": round(planned, 2)},
                },
            )
        )
    return found
