"""Paging through the intake list: every dose once, newest first, both ways, and stable
while new doses arrive. Pages follow a (taken_at, id) cursor; many doses share a time."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.utils import timezone

from tracking.models import IntakeLog

from ..factories import IntakeLogFactory, RegimenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def regimen(alice):
    return RegimenFactory(member=alice)


@pytest.fixture
def doses(alice, regimen) -> list[str]:
    """Eleven live doses, four of them at one moment, and one deleted: ids newest first."""
    noon = timezone.now().replace(microsecond=0) - dt.timedelta(days=1)
    times = [noon - dt.timedelta(hours=h) for h in (0, 1, 2, 3, 5, 8, 13)] + [
        noon - dt.timedelta(hours=2)
    ] * 3
    times.append(noon - dt.timedelta(hours=2, microseconds=1))
    logs = [IntakeLogFactory(member=alice, regimen=regimen, taken_at=t) for t in times]
    deleted = IntakeLogFactory(member=alice, regimen=regimen, taken_at=noon)
    deleted.deleted_at = timezone.now()
    deleted.save()
    newest_first = sorted(logs, key=lambda log: (log.taken_at, log.id), reverse=True)
    return [str(log.id) for log in newest_first]


def walk(api, url, link="next") -> list[list[str]]:
    pages = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.json()
        pages.append([row["id"] for row in response.json()["results"]])
        url = response.json()[link]
    return pages


def test_following_next_shows_every_dose_once_newest_first(alice_api, doses):
    pages = walk(alice_api, "/api/v1/intakes?page_size=3")

    assert [len(page) for page in pages] == [3, 3, 3, 2]
    assert [row for page in pages for row in page] == doses


def test_following_previous_from_the_last_page_shows_the_same_pages(alice_api, doses):
    forward = walk(alice_api, "/api/v1/intakes?page_size=4")
    last = alice_api.get("/api/v1/intakes?page_size=4")
    while last.json()["next"]:
        last = alice_api.get(last.json()["next"])

    backward = walk(alice_api, last.json()["previous"], link="previous")

    assert backward == forward[-2::-1]
    assert alice_api.get("/api/v1/intakes?page_size=4").json()["previous"] is None


def test_pages_stay_put_while_new_doses_arrive(alice_api, alice, regimen, doses):
    first = alice_api.get("/api/v1/intakes?page_size=5").json()
    IntakeLogFactory(member=alice, regimen=regimen, taken_at=timezone.now())

    second = alice_api.get(first["next"]).json()

    assert [row["id"] for row in second["results"]] == doses[5:10]


def test_the_filters_hold_on_every_page(alice_api, alice, regimen, doses):
    IntakeLog.objects.filter(id__in=doses[::2]).update(status="skipped")

    pages = walk(alice_api, "/api/v1/intakes?page_size=2&status=skipped")

    assert [row for page in pages for row in page] == doses[::2]


def test_an_empty_page_of_newer_doses_leads_on_to_the_newest_page(alice_api, doses):
    first = alice_api.get("/api/v1/intakes?page_size=3").json()
    second = alice_api.get(first["next"]).json()
    IntakeLog.objects.filter(id__in=doses[:3]).delete()  # the first page is gone

    back = alice_api.get(second["previous"]).json()
    onwards = alice_api.get(back["next"]).json()

    assert back["results"] == [] and back["previous"] is None
    assert [row["id"] for row in onwards["results"]] == doses[3:6]


@pytest.mark.parametrize(
    "position",
    [
        "2026-01-01T10:00:00|not-a-uuid",
        "2026-01-01T10:00:00|00000000-0000-4000-8000-000000000000",  # no time zone
        "yesterday|00000000-0000-4000-8000-000000000000",
        "2026-01-01T10:00:00+00:00",
        "",
    ],
)
def test_a_cursor_with_a_bad_position_is_404(alice_api, doses, position):
    cursor = base64.b64encode(f"p={position}".encode()).decode()

    response = alice_api.get("/api/v1/intakes", {"cursor": cursor})

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_filtering_by_someone_elses_plan_shows_nothing_and_tells_nothing(alice_api, bob, doses):
    bobs_plan = RegimenFactory(member=bob)
    IntakeLogFactory(member=bob, regimen=bobs_plan)

    theirs = alice_api.get("/api/v1/intakes", {"regimen": str(bobs_plan.id)})
    nobodys = alice_api.get("/api/v1/intakes", {"regimen": "00000000-0000-4000-8000-000000000000"})

    assert theirs.status_code == nobodys.status_code == 200
    assert theirs.json() == nobodys.json() == {"next": None, "previous": None, "results": []}


def test_a_bad_filter_value_is_a_400_naming_the_parameter(alice_api):
    response = alice_api.get("/api/v1/intakes", {"regimen": "plan-1", "status": "maybe"})

    assert response.status_code == 400
    assert {error["attr"] for error in response.json()["errors"]} == {"regimen", "status"}
