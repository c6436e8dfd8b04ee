"""When a weekly reminder is due: the member's weekday and wall-clock time in their IANA
zone, whatever the UTC offset does, moved out of quiet hours (accounts.reminder_moments, pure)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.reminder_moments import (
    iso_week_label,
    local_moment,
    next_weekly_moment,
    outside_quiet_hours,
)

AUCKLAND, LOS_ANGELES, KOLKATA = "Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata"
SUNDAY, MONDAY = 7, 1
SIX_PM = time(18, 0)
# A Wednesday; the Sunday after is 22 November 2026.
WEDNESDAY = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (AUCKLAND, utc(2026, 11, 22, 5, 0)),  # NZDT, UTC+13: Sunday morning in UTC
        (KOLKATA, utc(2026, 11, 22, 12, 30)),  # IST, UTC+5:30: a half-hour offset
        (LOS_ANGELES, utc(2026, 11, 23, 2, 0)),  # PST, UTC-8: already Monday in UTC
    ],
)
def test_sunday_six_pm_is_six_pm_on_the_members_own_sunday(zone, expected):
    moment = next_weekly_moment(WEDNESDAY, SUNDAY, SIX_PM, zone)

    assert moment == expected
    local = moment.astimezone(ZoneInfo(zone))
    assert (local.isoweekday(), local.time()) == (SUNDAY, SIX_PM)
    assert iso_week_label(moment, zone) == "2026-W47"


def test_the_iso_week_is_the_members_not_utcs():
    la_sunday_evening = utc(2026, 11, 23, 2, 0)  # Monday in UTC
    auckland_monday_morning = utc(2026, 11, 22, 20, 0)  # Sunday in UTC

    assert iso_week_label(la_sunday_evening, LOS_ANGELES) == "2026-W47"
    assert iso_week_label(la_sunday_evening, "UTC") == "2026-W48"
    assert iso_week_label(auckland_monday_morning, AUCKLAND) == "2026-W48"
    assert iso_week_label(auckland_monday_morning, "UTC") == "2026-W47"
    # ISO years: 3 January 2027 is a Sunday in 2026's 53rd week.
    assert iso_week_label(utc(2027, 1, 3, 12, 0), KOLKATA) == "2026-W53"


def test_a_dst_change_keeps_the_wall_clock_time_not_the_utc_time():
    # Los Angeles falls back on Sunday 1 November 2026: that week is 169 hours long.
    before = next_weekly_moment(utc(2026, 10, 20), SUNDAY, SIX_PM, LOS_ANGELES)
    after = next_weekly_moment(before, SUNDAY, SIX_PM, LOS_ANGELES)
    following = next_weekly_moment(after, SUNDAY, SIX_PM, LOS_ANGELES)

    assert before == utc(2026, 10, 26, 1, 0)  # 18:00 PDT
    assert after == utc(2026, 11, 2, 2, 0)  # 18:00 PST
    assert after - before == timedelta(hours=169)
    assert following - after == timedelta(weeks=1)
    assert [iso_week_label(m, LOS_ANGELES) for m in (before, after, following)] == [
        "2026-W43",
        "2026-W44",
        "2026-W45",
    ]


def test_a_time_skipped_by_spring_forward_moves_forward_by_the_gap():
    # 2:00 becomes 3:00 in Los Angeles on Sunday 8 March 2026, in Auckland on 27 September.
    la = next_weekly_moment(utc(2026, 3, 4), SUNDAY, time(2, 30), LOS_ANGELES)
    nz = next_weekly_moment(utc(2026, 9, 23), SUNDAY, time(2, 15), AUCKLAND)

    assert la == utc(2026, 3, 8, 10, 30)
    assert la.astimezone(ZoneInfo(LOS_ANGELES)).time() == time(3, 30)
    assert nz == utc(2026, 9, 26, 14, 15)
    assert nz.astimezone(ZoneInfo(AUCKLAND)).time() == time(3, 15)


def test_a_time_repeated_by_fall_back_is_due_once_at_its_first_occurrence():
    # 1:30 happens twice in Los Angeles on 1 November 2026: 08:30 and 09:30 UTC.
    first = next_weekly_moment(utc(2026, 10, 28), SUNDAY, time(1, 30), LOS_ANGELES)
    after_first = next_weekly_moment(first, SUNDAY, time(1, 30), LOS_ANGELES)
    during_second = next_weekly_moment(utc(2026, 11, 1, 9, 30), SUNDAY, time(1, 30), LOS_ANGELES)

    assert first == utc(2026, 11, 1, 8, 30)
    assert after_first == utc(2026, 11, 8, 9, 30)  # a week later, not an hour later
    assert during_second == after_first


def test_local_moment_spells_a_skipped_time_as_the_time_it_became():
    moment = local_moment(date(2026, 3, 8), time(2, 30), ZoneInfo(LOS_ANGELES))

    assert moment.replace(tzinfo=None) == datetime(2026, 3, 8, 3, 30)
    assert moment.utcoffset() == timedelta(hours=-7)


@pytest.mark.parametrize(
    ("at", "quiet", "expected"),
    [
        (time(18, 0), None, (time(18, 0), 0)),
        (time(18, 0), (time(17, 0), time(19, 30)), (time(19, 30), 0)),
        (time(16, 59), (time(17, 0), time(19, 30)), (time(16, 59), 0)),
        (time(19, 30), (time(17, 0), time(19, 30)), (time(19, 30), 0)),  # the end is allowed
        (time(23, 0), (time(22, 0), time(7, 0)), (time(7, 0), 1)),  # waits for the morning
        (time(6, 0), (time(22, 0), time(7, 0)), (time(7, 0), 0)),
        (time(12, 0), (time(22, 0), time(7, 0)), (time(12, 0), 0)),
        (time(18, 0), (time(9, 0), time(9, 0)), (time(18, 0), 0)),  # empty: no quiet hours
    ],
)
def test_quiet_hours_delay_a_reminder_until_they_end(at, quiet, expected):
    start, end = quiet or (None, None)

    assert outside_quiet_hours(at, start, end) == expected


def test_a_late_sunday_reminder_in_overnight_quiet_hours_comes_on_monday_morning():
    moment = next_weekly_moment(
        WEDNESDAY, SUNDAY, time(23, 0), KOLKATA, quiet_start=time(22, 0), quiet_end=time(7, 0)
    )

    local = moment.astimezone(ZoneInfo(KOLKATA))
    assert local.replace(tzinfo=None) == datetime(2026, 11, 23, 7, 0)
    assert iso_week_label(moment, KOLKATA) == "2026-W48"


ZONES = [AUCKLAND, LOS_ANGELES, KOLKATA, "Europe/Amsterdam", "America/Santiago"]
TIMES = [time(0, 0), time(0, 30), time(1, 30), time(2, 30), time(8, 0), time(18, 0), time(23, 30)]
QUIET = [None, (time(22, 0), time(7, 0)), (time(17, 0), time(19, 0)), (time(0, 0), time(3, 0))]


@settings(deadline=None, max_examples=200)
@given(
    after=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)),
    zone=st.sampled_from(ZONES),
    weekday=st.integers(min_value=1, max_value=7),
    at=st.sampled_from(TIMES),
    quiet=st.sampled_from(QUIET),
)
def test_reminders_come_once_a_week_at_the_chosen_local_time(after, zone, weekday, at, quiet):
    after = after.replace(tzinfo=UTC)
    start, end = quiet or (None, None)
    wanted, days_later = outside_quiet_hours(at, start, end)
    moments = [after]
    for _ in range(3):
        moments.append(next_weekly_moment(moments[-1], weekday, at, zone, start, end))
    moments = moments[1:]

    first = moments[0]
    assert after < first <= after + timedelta(weeks=1, hours=1)
    for moment in moments:
        local = moment.astimezone(ZoneInfo(zone))
        assert local.isoweekday() == (weekday - 1 + days_later) % 7 + 1
        # At the chosen time, or later by a DST gap it fell into (at most an hour here).
        shift = datetime.combine(local.date(), local.time()) - datetime.combine(
            local.date(), wanted
        )
        assert timedelta(0) <= shift <= timedelta(hours=1)
    labels = [iso_week_label(m, zone) for m in moments]
    mondays = [date.fromisocalendar(int(y), int(w), 1) for y, w in (x.split("-W") for x in labels)]
    assert [b - a for a, b in itertools.pairwise(mondays)] == [timedelta(weeks=1)] * 2
