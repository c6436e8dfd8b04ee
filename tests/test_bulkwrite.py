"""Many rows at once (backend/bulkwrite.py: COPY on PostgreSQL, bulk_create elsewhere) read
back as the ORM would have written them."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import transaction

from backend import bulkwrite
from notifications.models import Delivery, Notification
from tracking.models import Flag, NutrientDay

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 20, 0, tzinfo=dt.UTC)


def flag(member, code: str, **values) -> dict:
    return {
        "member_id": member.id,
        "code": code,
        "subject": "",
        "severity": "info",
        "title": "Over 40",
        "explanation": "Vitamin K \u2013 and \u201cquotes\u201d, a tab\there, a backslash \\ too.",
        "evidence": {"age_years": 59, "days": [{"day": "2026-11-17", "mcg": 37.5}]},
        "source": "SEED",
        "audience": "both",
        "first_seen_at": NOW,
        "server_version": 7,
        **values,
    }


def test_new_rows_get_their_defaults_and_read_back_as_written(alice):
    bulkwrite.insert(Flag, [flag(alice, "life_stage_over_40"), flag(alice, "profile_gap_sex")])

    rows = {f.code: f for f in Flag.objects.filter(member=alice)}
    over_40 = rows["life_stage_over_40"]
    assert isinstance(over_40.id, uuid.UUID) and over_40.id != rows["profile_gap_sex"].id
    assert over_40.explanation == flag(alice, "")["explanation"]
    assert over_40.evidence == {"age_years": 59, "days": [{"day": "2026-11-17", "mcg": 37.5}]}
    assert (over_40.first_seen_at, over_40.server_version) == (NOW, 7)
    assert over_40.resolved_at is None and over_40.acknowledged_by_id is None
    assert over_40.created_at is not None and over_40.updated_at is not None


def test_rows_that_name_different_columns_are_written_alike(alice):
    """Rows naming the same columns are copied the fast way; a mix falls back row by row."""
    resolved = flag(alice, "profile_gap_sex", resolved_at=NOW, audience="member")
    bulkwrite.insert(Flag, [flag(alice, "life_stage_over_40"), resolved])

    rows = {f.code: f for f in Flag.objects.filter(member=alice)}
    assert rows["life_stage_over_40"].resolved_at is None
    assert (rows["profile_gap_sex"].resolved_at, rows["profile_gap_sex"].audience) == (
        NOW,
        "member",
    )
    assert rows["profile_gap_sex"].evidence == resolved["evidence"]
    assert rows["life_stage_over_40"].id != rows["profile_gap_sex"].id


def test_an_update_rewrites_only_the_fields_it_names(alice, bob):
    day = {"member_id": alice.id, "day": dt.date(2026, 11, 17), "server_version": 3}
    bulkwrite.insert(NutrientDay, [{**day, "d3": Decimal("25"), "calcium": Decimal("315")}])
    bulkwrite.insert(NutrientDay, [{**day, "member_id": bob.id, "d3": Decimal("10")}])
    stored = NutrientDay.objects.values().get(member=alice)

    changed = {**stored, "d3": Decimal("37.50000"), "calcium": Decimal("1"), "server_version": 4}
    bulkwrite.update(NutrientDay, [changed], ("d3", "server_version"))

    after = NutrientDay.objects.get(member=alice)
    assert (after.d3, after.calcium, after.server_version) == (Decimal("37.5"), Decimal("315"), 4)
    assert NutrientDay.objects.get(member=bob).d3 == Decimal("10")


def inbox_row(member, period: str) -> dict:
    return {
        "id": uuid.uuid4(),
        "member_id": member.id,
        "kind": "dose_reminder",
        "period": period,
        "title": "Levothyroxine",
        "body": "",
        "data": {"dose": 1},
    }


def test_inserted_rows_answer_with_the_columns_asked_and_a_taken_key_is_left_out(
    alice, django_assert_max_num_queries
):
    taken = inbox_row(alice, "dose-1")
    bulkwrite.insert(Notification, [taken])
    rows = [inbox_row(alice, "dose-1"), inbox_row(alice, "dose-2")]

    with transaction.atomic(), django_assert_max_num_queries(5):
        written = bulkwrite.insert_returning(Notification, rows, ["id", "period"], True)

    assert written == [(rows[1]["id"], "dose-2")]
    stored = Notification.objects.get(period="dose-2")
    assert (stored.data, stored.created_at is not None) == ({"dose": 1}, True)
    assert Notification.objects.get(period="dose-1").id == taken["id"]


def test_rows_with_an_automatic_key_answer_with_the_keys_they_got(alice):
    notification = Notification.objects.create(member=alice, kind="dose_reminder", period="p")
    rows = [
        {"notification_id": notification.id, "channel": channel, "status": "pending"}
        for channel in ("in_app", "push")
    ]

    with transaction.atomic():
        written = bulkwrite.insert_returning(Delivery, rows, ["id", "channel"])

    stored = dict(Delivery.objects.values_list("channel", "id"))
    assert sorted(written, key=lambda row: row[1]) == [
        (stored["in_app"], "in_app"),
        (stored["push"], "push"),
    ]


def test_writing_nothing_runs_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        bulkwrite.insert(Flag, [])
        bulkwrite.update(Flag, [], ("title",))
        bulkwrite.insert_returning(Flag, [], ["id"])
