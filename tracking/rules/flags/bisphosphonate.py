"""Bisphosphonate flags (SEED, FDA-ALN, FDA-RIS, FDA-IBN): tell the dentist, keep calcium,
antacids and minerals out of the absorption window, and what to do about a missed dose."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal

from tracking.rules.flags.common import (
    RECENT_DAYS,
    Event,
    FlagInputs,
    active,
    drug_name,
    flag,
    local_today,
    logged_recent,
    schedule_on,
    sources,
    upcoming,
)
from tracking.rules.medicines import MORNING_ENDS, WAIT_MINUTES, is_delayed_release
from tracking.rules.medicines import blocks_absorption as _blocks_absorption
from tracking.rules.medicines import drug_source as _drug_source
from tracking.rules.medicines import is_bisphosphonate as _is_bisphosphonate
from tracking.rules.types import FlagResult, Occurrence, Product, Regimen, Schedule

# How long a missed bisphosphonate dose stays worth flagging: until the next dose day comes,
# and never longer than one dosing interval. Ossa's own choice, matching the schedules.
MISSED_DOSE_DAYS = {"weekly": 7, "monthly": 31}


def bisphosphonate_dental(inputs: FlagInputs) -> list[FlagResult]:
    flags = []
    for regimen in active(inputs):
        product = regimen.product
        if not _is_bisphosphonate(product):
            continue
        explanation = (
            f"You take {drug_name(product)}. Bisphosphonates carry a rare but serious risk of "
            "osteonecrosis of the jaw. Let your dentist know you take it."
        )
        evidence = {"regimen_id": regimen.id, "product": product.name, "drug": product.drug}
        source = sources("SEED", _drug_source(product))
        title = "Tell your dentist about your bisphosphonate"
        flags.append(
            flag(
                code="bisphosphonate_dental",
                severity="info",
                title=title,
                explanation=explanation,
                evidence=evidence,
                source=source,
                subject=regimen.id,
            )
        )
    return flags


def _same_morning_rule(product: Product) -> bool:
    return is_delayed_release(product) and product.drug == "risedronate"


def _minutes_between(first: Event, second: Event) -> float:
    return (second.at - first.at).total_seconds() / 60


def _too_close(bisphosphonate: Event, other: Event) -> bool:
    """Whether `other` falls inside the bisphosphonate's waiting window."""
    if _same_morning_rule(bisphosphonate.product):
        same_day = other.at.date() == bisphosphonate.at.date()
        return same_day and other.at.time() < MORNING_ENDS
    wait = WAIT_MINUTES.get(bisphosphonate.product.drug)
    if wait is None:
        return False  # no label in docs/domain.md for this drug
    minutes = _minutes_between(bisphosphonate, other)
    return 0 <= minutes < wait


def _window_conflicts(events: list[Event]) -> list[tuple[Event, Event]]:
    bisphosphonates = [e for e in events if _is_bisphosphonate(e.product)]
    blockers = [e for e in events if _blocks_absorption(e.product)]
    return [(b, o) for b in bisphosphonates for o in blockers if _too_close(b, o)]


def _bisphosphonate_subject(inputs: FlagInputs, event: Event) -> str:
    """The regimen a bisphosphonate event belongs to; a dose logged without one is matched to
    an active regimen of the same product, else named by its product."""
    if event.regimen_id:
        return event.regimen_id
    same = [r.id for r in active(inputs) if r.product.id == event.product.id]
    return same[0] if same else f"product:{event.product.id}"


def bisphosphonate_absorption_window(inputs: FlagInputs) -> list[FlagResult]:
    # What happened (logs with logs) and what is planned (upcoming occurrences with each
    # other); a log is not compared with the plan, because the plan may not be what was done.
    conflicts = _window_conflicts(logged_recent(inputs, RECENT_DAYS))
    # Upcoming events come from the regimens: with no bisphosphonate among them (a plan of
    # supplements only) there is nothing to pair, so they are not built.
    if any(_is_bisphosphonate(r.product) for r in inputs.regimens):
        conflicts += _window_conflicts(upcoming(inputs))
    by_subject: dict[str, list[tuple[Event, Event]]] = defaultdict(list)
    for pair in conflicts:
        by_subject[_bisphosphonate_subject(inputs, pair[0])].append(pair)
    return [_absorption_flag(subject, pairs) for subject, pairs in sorted(by_subject.items())]


def _absorption_flag(subject: str, pairs: list[tuple[Event, Event]]) -> FlagResult:
    pairs = sorted(pairs, key=lambda p: (p[0].at, p[1].at, p[0].origin, p[1].product.id))
    product = pairs[0][0].product
    drug = drug_name(product)
    origins = sorted({b.origin for b, _ in pairs} | {o.origin for _, o in pairs})
    seen = " and ".join("planned" if o == "scheduled" else o for o in origins)
    if _same_morning_rule(product):
        rule = (
            f"The label for delayed-release {drug} says to take calcium, antacids and mineral "
            "supplements at another time of day."
        )
        observed = f"on the same morning as your {drug}"
        wait: int | None = None
    else:
        wait = WAIT_MINUTES[product.drug]
        rule = f"They block its absorption: the label says to wait at least {wait} minutes."
        observed = f"less than {wait} minutes after your {drug}"
    explanation = (
        f"Calcium, an antacid or a mineral supplement was {seen} {observed} "
        f"({len(pairs)} time{'s' if len(pairs) != 1 else ''}). {rule} "
        "Your pharmacist can help you plan the timing."
    )
    evidence = {
        "drug": product.drug,
        "release": product.release,
        "wait_minutes": wait,
        "same_morning_rule": wait is None,
        "conflicts": [_conflict_evidence(b, o) for b, o in pairs],
    }
    title = f"Calcium or minerals too close to {drug}"
    source = sources(_drug_source(product))
    return flag(
        code="bisphosphonate_absorption_window",
        severity="warning",
        title=title,
        explanation=explanation,
        evidence=evidence,
        source=source,
        subject=subject,
    )


def _conflict_evidence(bisphosphonate: Event, other: Event) -> dict[str, Any]:
    return {
        "bisphosphonate": bisphosphonate.evidence(),
        "other": other.evidence(),
        "minutes_after": round(_minutes_between(bisphosphonate, other), 1),
    }


def _cadence(schedule: Schedule) -> Literal["weekly", "monthly"] | None:
    if schedule.kind == "weekdays" and len(schedule.weekdays) == 1:
        return "weekly"
    if schedule.kind == "interval" and schedule.interval_days == 7:
        return "weekly"
    if schedule.kind == "monthly":
        return "monthly"
    if schedule.kind == "interval" and 28 <= (schedule.interval_days or 0) <= 31:
        return "monthly"
    return None


def _still_relevant(inputs: FlagInputs, missed: Occurrence, cadence: str) -> bool:
    """A miss matters until the next dose day of the regimen comes, within one interval."""
    today = local_today(inputs)
    age_days = (today - missed.local_date).days
    if not 0 <= age_days < MISSED_DOSE_DAYS[cadence]:
        return False
    return not any(
        o.regimen_id == missed.regimen_id and missed.local_date < o.local_date <= today
        for o in inputs.occurrences
    )


def bisphosphonate_missed_dose(inputs: FlagInputs) -> list[FlagResult]:
    flags = []
    for regimen in sorted(inputs.regimens, key=lambda r: r.id):
        if not _is_bisphosphonate(regimen.product):
            continue
        misses = _relevant_misses(inputs, regimen)
        if not misses:
            continue
        cadence = _cadence(schedule_on(regimen, misses[-1].local_date))
        if cadence is not None:
            flags.append(_missed_flag(regimen, misses, cadence, _days_to_next(inputs, regimen)))
    return flags


def _days_to_next(inputs: FlagInputs, regimen: Regimen) -> int | None:
    """Days from today to the plan's next scheduled dose, when it falls within the week the
    occurrences reach (FLAG_LOOKAHEAD_DAYS); None when it is further away."""
    today = local_today(inputs)
    ahead = [
        (o.local_date - today).days
        for o in inputs.occurrences
        if o.regimen_id == regimen.id and o.local_date > today
    ]
    return min(ahead, default=None)


def _relevant_misses(inputs: FlagInputs, regimen: Regimen) -> list[Occurrence]:
    """The regimen's weekly or monthly misses that still call for catch-up guidance."""
    misses = []
    for missed in inputs.missed:
        if missed.regimen_id != regimen.id:
            continue
        cadence = _cadence(schedule_on(regimen, missed.local_date))
        if cadence is not None and _still_relevant(inputs, missed, cadence):
            misses.append(missed)
    return sorted(misses, key=lambda o: o.due_at)


# source: FDA-IBN — a missed monthly dose is taken the morning after remembering only when
# the next one is more than this many days away; otherwise the next one is awaited.
IBANDRONATE_CATCH_UP_DAYS = 7


def _missed_flag(
    regimen: Regimen, misses: list[Occurrence], cadence: str, days_to_next: int | None
) -> FlagResult:
    product = regimen.product
    drug = drug_name(product)
    due = misses[-1].local_date
    observed = f"Your {cadence} {drug} dose due on {due:%A} {due.day} {due:%B} is not logged."
    if cadence == "weekly":
        # source: FDA-ALN, FDA-RIS (missed weekly dose)
        guidance = (
            "The label says: take it the morning after you remember, never take two doses on "
            "the same day, then go back to your usual day."
        )
    elif product.drug == "ibandronate":
        # source: FDA-IBN (missed monthly dose)
        if days_to_next is not None and days_to_next <= IBANDRONATE_CATCH_UP_DAYS:
            guidance = (
                f"Your next dose is due in {days_to_next} "
                f"{'day' if days_to_next == 1 else 'days'}. The label says: when the next "
                "dose is 7 days away or fewer, wait for it and take it as usual."
            )
        else:
            guidance = (
                "Your next dose is more than 7 days away. The label says: take it the morning "
                "after you remember, then go back to your usual day of the month."
            )
    else:
        # docs/domain.md#missed-doses gives no catch-up rule for other monthly doses: point to
        # the label instead.
        guidance = (
            "How to catch up depends on when your next dose is due, so follow the instructions "
            "that came with your medicine or ask your pharmacist."
        )
    evidence = {
        "regimen_id": regimen.id,
        "drug": product.drug,
        "cadence": cadence,
        "days_to_next_dose": days_to_next,
        "missed": [
            {"due_at": o.due_at.isoformat(), "local_date": o.local_date.isoformat()} for o in misses
        ],
    }
    source = sources(_drug_source(product))
    title = f"Missed {drug} dose"
    return flag(
        code="bisphosphonate_missed_dose",
        severity="warning",
        title=title,
        explanation=f"{observed} {guidance}",
        evidence=evidence,
        source=source,
        subject=regimen.id,
    )
