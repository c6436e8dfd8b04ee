"""Plan safety and the day planner through the API, sync and the services: a new member
who plans "Alendronate 70 mg (weekly)" every day at 08:00 beside calcium carbonate, K2 and
D3 hears about it before the plan is saved, and gets a day that works."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from tracking import services
from tracking.models import Product, Regimen

from ..syncapi.test_sync_protocol import pull, push

pytestmark = pytest.mark.django_db

START = "2026-11-01"


def catalogue(name: str) -> Product:
    return Product.objects.get(name=name, owner__isnull=True)


def plan_body(name: str, **fields) -> dict:
    body = {"product": str(catalogue(name).id), "schedule_kind": "daily", "times": ["08:00"]}
    return {**body, "start_date": START, **fields}


@pytest.fixture
def three_supplements(alice):
    """Calcium carbonate (two tablets), K2 and D3, all at 08:00."""
    plans = {}
    for name, servings in (
        ("Calcium carbonate 500 mg", "2"),
        ("Vitamin K2 MK-7 90 mcg", "1"),
        ("Vitamin D3 25 mcg (1000 IU)", "1"),
    ):
        fields = plan_body(name, servings_per_dose=servings)
        fields["product"] = catalogue(name)
        fields["start_date"] = dt.date(2026, 11, 1)
        plans[name] = services.create_regimen(alice, fields)
    return plans


def test_a_weekly_medicine_planned_daily_is_refused_until_confirmed(alice_api, three_supplements):
    body = plan_body("Alendronate 70 mg (weekly)")

    refused = alice_api.post("/api/v1/regimens", body, format="json")

    assert refused.status_code == 400
    [error] = refused.json()["errors"]
    assert (error["code"], error["attr"]) == ("confirmation_required", "confirmed_findings")
    assert "This is a once-a-week dose; your plan takes it every day" in error["detail"]
    assert not Regimen.objects.filter(product__name="Alendronate 70 mg (weekly)").exists()

    saved = alice_api.post(
        "/api/v1/regimens", {**body, "confirmed_findings": ["labelled_frequency"]}, format="json"
    )

    assert saved.status_code == 201, saved.json()
    findings = {f["code"]: f for f in saved.json()["findings"]}
    assert findings["labelled_frequency"]["severity"] == "critical"
    assert findings["labelled_frequency"]["source"] == "FDA-ALN"


def test_a_check_before_saving_names_what_saving_would_bring(alice_api, three_supplements):
    response = alice_api.post(
        "/api/v1/plan/check", plan_body("Alendronate 70 mg (weekly)"), format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    [confirm] = body["needs_confirmation"]
    assert confirm["code"] == "labelled_frequency" and confirm["needs_confirmation"] is True
    codes = {f["code"] for f in body["findings"]}
    assert {"labelled_frequency", "bisphosphonate_window", "calcium_per_moment"} <= codes
    assert not Regimen.objects.filter(product__name="Alendronate 70 mg (weekly)").exists()


def test_a_check_of_a_change_to_a_plan(alice_api, three_supplements):
    calcium = three_supplements["Calcium carbonate 500 mg"]

    response = alice_api.post(
        "/api/v1/plan/check",
        {"regimen": str(calcium.id), "servings_per_dose": "1"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert "calcium_per_moment" not in {f["code"] for f in response.json()["findings"]}
    calcium.refresh_from_db()
    assert str(calcium.servings_per_dose) == "2.00"


def test_another_members_plan_cannot_be_checked(bob_api, three_supplements):
    calcium = three_supplements["Calcium carbonate 500 mg"]

    response = bob_api.post("/api/v1/plan/check", {"regimen": str(calcium.id)}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "regimen"


def test_the_suggested_day_and_applying_it_in_one_step(alice, alice_api, three_supplements):
    alice_api.post(
        "/api/v1/regimens",
        {**plan_body("Alendronate 70 mg (weekly)"), "confirmed_findings": ["labelled_frequency"]},
        format="json",
    )

    day = alice_api.get("/api/v1/plan/day").json()

    by_product = {
        dose["product"]: [(m["at"], m["label"], dose["servings"])]
        for m in day["moments"]
        for dose in m["doses"]
    }
    assert by_product["Alendronate 70 mg (weekly)"] == [("07:00", "On waking", 1.0)]
    times = [
        (m["at"], d["servings"])
        for m in day["moments"]
        for d in m["doses"]
        if d["product"] == "Calcium carbonate 500 mg"
    ]
    assert times == [("07:30", 1.0), ("18:30", 1.0)]
    assert day["usual_day"] == {
        "wake": "07:00",
        "breakfast": "07:30",
        "lunch": "12:30",
        "dinner": "18:30",
        "bed": "22:30",
    }
    assert len(day["changes"]) == 4

    applied = alice_api.post("/api/v1/plan/apply", {}, format="json")

    assert applied.status_code == 200, applied.json()
    assert applied.json()["changes"] == []
    calcium = three_supplements["Calcium carbonate 500 mg"]
    calcium.refresh_from_db()
    assert (calcium.times, str(calcium.servings_per_dose)) == (["07:30", "18:30"], "1.00")
    assert calcium.schedules.count() == 2  # the old schedule is kept as history
    warnings = {f["code"] for f in applied.json()["findings"] if f["severity"] != "info"}
    assert warnings == {"labelled_frequency"}


def test_the_day_follows_the_members_usual_day(alice, alice_api, three_supplements):
    response = alice_api.patch(
        "/api/v1/profile",
        {"wake_time": "06:00", "breakfast_time": "06:45", "lunch_time": None},
        format="json",
    )
    assert response.status_code == 200, response.json()

    day = alice_api.get("/api/v1/plan/day", {"date": "2026-12-07"}).json()

    assert [m["at"] for m in day["moments"]] == ["06:45", "18:30"]
    assert day["date"] == "2026-12-07"


def test_a_usual_day_out_of_order_is_refused(alice_api):
    response = alice_api.patch(
        "/api/v1/profile", {"lunch_time": "19:00", "dinner_time": "18:00"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "lunch_time"


def test_a_sync_push_of_an_unconfirmed_critical_plan_is_refused_by_record(
    alice, alice_api, three_supplements
):
    cursor = pull(alice_api)["timestamp"]
    row = {
        "id": str(uuid.uuid4()),
        "product_id": str(catalogue("Alendronate 70 mg (weekly)").id),
        "servings_per_dose": 1,
        "schedule_kind": "daily",
        "times": '["08:00"]',
        "weekdays": "[]",
        "start_date": START,
        "note": "",
        "confirmed_findings": "[]",
    }
    changes = {"regimens": {"created": [row], "updated": [], "deleted": []}}

    body = push(alice_api, cursor, changes, status=400)

    [error] = body["errors"]
    assert error["code"] == "confirmation_required"
    assert error["attr"] == f"regimens.{row['id']}.confirmed_findings"

    row["confirmed_findings"] = '["labelled_frequency"]'
    push(alice_api, cursor, changes)
    pulled = pull(alice_api, cursor)["changes"]["regimens"]["updated"]
    assert json.loads(next(r for r in pulled if r["id"] == row["id"])["confirmed_findings"]) == [
        "labelled_frequency"
    ]


def test_an_existing_situation_never_blocks_an_edit(alice, three_supplements):
    services.create_regimen(
        alice,
        {
            "product": catalogue("Alendronate 70 mg (weekly)"),
            "schedule_kind": "daily",
            "times": ["08:00"],
            "start_date": dt.date(2026, 11, 1),
            "confirmed_findings": ["labelled_frequency"],
        },
    )
    k2 = three_supplements["Vitamin K2 MK-7 90 mcg"]

    services.update_regimen(k2, {"note": "with breakfast"})

    k2.refresh_from_db()
    assert k2.note == "with breakfast"


def test_adding_warfarin_beside_vitamin_k_asks_too(alice, alice_api, three_supplements):
    body = plan_body("Warfarin 1 mg", times=["18:00"])

    refused = alice_api.post("/api/v1/regimens", body, format="json")

    assert refused.json()["errors"][0]["code"] == "confirmation_required"
    assert "counteracts warfarin" in refused.json()["errors"][0]["detail"]
    saved = alice_api.post(
        "/api/v1/regimens", {**body, "confirmed_findings": ["vitamin_k_with_vka"]}, format="json"
    )
    assert saved.status_code == 201


def test_the_plan_endpoints_refuse_hostile_input(alice_api):
    for path, payload in (
        ("/api/v1/plan/check", {"regimen": "not-a-uuid"}),
        ("/api/v1/plan/check", {"confirmed_findings": ["x" * 49]}),
        ("/api/v1/plan/check", {"confirmed_findings": "labelled_frequency"}),
        ("/api/v1/plan/apply", {"date": "20261203"}),
    ):
        response = alice_api.post(path, payload, format="json")
        assert response.status_code == 400, (path, response.json())
    assert alice_api.get("/api/v1/plan/day", {"date": "2026-02-30"}).status_code == 400


def test_the_day_costs_a_constant_number_of_queries(
    alice, alice_api, three_supplements, django_assert_max_num_queries
):
    for n in range(6):
        services.create_regimen(
            alice,
            {
                "product": catalogue("Magnesium bisglycinate 100 mg"),
                "schedule_kind": "daily",
                "times": [f"{10 + n}:00"],
                "start_date": timezone.localdate(),
            },
        )

    with django_assert_max_num_queries(14):
        response = alice_api.get("/api/v1/plan/day")

    assert response.status_code == 200
