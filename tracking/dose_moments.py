"""When a plan's next dose is, from the same schedule rules as adherence: for the weekly
digest's next bisphosphonate day, and for dose reminders (in the zone the member chose them
to follow: home, or the phone's while travelling)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from . import facts
from .models import Regimen
from .rules import schedule

# A monthly dose is at most 31 days away; look a little further for month-end days.
HORIZON = timedelta(days=40)
# The days looked at first: enough for a daily plan's neighbouring doses, a tenth of the
# horizon (the reminder planner asks this for every dose it reminds of).
NEAR = timedelta(days=3)
# A log this close to a dose moment may be that dose (less when another dose is closer).
REACH = timedelta(hours=3)


def _upcoming(regimen: Regimen, moment: datetime, zone: ZoneInfo, past: datetime) -> list:
    """The plan's dose moments from the local day before `moment` on, in order, up to one
    after `past` at least: the NEAR days when they hold one, else the whole HORIZON."""
    first = moment.astimezone(zone).date() - timedelta(days=1)
    plan = facts.plan_of(regimen)
    near = [o.due_at for o in schedule.expand(plan, first, first + NEAR, zone)]
    if near and near[-1] > past:
        return near
    return [o.due_at for o in schedule.expand(plan, first, first + HORIZON, zone)]


def next_dose(regimen: Regimen, moment: datetime, zone: ZoneInfo | None = None) -> datetime | None:
    """The first scheduled dose strictly after `moment`, or None (ended, deleted, as needed).
    A time skipped by a DST change happens at the end of the gap, a repeated one once
    (schedule.local_due): no reminder is lost or doubled."""
    if regimen.deleted_at is not None:
        return None
    zone = zone or regimen.member.profile.zone
    return next((due for due in _upcoming(regimen, moment, zone, moment) if due > moment), None)


def next_reminder_due(regimen: Regimen, moment: datetime) -> datetime | None:
    """The next dose moment to remind of: for plans with reminders on, in the zone the
    member's reminders follow."""
    if not regimen.remind:
        return None
    return next_dose(regimen, moment, regimen.member.profile.reminder_zone_now)


@dataclass(frozen=True)
class DoseMoment:
    due_at: datetime
    counts_from: datetime  # a log from here ...
    counts_until: datetime  # ... to here is this dose
    upcoming: datetime | None  # the plan's next dose moment to remind of


def dose_moment(regimen: Regimen, due_at: datetime) -> DoseMoment:
    """A dose moment to remind of, with the span of log times that count as it: up to
    REACH either side, never past half-way to the plan's neighbouring doses (a calcium
    plan at 08:00 and 10:00 has two doses, not one)."""
    moments = []
    if regimen.deleted_at is None and regimen.remind:
        zone = regimen.member.profile.reminder_zone_now
        moments = _upcoming(regimen, due_at - REACH, zone, due_at)
    before = [m for m in moments if m < due_at]
    after = [m for m in moments if m > due_at]
    reach_back = min(REACH, (due_at - before[-1]) / 2) if before else REACH
    reach_on = min(REACH, (after[0] - due_at) / 2) if after else REACH
    return DoseMoment(due_at, due_at - reach_back, due_at + reach_on, after[0] if after else None)
