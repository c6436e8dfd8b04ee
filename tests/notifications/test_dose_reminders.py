"""Dose-time reminders: one at each scheduled local time for the plans that remind, none
for a dose already logged, snooze, one follow-up, the bisphosphonate waiting window,
quiet hours, DST and travel, and exactly once through crashes, reruns and downtime."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from notifications import dose_reminders, tasks
from notifications.dose_reminders import SnoozeRefused
from notifications.models import Delivery, DoseReminder, Notification, ReminderState
from tracking import services
from tracking.models import Product, Regimen

from ..conftest import client_for
from .conftest import member_in
from .test_planner import in_thread

pytestmark = pytest.mark.django_db

UTC = dt.UTC
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
KOLKATA = ZoneInfo("Asia/Kolkata")
SUNDAY = dt.datetime(2026, 11, 22, 12, 0, tzinfo=AMSTERDAM)
MONDAY = dt.date(2026, 11, 23)


def at(day: dt.date, hh_mm: str, zone: ZoneInfo = AMSTERDAM) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hh_mm), tzinfo=zone)


def plan(member, name: str, times: list[str], made: dt.datetime = SUNDAY, **fields) -> Regimen:
    product = Product.objects.get(name=name, owner=None)
    schedule = {"schedule_kind": "daily", "times": times, "start_date": made.date()}
    with time_machine.travel(made, tick=False):
        return services.create_regimen(member, {"product": product, **schedule, **fields})


def beat(moment: dt.datetime) -> None:
    """One run of the every-minute dose planner at `moment`, its tasks run in line."""
    with time_machine.travel(moment, tick=False):
        tasks.plan_dose_reminders.apply()


def beats(first: dt.datetime, last: dt.datetime, every=dt.timedelta(minutes=1)) -> None:
    moment = first
    while moment <= last:
        beat(moment)
        moment += every


def titles(member) -> list[str]:
    rows = Notification.objects.filter(member=member, kind="dose_reminder")
    return [n.title for n in rows.order_by("created_at", "period")]


@pytest.fixture
def alice(eager_tasks):
    return member_in("Europe/Amsterdam", SUNDAY)


def log(member, regimen: Regimen, taken_at: dt.datetime, status="taken", log_id=None):
    with time_machine.travel(taken_at, tick=False):
        fields = {"product": regimen.product, "regimen": regimen, "taken_at": taken_at}
        return services.log_intake(member, {**fields, "status": status}, log_id=log_id)


# --- At each scheduled time ---------------------------------------------------------------
def test_a_medicine_reminds_at_each_time_and_a_supplement_only_when_asked(alice):
    plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    plan(alice, "Vitamin D3 25 mcg (1000 IU)", ["08:00"])
    plan(alice, "Calcium citrate 315 mg", ["08:00", "20:00"], remind=True)

    beats(at(MONDAY, "06:29"), at(MONDAY, "06:31"))
    assert titles(alice) == ["Levothyroxine 50 mcg: 1 tablet at 06:30"]
    beat(at(MONDAY, "08:00"))
    beat(at(MONDAY, "20:00"))

    assert [t for t in titles(alice) if not t.startswith("Not logged")][1:] == [
        "Calcium citrate 315 mg: 1 tablet at 08:00",
        "Calcium citrate 315 mg: 1 tablet at 20:00",
    ]


def test_push_and_inbox_carry_it_and_email_stays_off(alice, push_service):
    device = push_service.device(alice)
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])

    beat(at(MONDAY, "06:30"))

    [reminder] = DoseReminder.objects.filter(regimen=levo)
    [notification] = Notification.objects.filter(member=alice, kind="dose_reminder")
    channels = dict(
        Delivery.objects.filter(notification=notification).values_list("channel", "status")
    )
    assert channels == {"in_app": "sent", "push": "sent", "email": "skipped"}
    [pushed] = push_service.for_device(device)
    assert pushed.payload["url"] == "/app/#/today"
    assert pushed.payload["dose"]["dose_id"] == str(reminder.id)
    assert pushed.payload["dose"]["regimen"] == str(levo.id)
    assert [a["action"] for a in pushed.payload["actions"]] == ["taken", "skip", "snooze"]


def test_nothing_for_a_dose_already_logged(alice):
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    log(alice, levo, at(MONDAY, "06:10"))

    beats(at(MONDAY, "06:30"), at(MONDAY, "08:00"), every=dt.timedelta(minutes=10))

    assert titles(alice) == []
    assert DoseReminder.objects.get(regimen=levo).state == ReminderState.DONE


def test_a_log_for_the_next_dose_does_not_silence_this_one(alice):
    calcium = plan(alice, "Calcium citrate 315 mg", ["08:00", "10:00"], remind=True)
    log(alice, calcium, at(MONDAY, "09:05"))  # closer to 10:00: that dose, taken early

    beats(at(MONDAY, "08:00"), at(MONDAY, "11:00"), every=dt.timedelta(minutes=10))

    assert titles(alice) == [
        "Calcium citrate 315 mg: 1 tablet at 08:00",
        "Not logged yet: Calcium citrate 315 mg from 08:00",
    ]


# --- Follow-up ---------------------------------------------------------------------------------
def test_one_follow_up_when_nothing_is_logged_then_none(alice):
    plan(alice, "Levothyroxine 50 mcg", ["06:30"])

    beats(at(MONDAY, "06:30"), at(MONDAY, "09:30"), every=dt.timedelta(minutes=5))

    assert titles(alice) == [
        "Levothyroxine 50 mcg: 1 tablet at 06:30",
        "Not logged yet: Levothyroxine 50 mcg from 06:30",
    ]
    follow_up = Notification.objects.get(member=alice, title__startswith="Not logged")
    assert follow_up.created_at == at(MONDAY, "07:00")


def test_the_follow_up_waits_as_long_as_the_plan_or_member_chose(alice):
    account_services.update_profile(alice.profile, {"follow_up_minutes": 15})
    plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    plan(alice, "Calcium citrate 315 mg", ["06:30"], remind=True, follow_up_minutes=60)

    beats(at(MONDAY, "06:30"), at(MONDAY, "07:40"), every=dt.timedelta(minutes=5))

    follow_ups = Notification.objects.filter(member=alice, title__startswith="Not logged")
    assert {n.title.split(": ")[1].split(" from")[0]: n.created_at for n in follow_ups} == {
        "Levothyroxine 50 mcg": at(MONDAY, "06:45"),
        "Calcium citrate 315 mg": at(MONDAY, "07:30"),
    }


def test_taken_from_the_notification_logs_once_and_stops_the_follow_up(alice):
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    beat(at(MONDAY, "06:30"))
    dose_id = Notification.objects.get(member=alice).data["dose_id"]
    body = {
        "id": dose_id,
        "product": str(levo.product_id),
        "regimen": str(levo.id),
        "taken_at": "2026-11-23T06:34:00+01:00",
        "status": "taken",
    }

    with time_machine.travel(at(MONDAY, "06:34"), tick=False):
        api = client_for(alice)
        first = api.post("/api/v1/intakes", body, format="json")
        again = api.post("/api/v1/intakes", body, format="json")
    beats(at(MONDAY, "06:35"), at(MONDAY, "08:00"), every=dt.timedelta(minutes=5))

    assert (first.status_code, again.status_code) == (201, 200)
    assert levo.intake_logs.count() == 1
    assert titles(alice) == ["Levothyroxine 50 mcg: 1 tablet at 06:30"]


# --- Snooze --------------------------------------------------------------------------------------
def test_a_snoozed_reminder_comes_again_then_follows_up(alice):
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    beat(at(MONDAY, "06:30"))
    reminder = DoseReminder.objects.get(regimen=levo)

    dose_reminders.snooze(reminder, at(MONDAY, "06:32"), minutes=10)
    beats(at(MONDAY, "06:33"), at(MONDAY, "07:30"))

    assert titles(alice) == [
        "Levothyroxine 50 mcg: 1 tablet at 06:30",
        "Levothyroxine 50 mcg: 1 tablet at 06:30",
        "Not logged yet: Levothyroxine 50 mcg from 06:30",
    ]
    again = Notification.objects.get(member=alice, period__endswith="-snooze-1")
    follow_up = Notification.objects.get(member=alice, period__endswith="-follow-up")
    assert (again.created_at, follow_up.created_at) == (at(MONDAY, "06:42"), at(MONDAY, "07:12"))


def test_snooze_until_the_next_meal_of_the_usual_day(alice):
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    beat(at(MONDAY, "06:30"))
    reminder = DoseReminder.objects.get(regimen=levo)

    dose_reminders.snooze(reminder, at(MONDAY, "06:40"), next_meal=True)

    assert reminder.snoozed_until == at(MONDAY, "07:30")  # breakfast
    assert reminder.state == ReminderState.SNOOZED


def test_a_logged_dose_cannot_be_snoozed(alice):
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    beat(at(MONDAY, "06:30"))
    log(alice, levo, at(MONDAY, "06:35"), status="skipped")
    reminder = DoseReminder.objects.get(regimen=levo)

    with pytest.raises(SnoozeRefused):
        dose_reminders.snooze(reminder, at(MONDAY, "06:40"), minutes=30)


# --- Bisphosphonate mornings ---------------------------------------------------------------------
def test_a_bisphosphonate_morning_tells_the_window_and_when_it_ends(alice):
    alendronate = plan(
        alice, "Alendronate 70 mg (weekly)", ["06:30"], schedule_kind="weekdays", weekdays=[1]
    )
    beat(at(MONDAY, "06:30"))
    log(alice, alendronate, at(MONDAY, "06:40"))

    beats(at(MONDAY, "06:41"), at(MONDAY, "08:00"))

    first, window = Notification.objects.filter(member=alice).order_by("created_at")
    assert first.title == "Alendronate 70 mg (weekly): 1 tablet at 06:30"
    assert "nothing but water for 30 minutes" in first.body
    assert window.title == "30 minutes since Alendronate 70 mg (weekly)"
    assert "breakfast, coffee, calcium" in window.body
    assert window.created_at == at(MONDAY, "07:10")
    assert window.data["actions"] is False


def test_a_bisphosphonate_taken_after_the_follow_up_still_hears_its_window_end(alice):
    alendronate = plan(
        alice, "Alendronate 70 mg (weekly)", ["06:30"], schedule_kind="weekdays", weekdays=[1]
    )
    beats(at(MONDAY, "06:30"), at(MONDAY, "07:15"), every=dt.timedelta(minutes=5))
    log(alice, alendronate, at(MONDAY, "07:16"))

    beats(at(MONDAY, "07:20"), at(MONDAY, "08:30"), every=dt.timedelta(minutes=5))

    assert titles(alice) == [
        "Alendronate 70 mg (weekly): 1 tablet at 06:30",
        "Not logged yet: Alendronate 70 mg (weekly) from 06:30",
        "30 minutes since Alendronate 70 mg (weekly)",
    ]


# --- Quiet hours -------------------------------------------------------------------------------
def test_quiet_hours_hold_a_reminder_until_they_end_if_the_dose_still_stands(alice):
    quiet = {"quiet_hours_start": dt.time(22, 0), "quiet_hours_end": dt.time(7, 0)}
    account_services.update_profile(alice.profile, quiet)
    plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    plan(alice, "Calcium citrate 315 mg", ["23:00"], remind=True)

    beats(at(MONDAY, "06:00"), at(MONDAY, "23:59"), every=dt.timedelta(minutes=15))

    levo = Notification.objects.get(member=alice, period__regex=r"^dose-[0-9a-f-]+$")
    assert levo.title == "Levothyroxine 50 mcg: 1 tablet at 06:30"
    assert levo.created_at == at(MONDAY, "07:00")
    # 23:00 is three hours from 07:00: not reminded at all.
    assert not Notification.objects.filter(member=alice, title__startswith="Calcium").exists()


# --- DST and travel ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("night", "sent_at"),
    [
        # Spring forward: 02:30 does not exist on 29 March; it happens at 03:30.
        (dt.date(2026, 3, 29), dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # Fall back: 02:30 happens twice on 25 October; reminded at the first.
        (dt.date(2026, 10, 25), dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
def test_a_dst_change_neither_loses_nor_doubles_a_reminder(eager_tasks, night, sent_at):
    made = at(night - dt.timedelta(days=2), "12:00")
    bob = member_in("Europe/Amsterdam", made)
    plan(bob, "Levothyroxine 50 mcg", ["02:30"], made=made)

    beats(at(night, "00:00") - dt.timedelta(hours=1), at(night, "06:00"), dt.timedelta(minutes=5))

    [reminder] = Notification.objects.filter(member=bob, period__regex=r"^dose-[0-9a-f-]+$")
    assert reminder.created_at == sent_at
    assert DoseReminder.objects.filter(member=bob).count() == 1


def test_reminders_keep_home_time_or_follow_the_phone_as_the_member_chose(alice):
    plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    account_services.update_profile(alice.profile, {"phone_timezone": "America/New_York"})
    home = Regimen.objects.get(member=alice).next_dose_reminder_at

    account_services.update_profile(alice.profile, {"reminder_zone": "phone"})
    travelling = Regimen.objects.get(member=alice).next_dose_reminder_at

    new_york = ZoneInfo("America/New_York")
    assert home.astimezone(AMSTERDAM).time() == dt.time(6, 30)
    assert travelling.astimezone(new_york).time() == dt.time(6, 30)
    beat(travelling)
    assert titles(alice) == ["Levothyroxine 50 mcg: 1 tablet at 06:30"]


# --- Exactly once ------------------------------------------------------------------------------
def test_a_planner_back_from_downtime_sends_each_missed_reminder_once_marked_late(alice):
    plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    plan(alice, "Calcium citrate 315 mg", ["06:40"], remind=True)

    beat(at(MONDAY, "06:20"))
    beat(at(MONDAY, "06:45"))  # down from 06:21 to 06:44
    beat(at(MONDAY, "06:46"))

    assert titles(alice) == [
        "Calcium citrate 315 mg: 1 tablet at 06:40",
        "Levothyroxine 50 mcg: 1 tablet at 06:30 (late reminder)",
    ] or titles(alice) == [
        "Levothyroxine 50 mcg: 1 tablet at 06:30 (late reminder)",
        "Calcium citrate 315 mg: 1 tablet at 06:40",
    ]
    assert DoseReminder.objects.filter(member=alice, late=True).count() == 1


def test_a_planner_down_for_hours_skips_the_moments_long_past(alice):
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])

    beat(at(MONDAY, "10:00"))

    assert titles(alice) == []
    levo.refresh_from_db()
    assert levo.next_dose_reminder_at == at(MONDAY + dt.timedelta(days=1), "06:30")


def test_a_planner_crashing_between_writing_and_moving_on_sends_once(alice, monkeypatch):
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])

    def crash(*args):
        raise RuntimeError("the planner died here")

    with monkeypatch.context() as patched:
        patched.setattr(dose_reminders.rawsql, "move_moments", crash)
        with pytest.raises(RuntimeError), time_machine.travel(at(MONDAY, "06:30"), tick=False):
            dose_reminders.claim_moments(at(MONDAY, "06:30"))
    levo.refresh_from_db()
    assert levo.next_dose_reminder_at == at(MONDAY, "06:30")  # not moved on
    beat(at(MONDAY, "06:31"))
    beat(at(MONDAY, "06:31"))

    assert titles(alice) == ["Levothyroxine 50 mcg: 1 tablet at 06:30"]
    assert DoseReminder.objects.filter(regimen=levo).count() == 1


def test_due_plans_are_read_as_select_related_would_leave_them(alice, django_assert_num_queries):
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    claimed = dose_reminders
    with django_assert_num_queries(2):  # the plans, their schedule versions
        [found] = dose_reminders.due_plans(at(MONDAY, "06:30"))
    fields = [*claimed.PLAN_FIELDS, *(f"product__{n}" for n in claimed.PRODUCT_COLUMNS)]
    fields += [f"member__{n}" for n in claimed.MEMBER_FIELDS]
    fields += [f"member__profile__{n}" for n in ("id", *claimed.PROFILE_COLUMNS)]
    related = Regimen.objects.select_related("member__profile", "product")
    expected = related.only(*claimed.CLAIM_FIELDS).get(pk=levo.pk)

    def value(plan, path):
        for name in path.split("__"):
            plan = getattr(plan, name)
        return plan

    with django_assert_num_queries(0):  # nothing read later, every relation in place
        assert [value(found, f) for f in fields] == [value(expected, f) for f in fields]
        assert found.member.profile.user is found.member
        assert [v.times for v in found.schedule_versions] == [["06:30"]]
    assert found.get_deferred_fields() == expected.get_deferred_fields()
    assert found.member.get_deferred_fields() == expected.member.get_deferred_fields()
    assert found._state.adding is False and found.member.profile._state.db == "default"


def test_a_claimer_killed_before_sending_leaves_its_pushes_to_be_handed_out_once(
    alice, push_service, monkeypatch
):
    device = push_service.device(alice)
    plan(alice, "Levothyroxine 50 mcg", ["06:30"])

    def killed(*args):
        raise SystemExit("the worker was killed")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.services, "send_claimed", killed)
        with pytest.raises(SystemExit):
            beat(at(MONDAY, "06:30"))
    # The reminder, its inbox row and its deliveries committed together before the send.
    channels = dict(Delivery.objects.values_list("channel", "status"))
    assert channels == {"in_app": "sent", "push": "sending", "email": "skipped"}
    assert push_service.for_device(device) == []
    beat(at(MONDAY, "06:31"))
    assert push_service.for_device(device) == []  # claimed: no other worker sends it

    with time_machine.travel(at(MONDAY, "06:30") + tasks.STUCK_AFTER * 2, tick=False):
        tasks.plan_reminders.apply()

    assert titles(alice) == ["Levothyroxine 50 mcg: 1 tablet at 06:30"]
    pushed = push_service.for_device(device)
    assert [m.payload["kind"] for m in pushed].count("dose_reminder") == 1
    dose = Delivery.objects.get(channel="push", notification__kind="dose_reminder")
    assert dose.status == "sent"


def test_a_worker_dying_mid_send_is_retried_once_and_sent_once(alice):
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    with time_machine.travel(at(MONDAY, "06:30"), tick=False):
        dose_reminders.claim_moments(at(MONDAY, "06:30"))
        [claimed] = list(dose_reminders.due_reminders(at(MONDAY, "06:30")))
        dose_reminders.act(claimed, at(MONDAY, "06:30"))
    # As if the step's commit happened but the chunk was redelivered after the lease.
    DoseReminder.objects.filter(regimen=levo).update(sends=0, next_at=at(MONDAY, "06:35"))

    beat(at(MONDAY, "06:36"))

    assert titles(alice) == ["Levothyroxine 50 mcg: 1 tablet at 06:30"]


def test_a_beat_takes_the_same_queries_for_two_doses_or_eight(eager_tasks, push_service):
    def monday_beat(members: int) -> tuple[int, int, int]:
        """Queries, inbox rows and pushes of one beat for these members' two plans each."""
        made = at(MONDAY - dt.timedelta(days=1), "12:00")
        people = [member_in("Europe/Amsterdam", made) for _ in range(members)]
        for member in people:
            push_service.device(member)
            plan(member, "Levothyroxine 50 mcg", ["06:30"], made=made)
            plan(member, "Calcium citrate 315 mg", ["06:30"], made=made, remind=True)
        pushed = len(push_service.received)
        with CaptureQueriesContext(connection) as queries:
            beat(at(MONDAY, "06:30"))
        inbox = Notification.objects.filter(member__in=people).count()
        for member in people:
            member.delete()
        return len(queries), inbox, len(push_service.received) - pushed

    # Claimed, acted on and delivered in chunks: nothing per plan, reminder or delivery.
    assert monday_beat(1) == (monday_beat(4)[0], 2, 2)
    assert monday_beat(4)[1:] == (8, 8)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_claimers_at_once_take_disjoint_chunks_and_remind_each_dose_once(
    eager_tasks, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("row locking under concurrency needs PostgreSQL (SQLite serialises)")
    monkeypatch.setattr(dose_reminders, "CHUNK", 4)
    made = at(MONDAY - dt.timedelta(days=1), "12:00")
    for _ in range(30):
        plan(member_in("Europe/Amsterdam", made), "Levothyroxine 50 mcg", ["06:30"], made=made)
    now = at(MONDAY, "06:30")
    start, written, errors = threading.Barrier(2), [], []

    def one_claimer():
        start.wait(timeout=30)
        written.append(tasks.claim_dose_moments(now.isoformat()))

    threads = [in_thread(one_claimer, errors) for _ in range(2)]
    with time_machine.travel(now, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    assert sum(written) == 30  # no plan claimed by both
    assert DoseReminder.objects.count() == 30
    assert (
        Notification.objects.filter(kind="dose_reminder", period__startswith="dose-").count() == 30
    )
    assert not Regimen.objects.filter(next_dose_reminder_at__lte=now).exists()


def test_members_leaving_ossa_are_moved_on_and_not_reminded(alice):
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    beat(at(MONDAY, "06:30"))

    assert titles(alice) == []
    levo.refresh_from_db()
    assert levo.next_dose_reminder_at == at(MONDAY + dt.timedelta(days=1), "06:30")


def test_ending_a_plan_or_turning_reminders_off_stops_them(alice):
    levo = plan(alice, "Levothyroxine 50 mcg", ["06:30"])
    calcium = plan(alice, "Calcium citrate 315 mg", ["06:30"], remind=True)
    with time_machine.travel(SUNDAY, tick=False):
        services.end_regimen(levo)
        services.update_regimen(calcium, {"remind": False})

    beat(at(MONDAY, "06:30"))

    assert titles(alice) == []
    assert Regimen.objects.filter(next_dose_reminder_at__isnull=False).count() == 0
