"""When a member's weekly reminder is next due: their chosen ISO weekday and local time in
their IANA zone, moved out of quiet hours. Pure: no Django, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant `at` happens on `day` in `zone`. A time skipped by a DST change moves
    forward by the gap (02:30 on a spring-forward night is 03:30); a repeated time takes
    its first occurrence."""
    # fold=0 reads a skipped time with the offset before the change, which lands after
    # the gap; the round trip through UTC spells it as the wall-clock time it became.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def outside_quiet_hours(
    at: time, quiet_start: time | None, quiet_end: time | None
) -> tuple[time, int]:
    """A reminder time inside quiet hours waits until they end: (time, days later)."""
    if quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        return at, 0
    if quiet_start < quiet_end:
        return (quiet_end, 0) if quiet_start <= at < quiet_end else (at, 0)
    # Across midnight, e.g. 22:00-07:00: late evening waits for the next morning.
    if at >= quiet_start:
        return quiet_end, 1
    return (quiet_end, 0) if at < quiet_end else (at, 0)


def next_weekly_moment(
    after: datetime,
    weekday: int,
    at: time,
    zone_name: str,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
) -> datetime:
    """The first moment strictly after `after` that falls on ISO `weekday` at local `at`
    (out of quiet hours), as an aware UTC datetime."""
    zone = ZoneInfo(zone_name)
    at, days_later = outside_quiet_hours(at, quiet_start, quiet_end)
    today = after.astimezone(zone).date()
    day = today + timedelta(days=(weekday - today.isoweekday()) % 7 - 7 + days_later)
    for week in range(4):
        moment = local_moment(day + timedelta(weeks=week), at, zone)
        if moment > after:
            return moment.astimezone(UTC)
    raise AssertionError("a weekly moment always exists within four weeks")


def iso_week_label(moment: datetime, zone_name: str) -> str:
    """The member-local ISO week a reminder belongs to, e.g. "2026-W47"."""
    iso = moment.astimezone(ZoneInfo(zone_name)).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"
