"""One accepted text form per wire type, in REST as in sync: dates "YYYY-MM-DD", local
clock times "HH:MM". Python's fromisoformat would take more and silently drop parts."""

from __future__ import annotations

import datetime as dt

import pytest

from backend import formats
from tracking.models import Product

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text",
    [
        "19500228",
        "1950-2-28",
        "1950-02-30",
        "1950-02-28T00:00",
        " 1950-02-28",
        "\u0662\u0660\u0662\u0666-\u0660\u0661-\u0660\u0661",
    ],
)
def test_only_a_calendar_date_in_one_form_is_a_date(text):
    with pytest.raises(ValueError):
        formats.parse_date(text)


@pytest.mark.parametrize(
    "text", ["08:00+05:00", "09:15:59.999999", "09:15:59", "9:15", "24:00", "08:00Z", "0800"]
)
def test_only_hh_mm_is_a_clock_time(text):
    with pytest.raises(ValueError):
        formats.parse_clock_time(text)


def test_the_accepted_forms_read_as_themselves():
    assert formats.parse_date("2024-02-29") == dt.date(2024, 2, 29)
    assert formats.parse_clock_time("23:59") == dt.time(23, 59)


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("reminder_time", "08:00+05:00"),
        ("reminder_time", "09:15:59.999999"),
        ("date_of_birth", "19500228"),
    ],
)
def test_the_profile_api_refuses_other_forms(alice_api, field, text):
    response = alice_api.patch("/api/v1/profile", {field: text}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == field


def test_the_plan_api_refuses_a_compact_date(alice_api):
    product = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner__isnull=True)
    body = {
        "product": str(product.id),
        "schedule_kind": "daily",
        "times": ["08:00"],
        "start_date": "20261101",
    }

    response = alice_api.post("/api/v1/regimens", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "start_date"


def test_times_come_back_in_the_form_they_are_taken(alice_api):
    response = alice_api.patch("/api/v1/profile", {"reminder_time": "07:30"}, format="json")

    assert response.json()["reminder_time"] == "07:30"
