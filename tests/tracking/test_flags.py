"""Flags as members see them: computed context with evidence, history and acknowledgement."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts import services as account_services
from tracking import computation, services
from tracking.models import Flag

from .test_adherence import NOW, catalogue, daily_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_on_warfarin_and_k2(alice):
    account_services.update_profile(
        alice.profile,
        {"timezone": "Europe/Amsterdam", "date_of_birth": dt.date(1958, 3, 2), "sex": "female"},
    )
    daily_plan(alice, name="Warfarin 1 mg", times=("18:00",))
    # The member saw the critical finding when planning K2 and confirmed it.
    k2 = daily_plan(alice, name="Vitamin K2 MK-7 90 mcg", confirmed_findings=["vitamin_k_with_vka"])
    return alice, k2


def flags(api, status: str | None = None) -> list[dict]:
    query = f"?status={status}" if status else ""
    response = api.get(f"/api/v1/flags{query}")
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def by_code(items: list[dict], code: str) -> dict:
    return next(item for item in items if item["code"] == code)


def test_k2_with_a_vitamin_k_antagonist_is_a_critical_flag_with_evidence(
    alice_on_warfarin_and_k2, alice_api
):
    alice, _ = alice_on_warfarin_and_k2
    computation.recompute([alice.id], now=NOW)

    active = flags(alice_api)

    flag = by_code(active, "vitamin_k_with_vka")
    assert flag["severity"] == "critical"
    assert flag["active"] is True
    assert flag["source"] == "ODS-K"
    assert "clinician" in flag["explanation"]
    assert flag["evidence"]
    assert active[0]["severity"] == "critical"  # the most serious first


def test_acknowledgement_survives_recomputation_and_a_resolved_flag_stays_in_history(
    alice_on_warfarin_and_k2, alice_api
):
    alice, k2 = alice_on_warfarin_and_k2
    computation.recompute([alice.id], now=NOW)
    flag = Flag.objects.get(member=alice, code="vitamin_k_with_vka")

    response = alice_api.post(f"/api/v1/flags/{flag.id}/acknowledge")
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == "you"

    computation.recompute([alice.id], now=NOW + dt.timedelta(hours=1))
    flag.refresh_from_db()
    assert flag.acknowledged_at is not None
    assert flag.resolved_at is None

    with time_machine.travel(NOW, tick=False):
        services.end_regimen(k2)
    computation.recompute([alice.id], now=NOW + dt.timedelta(days=40))

    assert "vitamin_k_with_vka" not in {f["code"] for f in flags(alice_api)}
    resolved = by_code(flags(alice_api, "resolved"), "vitamin_k_with_vka")
    assert resolved["active"] is False
    assert resolved["resolved_at"] is not None
    assert resolved["acknowledged_at"] is not None


def test_a_flag_that_comes_back_opens_a_new_episode(alice_on_warfarin_and_k2):
    alice, k2 = alice_on_warfarin_and_k2
    computation.recompute([alice.id], now=NOW)
    with time_machine.travel(NOW, tick=False):
        services.end_regimen(k2)
    computation.recompute([alice.id], now=NOW + dt.timedelta(days=40))
    daily_plan(
        alice,
        start=(NOW + dt.timedelta(days=41)).date(),
        confirmed_findings=["vitamin_k_with_vka"],
    )

    computation.recompute([alice.id], now=NOW + dt.timedelta(days=42))

    episodes = Flag.objects.filter(member=alice, code="vitamin_k_with_vka")
    assert episodes.count() == 2
    assert episodes.filter(resolved_at__isnull=True).count() == 1


def test_members_cannot_see_or_acknowledge_each_others_flags(alice_on_warfarin_and_k2, bob_api):
    alice, _ = alice_on_warfarin_and_k2
    computation.recompute([alice.id], now=NOW)
    flag = Flag.objects.filter(member=alice).first()

    assert flags(bob_api, "all") == []
    assert bob_api.get(f"/api/v1/flags/{flag.id}").status_code == 404
    assert bob_api.post(f"/api/v1/flags/{flag.id}/acknowledge").status_code == 404
    flag.refresh_from_db()
    assert flag.acknowledged_at is None


def test_an_unknown_status_filter_is_a_400(alice_api):
    response = alice_api.get("/api/v1/flags?status=someday")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "status"


def test_a_bisphosphonate_and_calcium_in_its_waiting_window_are_flagged(alice, alice_api):
    account_services.update_profile(alice.profile, {"timezone": "Europe/Amsterdam"})
    alendronate = catalogue("Alendronate 70 mg (weekly)")
    services.create_regimen(
        alice,
        {
            "product": alendronate,
            "schedule_kind": "weekdays",
            "weekdays": [1],
            "times": ["07:00"],
            "start_date": dt.date(2026, 10, 1),
        },
    )
    daily_plan(alice, name="Calcium citrate 315 mg", times=("07:15",))

    computation.recompute([alice.id], now=NOW)

    codes = {f["code"] for f in flags(alice_api)}
    assert {"bisphosphonate_dental", "bisphosphonate_absorption_window"} <= codes
