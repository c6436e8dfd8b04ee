"""Stock on hand and when a plan runs out.

A member counts what they have (a "count"), adds a pack when they refill (a "refill"); every
dose logged as taken since the last count uses its servings. Nothing is stored as "the
stock": it is worked out from that history, so an edit never loses what came before. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from .schedule import dose_days
from .totals import exact
from .types import Dose, Regimen

# How far ahead "runs out on" is looked for: past this the plan lasts "more than a year".
HORIZON_DAYS = 400


@dataclass(frozen=True)
class StockChange:
    at: datetime  # aware
    kind: str  # "count": this many on hand now; "refill": this many more
    servings: Decimal


def on_hand(changes: Iterable[StockChange], doses: Iterable[Dose], now: datetime) -> Decimal | None:
    """Servings on hand at `now`: the last count, plus refills after it, less the servings
    taken after it (never below zero). None until the member first counts."""
    past = sorted((c for c in changes if c.at <= now), key=lambda c: c.at)
    counts = [c for c in past if c.kind == "count"]
    if not counts:
        return None
    last = counts[-1]
    stock = last.servings + sum(
        (c.servings for c in past if c.kind == "refill" and c.at > last.at), Decimal(0)
    )
    used = sum(
        (exact(d.servings) for d in doses if d.status == "taken" and last.at < d.taken_at <= now),
        Decimal(0),
    )
    return max(stock - used, Decimal(0))


def runs_out_on(stock: Decimal, regimen: Regimen, today: date) -> date | None:
    """The first local day the plan needs more than is left, counting from tomorrow (today's
    doses may be taken already); None for a plan that takes nothing, or lasts past the
    horizon."""
    left = stock
    first = today + timedelta(days=1)
    for day, schedule in dose_days(regimen, first, today + timedelta(days=HORIZON_DAYS)):
        left -= exact(schedule.servings_per_dose) * len(set(schedule.times))
        if left < 0:
            return day
    return None


def refill_reminder_day(runs_out: date, days_before: int) -> date:
    return runs_out - timedelta(days=days_before)
