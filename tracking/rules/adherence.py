"""Adherence maths over plain data. source: PQA-PDC (docs/domain.md#adherence).

Logged doses are matched to scheduled occurrences, then counted per ISO week: dose-taking
(taken ÷ scheduled), timing (on time ÷ scheduled), PDC (covered days ÷ days in period) and
the streak of covered days. Pure: the caller passes `now` and the member's zone.

Decisions the domain text leaves open:
- Taken logs are matched before skipped ones, each group in (taken_at, id) order, so a
  skip followed by a taken log for the same occurrence counts as taken, and the result
  never depends on the order of the input.
- An occurrence counts as scheduled once it is due or once a log matched it; one later
  today is not a miss yet.
- Today is in the PDC period only once it is covered; until then it is left out (it
  neither helps nor hurts), and tomorrow it counts like any past day.
- A day is in a regimen's PDC period only from the regimen's first occurrence on (a
  weekly regimen started on a Wednesday owes nothing until its first Monday), and an
  occurrence's dose covers its date until the day before the next occurrence.
- Streaks are counted within the days the call looks at (the requested weeks).
- As-needed regimens get weekly rows with zero counts and None percentages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .schedule import longest_gap_days, scheduled, tolerance_days, zone_for
from .types import Dose, Occurrence, Regimen, WeekAdherence

ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(days=7)
# source: PQA-PDC (docs/domain.md#adherence: default ±2 h for timed daily doses)
TIMING_WINDOW_SECONDS = 2 * 60 * 60
# Bisphosphonates are on time on "the right morning": the occurrence's date before noon.
# source: FDA-ALN, FDA-RIS, FDA-IBN (taken on waking; delayed-release risedronate right
# after breakfast, which the same morning rule also fits)
MORNING_ENDS = time(12, 0)
BISPHOSPHONATE = "bisphosphonate"
TAKEN = "taken"
SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class _Logged:
    """A logged dose seen in the member's zone, with what matching needs worked out once."""

    order: tuple[int, float, str]
    ts: float
    local_date: date
    local_time: time
    taken: bool


@dataclass(slots=True)
class _Slot:
    """One occurrence and what happened to it."""

    occurrence: Occurrence
    due_ts: float
    tolerance: int
    gap: int
    status: str | None = None
    on_time: bool = False

    def counts(self, now_ts: float) -> bool:
        # Scheduled once due, or earlier when a log already matched it.
        return self.status is not None or self.due_ts <= now_ts


@dataclass(slots=True)
class _Timeline:
    """A regimen over [first, last]: its occurrences there, and for each day it owes a dose
    up to today, whether that day is covered."""

    slots: list[_Slot]
    coverage: dict[date, bool]


@dataclass(slots=True)
class _Tally:
    scheduled: int = 0
    taken: int = 0
    on_time: int = 0
    skipped: int = 0

    def add_slots(self, slots: Iterable[_Slot], now_ts: float) -> None:
        for slot in slots:
            if not slot.counts(now_ts):
                continue
            self.scheduled += 1
            if slot.status == TAKEN:
                self.taken += 1
                self.on_time += slot.on_time
            elif slot.status == SKIPPED:
                self.skipped += 1

    def add(self, other: _Tally) -> None:
        self.scheduled += other.scheduled
        self.taken += other.taken
        self.on_time += other.on_time
        self.skipped += other.skipped


# Public API -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Logs:
    """A member's doses placed in their zone and bucketed by regimen for matching: worked
    out once (logs_of) for every question asked about the member (weekly rows, PDC, missed
    doses), which each take either these or the doses themselves."""

    zone: ZoneInfo
    by_regimen: dict[str, list[_Logged]]


def logs_of(doses: Iterable[Dose], tz: str | ZoneInfo) -> Logs:
    zone = zone_for(tz)
    return Logs(zone, _logged_by_regimen(doses, zone))


Doses = list[Dose] | Logs


def weekly_adherence(
    regimens: list[Regimen],
    doses: Doses,
    tz: str | ZoneInfo,
    now: datetime,
    weeks: int,
) -> list[WeekAdherence]:
    """Adherence for the `weeks` ISO weeks (Monday to Sunday, local) ending with the week of
    `now`, oldest first. Each week has one row per regimen active on any day of it (in the
    order given) followed by one overall row (regimen_id None)."""
    return weekly_window(regimens, doses, tz, now, weeks).weeks


@dataclass(frozen=True, slots=True)
class Window:
    """The weekly rows, with the regimens' timelines they were counted from: a PDC asked
    inside the window is then a count over days already matched (pdc_between)."""

    weeks: list[WeekAdherence]
    timelines: dict[str, _Timeline]
    first: date  # the oldest week's Monday
    doses: Doses
    zone: ZoneInfo
    now: datetime

    def pdc_between(self, regimen: Regimen, first: date, last: date) -> float | None:
        """As pdc_between. Read off the window's timeline when matching is within the
        day (every version's tolerance 0): a log then meets only its own date's
        occurrences, so the window's edges cannot change a status inside it, and the
        occurrence covering a day is at most one gap before it, inside the window too.
        Wider tolerances match anew over the period's own edges."""
        timeline = self.timelines.get(regimen.id)
        same_day = all(tolerance_days(schedule) == 0 for schedule in regimen.schedules)
        if timeline is None or not same_day or first < self.first:
            return pdc_between(regimen, self.doses, self.zone, first, last, self.now)
        today = _local_today(self.now, self.zone)
        days, covered = _count_days(timeline.coverage, first, last, today)
        return _pct(covered, days)


def weekly_window(
    regimens: list[Regimen],
    doses: Doses,
    tz: str | ZoneInfo,
    now: datetime,
    weeks: int,
) -> Window:
    """weekly_adherence's rows in a Window."""
    zone = zone_for(tz)
    if weeks < 1:
        return Window([], {}, date.max, doses, zone, now)
    today = _local_today(now, zone)
    now_ts = now.timestamp()
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - n * ONE_WEEK for n in reversed(range(weeks))]
    first, last = mondays[0], this_monday + timedelta(days=6)

    logged = _bucketed(doses, zone)
    timelines = {
        regimen.id: _timeline(regimen, logged.get(regimen.id, []), zone, first, last, today)
        for regimen in regimens
    }
    slots_by_week = {rid: _slots_by_week(timeline.slots) for rid, timeline in timelines.items()}
    runs = {rid: _runs(timeline.coverage) for rid, timeline in timelines.items()}
    day_counts = {
        rid: _days_by_week(timeline.coverage, today) for rid, timeline in timelines.items()
    }
    overall = _overall_coverage(timelines.values())
    overall_runs = _runs(overall)
    overall_days = _days_by_week(overall, today)

    rows: list[WeekAdherence] = []
    for monday in mondays:
        sunday = monday + timedelta(days=6)
        total = _Tally()
        for regimen in regimens:
            if not _active_between(regimen, monday, sunday):
                continue
            tally = _Tally()
            tally.add_slots(slots_by_week[regimen.id].get(monday, ()), now_ts)
            total.add(tally)
            end = min(sunday, regimen.end_date or sunday)
            streak = _streak(timelines[regimen.id].coverage, runs[regimen.id], end, today)
            days = day_counts[regimen.id].get(monday, (0, 0))
            rows.append(_row(regimen.id, monday, tally, days, streak))
        streak = _streak(overall, overall_runs, sunday, today)
        rows.append(_row(None, monday, total, overall_days.get(monday, (0, 0)), streak))
    return Window(rows, timelines, first, doses, zone, now)


def pdc_between(
    regimen: Regimen,
    doses: Doses,
    tz: str | ZoneInfo,
    first: date,
    last: date,
    now: datetime,
) -> float | None:
    """Proportion of days covered over [first, last] (up to today) as a percentage 0..100,
    or None when the regimen owed nothing then (as-needed, not started)."""
    zone = zone_for(tz)
    today = _local_today(now, zone)
    timeline = _regimen_timeline(regimen, doses, zone, first, last, today)
    days, covered = _count_days(timeline.coverage, first, last, today)
    return _pct(covered, days)


def missed_occurrences(
    regimen: Regimen,
    doses: Doses,
    tz: str | ZoneInfo,
    first: date,
    last: date,
    now: datetime,
) -> list[Occurrence]:
    """Occurrences in [first, last] whose local date is before today and that no taken log
    matched (skipped or not logged). A weekly dose missed on Monday shows from Tuesday, when
    "take it the morning after you remember" applies (FDA-ALN, FDA-RIS); a late dose
    logged within the tolerance still matches and removes it."""
    zone = zone_for(tz)
    today = _local_today(now, zone)
    timeline = _regimen_timeline(regimen, doses, zone, first, last, today)
    return [
        slot.occurrence
        for slot in timeline.slots
        if slot.occurrence.local_date < today and slot.status != TAKEN
    ]


# Matching ---------------------------------------------------------------------------------


def _local_today(now: datetime, zone: ZoneInfo) -> date:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(zone).date()


def _logged_by_regimen(doses: Iterable[Dose], zone: ZoneInfo) -> dict[str, list[_Logged]]:
    """Doses bucketed by regimen and sorted for matching; doses without a regimen only
    count toward intake totals and are dropped here."""
    buckets: dict[str, list[_Logged]] = defaultdict(list)
    for dose in doses:
        if dose.regimen_id is None:
            continue
        buckets[dose.regimen_id].append(_logged(dose, zone))
    for bucket in buckets.values():
        bucket.sort(key=lambda item: item.order)
    return buckets


def _logged(dose: Dose, zone: ZoneInfo) -> _Logged:
    if dose.taken_at.tzinfo is None:
        raise ValueError(f"dose {dose.id} has a naive taken_at")
    local = dose.taken_at.astimezone(zone)
    ts = dose.taken_at.timestamp()
    taken = dose.status == TAKEN
    # Taken logs first: a taken log wins an occurrence over a skip for it.
    order = (0 if taken else 1, ts, dose.id)
    return _Logged(order, ts, local.date(), local.time(), taken)


def _bucketed(doses: Doses, zone: ZoneInfo) -> dict[str, list[_Logged]]:
    if isinstance(doses, Logs) and doses.zone == zone:
        return doses.by_regimen
    if isinstance(doses, Logs):
        raise ValueError("these logs were placed in another zone")
    return _logged_by_regimen(doses, zone)


def _regimen_timeline(
    regimen: Regimen, doses: Doses, zone: ZoneInfo, first: date, last: date, today: date
) -> _Timeline:
    if not isinstance(doses, Logs):
        doses = [d for d in doses if d.regimen_id == regimen.id]
    logged = _bucketed(doses, zone).get(regimen.id, [])
    return _timeline(regimen, logged, zone, first, last, today)


def _timeline(
    regimen: Regimen,
    logged: list[_Logged],
    zone: ZoneInfo,
    first: date,
    last: date,
    today: date,
) -> _Timeline:
    if first > last:
        return _Timeline([], {})
    reach = max((tolerance_days(schedule) for schedule in regimen.schedules), default=0)
    gap = max((longest_gap_days(schedule) for schedule in regimen.schedules), default=0)
    # Look back one gap for the occurrence whose dose covers `first`, and a further two
    # tolerances either side so logs near the edges meet the occurrences they compete for.
    lo = first - timedelta(days=gap + 2 * reach)
    hi = last + timedelta(days=2 * reach)
    slots = _slots(regimen, lo, hi, zone)
    _match(slots, logged, reach, regimen.product.drug_class == BISPHOSPHONATE)
    coverage = _coverage(slots, regimen.end_date, first, min(last, today))
    inside = [slot for slot in slots if first <= slot.occurrence.local_date <= last]
    return _Timeline(inside, coverage)


def _slots(regimen: Regimen, first: date, last: date, zone: ZoneInfo) -> list[_Slot]:
    # Tolerance and gap per version, worked out once rather than per occurrence.
    per_version = {
        id(schedule): (tolerance_days(schedule), longest_gap_days(schedule))
        for schedule in regimen.schedules
    }
    slots = []
    for occurrence, schedule in scheduled(regimen, first, last, zone):
        tolerance, gap = per_version[id(schedule)]
        slots.append(_Slot(occurrence, occurrence.due_at.timestamp(), tolerance, gap))
    return slots


def _match(slots: list[_Slot], logged: list[_Logged], reach: int, morning_rule: bool) -> None:
    """Give each log the nearest open occurrence within its tolerance; a log with none left
    is an extra and is ignored, so adherence never passes 100%."""
    by_date: dict[date, list[_Slot]] = defaultdict(list)
    for slot in slots:
        by_date[slot.occurrence.local_date].append(slot)
    offsets = [timedelta(days=n) for n in range(-reach, reach + 1)]
    for dose in logged:
        slot = _nearest_open(by_date, dose, offsets)
        if slot is None:
            continue
        slot.status = TAKEN if dose.taken else SKIPPED
        slot.on_time = dose.taken and _on_time(slot, dose, morning_rule)


def _nearest_open(
    by_date: dict[date, list[_Slot]], dose: _Logged, offsets: list[timedelta]
) -> _Slot | None:
    # Nearest in local days first, then in time; ties go to the earlier occurrence.
    best: _Slot | None = None
    best_key: tuple[int, float, float] | None = None
    for offset in offsets:
        for slot in by_date.get(dose.local_date + offset, ()):
            days_off = abs(offset.days)
            if slot.status is not None or days_off > slot.tolerance:
                continue
            key = (days_off, abs(slot.due_ts - dose.ts), slot.due_ts)
            if best_key is None or key < best_key:
                best, best_key = slot, key
    return best


def _on_time(slot: _Slot, dose: _Logged, morning_rule: bool) -> bool:
    if morning_rule:
        return dose.local_date == slot.occurrence.local_date and dose.local_time < MORNING_ENDS
    return abs(dose.ts - slot.due_ts) <= TIMING_WINDOW_SECONDS


# Coverage ---------------------------------------------------------------------------------


def _coverage(
    slots: list[_Slot], end_date: date | None, first: date, last: date
) -> dict[date, bool]:
    """For each day in [first, last] that some occurrence's dose is meant to cover: covered
    when every occurrence on that occurrence's date was taken. A dose covers its date up to
    the day before the next occurrence, and never more than the schedule's longest gap."""
    days = _occurrence_days(slots)
    coverage: dict[date, bool] = {}
    for index, (day, all_taken, gap) in enumerate(days):
        until = day + timedelta(days=gap - 1)
        if index + 1 < len(days):
            until = min(until, days[index + 1][0] - ONE_DAY)
        if end_date is not None:
            until = min(until, end_date)
        covered, stop = max(day, first), min(until, last)
        while covered <= stop:
            coverage[covered] = all_taken
            covered += ONE_DAY
    return coverage


def _occurrence_days(slots: list[_Slot]) -> list[tuple[date, bool, int]]:
    """(local date, all taken, gap) per date with occurrences, in date order."""
    by_date: dict[date, tuple[bool, int]] = {}
    for slot in slots:
        day = slot.occurrence.local_date
        taken, gap = by_date.get(day, (True, 0))
        by_date[day] = (taken and slot.status == TAKEN, max(gap, slot.gap))
    return [(day, taken, gap) for day, (taken, gap) in sorted(by_date.items())]


def _overall_coverage(timelines: Iterable[_Timeline]) -> dict[date, bool]:
    """A day owes something when any regimen owes it, and is covered when all of those are."""
    overall: dict[date, bool] = {}
    for timeline in timelines:
        for day, covered in timeline.coverage.items():
            overall[day] = overall.get(day, True) and covered
    return overall


def _count_days(
    coverage: dict[date, bool], first: date, last: date, today: date
) -> tuple[int, int]:
    """(days in period, days covered) in [first, last]; today only once covered."""
    days = covered = 0
    for day, is_covered in coverage.items():
        if not first <= day <= last or (day == today and not is_covered):
            continue
        days += 1
        covered += is_covered
    return days, covered


def _days_by_week(coverage: dict[date, bool], today: date) -> dict[date, tuple[int, int]]:
    """(days in period, days covered) per ISO week's Monday, in one pass over the map;
    today only once covered."""
    weeks: dict[date, tuple[int, int]] = {}
    for day, is_covered in coverage.items():
        if day == today and not is_covered:
            continue
        monday = day - timedelta(days=day.weekday())
        days, covered = weeks.get(monday, (0, 0))
        weeks[monday] = (days + 1, covered + is_covered)
    return weeks


def _runs(coverage: dict[date, bool]) -> dict[date, int]:
    """For each covered day, how many consecutive covered days end there (worked out once,
    so a streak per week is a look-up rather than a walk back)."""
    runs: dict[date, int] = {}
    for day in sorted(coverage):
        if coverage[day]:
            runs[day] = runs.get(day - ONE_DAY, 0) + 1
    return runs


def _streak(coverage: dict[date, bool], runs: dict[date, int], end: date, today: date) -> int:
    """Consecutive covered days back from `end` (or from today); an uncovered today is
    still open, so the streak then runs to yesterday."""
    day = min(end, today)
    if day == today and not coverage.get(day, False):
        day -= ONE_DAY
    return runs.get(day, 0)


# Rows -------------------------------------------------------------------------------------


def _slots_by_week(slots: list[_Slot]) -> dict[date, list[_Slot]]:
    weeks: dict[date, list[_Slot]] = defaultdict(list)
    for slot in slots:
        day = slot.occurrence.local_date
        weeks[day - timedelta(days=day.weekday())].append(slot)
    return weeks


def _active_between(regimen: Regimen, first: date, last: date) -> bool:
    return regimen.start_date <= last and (regimen.end_date is None or regimen.end_date >= first)


def _row(
    regimen_id: str | None,
    monday: date,
    tally: _Tally,
    day_counts: tuple[int, int],
    streak: int,
) -> WeekAdherence:
    days, covered = day_counts
    return WeekAdherence(
        regimen_id=regimen_id,
        week_start=monday,
        scheduled=tally.scheduled,
        taken=tally.taken,
        on_time=tally.on_time,
        skipped=tally.skipped,
        days_covered=covered,
        days_in_period=days,
        dose_taking_pct=_pct(tally.taken, tally.scheduled),
        timing_pct=_pct(tally.on_time, tally.scheduled),
        pdc_pct=_pct(covered, days),
        streak_days=streak,
    )


def _pct(part: int, whole: int) -> float | None:
    if whole <= 0:
        return None
    return round(min(100.0, max(0.0, 100.0 * part / whole)), 1)
