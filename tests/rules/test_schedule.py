"""Schedule expansion: which local dates and instants each schedule kind produces."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracking.rules.schedule import expand, schedule_on, tolerance_days
from tracking.rules.types import Product, Regimen, Schedule

AMSTERDAM = "Europe/Amsterdam"
NEW_YORK = "America/New_York"
K2 = Product(id="k2", name="K2 MK-7 90 mcg")
JAN_1 = date(2024, 1, 1)  # a Monday


def regimen(
    *schedules: Schedule, start: date = JAN_1, end: date | None = None, rid: str = "r1"
) -> Regimen:
    return Regimen(id=rid, product=K2, start_date=start, end_date=end, schedules=schedules)


def daily(*times: str, since: date = JAN_1) -> Schedule:
    return Schedule(effective_from=since, kind="daily", times=times)


def dates(occurrences) -> list[date]:
    return [occurrence.local_date for occurrence in occurrences]


def walls(occurrences) -> list[str]:
    return [occurrence.due_at.isoformat(timespec="minutes") for occurrence in occurrences]


D = date
EACH_KIND = [
    pytest.param(
        daily("08:00"),
        JAN_1,
        D(2024, 1, 1),
        D(2024, 1, 3),
        [D(2024, 1, d) for d in (1, 2, 3)],
        id="daily",
    ),
    pytest.param(
        Schedule(JAN_1, "weekdays", ("08:00",), weekdays=(1, 3, 5)),
        JAN_1,
        D(2024, 1, 1),
        D(2024, 1, 14),
        [D(2024, 1, d) for d in (1, 3, 5, 8, 10, 12)],
        id="weekdays-mon-wed-fri",
    ),
    pytest.param(
        Schedule(JAN_1, "weekdays", ("07:00",), weekdays=(7,)),
        JAN_1,
        D(2024, 1, 1),
        D(2024, 1, 31),
        [D(2024, 1, d) for d in (7, 14, 21, 28)],
        id="weekdays-sunday",
    ),
    pytest.param(
        Schedule(JAN_1, "monthly", ("07:00",), day_of_month=15),
        JAN_1,
        D(2024, 1, 1),
        D(2024, 4, 30),
        [D(2024, m, 15) for m in (1, 2, 3, 4)],
        id="monthly-15th",
    ),
    pytest.param(
        Schedule(D(2023, 1, 1), "monthly", ("07:00",), day_of_month=31),
        D(2023, 1, 1),
        D(2023, 1, 1),
        D(2023, 5, 31),
        [D(2023, 1, 31), D(2023, 2, 28), D(2023, 3, 31), D(2023, 4, 30), D(2023, 5, 31)],
        id="monthly-31st-clamped-to-month-end",
    ),
    pytest.param(
        Schedule(JAN_1, "monthly", ("07:00",), day_of_month=31),
        JAN_1,
        D(2024, 2, 1),
        D(2024, 3, 1),
        [D(2024, 2, 29)],
        id="monthly-31st-leap-february",
    ),
    pytest.param(
        Schedule(D(2023, 1, 1), "monthly", ("07:00",), day_of_month=29),
        D(2023, 1, 1),
        D(2023, 2, 1),
        D(2023, 3, 31),
        [D(2023, 2, 28), D(2023, 3, 29)],
        id="monthly-29th-common-february",
    ),
    pytest.param(
        Schedule(JAN_1, "interval", ("08:00",), interval_days=3),
        JAN_1,
        D(2024, 1, 5),
        D(2024, 1, 15),
        [D(2024, 1, d) for d in (7, 10, 13)],
        id="interval-anchored-at-regimen-start-not-window",
    ),
    pytest.param(
        Schedule(D(2024, 1, 3), "interval", ("08:00",), interval_days=7),
        D(2024, 1, 3),
        D(2024, 1, 1),
        D(2024, 1, 31),
        [D(2024, 1, d) for d in (3, 10, 17, 24, 31)],
        id="interval-weekly-from-a-wednesday",
    ),
    pytest.param(
        Schedule(JAN_1, "interval", ("08:00",), interval_days=28),
        JAN_1,
        D(2024, 1, 1),
        D(2024, 3, 31),
        [D(2024, 1, 1), D(2024, 1, 29), D(2024, 2, 26), D(2024, 3, 25)],
        id="interval-28-days",
    ),
    pytest.param(
        Schedule(JAN_1, "as_needed"),
        JAN_1,
        D(2024, 1, 1),
        D(2024, 12, 31),
        [],
        id="as-needed-has-none",
    ),
]


@pytest.mark.parametrize(("schedule", "start", "first", "last", "expected"), EACH_KIND)
def test_each_kind_lands_on_its_dates(schedule, start, first, last, expected):
    occurrences = expand(regimen(schedule, start=start), first, last, AMSTERDAM)
    assert dates(occurrences) == expected


def test_several_times_a_day_are_sorted_by_due_at():
    occurrences = expand(regimen(daily("08:00", "20:00")), JAN_1, D(2024, 1, 2), AMSTERDAM)
    assert walls(occurrences) == [
        "2024-01-01T08:00+01:00",
        "2024-01-01T20:00+01:00",
        "2024-01-02T08:00+01:00",
        "2024-01-02T20:00+01:00",
    ]
    assert all(o.regimen_id == "r1" for o in occurrences)


def test_duplicate_times_do_not_double_a_dose():
    occurrences = expand(regimen(daily("08:00", "08:00")), JAN_1, JAN_1, AMSTERDAM)
    assert len(occurrences) == 1


@pytest.mark.parametrize(
    ("start", "end", "first", "last", "expected"),
    [
        (D(2024, 1, 10), D(2024, 1, 12), D(2024, 1, 1), D(2024, 1, 31), [10, 11, 12]),
        (D(2024, 1, 10), None, D(2024, 1, 8), D(2024, 1, 11), [10, 11]),
        (D(2024, 1, 1), D(2024, 1, 3), D(2024, 1, 2), D(2024, 1, 9), [2, 3]),
        (D(2024, 1, 10), None, D(2024, 1, 1), D(2024, 1, 9), []),
        (D(2024, 1, 1), D(2024, 1, 3), D(2024, 1, 4), D(2024, 1, 9), []),
        (D(2024, 1, 1), None, D(2024, 1, 5), D(2024, 1, 4), []),
    ],
    ids=["inside", "starts-late", "ends-early", "before-start", "after-end", "empty-window"],
)
def test_window_is_clipped_to_the_regimens_dates(start, end, first, last, expected):
    reg = regimen(daily("08:00", since=start), start=start, end=end)
    assert dates(expand(reg, first, last, AMSTERDAM)) == [D(2024, 1, d) for d in expected]


def test_an_edit_mid_week_applies_from_its_effective_date_only():
    # Alice adds an evening dose on Wednesday 10 January; Monday and Tuesday keep one dose.
    reg = regimen(daily("08:00"), daily("08:00", "20:00", since=D(2024, 1, 10)))
    occurrences = expand(reg, D(2024, 1, 8), D(2024, 1, 11), AMSTERDAM)
    assert walls(occurrences) == [
        "2024-01-08T08:00+01:00",
        "2024-01-09T08:00+01:00",
        "2024-01-10T08:00+01:00",
        "2024-01-10T20:00+01:00",
        "2024-01-11T08:00+01:00",
        "2024-01-11T20:00+01:00",
    ]


def test_an_edit_can_change_the_kind():
    weekly = Schedule(D(2024, 1, 10), "weekdays", ("07:00",), weekdays=(1,))
    reg = regimen(daily("08:00"), weekly)
    occurrences = expand(reg, D(2024, 1, 8), D(2024, 1, 22), AMSTERDAM)
    assert dates(occurrences) == [D(2024, 1, 8), D(2024, 1, 9), D(2024, 1, 15), D(2024, 1, 22)]


def test_days_before_the_first_version_use_the_first_version():
    reg = regimen(daily("08:00", since=D(2024, 1, 5)), daily("09:00", since=D(2024, 1, 7)))
    occurrences = expand(reg, D(2024, 1, 3), D(2024, 1, 7), AMSTERDAM)
    assert [o.due_at.hour for o in occurrences] == [8, 8, 8, 8, 9]
    assert schedule_on(reg, D(2024, 1, 1)).times == ("08:00",)
    assert schedule_on(reg, D(2024, 1, 7)).times == ("09:00",)


def test_of_two_versions_on_the_same_day_the_later_edit_wins():
    reg = regimen(
        daily("08:00"), daily("09:00", since=D(2024, 1, 3)), daily("10:00", since=D(2024, 1, 3))
    )
    occurrences = expand(reg, D(2024, 1, 2), D(2024, 1, 3), AMSTERDAM)
    assert [o.due_at.hour for o in occurrences] == [8, 10]


@pytest.mark.parametrize(
    ("tz", "day", "at", "expected"),
    [
        # Spring forward: the missing wall time moves forward by the gap.
        (AMSTERDAM, D(2024, 3, 31), "02:30", "2024-03-31T03:30+02:00"),
        (AMSTERDAM, D(2024, 3, 31), "02:00", "2024-03-31T03:00+02:00"),
        (AMSTERDAM, D(2024, 3, 31), "03:00", "2024-03-31T03:00+02:00"),
        (NEW_YORK, D(2024, 3, 10), "02:30", "2024-03-10T03:30-04:00"),
        # Fall back: the repeated wall time takes its first instance (summer time).
        (AMSTERDAM, D(2024, 10, 27), "02:30", "2024-10-27T02:30+02:00"),
        (NEW_YORK, D(2024, 11, 3), "01:30", "2024-11-03T01:30-04:00"),
        # Ordinary days keep the wall time.
        (AMSTERDAM, D(2024, 3, 30), "02:30", "2024-03-30T02:30+01:00"),
        (NEW_YORK, D(2024, 11, 4), "01:30", "2024-11-04T01:30-05:00"),
    ],
)
def test_dst_gap_and_fold(tz, day, at, expected):
    reg = regimen(daily(at))
    [occurrence] = expand(reg, day, day, tz)
    assert occurrence.due_at.isoformat(timespec="minutes") == expected
    assert occurrence.local_date == day
    assert occurrence.due_at.tzinfo == ZoneInfo(tz)


@pytest.mark.parametrize(
    ("tz", "monday"),
    [
        (AMSTERDAM, D(2024, 3, 25)),
        (AMSTERDAM, D(2024, 10, 21)),
        (NEW_YORK, D(2024, 3, 4)),
        (NEW_YORK, D(2024, 10, 28)),
    ],
)
def test_dst_weeks_neither_lose_nor_double_a_dose(tz, monday):
    reg = regimen(daily("00:30", "01:30", "02:30", "08:00"))
    occurrences = expand(reg, monday, monday + timedelta(days=6), tz)
    assert len(occurrences) == 7 * 4
    instants = [o.due_at.astimezone(UTC) for o in occurrences]
    assert instants == sorted(instants)
    assert len(set(instants)) == len(instants)


def test_gap_shift_can_meet_a_later_time_but_keeps_both_doses():
    reg = regimen(daily("02:00", "02:30", "03:00"))
    occurrences = expand(reg, D(2024, 3, 31), D(2024, 3, 31), AMSTERDAM)
    assert walls(occurrences) == [
        "2024-03-31T03:00+02:00",
        "2024-03-31T03:00+02:00",
        "2024-03-31T03:30+02:00",
    ]


def test_zone_may_be_a_name_or_a_zoneinfo():
    reg = regimen(daily("08:00"))
    by_name = expand(reg, JAN_1, D(2024, 1, 7), NEW_YORK)
    assert by_name == expand(reg, JAN_1, D(2024, 1, 7), ZoneInfo(NEW_YORK))


@pytest.mark.parametrize(
    ("schedule", "days"),
    [
        (daily("08:00"), 0),
        (Schedule(JAN_1, "weekdays", ("07:00",), weekdays=(1,)), 3),
        (Schedule(JAN_1, "weekdays", ("07:00",), weekdays=(1, 4)), 0),
        (Schedule(JAN_1, "monthly", ("07:00",), day_of_month=1), 7),
        (Schedule(JAN_1, "interval", ("07:00",), interval_days=2), 0),
        (Schedule(JAN_1, "interval", ("07:00",), interval_days=6), 0),
        (Schedule(JAN_1, "interval", ("07:00",), interval_days=7), 3),
        (Schedule(JAN_1, "interval", ("07:00",), interval_days=14), 3),
        (Schedule(JAN_1, "interval", ("07:00",), interval_days=27), 3),
        (Schedule(JAN_1, "interval", ("07:00",), interval_days=28), 7),
        (Schedule(JAN_1, "interval", ("07:00",), interval_days=90), 7),
        (Schedule(JAN_1, "as_needed"), 0),
    ],
)
def test_tolerance_days(schedule, days):
    # source: PQA-PDC (same day daily, ±3 weekly, ±7 monthly)
    assert tolerance_days(schedule) == days


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule(JAN_1, "interval", ("07:00",)),
        Schedule(JAN_1, "interval", ("07:00",), interval_days=0),
        Schedule(JAN_1, "monthly", ("07:00",)),
        Schedule(JAN_1, "monthly", ("07:00",), day_of_month=32),
    ],
)
def test_incomplete_schedules_are_refused(schedule):
    with pytest.raises(ValueError):
        expand(regimen(schedule), JAN_1, D(2024, 3, 1), AMSTERDAM)


DST_ZONES = [
    AMSTERDAM,
    NEW_YORK,
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a 30-minute shift
    "America/Santiago",  # changes at midnight
]
TIMES = ["00:00", "00:30", "01:00", "01:30", "02:00", "02:15", "02:30", "03:00", "08:00", "23:30"]


@settings(deadline=None, max_examples=60)
@given(
    tz=st.sampled_from(DST_ZONES),
    first=st.dates(min_value=D(2019, 1, 1), max_value=D(2027, 12, 31)),
    length=st.integers(min_value=0, max_value=400),
    times=st.lists(st.sampled_from(TIMES), min_size=1, max_size=4, unique=True).map(sorted),
)
def test_daily_count_is_days_times_doses_in_any_zone(tz, first, length, times):
    last = first + timedelta(days=length)
    occurrences = expand(regimen(daily(*times), start=first), first, last, tz)
    assert len(occurrences) == (length + 1) * len(times)
    instants = [o.due_at.timestamp() for o in occurrences]
    assert instants == sorted(instants)
    for occurrence in occurrences:
        # Each dose stays on its own local date, at its time or at most a gap later.
        local = occurrence.due_at.astimezone(ZoneInfo(tz))
        assert local.date() == occurrence.local_date
    per_day: dict[date, int] = {}
    for occurrence in occurrences:
        per_day[occurrence.local_date] = per_day.get(occurrence.local_date, 0) + 1
    assert set(per_day.values()) == {len(times)}
