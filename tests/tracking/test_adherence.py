"""Adherence as members see it: computed by the engine, served per ISO week in their zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from accounts import services as account_services
from sync.models import SyncClock
from tracking import computation, services
from tracking.models import AdherenceSnapshot, IntakeLog, MemberComputation, Product

from ..conftest import client_for
from ..factories import MemberFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A Wednesday evening in Amsterdam; the week before runs Monday 9 to Sunday 15 November.
NOW = dt.datetime(2026, 11, 18, 21, 0, tzinfo=AMSTERDAM)
LAST_MONDAY = dt.date(2026, 11, 9)


def catalogue(name: str) -> Product:
    return Product.objects.get(name=name, owner__isnull=True)


def daily_plan(member, *, start=dt.date(2026, 10, 1), times=("08:00",), name=None, **extra):
    product = catalogue(name or "Vitamin K2 MK-7 90 mcg")
    fields = {"product": product, "schedule_kind": "daily", "times": list(times), **extra}
    return services.create_regimen(member, {**fields, "start_date": start})


def take(member, regimen, day: dt.date, at: str = "08:10", status: str = "taken"):
    taken_at = dt.datetime.combine(day, dt.time.fromisoformat(at), AMSTERDAM)
    log, _ = services.log_intake(
        member, {"regimen": regimen, "taken_at": taken_at, "status": status}
    )
    return log


def in_amsterdam(member):
    account_services.update_profile(member.profile, {"timezone": "Europe/Amsterdam"})
    return member


@pytest.fixture
def alice_in_amsterdam(alice):
    return in_amsterdam(alice)


def get_at_now(member, url: str):
    """GET as the member at NOW (their token is issued then too, so it is valid)."""
    with time_machine.travel(NOW, tick=False):
        return client_for(member).get(url)


def week_of(body: dict, monday: dt.date) -> dict:
    return next(w for w in body["weeks"] if w["week_start"] == monday.isoformat())


def test_a_member_sees_last_weeks_adherence_overall_and_per_plan(alice_in_amsterdam):
    k2 = daily_plan(alice_in_amsterdam)
    days = [LAST_MONDAY + dt.timedelta(days=n) for n in range(7)]
    for day in days[:5]:
        take(alice_in_amsterdam, k2, day)  # on time
    take(alice_in_amsterdam, k2, days[5], at="13:00")  # five hours late: taken, not on time
    take(alice_in_amsterdam, k2, days[6], status="skipped")

    computation.recompute([alice_in_amsterdam.id], now=NOW)
    response = get_at_now(alice_in_amsterdam, "/api/v1/adherence?weeks=2")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["timezone"] == "Europe/Amsterdam"
    week = week_of(body, LAST_MONDAY)
    assert (week["iso_year"], week["iso_week"]) == (2026, 46)
    [plan] = week["regimens"]
    assert plan["regimen"] == str(k2.id)
    assert plan["product_name"] == "Vitamin K2 MK-7 90 mcg"
    assert (plan["scheduled"], plan["taken"], plan["on_time"], plan["skipped"]) == (7, 6, 5, 1)
    assert plan["dose_taking_pct"] == pytest.approx(85.7)
    assert plan["timing_pct"] == pytest.approx(71.4)
    assert plan["pdc_pct"] == pytest.approx(85.7)
    assert week["overall"]["scheduled"] == 7
    assert week["overall"]["dose_taking_pct"] == pytest.approx(85.7)


def test_the_current_week_counts_only_doses_already_due(alice_in_amsterdam, alice_api):
    plan = daily_plan(alice_in_amsterdam, times=("08:00", "22:00"))
    monday = NOW.date() - dt.timedelta(days=NOW.weekday())
    for n in range(3):
        day = monday + dt.timedelta(days=n)
        take(alice_in_amsterdam, plan, day, at="08:00")
        if n < 2:
            take(alice_in_amsterdam, plan, day, at="22:00")

    computation.recompute([alice_in_amsterdam.id], now=NOW)
    snapshot = AdherenceSnapshot.objects.get(regimen=plan, week_start=monday)

    # Monday and Tuesday: 4 doses; Wednesday 08:00 is due, 22:00 (an hour from now) is not.
    assert (snapshot.scheduled, snapshot.taken) == (5, 5)
    assert snapshot.dose_taking_pct == 100.0


def test_an_edited_schedule_applies_from_the_edit_not_to_earlier_weeks(alice_in_amsterdam):
    with time_machine.travel(dt.datetime(2026, 11, 1, 12, tzinfo=AMSTERDAM), tick=False):
        plan = daily_plan(alice_in_amsterdam)
    with time_machine.travel(dt.datetime(2026, 11, 12, 12, tzinfo=AMSTERDAM), tick=False):
        services.update_regimen(plan, {"times": ["08:00", "20:00"]})  # from Thursday on

    computation.recompute([alice_in_amsterdam.id], now=NOW)

    earlier = AdherenceSnapshot.objects.get(regimen=plan, week_start=LAST_MONDAY - dt.timedelta(7))
    edited = AdherenceSnapshot.objects.get(regimen=plan, week_start=LAST_MONDAY)
    assert earlier.scheduled == 7
    assert edited.scheduled == 3 + 4 * 2  # Mon-Wed once, Thu-Sun twice
    assert [s.effective_from for s in plan.schedules.all()] == [
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 12),
    ]


def test_recomputing_twice_writes_identical_rows(alice_in_amsterdam):
    plan = daily_plan(alice_in_amsterdam)
    take(alice_in_amsterdam, plan, LAST_MONDAY)
    computation.recompute([alice_in_amsterdam.id], now=NOW)
    before = list(AdherenceSnapshot.objects.values().order_by("id"))
    clock = SyncClock.objects.get(member=alice_in_amsterdam).value

    summary = computation.recompute([alice_in_amsterdam.id], now=NOW)

    assert summary.snapshots_written == 0
    assert summary.flags_written == 0
    assert list(AdherenceSnapshot.objects.values().order_by("id")) == before
    assert SyncClock.objects.get(member=alice_in_amsterdam).value == clock
    assert MemberComputation.objects.get(member=alice_in_amsterdam).runs == 2


def test_a_deleted_log_lowers_adherence_on_the_next_run(alice_in_amsterdam):
    plan = daily_plan(alice_in_amsterdam)
    log = take(alice_in_amsterdam, plan, LAST_MONDAY)
    computation.recompute([alice_in_amsterdam.id], now=NOW)
    snapshot = AdherenceSnapshot.objects.get(regimen=plan, week_start=LAST_MONDAY)
    assert snapshot.taken == 1

    services.delete_intake(log)
    computation.recompute([alice_in_amsterdam.id], now=NOW)

    snapshot.refresh_from_db()
    assert snapshot.taken == 0
    assert snapshot.server_version > log.server_version - 1


def selects(run) -> int:
    return sum(q["sql"].startswith("SELECT") for q in run.captured_queries)


def test_the_batch_reads_a_constant_number_of_queries(django_assert_max_num_queries):
    def members(n):
        people = [in_amsterdam(MemberFactory()) for _ in range(n)]
        for person in people:
            plan = daily_plan(person)
            for day in range(5):
                take(person, plan, LAST_MONDAY + dt.timedelta(days=day))
        return [p.id for p in people]

    few, many = members(2), members(12)
    computation.references()  # loaded once per process
    # Reads: profiles, plans, schedules, doses, products, ingredients; stored snapshots,
    # flags, nutrient days and targets. Writes are batched inserts, which SQLite splits by its
    # limit of variables per statement (a nutrient day has 23 columns): more rows, more
    # statements there, never more reads.
    with django_assert_max_num_queries(24) as few_run:
        computation.recompute(few, now=NOW)
    with django_assert_max_num_queries(40) as many_run:
        computation.recompute(many, now=NOW)

    # Reads do not grow with the number of members; writes are batched inserts.
    assert selects(many_run) == selects(few_run)


def test_one_member_never_sees_anothers_adherence(alice_in_amsterdam, bob_api):
    daily_plan(alice_in_amsterdam)
    computation.recompute([alice_in_amsterdam.id], now=NOW)

    response = bob_api.get("/api/v1/adherence?weeks=13")

    assert response.status_code == 200
    assert response.json()["weeks"] == []


@pytest.mark.parametrize("weeks", ["0", "105", "many", "-3"])
def test_an_unreasonable_number_of_weeks_is_a_400(alice_api, weeks):
    response = alice_api.get(f"/api/v1/adherence?weeks={weeks}")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "weeks"


def test_the_adherence_page_costs_a_constant_number_of_queries(
    alice_in_amsterdam, django_assert_max_num_queries
):
    for name in ("Vitamin K2 MK-7 90 mcg", "Vitamin D3 25 mcg (1000 IU)", "Calcium citrate 315 mg"):
        daily_plan(alice_in_amsterdam, name=name)
    computation.recompute([alice_in_amsterdam.id], now=NOW)

    with time_machine.travel(NOW, tick=False):
        api = client_for(alice_in_amsterdam)
        with django_assert_max_num_queries(6):
            response = api.get("/api/v1/adherence?weeks=13")

    assert response.status_code == 200
    assert len(response.json()["weeks"]) == 8  # ISO weeks 40 to 47: the plans began 1 October


def test_the_recompute_command_covers_everyone_or_one_member(alice_in_amsterdam, bob, capsys):
    daily_plan(alice_in_amsterdam)

    call_command("recompute")
    call_command("recompute", "--member", "ALICE@example.com")

    assert "Recomputed 2 members" in capsys.readouterr().out
    assert MemberComputation.objects.get(member=alice_in_amsterdam).runs == 2
    assert MemberComputation.objects.get(member=bob).runs == 1
    with pytest.raises(CommandError, match="No member"):
        call_command("recompute", "--member", "nobody@example.com")


def test_logs_of_other_members_do_not_count(alice_in_amsterdam, bob):
    plan = daily_plan(alice_in_amsterdam)
    IntakeLog.objects.all().delete()
    bob_plan = daily_plan(in_amsterdam(bob))
    take(bob, bob_plan, LAST_MONDAY)

    computation.recompute([alice_in_amsterdam.id, bob.id], now=NOW)

    assert AdherenceSnapshot.objects.get(regimen=plan, week_start=LAST_MONDAY).taken == 0
    assert AdherenceSnapshot.objects.get(regimen=bob_plan, week_start=LAST_MONDAY).taken == 1
