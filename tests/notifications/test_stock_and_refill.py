"""Stock and refill: a member counts what they have, doses taken use it, a refill adds to it;
each plan shows what is on hand and the day it runs out, a refill reminder comes once its
notice before that day, the digest names it, and a phone records all of it offline (sync).
Also the REST side of dose reminders: list and snooze."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from contextlib import contextmanager

import pytest
import time_machine

from notifications import digest
from notifications.models import DoseReminder, Notification
from tracking import computation
from tracking.models import Regimen, StockEvent

from ..conftest import client_for
from .conftest import member_in
from .test_dose_reminders import AMSTERDAM, MONDAY, at, beat, log, plan

pytestmark = pytest.mark.django_db

CALCIUM = "Calcium citrate 315 mg"  # a tablet a serving


@pytest.fixture
def alice(eager_tasks):
    return member_in("Europe/Amsterdam", at(MONDAY, "06:00"))


@pytest.fixture
def calcium(alice) -> Regimen:
    return plan(alice, CALCIUM, ["08:00", "20:00"], made=at(MONDAY, "06:00"))


@contextmanager
def signed_in(member, moment: dt.datetime):
    """The member's phone at `moment` (tokens are issued then, so they are valid then)."""
    with time_machine.travel(moment, tick=False):
        yield client_for(member)


def count(api, regimen, servings, kind="count", **fields):
    body = {"regimen": str(regimen.pk), "kind": kind, "servings": servings, **fields}
    return api.post("/api/v1/stock-events", body, format="json")


def stock_of(api, regimen) -> dict | None:
    return api.get(f"/api/v1/regimens/{regimen.pk}").json()["stock"]


def test_doses_taken_use_the_stock_and_a_refill_adds_to_it(alice, calcium):
    with signed_in(alice, at(MONDAY, "07:00")) as api:
        assert stock_of(api, calcium) is None  # until the member first counts
        assert count(api, calcium, 10).status_code == 201
    log(alice, calcium, at(MONDAY, "08:05"))

    with signed_in(alice, at(MONDAY, "09:00")) as api:
        # 9 left; from Tuesday two a day: 7, 5, 3, 1, and Saturday needs two.
        assert stock_of(api, calcium) == {"on_hand": 9.0, "runs_out_on": "2026-11-28"}
        assert count(api, calcium, 60, kind="refill").status_code == 201
        assert stock_of(api, calcium)["on_hand"] == 69.0


def test_a_wrong_entry_is_deleted_and_the_history_before_it_stays(alice, calcium):
    with signed_in(alice, at(MONDAY, "07:00")) as api:
        count(api, calcium, 10)
        wrong = count(api, calcium, 600, kind="refill").json()
        assert api.delete(f"/api/v1/stock-events/{wrong['id']}").status_code == 204

        assert stock_of(api, calcium)["on_hand"] == 10.0
        listed = api.get("/api/v1/stock-events", {"regimen": str(calcium.pk)}).json()["results"]
        assert [(e["kind"], e["servings"]) for e in listed] == [("count", 10.0)]


def test_the_same_entry_sent_twice_is_recorded_once(alice, calcium):
    entry = str(uuid.uuid4())
    with signed_in(alice, at(MONDAY, "07:00")) as api:
        first = count(api, calcium, 10, id=entry)
        again = count(api, calcium, 10, id=entry)

    assert (first.status_code, again.status_code) == (201, 200)
    assert StockEvent.objects.filter(regimen=calcium).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"servings": -1},
        {"servings": 10000},
        {"servings": 1.005},
        {"kind": "stolen"},
        {"note": "x" * 501},
        {"regimen": str(uuid.uuid4())},
    ],
)
def test_a_bad_entry_is_refused_and_changes_nothing(alice, calcium, body):
    fields = {"regimen": str(calcium.pk), "kind": "count", "servings": 10, **body}

    with signed_in(alice, at(MONDAY, "07:00")) as api:
        response = api.post("/api/v1/stock-events", fields, format="json")

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert not StockEvent.objects.exists()


def test_a_refill_reminder_comes_once_its_notice_before_running_out(alice, calcium):
    with signed_in(alice, at(MONDAY, "07:00")) as api:
        count(api, calcium, 20)  # ten days from Tuesday: runs out on Friday 4 December
        computation.recompute([alice.id])  # what the entry asked a worker for
    calcium.refresh_from_db()
    # Seven days before, at the member's reminder time (18:00 by default).
    assert calcium.next_refill_reminder_at == at(dt.date(2026, 11, 27), "18:00")

    # She takes each dose until then: the stock goes as planned.
    for day in range(1, 5):
        for time in ("08:00", "20:00")[: 1 if day == 4 else 2]:
            log(alice, calcium, at(MONDAY + dt.timedelta(days=day), time))
    beat(at(dt.date(2026, 11, 27), "17:59"))
    assert not Notification.objects.filter(kind="refill_reminder").exists()
    beat(at(dt.date(2026, 11, 27), "18:00"))
    beat(at(dt.date(2026, 11, 27), "18:01"))

    [reminder] = Notification.objects.filter(member=alice, kind="refill_reminder")
    assert reminder.title == f"{CALCIUM} runs out on Friday 04 December"
    assert reminder.data["runs_out_on"] == "2026-12-04"


def test_the_digest_names_a_plan_running_out_soon(alice, calcium):
    with signed_in(alice, at(MONDAY, "07:00")) as api:
        count(api, calcium, 6)  # from Monday 30: 4, 2, 0 left, and Thursday needs two

    words = digest.weekly(alice.profile, at(dt.date(2026, 11, 29), "18:00"))["body"]

    assert f"Running out soon at your plans' pace: {CALCIUM} on Thursday 03 December." in words


# --- Offline: stock over sync ---------------------------------------------------------------
def pull(api, schema_version=4, cursor="null") -> dict:
    response = api.get(
        "/api/v1/sync/pull", {"last_pulled_at": cursor, "schema_version": schema_version}
    )
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def push(api, cursor, changes):
    return api.post(
        f"/api/v1/sync/push?last_pulled_at={cursor}", {"changes": changes}, format="json"
    )


def stock_row(regimen, servings, kind="count", **values) -> dict:
    moment = int(at(MONDAY, "07:00").timestamp() * 1000)
    row = {"id": str(uuid.uuid4()), "regimen_id": str(regimen.pk), "kind": kind}
    return {**row, "servings": servings, "at": moment, "note": "", **values}


def test_a_phone_counts_offline_and_the_server_works_out_the_rest(alice, calcium):
    with signed_in(alice, at(MONDAY, "07:30")) as api:
        cursor = pull(api)["timestamp"]
        row = stock_row(calcium, 20)
        response = push(api, cursor, {"stock_events": {"created": [row], "updated": []}})
        assert response.status_code == 200, response.content

        assert stock_of(api, calcium) == {"on_hand": 20.0, "runs_out_on": "2026-12-04"}
        pulled = pull(api)["changes"]["stock_events"]["updated"]
        assert [(r["id"], r["servings"]) for r in pulled] == [(row["id"], 20)]


def test_a_stock_entry_is_history_a_changed_one_is_refused_in_words(alice, calcium):
    with signed_in(alice, at(MONDAY, "07:30")) as api:
        cursor = pull(api)["timestamp"]
        row = stock_row(calcium, 20)
        push(api, cursor, {"stock_events": {"created": [row]}})
        cursor = pull(api)["timestamp"]
        same = push(api, cursor, {"stock_events": {"updated": [row]}})
        changed = push(api, cursor, {"stock_events": {"updated": [{**row, "servings": 25}]}})

    assert same.status_code == 200
    assert changed.status_code == 400
    [error] = changed.json()["errors"]
    assert error["code"] == "immutable" and error["attr"].startswith("stock_events.")
    assert StockEvent.objects.get().servings == 20


def test_an_older_app_gets_neither_stock_nor_reminders(alice, calcium):
    with signed_in(alice, at(MONDAY, "07:30")) as api:
        changes = pull(api, schema_version=3)["changes"]

    assert "stock_events" not in changes and "dose_reminders" not in changes


# --- Dose reminders over REST ---------------------------------------------------------------
@pytest.fixture
def levothyroxine(alice) -> Regimen:
    return plan(alice, "Levothyroxine 50 mcg", ["06:30"], made=at(MONDAY, "06:00"))


def reminded(levothyroxine) -> DoseReminder:
    beat(at(MONDAY, "06:30"))
    return DoseReminder.objects.get(regimen=levothyroxine)


def test_today_lists_the_reminders_and_snoozes_one(alice, levothyroxine):
    reminder = reminded(levothyroxine)

    with signed_in(alice, at(MONDAY, "06:35")) as api:
        [listed] = api.get("/api/v1/dose-reminders").json()["results"]
        snoozed = api.post(f"/api/v1/dose-reminders/{reminder.pk}/snooze", {"minutes": 30})

    assert listed["id"] == str(reminder.pk) and listed["state"] == "sent"
    assert snoozed.status_code == 200, snoozed.content
    until = dt.datetime.fromisoformat(snoozed.json()["snoozed_until"])
    assert until.astimezone(AMSTERDAM).strftime("%H:%M") == "07:05"
    assert snoozed.json()["state"] == "snoozed"


def test_snoozing_to_the_next_meal_uses_the_usual_day(alice, levothyroxine):
    reminder = reminded(levothyroxine)

    with signed_in(alice, at(MONDAY, "06:35")) as api:
        response = api.post(f"/api/v1/dose-reminders/{reminder.pk}/snooze", {"next_meal": True})

    until = dt.datetime.fromisoformat(response.json()["snoozed_until"])
    assert until.astimezone(AMSTERDAM).strftime("%H:%M") == "07:30"  # breakfast


@pytest.mark.parametrize(
    "body", [{}, {"minutes": 15}, {"minutes": 30, "next_meal": True}, {"minutes": "1e400"}]
)
def test_a_snooze_asked_wrongly_is_refused(alice, levothyroxine, body):
    reminder = reminded(levothyroxine)

    with signed_in(alice, at(MONDAY, "06:35")) as api:
        response = api.post(f"/api/v1/dose-reminders/{reminder.pk}/snooze", body, format="json")

    assert response.status_code == 400
    reminder.refresh_from_db()
    assert reminder.state == "sent"


def test_a_logged_dose_cannot_be_snoozed_and_says_why(alice, levothyroxine):
    reminder = reminded(levothyroxine)
    log(alice, levothyroxine, at(MONDAY, "06:40"))

    with signed_in(alice, at(MONDAY, "06:41")) as api:
        response = api.post(f"/api/v1/dose-reminders/{reminder.pk}/snooze", {"minutes": 10})

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "snooze_refused"


def test_reminder_settings_are_refused_past_their_range(alice):
    api = client_for(alice)  # today: the member was made in the past
    too_long = api.patch("/api/v1/profile", {"follow_up_minutes": 500}, format="json")
    zone = api.patch("/api/v1/profile", {"phone_timezone": "Mars/Olympus"}, format="json")
    fine = api.patch(
        "/api/v1/profile", {"reminder_zone": "phone", "follow_up_minutes": 45}, format="json"
    )

    assert (too_long.status_code, zone.status_code, fine.status_code) == (400, 400, 200)
    assert fine.json()["follow_up_minutes"] == 45
