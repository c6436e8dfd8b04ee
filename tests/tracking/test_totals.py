"""Nutrient totals through the API and sync: one computation, written with the member's
recompute, read by the API, the app (sync), the flags and the dietitian."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts import services as account_services
from tracking import computation, services
from tracking.models import Flag, Nutrient, NutrientDay, Product
from tracking.rules import totals

from ..syncapi.test_sync_protocol import pull

pytestmark = pytest.mark.django_db


def catalogue(name: str) -> Product:
    return Product.objects.get(name=name, owner__isnull=True)


@pytest.fixture
def alice_takes_a_trio_and_d3(alice):
    """In Amsterdam, born 1960; the D3 + K2 + magnesium trio at breakfast and a separate
    D3 at dinner, every day for two weeks."""
    account_services.update_profile(
        alice.profile,
        {"timezone": "Europe/Amsterdam", "date_of_birth": dt.date(1960, 5, 1), "sex": "female"},
    )
    today = alice.profile.today()
    start = today - dt.timedelta(days=13)
    plans = {}
    for name, at in (("D3 + K2 + Magnesium", "08:00"), ("Vitamin D3 25 mcg (1000 IU)", "19:00")):
        plans[name] = services.create_regimen(
            alice,
            {
                "product": catalogue(name),
                "schedule_kind": "daily",
                "times": [at],
                "start_date": start,
            },
        )
        for day in range(14):
            moment = dt.datetime.combine(start + dt.timedelta(days=day), dt.time.fromisoformat(at))
            taken_at = moment.replace(tzinfo=alice.profile.zone)
            if taken_at <= timezone.now():
                services.log_intake(alice, {"regimen": plans[name], "taken_at": taken_at})
    computation.recompute([alice.id])
    return alice, plans


def test_a_day_of_the_trio_and_a_d3_is_50_mcg_of_vitamin_d(alice_takes_a_trio_and_d3, alice_api):
    alice, _ = alice_takes_a_trio_and_d3
    yesterday = alice.profile.today() - dt.timedelta(days=1)

    body = alice_api.get("/api/v1/totals", {"from": yesterday, "to": yesterday}).json()

    [day] = body["periods"]
    d = day["taken"]["vitamin_d"]
    assert (d["total"], d["unit"], d["total_iu"]) == (50.0, "mcg", 2000.0)
    assert d["parts"] == {"d2": 0.0, "d3": 50.0}
    assert day["taken"]["vitamin_k"]["parts"]["k2_mk7"] == 90.0
    assert day["taken"]["magnesium"]["total"] == 100.0
    assert day["planned"]["vitamin_d"]["total"] == 50.0
    targets = {t["nutrient"]: t for t in body["targets"]}
    assert (targets["vitamin_d"]["intake_kind"], targets["vitamin_d"]["intake"]) == ("rda", 15.0)
    assert targets["vitamin_d"]["upper_limit"] == 100.0
    assert targets["vitamin_k"]["upper_limit"] is None


def test_weeks_sum_their_days(alice_takes_a_trio_and_d3, alice_api):
    alice, _ = alice_takes_a_trio_and_d3
    today = alice.profile.today()
    start = today - dt.timedelta(days=13)

    days = alice_api.get("/api/v1/totals", {"from": start, "to": today}).json()["periods"]
    weeks = alice_api.get("/api/v1/totals", {"from": start, "to": today, "by": "week"}).json()

    by_days = sum(p["taken"]["vitamin_d"]["total"] for p in days)
    by_weeks = sum(p["taken"]["vitamin_d"]["total"] for p in weeks["periods"])
    assert by_days == by_weeks
    assert sum(p["days"] for p in weeks["periods"]) == 14
    assert all(dt.date.fromisoformat(p["start"]).weekday() == 0 for p in weeks["periods"][1:])


def test_the_app_gets_the_same_totals_over_sync(alice_takes_a_trio_and_d3, alice_api):
    alice, _ = alice_takes_a_trio_and_d3
    yesterday = (alice.profile.today() - dt.timedelta(days=1)).isoformat()

    changes = pull(alice_api, schema_version=3)["changes"]

    [row] = [r for r in changes["nutrient_days"]["updated"] if r["day"] == yesterday]
    assert (row["d3"], row["k2_mk7"], row["planned_d3"]) == (50.0, 90.0, 50.0)
    assert {t["nutrient"] for t in changes["nutrient_targets"]["updated"]} == {
        "vitamin_k",
        "vitamin_d",
        "calcium",
        "magnesium",
    }


def test_the_upper_limit_flag_reads_the_same_totals(alice_takes_a_trio_and_d3, alice_api):
    alice, _ = alice_takes_a_trio_and_d3
    big = services.create_product(
        alice,
        {"name": "D3 5000 IU", "kind": "supplement", "serving_unit": "capsule"},
        [{"nutrient": Nutrient.objects.get(code="d3"), "amount": 125}],
    )
    services.create_regimen(
        alice,
        {
            "product": big,
            "schedule_kind": "daily",
            "times": ["12:00"],
            "start_date": alice.profile.today(),
        },
    )
    computation.recompute([alice.id])
    today = alice.profile.today()

    flag = Flag.objects.get(member=alice, code="above_upper_limit", subject="vitamin_d")
    planned = alice_api.get("/api/v1/totals", {"from": today, "to": today}).json()
    planned_d = planned["periods"][0]["planned"]["vitamin_d"]["total"]
    assert planned_d == 175.0
    assert flag.evidence["scheduled_per_day"]["amount"] == planned_d


def test_a_recompute_writes_each_day_once_and_again_changes_nothing(alice_takes_a_trio_and_d3):
    alice, _ = alice_takes_a_trio_and_d3
    stamps = dict(NutrientDay.objects.filter(member=alice).values_list("day", "server_version"))

    summary = computation.recompute([alice.id])

    assert summary.nutrient_days_written == 0
    assert (
        dict(NutrientDay.objects.filter(member=alice).values_list("day", "server_version"))
        == stamps
    )


def test_a_deleted_dose_leaves_its_day_lower(alice_takes_a_trio_and_d3, alice_api):
    alice, _ = alice_takes_a_trio_and_d3
    yesterday = alice.profile.today() - dt.timedelta(days=1)
    for log in alice.intake_logs.filter(
        taken_at__date=yesterday, product__name__startswith="Vitamin D3"
    ):
        services.delete_intake(log)
    computation.recompute([alice.id])

    body = alice_api.get("/api/v1/totals", {"from": yesterday, "to": yesterday}).json()

    assert body["periods"][0]["taken"]["vitamin_d"]["total"] == 25.0


def test_another_member_sees_only_their_own_totals(alice_takes_a_trio_and_d3, bob_api):
    body = bob_api.get("/api/v1/totals", {"by": "week"}).json()

    assert all(p["taken"]["vitamin_d"]["total"] == 0 for p in body["periods"])


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-01-01", "to": "2027-12-31"},
        {"from": "2026-12-03", "to": "2026-12-01"},
        {"from": "20261201"},
        {"by": "month"},
        {"to": "2026-02-30"},
    ],
)
def test_a_range_out_of_bounds_or_malformed_is_a_400(alice_api, query):
    response = alice_api.get("/api/v1/totals", query)

    assert response.status_code == 400, response.json()


def test_totals_cost_a_constant_number_of_queries(
    alice_takes_a_trio_and_d3, alice_api, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = alice_api.get("/api/v1/totals", {"from": "2026-01-01", "to": "2026-12-31"})

    assert response.status_code == 200


def test_stored_days_name_the_nutrients_in_the_order_the_totals_sum_them():
    assert NutrientDay.NUTRIENTS == totals.NUTRIENTS
