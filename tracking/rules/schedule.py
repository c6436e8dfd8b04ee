"""Schedule expansion: a regimen's schedule versions become dated occurrences in the member's
time zone. Pure: no Django, no clock; the caller passes the dates and the zone."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .types import Occurrence, Regimen, Schedule

ONE_DAY = timedelta(days=1)

# Matching tolerance around an occurrence, in local days: the same local day for daily, ±3
# days for weekly, ±7 days for monthly. source: PQA-PDC
# (docs/domain.md#matching-logs-to-scheduled-doses)
SAME_DAY_TOLERANCE = 0
WEEKLY_TOLERANCE = 3
MONTHLY_TOLERANCE = 7
# Interval schedules count as weekly from 7 days and as monthly from 28 days apart; below 7
# days a ±3 window would reach the neighbouring occurrence, so they match on the same day.
WEEKLY_INTERVAL_FROM = 7
MONTHLY_INTERVAL_FROM = 28
# The longest gap between two monthly occurrences (the 28th or 31st of January to the
# 28th of February and then the 31st of March is 31 days at most).
LONGEST_MONTH_GAP = 31


@lru_cache(maxsize=1024)
def _zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_for(tz: str | ZoneInfo) -> ZoneInfo:
    """The ZoneInfo for an IANA name (cached: the nightly batch asks for the same few zones
    thousands of times) or the ZoneInfo itself."""
    if isinstance(tz, ZoneInfo):
        return tz
    return _zone_named(tz)


@lru_cache(maxsize=1024)
def parse_time(text: str) -> time:
    """A schedule's local "HH:MM" as a time."""
    return time.fromisoformat(text)


def local_due(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The aware instant for a local date and wall time.

    A wall time inside a spring-forward gap does not exist; it moves forward by the gap
    (02:30 becomes 03:30 in Europe/Amsterdam), so the dose is neither lost nor early.
    An ambiguous fall-back time keeps fold=0, the first of its two instances."""
    wall = datetime.combine(day, at, tzinfo=zone)
    if not _changes_offset(zone, day):
        return wall
    # fold=0 in a gap is read with the offset from before the change, so the round trip
    # through UTC lands exactly one gap later; everywhere else it comes back unchanged.
    back = datetime.fromtimestamp(wall.timestamp(), zone)
    if back.replace(tzinfo=None) == wall.replace(tzinfo=None):
        return wall
    return back


@lru_cache(maxsize=65536)
def _changes_offset(zone: ZoneInfo, day: date) -> bool:
    """Whether the zone's UTC offset differs between this local midnight and the next: only
    then can a wall time that day be missing or repeated (the rare slow path)."""
    midnight = datetime.combine(day, time(), tzinfo=zone)
    return midnight.utcoffset() != (midnight + ONE_DAY).utcoffset()


def tolerance_days(schedule: Schedule) -> int:
    """How many local days a log may sit from an occurrence of this schedule and still match
    it. source: PQA-PDC (docs/domain.md#matching-logs-to-scheduled-doses)."""
    if schedule.kind == "monthly":
        return MONTHLY_TOLERANCE
    if schedule.kind == "weekdays" and len(set(schedule.weekdays)) == 1:
        return WEEKLY_TOLERANCE
    if schedule.kind == "interval" and schedule.interval_days is not None:
        if schedule.interval_days >= MONTHLY_INTERVAL_FROM:
            return MONTHLY_TOLERANCE
        if schedule.interval_days >= WEEKLY_INTERVAL_FROM:
            return WEEKLY_TOLERANCE
    # Daily, several weekdays and short intervals: windows wider than a day would overlap
    # the neighbouring occurrence.
    return SAME_DAY_TOLERANCE


def longest_gap_days(schedule: Schedule) -> int:
    """The most days one occurrence of this schedule can be from the next: how far back to
    look for the occurrence whose dose covers a day, and the most a dose can cover."""
    if schedule.kind == "daily":
        return 1
    if schedule.kind == "weekdays":
        return _longest_weekday_gap(schedule.weekdays)
    if schedule.kind == "monthly":
        return LONGEST_MONTH_GAP
    if schedule.kind == "interval":
        return _interval(schedule)
    return 0


def _longest_weekday_gap(weekdays: tuple[int, ...]) -> int:
    days = sorted(set(weekdays))
    if not days:
        return 0
    # The wrap from the last weekday to the first one of the next week is a gap too.
    following = [*days[1:], days[0] + 7]
    return max(after - before for before, after in zip(days, following, strict=True))


def schedule_on(regimen: Regimen, day: date) -> Schedule:
    """The version in force on a local date: the latest effective_from on or before it, or
    the first version for days before any of them."""
    current = regimen.schedules[0]
    for schedule in _versions(regimen):
        if schedule.effective_from <= day:
            current = schedule
    return current


def expand(regimen: Regimen, first: date, last: date, tz: str | ZoneInfo) -> list[Occurrence]:
    """Every scheduled occurrence with a local date in [first, last] and inside the
    regimen's start and end dates, sorted by due_at. As-needed schedules have none."""
    return [occurrence for occurrence, _ in scheduled(regimen, first, last, tz)]


def scheduled(
    regimen: Regimen, first: date, last: date, tz: str | ZoneInfo
) -> list[tuple[Occurrence, Schedule]]:
    """Like `expand`, with the schedule version each occurrence comes from (its tolerance
    and gap depend on it)."""
    zone = zone_for(tz)
    first = max(first, regimen.start_date)
    if regimen.end_date is not None:
        last = min(last, regimen.end_date)
    found: list[tuple[Occurrence, Schedule]] = []
    shifted = False
    for schedule, seg_first, seg_last in _segments(regimen, first, last):
        times = [parse_time(text) for text in sorted(set(schedule.times))]
        if not times:
            continue
        for day in _days(schedule, regimen.start_date, seg_first, seg_last):
            for at in times:
                due_at = local_due(day, at, zone)
                shifted = shifted or due_at.time() != at
                found.append((Occurrence(regimen.id, due_at, day), schedule))
    # Built in date and time order; only a gap-shifted time can pass a later one.
    if shifted:
        found.sort(key=lambda pair: pair[0].due_at.timestamp())
    return found


def dose_days(regimen: Regimen, first: date, last: date) -> Iterator[tuple[date, Schedule]]:
    """The local dates in [first, last] inside the regimen's start and end on which it has
    doses, with the schedule version in force (no zone needed: wall-clock days)."""
    first = max(first, regimen.start_date)
    if regimen.end_date is not None:
        last = min(last, regimen.end_date)
    for schedule, seg_first, seg_last in _segments(regimen, first, last):
        if schedule.times:
            for day in _days(schedule, regimen.start_date, seg_first, seg_last):
                yield day, schedule


def _versions(regimen: Regimen) -> list[Schedule]:
    # Stable sort: of two versions with the same effective_from the later edit wins.
    return sorted(regimen.schedules, key=lambda schedule: schedule.effective_from)


def _segments(regimen: Regimen, first: date, last: date) -> Iterator[tuple[Schedule, date, date]]:
    """Each schedule version with the part of [first, last] it governs."""
    versions = _versions(regimen)
    for index, schedule in enumerate(versions):
        start = first if index == 0 else max(first, schedule.effective_from)
        end = last
        if index + 1 < len(versions):
            end = min(last, versions[index + 1].effective_from - ONE_DAY)
        if start <= end:
            yield schedule, start, end


def _days(schedule: Schedule, anchor: date, first: date, last: date) -> Iterator[date]:
    """The local dates in [first, last] on which the schedule has doses."""
    if schedule.kind == "daily":
        yield from _every(first, last, 1)
    elif schedule.kind == "weekdays":
        wanted = set(schedule.weekdays)
        yield from (day for day in _every(first, last, 1) if day.isoweekday() in wanted)
    elif schedule.kind == "interval":
        step = _interval(schedule)
        # Counted from the regimen's start, not from `first`, so any window agrees.
        ahead = -(first - anchor).days % step
        yield from _every(first + timedelta(days=ahead), last, step)
    elif schedule.kind == "monthly":
        yield from _month_days(_day_of_month(schedule), first, last)


def _every(first: date, last: date, step: int) -> Iterator[date]:
    stride = timedelta(days=step)
    day = first
    while day <= last:
        yield day
        day += stride


def _month_days(day_of_month: int, first: date, last: date) -> Iterator[date]:
    year, month = first.year, first.month
    while True:
        # Past the month's end → the month's last day (the 31st is 28/29 February).
        length = calendar.monthrange(year, month)[1]
        day = date(year, month, min(day_of_month, length))
        if day > last:
            return
        if day >= first:
            yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _interval(schedule: Schedule) -> int:
    if schedule.interval_days is None or schedule.interval_days < 1:
        raise ValueError(f"interval schedule needs interval_days >= 1: {schedule!r}")
    return schedule.interval_days


def _day_of_month(schedule: Schedule) -> int:
    if schedule.day_of_month is None or not 1 <= schedule.day_of_month <= 31:
        raise ValueError(f"monthly schedule needs day_of_month in 1..31: {schedule!r}")
    return schedule.day_of_month
