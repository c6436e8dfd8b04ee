"""The 15-minute planner: each member's weekly digest comes once per ISO week, at their own
weekday and wall-clock time, across zones, DST changes, downtime and concurrent planners."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from accounts import services as account_services
from accounts.models import Profile
from accounts.reminder_moments import local_moment
from notifications import planner, services
from notifications.models import Kind, Notification

from ..conftest import client_for
from ..factories import MemberFactory
from .conftest import member_in, periods, run_planner

pytestmark = pytest.mark.django_db

UTC = dt.UTC
AUCKLAND, LOS_ANGELES, KOLKATA = "Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata"
BEAT = dt.timedelta(minutes=15)
# A Wednesday; every member below chose their reminder then. The Sunday after is 22 Nov.
WEDNESDAY = dt.datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def beats(first: dt.datetime, last: dt.datetime):
    """The planner's runs: every quarter hour on the clock, as beat schedules it."""
    moment = first.replace(minute=first.minute - first.minute % 15, second=0, microsecond=0)
    while moment <= last:
        yield moment
        moment += BEAT


def simulate(first: dt.datetime, last: dt.datetime) -> dict:
    """Run the planner on every beat; return member id → [(beat, period)] it wrote."""
    written = defaultdict(list)
    for beat in beats(first, last):
        for notification in run_planner(beat):
            written[notification.member_id].append((beat, notification.period))
    return written


@pytest.mark.parametrize(
    ("zone", "moment"),
    [
        (AUCKLAND, utc(2026, 11, 22, 5, 0)),
        (KOLKATA, utc(2026, 11, 22, 12, 30)),
        (LOS_ANGELES, utc(2026, 11, 23, 2, 0)),
    ],
)
def test_the_digest_comes_at_six_on_sunday_evening_in_the_members_zone(zone, moment):
    alice = member_in(zone, WEDNESDAY, email="alice@example.com")
    assert alice.profile.next_weekly_reminder_at == moment

    assert run_planner(moment - dt.timedelta(minutes=1)) == []
    [digest] = run_planner(moment + dt.timedelta(minutes=10))

    assert digest.member == alice
    assert (digest.kind, digest.period) == (Kind.WEEKLY_DIGEST, "2026-W47")
    assert digest.title == "Your Ossa week: 16 Nov to 22 Nov"
    alice.profile.refresh_from_db()
    assert alice.profile.next_weekly_reminder_at == moment + dt.timedelta(weeks=1)
    assert run_planner(moment + dt.timedelta(minutes=25)) == []


def test_three_weeks_of_beats_bring_one_digest_per_member_per_iso_week():
    auckland = member_in(AUCKLAND, utc(2026, 10, 20))
    kolkata = member_in(KOLKATA, utc(2026, 10, 20))
    la = member_in(LOS_ANGELES, utc(2026, 10, 20))

    written = simulate(utc(2026, 10, 21), utc(2026, 11, 11))

    assert [p for _, p in written[auckland.id]] == ["2026-W43", "2026-W44", "2026-W45"]
    assert [p for _, p in written[kolkata.id]] == ["2026-W43", "2026-W44", "2026-W45"]
    assert [p for _, p in written[la.id]] == ["2026-W43", "2026-W44", "2026-W45"]
    for member, zone in ((auckland, AUCKLAND), (kolkata, KOLKATA), (la, LOS_ANGELES)):
        for beat, _ in written[member.id]:
            # Written on the first beat at or after Sunday 18:00 local: within 15 minutes.
            local = beat.astimezone(ZoneInfo(zone))
            assert local.isoweekday() == 7
            assert dt.time(18, 0) <= local.time() < dt.time(18, 15)
    assert Notification.objects.count() == 9


@pytest.mark.parametrize(
    ("zone", "first", "last", "weeks"),
    [
        # Los Angeles falls back on Sunday 1 November 2026 (02:00 → 01:00).
        (LOS_ANGELES, utc(2026, 10, 21), utc(2026, 11, 11), ["2026-W43", "2026-W44", "2026-W45"]),
        # Auckland falls back on Sunday 5 April 2026 (03:00 → 02:00).
        (AUCKLAND, utc(2026, 3, 25), utc(2026, 4, 15), ["2026-W13", "2026-W14", "2026-W15"]),
        # Los Angeles springs forward on Sunday 8 March 2026 (02:00 → 03:00).
        (LOS_ANGELES, utc(2026, 2, 25), utc(2026, 3, 18), ["2026-W09", "2026-W10", "2026-W11"]),
        # Auckland springs forward on Sunday 27 September 2026 (02:00 → 03:00).
        (AUCKLAND, utc(2026, 9, 16), utc(2026, 10, 7), ["2026-W38", "2026-W39", "2026-W40"]),
    ],
)
@pytest.mark.parametrize("at", ["01:30", "02:30", "18:00", "23:30"])
def test_a_dst_change_week_still_brings_exactly_one_digest(zone, first, last, weeks, at):
    member = member_in(zone, first - dt.timedelta(days=1), reminder_time=dt.time.fromisoformat(at))

    written = simulate(first, last)

    assert [period for _, period in written[member.id]] == weeks
    for beat, _ in written[member.id]:
        local = beat.astimezone(ZoneInfo(zone))
        assert local.isoweekday() == 7
        # The first beat at or after the wall-clock time (or where a DST gap moved it).
        moment = local_moment(local.date(), dt.time.fromisoformat(at), ZoneInfo(zone))
        assert dt.timedelta(0) <= beat - moment < BEAT


def test_a_planner_down_for_hours_sends_one_digest_when_it_returns():
    alice = member_in(LOS_ANGELES, WEDNESDAY, email="alice@example.com")
    sunday_six_pm = utc(2026, 11, 23, 2, 0)

    [digest] = run_planner(sunday_six_pm + dt.timedelta(hours=5))  # back at 23:00 local

    assert digest.period == "2026-W47"
    assert digest.title == "Your Ossa week: 16 Nov to 22 Nov"
    assert run_planner(sunday_six_pm + dt.timedelta(hours=5, minutes=15)) == []
    alice.profile.refresh_from_db()
    assert alice.profile.next_weekly_reminder_at == sunday_six_pm + dt.timedelta(weeks=1)


def test_a_planner_down_for_weeks_catches_up_with_one_digest_not_one_per_week():
    alice = member_in(KOLKATA, utc(2026, 10, 28), email="alice@example.com")
    back = utc(2026, 11, 25, 9, 0)  # missed 1, 8, 15 and 22 November; back on a Wednesday

    [digest] = run_planner(back)

    assert digest.period == "2026-W47"  # the latest missed one, 22 November
    assert digest.title == "Your Ossa week: 16 Nov to 22 Nov"  # the last full week
    assert run_planner(back + BEAT) == []
    alice.profile.refresh_from_db()
    assert alice.profile.next_weekly_reminder_at == utc(2026, 11, 29, 12, 30)
    [next_week] = run_planner(utc(2026, 11, 29, 12, 30))
    assert next_week.period == "2026-W48"
    assert periods(alice) == ["2026-W47", "2026-W48"]


def test_moving_to_another_zone_moves_the_reminder():
    alice = member_in(AUCKLAND, WEDNESDAY, email="alice@example.com")
    auckland_evening, la_evening = utc(2026, 11, 22, 5, 0), utc(2026, 11, 23, 2, 0)

    with time_machine.travel(utc(2026, 11, 21, 9, 0), tick=False):  # Saturday: she flies
        response = client_for(alice).patch("/api/v1/profile", {"timezone": LOS_ANGELES})
    assert response.status_code == 200, response.json()
    alice.profile.refresh_from_db()

    assert alice.profile.next_weekly_reminder_at == la_evening
    assert run_planner(auckland_evening + dt.timedelta(minutes=10)) == []
    [digest] = run_planner(la_evening + dt.timedelta(minutes=10))
    assert digest.period == "2026-W47"


def test_moving_west_after_this_weeks_digest_does_not_bring_a_second_one():
    alice = member_in(AUCKLAND, WEDNESDAY, email="alice@example.com")
    [auckland_digest] = run_planner(utc(2026, 11, 22, 5, 0))

    with time_machine.travel(utc(2026, 11, 22, 9, 0), tick=False):  # Sunday: she flies east
        account_services.update_profile(alice.profile, {"timezone": LOS_ANGELES})
    # Sunday 18:00 in Los Angeles is still to come in her ISO week 47: it is planned...
    assert alice.profile.next_weekly_reminder_at == utc(2026, 11, 23, 2, 0)
    # ...and claimed, but the week already has its digest.
    assert run_planner(utc(2026, 11, 23, 2, 0)) == []
    assert periods(alice) == ["2026-W47"]
    [following] = run_planner(utc(2026, 11, 30, 2, 0))
    assert following.period == "2026-W48"
    assert auckland_digest.period == "2026-W47"


def test_quiet_hours_delay_the_reminder_until_they_end():
    alice = member_in(
        KOLKATA,
        WEDNESDAY,
        email="alice@example.com",
        quiet_hours_start=dt.time(17, 0),
        quiet_hours_end=dt.time(19, 30),
    )
    six_pm, half_past_seven = utc(2026, 11, 22, 12, 30), utc(2026, 11, 22, 14, 0)

    assert alice.profile.next_weekly_reminder_at == half_past_seven
    assert run_planner(six_pm + dt.timedelta(minutes=10)) == []
    [digest] = run_planner(half_past_seven)
    assert digest.period == "2026-W47"


def test_overnight_quiet_hours_move_a_late_reminder_to_the_next_morning():
    alice = member_in(
        LOS_ANGELES,
        WEDNESDAY,
        reminder_time=dt.time(23, 0),
        quiet_hours_start=dt.time(22, 0),
        quiet_hours_end=dt.time(7, 0),
    )

    assert alice.profile.next_weekly_reminder_at == utc(2026, 11, 23, 15, 0)  # Monday 07:00
    assert run_planner(utc(2026, 11, 23, 7, 10)) == []  # Sunday 23:10 in Los Angeles
    [digest] = run_planner(utc(2026, 11, 23, 15, 0))
    assert digest.title == "Your Ossa week: 16 Nov to 22 Nov"  # the week that just ended


def test_a_deactivated_account_is_not_reminded(alice, bob):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    due = max(Profile.objects.values_list("next_weekly_reminder_at", flat=True))

    written = run_planner(due + BEAT)

    assert [n.member for n in written] == [bob]


def test_a_member_removed_between_planning_and_writing_does_not_stop_the_others():
    alice = member_in(KOLKATA, WEDNESDAY)
    bob = member_in(KOLKATA, WEDNESDAY)
    now = utc(2026, 11, 22, 12, 45)
    [chunk] = planner.plan_weekly(now)
    alice.delete()

    written = [services.weekly_notification(member_id, week, now) for member_id, week in chunk]

    assert [n.member for n in written if n is not None] == [bob]


def test_editing_the_profile_just_after_the_reminder_moment_does_not_skip_the_week():
    alice = member_in(KOLKATA, WEDNESDAY, email="alice@example.com")
    six_pm = utc(2026, 11, 22, 12, 30)

    with time_machine.travel(six_pm + dt.timedelta(minutes=5), tick=False):
        account_services.update_profile(
            alice.profile,
            {"weight_kg": 61, "timezone": KOLKATA},  # as a sync push sends it
        )

    assert [n.period for n in run_planner(six_pm + BEAT)] == ["2026-W47"]


# --- Two planners at once, on PostgreSQL ----------------------------------------------
MEMBERS = 50


def in_thread(work, errors: list) -> threading.Thread:
    def run():
        try:
            work()
        except Exception as exc:  # reported by the test, not swallowed
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_planners_at_once_write_one_digest_per_member():
    if connection.vendor != "postgresql":
        pytest.skip("row locking under concurrency needs PostgreSQL (SQLite serialises)")
    members = [MemberFactory() for _ in range(MEMBERS)]
    now = max(Profile.objects.values_list("next_weekly_reminder_at", flat=True)) + BEAT
    start = threading.Barrier(2)
    claims: list[tuple[str, str]] = []
    written: list[Notification] = []

    def one_planner():
        start.wait(timeout=30)
        for chunk in planner.plan_weekly(now):
            claims.extend(chunk)
            for member_id, week in chunk:
                notification = services.weekly_notification(member_id, week, now)
                if notification is not None:
                    written.append(notification)

    errors: list[Exception] = []
    threads = [in_thread(one_planner, errors) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    expected = {str(m.id) for m in members}
    assert Counter(member_id for member_id, _ in claims) == Counter(expected)  # once each
    assert {str(n.member_id) for n in written} == expected
    per_member = Counter(str(m) for m in Notification.objects.values_list("member_id", flat=True))
    assert per_member == Counter(expected)
    assert not Profile.objects.filter(next_weekly_reminder_at__lte=now).exists()
