"""Adherence: what Alice's logs say about her K2 and her weekly alendronate."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracking.rules.adherence import (
    logs_of,
    missed_occurrences,
    pdc_between,
    weekly_adherence,
    weekly_window,
)
from tracking.rules.schedule import expand
from tracking.rules.types import Dose, Product, Regimen, Schedule, WeekAdherence

AMSTERDAM = "Europe/Amsterdam"
NEW_YORK = "America/New_York"
MONDAY = date(2024, 3, 4)  # an ordinary week: Monday 4 to Sunday 10 March 2024
SUNDAY = date(2024, 3, 10)

K2 = Product(id="k2", name="K2 MK-7 90 mcg")
ALENDRONATE = Product(
    id="aln",
    name="Alendronate 70 mg",
    kind="medicine",
    drug_class="bisphosphonate",
    drug="alendronate",
)
IBANDRONATE = Product(
    id="ibn",
    name="Ibandronate 150 mg",
    kind="medicine",
    drug_class="bisphosphonate",
    drug="ibandronate",
)
D3 = Product(id="d3", name="Vitamin D3 50,000 IU")


def day(n: int) -> date:
    """Day n of the story: 0 is Monday 4 March 2024."""
    return MONDAY + timedelta(days=n)


def at(when: date, hhmm: str, tz: str = AMSTERDAM) -> datetime:
    return datetime.combine(when, time.fromisoformat(hhmm), tzinfo=ZoneInfo(tz))


def k2_daily(*times: str, start: date = MONDAY, end: date | None = None) -> Regimen:
    return Regimen("k2-daily", K2, start, end, (Schedule(start, "daily", times or ("08:00",)),))


def alendronate_weekly(start: date = MONDAY) -> Regimen:
    # Alendronate 70 mg once a week on Monday morning. source: FDA-ALN
    return Regimen(
        "aln-weekly", ALENDRONATE, start, None, (Schedule(start, "weekdays", ("07:00",), (1,)),)
    )


def ibandronate_monthly() -> Regimen:
    # Ibandronate 150 mg monthly on the 15th. source: FDA-IBN
    start = date(2024, 1, 1)
    schedule = Schedule(start, "monthly", ("07:00",), day_of_month=15)
    return Regimen("ibn-monthly", IBANDRONATE, start, None, (schedule,))


def log(
    regimen: Regimen, when: date, hhmm: str, status: str = "taken", tz: str = AMSTERDAM
) -> Dose:
    taken_at = at(when, hhmm, tz)
    return Dose(
        id=f"{regimen.id}@{taken_at.isoformat()}#{status}",
        product_id=regimen.product.id,
        regimen_id=regimen.id,
        taken_at=taken_at,
        status=status,
    )


def every_day(regimen: Regimen, hhmm: str, days: range, skip: tuple[int, ...] = ()) -> list[Dose]:
    return [log(regimen, day(n), hhmm) for n in days if n not in skip]


def row_for(rows: list[WeekAdherence], regimen_id: str | None, monday: date) -> WeekAdherence:
    [row] = [r for r in rows if r.regimen_id == regimen_id and r.week_start == monday]
    return row


SUNDAY_EVENING = at(SUNDAY, "21:00")


# Dose-taking, timing and PDC for a daily supplement ----------------------------------------


def test_a_perfect_week_is_100_100_100():
    k2 = k2_daily()
    rows = weekly_adherence([k2], every_day(k2, "08:05", range(7)), AMSTERDAM, SUNDAY_EVENING, 1)
    assert [r.regimen_id for r in rows] == ["k2-daily", None]
    for row in rows:
        assert (row.scheduled, row.taken, row.on_time, row.skipped) == (7, 7, 7, 0)
        assert (row.days_covered, row.days_in_period) == (7, 7)
        assert (row.dose_taking_pct, row.timing_pct, row.pdc_pct) == (100.0, 100.0, 100.0)
        assert row.streak_days == 7
        assert (row.iso_year, row.iso_week) == (2024, 10)


def test_a_skipped_log_is_a_recorded_miss():
    k2 = k2_daily()
    doses = [*every_day(k2, "08:00", range(7), skip=(2,)), log(k2, day(2), "08:00", "skipped")]
    [row, _] = weekly_adherence([k2], doses, AMSTERDAM, SUNDAY_EVENING, 1)
    assert (row.scheduled, row.taken, row.skipped) == (7, 6, 1)
    assert row.dose_taking_pct == 85.7
    assert row.pdc_pct == 85.7
    assert row.streak_days == 4  # Thursday to Sunday


def test_a_taken_log_wins_over_a_skip_for_the_same_dose():
    k2 = k2_daily()
    doses = [*every_day(k2, "08:00", range(7)), log(k2, day(2), "07:00", "skipped")]
    [row, _] = weekly_adherence([k2], doses, AMSTERDAM, SUNDAY_EVENING, 1)
    assert (row.scheduled, row.taken, row.skipped) == (7, 7, 0)


def test_extra_logs_never_raise_adherence_above_100():
    k2 = k2_daily()
    doses = [
        *every_day(k2, "08:00", range(7)),
        *every_day(k2, "08:30", range(7)),
        *every_day(k2, "21:00", range(7)),
    ]
    [row, overall] = weekly_adherence([k2], doses, AMSTERDAM, SUNDAY_EVENING, 1)
    assert (row.scheduled, row.taken, row.on_time) == (7, 7, 7)
    assert row.dose_taking_pct == row.timing_pct == row.pdc_pct == 100.0
    assert overall.taken == 7


@pytest.mark.parametrize(
    ("hhmm", "on_time"),
    [("06:00", True), ("07:30", True), ("10:00", True), ("10:01", False), ("23:00", False)],
)
def test_timed_daily_dose_is_on_time_within_two_hours(hhmm, on_time):
    k2 = k2_daily()
    [row, _] = weekly_adherence([k2], [log(k2, day(0), hhmm)], AMSTERDAM, at(day(0), "23:30"), 1)
    assert (row.scheduled, row.taken, row.on_time) == (1, 1, int(on_time))


def test_a_log_the_next_day_does_not_match_a_daily_dose():
    k2 = k2_daily()
    [row, _] = weekly_adherence([k2], [log(k2, day(1), "00:30")], AMSTERDAM, at(day(1), "07:00"), 1)
    # Monday's dose stays missed; Tuesday's 08:00 dose is matched early (same local day).
    assert (row.scheduled, row.taken) == (2, 1)


def test_two_doses_a_day_match_the_nearest_time():
    k2 = k2_daily("08:00", "20:00")
    doses = [log(k2, day(0), "19:45"), log(k2, day(0), "08:10")]
    [row, _] = weekly_adherence([k2], doses, AMSTERDAM, at(day(0), "23:00"), 1)
    assert (row.scheduled, row.taken, row.on_time) == (2, 2, 2)


def test_logs_of_other_regimens_and_loose_logs_do_not_count():
    k2 = k2_daily()
    loose = Dose("loose", "k2", None, at(day(0), "08:00"))
    other = Dose("other", "k2", "someone-else", at(day(0), "08:00"))
    [row, _] = weekly_adherence([k2], [loose, other], AMSTERDAM, at(day(0), "23:00"), 1)
    assert (row.scheduled, row.taken) == (1, 0)


# "now": doses later today are not misses yet ----------------------------------------------


def test_a_dose_later_today_is_not_counted_yet():
    k2 = k2_daily("08:00", "20:00")
    doses = [
        *every_day(k2, "08:00", range(3)),  # Monday to Wednesday mornings
        *every_day(k2, "20:00", range(2)),  # Monday and Tuesday evenings
    ]
    wednesday_noon = at(day(2), "12:00")
    [row, overall] = weekly_adherence([k2], doses, AMSTERDAM, wednesday_noon, 1)
    assert (row.scheduled, row.taken) == (5, 5)
    assert row.dose_taking_pct == 100.0
    # Wednesday is still open: it neither helps nor hurts the PDC.
    assert (row.days_covered, row.days_in_period, row.pdc_pct) == (2, 2, 100.0)
    assert row.streak_days == 2
    assert overall.streak_days == 2


def test_before_the_morning_dose_today_owes_nothing():
    k2 = k2_daily()
    [row, _] = weekly_adherence([k2], [], AMSTERDAM, at(day(0), "07:00"), 1)
    assert (row.scheduled, row.days_in_period) == (0, 0)
    assert row.dose_taking_pct is None and row.pdc_pct is None


def test_a_missed_dose_today_counts_once_it_is_due():
    k2 = k2_daily()
    doses = every_day(k2, "08:00", range(2))
    [row, _] = weekly_adherence([k2], doses, AMSTERDAM, at(day(2), "12:00"), 1)
    assert (row.scheduled, row.taken) == (3, 2)
    assert (row.days_covered, row.days_in_period) == (2, 2)  # today still open for the PDC


def test_today_counts_once_it_is_covered():
    k2 = k2_daily()
    doses = every_day(k2, "08:00", range(3))
    [row, _] = weekly_adherence([k2], doses, AMSTERDAM, at(day(2), "08:30"), 1)
    assert (row.days_covered, row.days_in_period, row.streak_days) == (3, 3, 3)


def test_a_dose_logged_ahead_counts_once_matched():
    k2 = k2_daily("08:00", "20:00")
    doses = [log(k2, day(0), "08:00"), log(k2, day(0), "19:00")]
    [row, _] = weekly_adherence([k2], doses, AMSTERDAM, at(day(0), "19:05"), 1)
    assert (row.scheduled, row.taken, row.on_time) == (2, 2, 2)
    assert (row.days_covered, row.days_in_period) == (1, 1)


# Weekly and monthly bisphosphonates ---------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "hhmm", "taken", "on_time"),
    [
        (day(0), "06:30", 1, 1),  # on waking
        (day(0), "11:59", 1, 1),  # still "the right morning"
        (day(0), "12:30", 1, 0),  # afternoon: taken, not on time
        (day(2), "07:00", 1, 0),  # two days late: matches (±3), not on time
        (day(3), "07:00", 1, 0),  # three days late: the edge of the window
        (day(4), "07:00", 0, 0),  # four days late: no longer this dose
        (day(-2), "07:00", 1, 0),  # two days early: matches, not on time
    ],
)
def test_weekly_alendronate_matches_within_three_days(when, hhmm, taken, on_time):
    aln = alendronate_weekly(start=day(-7))
    [row, _] = weekly_adherence([aln], [log(aln, when, hhmm)], AMSTERDAM, SUNDAY_EVENING, 1)
    assert (row.scheduled, row.taken, row.on_time) == (1, taken, on_time)


def test_a_weekly_dose_covers_the_week_until_the_next_one():
    aln = alendronate_weekly()
    [row, _] = weekly_adherence([aln], [log(aln, day(2), "07:00")], AMSTERDAM, SUNDAY_EVENING, 1)
    assert (row.days_covered, row.days_in_period, row.pdc_pct) == (7, 7, 100.0)
    assert row.streak_days == 7


def test_a_missed_weekly_dose_leaves_the_week_uncovered():
    aln = alendronate_weekly()
    [row, _] = weekly_adherence([aln], [], AMSTERDAM, SUNDAY_EVENING, 1)
    assert (row.scheduled, row.taken, row.dose_taking_pct) == (1, 0, 0.0)
    # Sunday is today and not covered: still open, so left out until it is over.
    assert (row.days_covered, row.days_in_period, row.pdc_pct) == (0, 6, 0.0)
    rows = weekly_adherence([aln], [], AMSTERDAM, at(day(7), "06:00"), 2)
    last_week = row_for(rows, "aln-weekly", MONDAY)
    assert (last_week.days_covered, last_week.days_in_period, last_week.pdc_pct) == (0, 7, 0.0)


def test_a_weekly_regimen_owes_nothing_before_its_first_dose_day():
    aln = alendronate_weekly(start=day(2))  # started on a Wednesday; doses on Mondays
    [row, _] = weekly_adherence([aln], [], AMSTERDAM, SUNDAY_EVENING, 1)
    assert (row.scheduled, row.days_in_period, row.pdc_pct) == (0, 0, None)


@pytest.mark.parametrize(
    ("when", "taken"),
    [(date(2024, 3, 8), 1), (date(2024, 3, 21), 1), (date(2024, 3, 22), 1), (date(2024, 3, 23), 0)],
    ids=["7-days-early", "6-days-late", "7-days-late", "8-days-late"],
)
def test_monthly_ibandronate_matches_within_seven_days(when, taken):
    ibn = ibandronate_monthly()
    doses = [log(ibn, when, "07:00")]
    now = at(date(2024, 3, 31), "20:00")
    assert pdc_between(ibn, doses, AMSTERDAM, date(2024, 3, 15), date(2024, 3, 31), now) == (
        100.0 if taken else 0.0
    )
    missed = missed_occurrences(ibn, doses, AMSTERDAM, date(2024, 3, 1), date(2024, 3, 31), now)
    assert [o.local_date for o in missed] == ([] if taken else [date(2024, 3, 15)])


def test_missed_weekly_dose_shows_from_the_next_day_until_it_is_taken():
    aln = alendronate_weekly()
    window = (day(0), day(6))
    assert missed_occurrences(aln, [], AMSTERDAM, *window, at(day(0), "20:00")) == []
    [missed] = missed_occurrences(aln, [], AMSTERDAM, *window, at(day(1), "08:00"))
    assert missed.local_date == day(0)
    assert missed.due_at == at(day(0), "07:00")
    late = [log(aln, day(1), "07:30")]  # "the morning after you remember"
    assert missed_occurrences(aln, late, AMSTERDAM, *window, at(day(1), "08:00")) == []


def test_a_skipped_dose_is_missed():
    aln = alendronate_weekly()
    skipped = [log(aln, day(0), "07:00", "skipped")]
    missed = missed_occurrences(aln, skipped, AMSTERDAM, day(0), day(6), at(day(1), "08:00"))
    assert [o.local_date for o in missed] == [day(0)]


def test_a_log_just_before_the_window_still_finds_its_dose():
    # The window starts on Wednesday; Monday's dose was taken on Wednesday. That log belongs
    # to Monday (outside the window) and must not be taken for the next Monday's dose.
    aln = alendronate_weekly()
    doses = [log(aln, day(2), "07:00")]
    now = at(day(8), "20:00")
    missed = missed_occurrences(aln, doses, AMSTERDAM, day(2), day(8), now)
    assert [o.local_date for o in missed] == [day(7)]
    assert pdc_between(aln, doses, AMSTERDAM, day(2), day(6), now) == 100.0


# Streaks, schedule edits and the overall row ------------------------------------------------


def test_streak_runs_across_weeks_and_is_capped_at_a_past_weeks_end():
    k2 = k2_daily()
    doses = every_day(k2, "08:00", range(10), skip=(2,))  # missed Wednesday of week one
    rows = weekly_adherence([k2], doses, AMSTERDAM, at(day(9), "09:00"), 2)
    assert row_for(rows, "k2-daily", day(0)).streak_days == 4  # Thursday to Sunday
    assert row_for(rows, "k2-daily", day(7)).streak_days == 7  # Thursday to Wednesday
    assert row_for(rows, None, day(7)).streak_days == 7


def test_streak_is_zero_after_a_missed_day():
    k2 = k2_daily()
    doses = every_day(k2, "08:00", range(5))  # nothing on Saturday
    [row, _] = weekly_adherence([k2], doses, AMSTERDAM, at(day(6), "07:00"), 1)
    assert row.streak_days == 0


def test_an_edit_mid_week_changes_what_is_scheduled_from_then_on():
    start = MONDAY
    k2 = Regimen(
        "k2-daily",
        K2,
        start,
        None,
        (Schedule(start, "daily", ("08:00",)), Schedule(day(2), "daily", ("08:00", "20:00"))),
    )
    doses = [*every_day(k2, "08:00", range(7)), *every_day(k2, "20:00", range(2, 7))]
    [row, _] = weekly_adherence([k2], doses, AMSTERDAM, SUNDAY_EVENING, 1)
    assert (row.scheduled, row.taken, row.pdc_pct) == (2 + 5 * 2, 12, 100.0)


def test_regimens_started_or_ended_mid_week():
    started = k2_daily(start=day(3))
    ended = Regimen("d3-ended", D3, day(-7), day(2), (Schedule(day(-7), "daily", ("09:00",)),))
    doses = [*every_day(started, "08:00", range(3, 7)), *every_day(ended, "09:00", range(3))]
    rows = weekly_adherence([started, ended], doses, AMSTERDAM, SUNDAY_EVENING, 2)
    assert [(r.regimen_id, r.week_start) for r in rows] == [
        ("d3-ended", day(-7)),
        (None, day(-7)),
        ("k2-daily", day(0)),
        ("d3-ended", day(0)),
        (None, day(0)),
    ]
    this_week = row_for(rows, "k2-daily", day(0))
    assert (this_week.scheduled, this_week.days_in_period, this_week.pdc_pct) == (4, 4, 100.0)
    ended_row = row_for(rows, "d3-ended", day(0))
    assert (ended_row.scheduled, ended_row.days_in_period, ended_row.streak_days) == (3, 3, 3)
    overall = row_for(rows, None, day(0))
    assert (overall.scheduled, overall.days_in_period, overall.days_covered) == (7, 7, 7)


def test_the_overall_row_needs_every_regimen_covered():
    k2 = k2_daily()
    aln = alendronate_weekly()
    doses = every_day(k2, "08:00", range(7))  # K2 perfect, alendronate forgotten
    rows = weekly_adherence([k2, aln], doses, AMSTERDAM, at(day(7), "06:00"), 2)
    overall = row_for(rows, None, MONDAY)
    assert (overall.scheduled, overall.taken, overall.on_time) == (8, 7, 7)
    assert overall.dose_taking_pct == 87.5
    assert (overall.days_covered, overall.days_in_period, overall.pdc_pct) == (0, 7, 0.0)
    assert overall.streak_days == 0


def test_as_needed_regimens_get_empty_rows():
    antacid = Regimen("antacid", K2, MONDAY, None, (Schedule(MONDAY, "as_needed"),))
    doses = [log(antacid, day(1), "13:00")]
    [row, overall] = weekly_adherence([antacid], doses, AMSTERDAM, SUNDAY_EVENING, 1)
    assert (row.scheduled, row.taken, row.days_in_period) == (0, 0, 0)
    assert row.dose_taking_pct is row.timing_pct is row.pdc_pct is None
    assert overall.pdc_pct is None
    assert pdc_between(antacid, doses, AMSTERDAM, MONDAY, SUNDAY, SUNDAY_EVENING) is None


def test_weeks_are_iso_weeks_in_the_members_zone():
    # Sunday 23:30 in New York is already Monday in Amsterdam and in UTC.
    k2 = Regimen("k2-daily", K2, MONDAY, None, (Schedule(MONDAY, "daily", ("23:30",)),))
    doses = [log(k2, day(n), "23:30", tz=NEW_YORK) for n in range(7)]
    now = at(SUNDAY, "23:45", tz=NEW_YORK)
    rows = weekly_adherence([k2], doses, NEW_YORK, now, 1)
    assert [r.week_start for r in rows] == [MONDAY, MONDAY]
    assert (rows[0].taken, rows[0].on_time, rows[0].pdc_pct) == (7, 7, 100.0)


def test_dst_week_in_amsterdam_is_perfect_when_taken_at_the_shifted_time():
    spring_monday = date(2024, 3, 25)
    k2 = Regimen("k2", K2, spring_monday, None, (Schedule(spring_monday, "daily", ("02:30",)),))
    doses = [
        log(k2, spring_monday + timedelta(days=n), "03:30" if n == 6 else "02:30") for n in range(7)
    ]
    now = at(date(2024, 3, 31), "22:00")
    [row, _] = weekly_adherence([k2], doses, AMSTERDAM, now, 1)
    assert (row.scheduled, row.taken, row.on_time, row.pdc_pct) == (7, 7, 7, 100.0)


def test_pdc_below_80_percent_over_four_weeks():
    k2 = k2_daily()
    doses = every_day(k2, "08:00", range(28), skip=tuple(range(0, 28, 4)))  # 21 of 28 days
    now = at(day(27), "21:00")
    assert pdc_between(k2, doses, AMSTERDAM, day(0), day(27), now) == 75.0


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        weekly_adherence([k2_daily()], [], AMSTERDAM, datetime(2024, 3, 10, 21, 0), 1)


def test_no_weeks_no_rows():
    assert weekly_adherence([k2_daily()], [], AMSTERDAM, SUNDAY_EVENING, 0) == []


# Properties -------------------------------------------------------------------------------

ZONES = [AMSTERDAM, NEW_YORK, "Australia/Sydney"]
STORY_START = date(2024, 2, 26)  # four weeks before the spring DST change in Europe
STORY_DAYS = 35


@st.composite
def schedules(draw) -> Schedule:
    kind = draw(st.sampled_from(["daily", "weekdays", "monthly", "interval", "as_needed"]))
    times = tuple(
        sorted(
            draw(
                st.sets(
                    st.sampled_from(["02:30", "07:00", "08:00", "20:00"]), min_size=1, max_size=2
                )
            )
        )
    )
    if kind == "daily":
        return Schedule(STORY_START, kind, times)
    if kind == "weekdays":
        weekdays = tuple(sorted(draw(st.sets(st.integers(1, 7), min_size=1, max_size=3))))
        return Schedule(STORY_START, kind, times, weekdays=weekdays)
    if kind == "monthly":
        return Schedule(STORY_START, kind, times, day_of_month=draw(st.integers(1, 31)))
    if kind == "interval":
        return Schedule(STORY_START, kind, times, interval_days=draw(st.integers(1, 35)))
    return Schedule(STORY_START, kind)


@st.composite
def stories(draw):
    tz = draw(st.sampled_from(ZONES))
    count = draw(st.integers(1, 3))
    regimens = []
    for index in range(count):
        start = STORY_START + timedelta(days=draw(st.integers(0, 10)))
        end = draw(
            st.none() | st.integers(10, STORY_DAYS).map(lambda n: STORY_START + timedelta(days=n))
        )
        product = draw(st.sampled_from([K2, ALENDRONATE, D3]))
        regimens.append(Regimen(f"r{index}", product, start, end, (draw(schedules()),)))
    doses = draw(st.lists(doses_for(regimens, tz), max_size=60, unique_by=lambda d: d.id))
    now = local(tz, draw(st.integers(0, STORY_DAYS - 1)), draw(st.integers(0, 24 * 60 - 1)))
    return regimens, doses, tz, now


def local(tz: str, offset: int, minute: int) -> datetime:
    when = datetime.combine(STORY_START + timedelta(days=offset), time(minute // 60, minute % 60))
    return when.replace(tzinfo=ZoneInfo(tz))


def doses_for(regimens: list[Regimen], tz: str):
    return st.builds(
        lambda regimen, offset, minute, status, salt: Dose(
            id=f"{regimen.id}-{offset}-{minute}-{status}-{salt}",
            product_id=regimen.product.id,
            regimen_id=regimen.id,
            taken_at=local(tz, offset, minute),
            status=status,
        ),
        st.sampled_from(regimens),
        st.integers(-3, STORY_DAYS + 3),
        st.sampled_from([150, 420, 450, 480, 600, 720, 1200, 1430]),
        st.sampled_from(["taken", "taken", "taken", "skipped"]),
        st.integers(0, 3),
    )


def check_row(row: WeekAdherence) -> None:
    for pct in (row.dose_taking_pct, row.timing_pct, row.pdc_pct):
        assert pct is None or 0.0 <= pct <= 100.0
    assert 0 <= row.on_time <= row.taken <= row.scheduled
    assert row.taken + row.skipped <= row.scheduled
    assert 0 <= row.days_covered <= row.days_in_period <= 7
    assert (row.dose_taking_pct is None) == (row.scheduled == 0)
    assert (row.pdc_pct is None) == (row.days_in_period == 0)
    assert row.streak_days >= 0


@settings(deadline=None, max_examples=150)
@given(stories())
def test_percentages_stay_within_0_and_100(story):
    regimens, doses, tz, now = story
    for row in weekly_adherence(regimens, doses, tz, now, 6):
        check_row(row)
    for regimen in regimens:
        pdc = pdc_between(regimen, doses, tz, STORY_START, STORY_START + timedelta(days=27), now)
        assert pdc is None or 0.0 <= pdc <= 100.0


@settings(deadline=None, max_examples=100)
@given(stories(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_the_order_of_the_logs(story, rng: random.Random):
    regimens, doses, tz, now = story
    shuffled = list(doses)
    rng.shuffle(shuffled)
    assert weekly_adherence(regimens, shuffled, tz, now, 6) == weekly_adherence(
        regimens, doses, tz, now, 6
    )
    first, last = STORY_START, STORY_START + timedelta(days=STORY_DAYS)
    for regimen in regimens:
        assert missed_occurrences(regimen, shuffled, tz, first, last, now) == missed_occurrences(
            regimen, doses, tz, first, last, now
        )


def totals(rows: list[WeekAdherence], regimen_id: str | None) -> tuple[int, int]:
    mine = [row for row in rows if row.regimen_id == regimen_id]
    return sum(row.taken for row in mine), sum(row.scheduled for row in mine)


@settings(deadline=None, max_examples=150)
@given(stories(), st.data())
def test_adding_a_taken_log_never_lowers_adherence(story, data):
    regimens, doses, tz, now = story
    extra = data.draw(doses_for(regimens, tz).filter(lambda d: d.status == "taken"))
    before = weekly_adherence(regimens, doses, tz, now, 6)
    after = weekly_adherence(regimens, [*doses, extra], tz, now, 6)
    for regimen_id in [*(r.id for r in regimens), None]:
        taken_before, scheduled_before = totals(before, regimen_id)
        taken_after, scheduled_after = totals(after, regimen_id)
        assert taken_after >= taken_before
        # taken/scheduled never drops (cross-multiplied: no rounding involved)
        assert taken_after * scheduled_before >= taken_before * scheduled_after
    first, last = STORY_START, STORY_START + timedelta(days=STORY_DAYS)
    for regimen in regimens:
        pdc_before = pdc_between(regimen, doses, tz, first, last, now)
        pdc_after = pdc_between(regimen, [*doses, extra], tz, first, last, now)
        assert pdc_before is None or pdc_after >= pdc_before


@settings(deadline=None, max_examples=100)
@given(stories())
def test_missed_doses_are_scheduled_before_today_and_not_taken(story):
    regimens, doses, tz, now = story
    today = now.astimezone(ZoneInfo(tz)).date()
    first, last = STORY_START, STORY_START + timedelta(days=STORY_DAYS)
    for regimen in regimens:
        missed = missed_occurrences(regimen, doses, tz, first, last, now)
        scheduled = expand(regimen, first, last, tz)
        assert all(o in scheduled and o.local_date < today for o in missed)


@settings(deadline=None, max_examples=100)
@given(stories())
def test_logs_placed_once_answer_as_the_doses_do(story):
    """The batch places a member's doses in their zone once and asks every question of
    those: the weekly rows, the PDC and the missed doses come out the same."""
    regimens, doses, tz, now = story
    logs = logs_of(doses, tz)
    first, last = STORY_START, STORY_START + timedelta(days=27)
    assert weekly_adherence(regimens, logs, tz, now, 6) == weekly_adherence(
        regimens, doses, tz, now, 6
    )
    for regimen in regimens:
        assert pdc_between(regimen, logs, tz, first, last, now) == pdc_between(
            regimen, doses, tz, first, last, now
        )
        assert missed_occurrences(regimen, logs, tz, first, last, now) == missed_occurrences(
            regimen, doses, tz, first, last, now
        )


@settings(deadline=None, max_examples=200)
@given(stories(), st.data())
def test_a_pdc_read_off_the_weekly_window_is_the_pdc_matched_anew(story, data):
    """The batch reads the last four weeks' PDC off the 13 weeks it has just matched (for
    plans matched within the day); any period inside the window gives what pdc_between
    gives, edges, DST days and wider tolerances included."""
    regimens, doses, tz, now = story
    logs = logs_of(doses, tz)
    window = weekly_window(regimens, logs, tz, now, 6)
    today = now.astimezone(ZoneInfo(tz)).date()
    first = window.first + timedelta(days=data.draw(st.integers(0, (today - window.first).days)))
    last = first + timedelta(days=data.draw(st.integers(0, 40)))
    for regimen in regimens:
        assert window.pdc_between(regimen, first, last) == pdc_between(
            regimen, doses, tz, first, last, now
        )
