"""Plans with every schedule kind, their validation, and ending one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tracking.models import IntakeLog, Product, Regimen

from ..factories import IntakeLogFactory, RegimenFactory

pytestmark = pytest.mark.django_db


def catalogue(name: str) -> str:
    return str(Product.objects.get(name=name, owner__isnull=True).id)


def plan(**fields):
    return {"product": catalogue("Vitamin K2 MK-7 90 mcg"), "start_date": "2026-01-01", **fields}


@pytest.mark.parametrize(
    ("schedule", "stored"),
    [
        (
            {"schedule_kind": "daily", "times": ["20:00", "08:00", "08:00"]},
            {"times": ["08:00", "20:00"]},
        ),
        (
            {"schedule_kind": "weekdays", "times": ["07:00"], "weekdays": [5, 1, 3]},
            {"weekdays": [1, 3, 5]},
        ),
        (
            {"schedule_kind": "monthly", "times": ["07:00"], "day_of_month": 31},
            {"day_of_month": 31},
        ),
        (
            {"schedule_kind": "interval", "times": ["09:30"], "interval_days": 3},
            {"interval_days": 3},
        ),
        ({"schedule_kind": "as_needed"}, {"times": [], "weekdays": []}),
    ],
)
def test_each_schedule_kind_is_stored_in_normal_form(alice_api, schedule, stored):
    response = alice_api.post("/api/v1/regimens", plan(**schedule))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in stored} == stored
    assert alice_api.get(f"/api/v1/regimens/{body['id']}").json() == body


def test_fields_a_kind_does_not_use_are_cleared(alice_api):
    response = alice_api.post(
        "/api/v1/regimens",
        plan(schedule_kind="daily", times=["08:00"], weekdays=[1], day_of_month=3),
    )

    assert response.json()["weekdays"] == []
    assert response.json()["day_of_month"] is None


@pytest.mark.parametrize(
    ("fields", "attr"),
    [
        ({"schedule_kind": "daily"}, "times"),
        ({"schedule_kind": "daily", "times": ["25:00"]}, "times"),
        ({"schedule_kind": "daily", "times": ["8am"]}, "times"),
        ({"schedule_kind": "weekdays", "times": ["07:00"], "weekdays": [0, 8]}, "weekdays"),
        ({"schedule_kind": "weekdays", "times": ["07:00"]}, "weekdays"),
        ({"schedule_kind": "monthly", "times": ["07:00"]}, "day_of_month"),
        ({"schedule_kind": "monthly", "times": ["07:00"], "day_of_month": 32}, "day_of_month"),
        ({"schedule_kind": "interval", "times": ["07:00"], "interval_days": 1}, "interval_days"),
        ({"schedule_kind": "fortnightly"}, "schedule_kind"),
        (
            {"schedule_kind": "daily", "times": ["08:00"], "end_date": "2025-12-31"},
            "non_field_errors",
        ),
        (
            {"schedule_kind": "daily", "times": ["08:00"], "servings_per_dose": 0},
            "servings_per_dose",
        ),
        (
            {"schedule_kind": "daily", "times": ["08:00"], "servings_per_dose": 101},
            "servings_per_dose",
        ),
        (
            {"schedule_kind": "daily", "times": ["08:00"], "servings_per_dose": "lots"},
            "servings_per_dose",
        ),
        ({"schedule_kind": "daily", "times": ["08:00"], "product": "not-a-uuid"}, "product"),
        (
            {
                "schedule_kind": "daily",
                "times": ["08:00"],
                "product": "6f1d3c1e-3b0e-4c55-9a53-0b7e2f1d9a10",
            },
            "product",
        ),
    ],
)
def test_bad_plans_are_refused_with_the_field_named(alice_api, alice, fields, attr):
    response = alice_api.post("/api/v1/regimens", plan(**fields))

    assert response.status_code == 400, response.json()
    assert attr in {e["attr"] for e in response.json()["errors"]}, response.json()
    assert not Regimen.objects.filter(member=alice).exists()


def test_a_plan_cannot_use_another_members_product(alice_api, bob):
    bobs = Product.objects.create(owner=bob, name="Bob's D3", kind="supplement")

    response = alice_api.post(
        "/api/v1/regimens", plan(schedule_kind="as_needed", product=str(bobs.id))
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "does_not_exist"


def test_changing_the_schedule_kind_validates_the_whole_schedule(alice_api, alice):
    regimen = RegimenFactory(member=alice)

    refused = alice_api.patch(f"/api/v1/regimens/{regimen.id}", {"schedule_kind": "weekdays"})
    accepted = alice_api.patch(
        f"/api/v1/regimens/{regimen.id}", {"schedule_kind": "weekdays", "weekdays": [7]}
    )

    assert refused.status_code == 400
    assert accepted.status_code == 200
    assert accepted.json()["weekdays"] == [7]
    assert accepted.json()["times"] == ["08:00"]


def test_deleting_a_plan_ends_it_and_keeps_its_history(alice_api, alice):
    log = IntakeLogFactory(member=alice)
    regimen = log.regimen

    response = alice_api.delete(f"/api/v1/regimens/{regimen.id}")

    assert response.status_code == 204
    regimen.refresh_from_db()
    assert regimen.end_date == timezone.localdate()
    assert regimen.deleted_at is not None
    assert IntakeLog.objects.filter(id=log.id, deleted_at__isnull=True).exists()
    assert alice_api.get(f"/api/v1/intakes/{log.id}").status_code == 200
    assert alice_api.get("/api/v1/regimens").json()["count"] == 0


def test_active_filter_shows_plans_running_today(alice_api, alice):
    today = timezone.localdate()
    running = RegimenFactory(member=alice)
    RegimenFactory(
        member=alice,
        start_date=today - dt.timedelta(days=60),
        end_date=today - dt.timedelta(days=1),
    )
    RegimenFactory(member=alice, start_date=today + dt.timedelta(days=5))

    response = alice_api.get("/api/v1/regimens", {"active": "true"})

    assert [r["id"] for r in response.json()["results"]] == [str(running.id)]


def test_every_write_advances_the_members_sync_clock(alice_api, alice):
    alice.sync_clock.refresh_from_db()
    before = alice.sync_clock.value

    created = alice_api.post("/api/v1/regimens", plan(schedule_kind="as_needed")).json()
    alice_api.patch(f"/api/v1/regimens/{created['id']}", {"note": "with dinner"})

    alice.sync_clock.refresh_from_db()
    regimen = Regimen.objects.get(id=created["id"])
    assert alice.sync_clock.value == before + 2
    assert regimen.server_version == alice.sync_clock.value
