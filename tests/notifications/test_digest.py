"""What the weekly digest says: last week's adherence per plan (from the computed
snapshots), the member's active flags, and the next bisphosphonate dose with how to take it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tracking import computation, services
from tracking.models import AdherenceSnapshot, Product

from ..factories import FlagFactory
from .conftest import member_in, run_planner

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Sunday 22 November 2026, 18:00 in Amsterdam: the digest reports Monday 16 to Sunday 22.
SUNDAY_EVENING = dt.datetime(2026, 11, 22, 18, 0, tzinfo=AMSTERDAM)
MONDAY = dt.date(2026, 11, 16)
CHOSEN = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)  # when members set their reminders
ALENDRONATE_NOTES = (
    "Once weekly on waking, with a full glass of plain water; wait at least 30 minutes "
    "before food, drinks, other medicines or supplements, and stay upright."
)


def catalogue(name: str) -> Product:
    return Product.objects.get(name=name, owner__isnull=True)


def plan(member, name: str, **schedule):
    fields = {"schedule_kind": "daily", "times": ["08:00"], "start_date": dt.date(2026, 10, 1)}
    return services.create_regimen(member, {"product": catalogue(name), **fields, **schedule})


def take(member, regimen, day: dt.date, at: str, zone=AMSTERDAM):
    taken_at = dt.datetime.combine(day, dt.time.fromisoformat(at), zone)
    services.log_intake(member, {"regimen": regimen, "taken_at": taken_at})


@pytest.fixture
def alice_on_k2_and_alendronate():
    """Alice in Amsterdam: K2 daily at 08:00, alendronate on Mondays at 07:00. Last week she
    took her alendronate and five of seven K2 doses."""
    alice = member_in(
        "Europe/Amsterdam",
        CHOSEN,
        email="alice@example.com",
        date_of_birth=dt.date(1958, 3, 2),
        sex="female",
    )
    k2 = plan(alice, "Vitamin K2 MK-7 90 mcg")
    alendronate = plan(
        alice, "Alendronate 70 mg (weekly)", schedule_kind="weekdays", weekdays=[1], times=["07:00"]
    )
    for day in range(5):
        take(alice, k2, MONDAY + dt.timedelta(days=day), "08:10")
    take(alice, alendronate, MONDAY, "07:05")
    computation.recompute([alice.id], now=SUNDAY_EVENING)
    return alice


def test_the_digest_reports_last_week_flags_and_the_next_bisphosphonate_dose(
    alice_on_k2_and_alendronate,
):
    alice = alice_on_k2_and_alendronate
    snapshots = AdherenceSnapshot.objects.filter(member=alice, week_start=MONDAY)
    assert snapshots.count() == 3  # overall and one per plan, from the engine

    [digest] = run_planner(SUNDAY_EVENING)

    assert digest.title == "Your Ossa week: 16 Nov to 22 Nov"
    adherence, totals, flags, next_dose = digest.data["paragraphs"]
    assert adherence == (
        "Last week you took 6 of 8 planned doses (75%). "
        "Alendronate 70 mg (weekly): 1 of 1 (100%). "
        "Vitamin K2 MK-7 90 mcg: 5 of 7 (71%)."
    )
    # K2 90 mcg on 5 of 7 days: 64.3 a day, against the adequate intake for her (90).
    assert totals == (
        "From your supplements last week, a day on average: vitamin K 64.3 mcg "
        "(reference 90 mcg). Food adds to these."
    )
    assert flags.startswith("To look at in the app: ")
    assert "Tell your dentist about your bisphosphonate" in flags
    # Warnings before information.
    assert flags.index("Vitamin K2 MK-7 90 mcg taken on") < flags.index("Tell your dentist")
    assert (
        next_dose
        == f"Next Alendronate 70 mg (weekly): Monday 23 November at 07:00. {ALENDRONATE_NOTES}"
    )
    assert digest.body == "\n\n".join([adherence, totals, flags, next_dose])
    assert digest.data["week_start"] == "2026-11-16"


def test_the_digest_names_only_active_flags_of_the_member(alice_on_k2_and_alendronate, bob):
    alice = alice_on_k2_and_alendronate
    FlagFactory(
        member=alice, code="old_news", title="Something resolved", resolved_at=timezone.now()
    )
    FlagFactory(member=bob, code="bobs_flag", title="Bob's own flag")

    [digest] = run_planner(SUNDAY_EVENING)

    flags = digest.data["paragraphs"][2]
    assert "Something resolved" not in flags
    assert "Bob's own flag" not in flags


def test_the_next_dose_is_told_in_the_members_own_zone():
    alice = member_in("America/Los_Angeles", CHOSEN)
    plan(alice, "Risedronate 35 mg (weekly)", schedule_kind="weekdays", weekdays=[3])
    la_sunday_evening = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)

    [digest] = run_planner(la_sunday_evening)

    # 08:00 in Los Angeles is 16:00 UTC: the member reads her own clock.
    assert "Next Risedronate 35 mg (weekly): Wednesday 25 November at 08:00." in digest.body


def test_a_monthly_bisphosphonate_names_its_day_and_longer_wait():
    alice = member_in("Asia/Kolkata", CHOSEN)
    plan(alice, "Ibandronate 150 mg (monthly)", schedule_kind="monthly", day_of_month=1)

    [digest] = run_planner(dt.datetime(2026, 11, 22, 12, 30, tzinfo=dt.UTC))

    next_dose = digest.data["paragraphs"][-1]
    assert next_dose.startswith("Next Ibandronate 150 mg (monthly): Tuesday 01 December at 08:00.")
    assert "at least 60 minutes" in next_dose


def test_a_member_without_plans_is_told_no_doses_were_due():
    alice = member_in("Pacific/Auckland", CHOSEN)

    [digest] = run_planner(dt.datetime(2026, 11, 22, 5, 0, tzinfo=dt.UTC))

    assert digest.member == alice
    assert digest.data["paragraphs"] == ["No planned doses were due that week."]
