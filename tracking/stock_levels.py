"""Stock on hand and "runs out on" for plans whose member counts their stock, from the stock
history and the doses taken since (tracking/rules/stock.py); and the refill reminder's
moment, kept on the plan for the reminder planner. Refreshed with the member's recompute."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Min

from accounts.reminder_moments import local_moment

from . import facts
from .models import IntakeLog, Regimen, StockEvent
from .rules import stock
from .rules.stock import StockChange


@dataclass(frozen=True)
class Level:
    on_hand: Decimal
    runs_out_on: date | None


def levels(regimens: list[Regimen], now: datetime) -> dict[str, Level]:
    """Each plan's stock, for the plans that have a stock history: three queries."""
    ids = [r.pk for r in regimens]
    events: dict = defaultdict(list)
    for row in StockEvent.objects.filter(regimen_id__in=ids, deleted_at__isnull=True):
        events[row.regimen_id].append(StockChange(row.at, row.kind, row.servings))
    if not events:
        return {}
    since = StockEvent.objects.filter(regimen_id__in=list(events), kind="count").aggregate(
        first=Min("at")
    )["first"]
    doses: dict = defaultdict(list)
    if since is not None:
        logs = IntakeLog.objects.filter(
            regimen_id__in=list(events), deleted_at__isnull=True, taken_at__gt=since
        ).values_list("regimen_id", *facts.DOSE_COLUMNS)
        for regimen_id, *row in logs:
            doses[regimen_id].append(facts.dose(row))
    found = {}
    for regimen in regimens:
        on_hand = stock.on_hand(events.get(regimen.pk, []), doses.get(regimen.pk, []), now)
        if on_hand is None:
            continue
        today = now.astimezone(regimen.member.profile.zone).date()
        runs_out = stock.runs_out_on(on_hand, facts.plan_of(regimen), today)
        found[str(regimen.pk)] = Level(on_hand, runs_out)
    return found


def stocked_plans(member_ids) -> list[Regimen]:
    """The members' current plans that have a stock history, ready for levels()."""
    return list(
        Regimen.objects.filter(
            member_id__in=member_ids,
            deleted_at__isnull=True,
            stock_events__deleted_at__isnull=True,
            stock_events__isnull=False,
        )
        .distinct()
        .select_related("member__profile", "product")
        .prefetch_related("schedules")
    )


def refresh(member_ids, now: datetime) -> int:
    """Move each stocked plan's refill reminder to `refill_days` before it runs out, at the
    member's reminder time; None when nothing runs out. Returns the plans changed."""
    plans = stocked_plans(member_ids)
    found = levels(plans, now)
    changed = 0
    for plan in plans:
        level = found.get(str(plan.pk))
        moment = _reminder_moment(plan, level, now)
        if moment != plan.next_refill_reminder_at:
            Regimen.objects.filter(pk=plan.pk).update(next_refill_reminder_at=moment)
            changed += 1
    return changed


def _reminder_moment(plan: Regimen, level: Level | None, now: datetime) -> datetime | None:
    if level is None or level.runs_out_on is None:
        return None
    profile = plan.member.profile
    day = stock.refill_reminder_day(level.runs_out_on, plan.refill_days)
    today = now.astimezone(profile.zone).date()
    return local_moment(max(day, today), profile.reminder_time, profile.zone)
