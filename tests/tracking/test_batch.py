"""The nightly batch computes members in chunks, set-based; a member's own recompute does one.
Whichever ran, the member finds the same adherence, flags, nutrient days and targets."""

from __future__ import annotations

import datetime as dt
import gc
import logging
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts import services as account_services
from tracking import computation, services, tasks
from tracking.models import (
    AdherenceSnapshot,
    Flag,
    MemberComputation,
    Nutrient,
    NutrientDay,
    NutrientTarget,
    Product,
)

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 21, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
START = dt.date(2026, 9, 1)


def catalogue(name: str) -> Product:
    return Product.objects.get(name=name, owner__isnull=True)


def member(zone: str, born: dt.date | None, sex: str):
    person = MemberFactory()
    account_services.update_profile(
        person.profile, {"timezone": zone, "date_of_birth": born, "sex": sex}
    )
    return person


def plan(person, name: str, kind: str = "daily", times=("08:00",), **extra):
    fields = {"product": catalogue(name), "schedule_kind": kind, "times": list(times)}
    return services.create_regimen(person, {**fields, "start_date": START, **extra})


def take(person, regimen, day: dt.date, at: str, **extra):
    zone = person.profile.zone
    taken_at = dt.datetime.combine(day, dt.time.fromisoformat(at), zone)
    services.log_intake(person, {"regimen": regimen, "taken_at": taken_at, **extra})


def days(first: dt.date, last: dt.date, step: int = 1):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=step)


@pytest.fixture
def people():
    """Alice (Amsterdam, 66): K2 every morning, weekly alendronate, calcium that went from
    once to twice a day, a count of her K2. Bob (New York, 45): the trio at 1.5 servings,
    calcium carbonate by the salt's weight at half a serving, warfarin, D3 above the upper
    limit. Carol (Tokyo, 16): monthly ibandronate, an
    as-needed magnesium, D3 logged without a plan. Dan: no plans at all."""
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        alice = member("Europe/Amsterdam", dt.date(1960, 3, 1), "female")
        k2 = plan(alice, "Vitamin K2 MK-7 90 mcg")
        alendronate = plan(alice, "Alendronate 70 mg (weekly)", "weekdays", weekdays=[1])
        calcium = plan(alice, "Calcium citrate 315 mg", times=("19:00",))
        services.update_regimen(calcium, {"times": ["08:00", "19:00"]})
        for day in days(START, NOW.date() - dt.timedelta(days=1)):
            if day.toordinal() % 5:
                take(alice, k2, day, "08:20")
            take(alice, calcium, day, "19:10", status="skipped" if day.day == 3 else "taken")
        services.record_stock(alice, {"regimen": k2, "kind": "count", "servings": Decimal(60)})
        for day in days(dt.date(2026, 9, 7), NOW.date(), 7):
            take(alice, alendronate, day, "07:05")
            take(alice, calcium, day, "07:30")  # too close to the alendronate

        bob = member("America/New_York", dt.date(1981, 6, 1), "male")
        trio = plan(bob, "D3 + K2 + Magnesium", servings_per_dose=Decimal("1.50"))
        carbonate = plan(
            bob,
            "Calcium carbonate 1250 mg",
            times=("08:00", "20:00"),
            servings_per_dose=Decimal("0.50"),
        )
        warfarin = plan(
            bob, "Warfarin 1 mg", times=("18:00",), confirmed_findings=["vitamin_k_with_vka"]
        )
        d3 = plan(bob, "Vitamin D3 50 mcg (2000 IU)", servings_per_dose=Decimal("2.00"))
        for day in days(START, NOW.date() - dt.timedelta(days=2)):
            take(bob, trio, day, "08:40", servings=Decimal("1.50"))
            take(bob, carbonate, day, "20:30", servings=Decimal("0.50"))
            take(bob, d3, day, "08:45", servings=Decimal("2.00"))
            if day.day % 3:
                take(bob, warfarin, day, "18:00")

        carol = member("Asia/Tokyo", dt.date(2010, 1, 15), "")
        ibandronate = plan(carol, "Ibandronate 150 mg (monthly)", "monthly", day_of_month=1)
        magnesium = plan(carol, "Magnesium bisglycinate 100 mg", "as_needed", times=())
        for day in days(START, NOW.date(), 30):
            take(carol, ibandronate, day, "06:30")
        for day in days(START, NOW.date(), 4):
            take(carol, magnesium, day, "21:00")
            take(carol, None, day, "12:00", product=catalogue("Vitamin D3 50 mcg (2000 IU)"))
        own = services.create_product(
            carol,
            {"name": "Calcium lactate 99.9 mg", "kind": "supplement"},
            [
                {
                    "nutrient": Nutrient.objects.get(code="calcium"),
                    "amount": Decimal("99.900"),
                    "form": "lactate",
                    "basis": "compound",
                }
            ],
        )
        lactate = services.create_regimen(
            carol,
            {"product": own, "schedule_kind": "daily", "times": ["13:00"], "start_date": START},
        )
        for day in days(START, NOW.date(), 2):
            take(carol, lactate, day, "13:00", servings=Decimal("2.00"))

        dan = MemberFactory()
    return [alice.id, bob.id, carol.id, dan.id]


KEYS = {
    AdherenceSnapshot: ("member_id", "regimen_id", "week_start"),
    Flag: ("member_id", "code", "subject"),
    NutrientDay: ("member_id", "day"),
    NutrientTarget: ("member_id", "nutrient"),
}
VALUES = {
    AdherenceSnapshot: ("deleted_at", *AdherenceSnapshot.VALUE_FIELDS),
    Flag: ("resolved_at", "first_seen_at", *Flag.CONTENT_FIELDS),
    NutrientDay: ("deleted_at", *NutrientDay.VALUE_FIELDS),
    NutrientTarget: NutrientTarget.VALUE_FIELDS,
}


def stored(*, with_versions: bool) -> dict:
    """Every computed row by model and key: its values (and its sync stamp)."""
    found = {}
    for model, keys in KEYS.items():
        fields = (*keys, *VALUES[model], *(("server_version",) if with_versions else ()))
        rows = model.objects.values_list(*fields)
        found[model.__name__] = {row[: len(keys)]: row[len(keys) :] for row in rows}
    return found


def forget_computed() -> None:
    for model in (*KEYS, MemberComputation):
        model.objects.all().delete()


def test_the_batch_writes_what_each_members_own_recompute_writes(people):
    for member_id in people:
        computation.recompute([member_id], now=NOW)
    own = stored(with_versions=True)

    again = computation.recompute(people, now=NOW)

    assert (again.snapshots_written, again.flags_written, again.nutrient_days_written) == (0, 0, 0)
    assert stored(with_versions=True) == own  # not a row touched, not a stamp moved

    forget_computed()
    batch = computation.recompute(people, now=NOW)

    assert batch.members == 4
    assert stored(with_versions=False) == stored_without_versions(own)
    assert {f.code for f in Flag.objects.all()} >= {
        "bisphosphonate_absorption_window",
        "vitamin_k_with_vka",
        "above_upper_limit",
    }
    assert NutrientDay.objects.filter(member_id=people[1]).exists()


def stored_without_versions(found: dict) -> dict:
    return {name: {k: v[:-1] for k, v in rows.items()} for name, rows in found.items()}


def test_a_night_later_the_batch_and_the_members_recompute_agree_again(people):
    computation.recompute(people, now=NOW)
    later = NOW + dt.timedelta(hours=26)

    for member_id in people:
        computation.recompute([member_id], now=later)
    own = stored(with_versions=False)
    forget_computed()
    computation.recompute(people, now=NOW)
    computation.recompute(people, now=later)

    assert stored(with_versions=False) == own


def test_each_chunk_of_the_batch_logs_where_its_time_went(alice, bob, caplog):
    caplog.set_level(logging.INFO, logger="tracking.tasks")

    tasks.recompute_chunk([str(alice.id), str(bob.id)])

    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("nightly")]
    assert line.startswith("nightly chunk: 2 members, ")
    assert all(f" {stage} " in line for stage in computation.STAGES)


def test_a_chunk_leaves_the_cycle_collector_as_it_found_it(alice, bob, monkeypatch):
    """Paused while a chunk runs; a worker whose chunk failed must not keep it off."""
    computation.recompute([alice.id, bob.id], now=NOW)
    assert gc.isenabled()

    def fails(results, now):
        raise RuntimeError("the write failed")

    monkeypatch.setattr(computation, "write", fails)
    with pytest.raises(RuntimeError):
        computation.recompute([alice.id], now=NOW)
    assert gc.isenabled()

    gc.disable()
    try:
        with pytest.raises(RuntimeError):
            computation.recompute([alice.id], now=NOW)
        assert not gc.isenabled()  # off before, off after
    finally:
        gc.enable()
