"""A member keeps the profile the rules and reminders depend on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ..conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_member_sets_their_profile_and_sees_their_age(alice_api):
    changes = {
        "date_of_birth": "1970-06-15",
        "sex": "female",
        "menopause_status": "post",
        "final_period_date": "2021-03-01",
        "weight_kg": 64.5,
        "timezone": "Pacific/Auckland",
        "reminder_weekday": 1,
        "reminder_time": "07:30",
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "07:00",
    }

    response = alice_api.patch("/api/v1/profile", changes)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["age"] == alice_api.get("/api/v1/profile").json()["age"] >= 55
    assert body["weight_kg"] == 64.5
    assert body["timezone"] == "Pacific/Auckland"
    assert body["reminder_time"] == "07:30"


def test_age_turns_on_the_birthday(alice_api, bob):
    today = timezone.localdate()
    eighteen_today = today.replace(year=today.year - 18)
    bob_api = client_for(bob)

    alice_api.patch("/api/v1/profile", {"date_of_birth": eighteen_today.isoformat()})
    bob_api.patch(
        "/api/v1/profile", {"date_of_birth": (eighteen_today + dt.timedelta(days=1)).isoformat()}
    )

    assert alice_api.get("/api/v1/profile").json()["age"] == 18
    assert bob_api.get("/api/v1/profile").json()["age"] == 17


@pytest.mark.parametrize(
    ("changes", "attr"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"timezone": "+02:00"}, "timezone"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "1800-01-01"}, "date_of_birth"),
        ({"sex": "other"}, "sex"),
        ({"menopause_status": "late"}, "menopause_status"),
        ({"weight_kg": -3}, "weight_kg"),
        ({"weight_kg": 9999}, "weight_kg"),
        ({"reminder_weekday": 0}, "reminder_weekday"),
        ({"reminder_time": "25:00"}, "reminder_time"),
        ({"quiet_hours_start": "22:00"}, "quiet_hours_end"),
        ({"sex": "male", "pregnant": True}, "non_field_errors"),
        ({"pregnant": "sometimes"}, "pregnant"),
    ],
)
def test_bad_profile_values_are_refused_and_nothing_changes(alice_api, alice, changes, attr):
    before = alice_api.get("/api/v1/profile").json()

    response = alice_api.patch("/api/v1/profile", changes)

    assert response.status_code == 400, response.json()
    assert attr in {e["attr"] for e in response.json()["errors"]}
    assert alice_api.get("/api/v1/profile").json() == before


def test_a_profile_change_advances_the_sync_clock(alice_api, alice):
    alice.profile.refresh_from_db()
    before = alice.profile.server_version

    alice_api.patch("/api/v1/profile", {"units": "imperial"})

    alice.profile.refresh_from_db()
    assert alice.profile.server_version > before
