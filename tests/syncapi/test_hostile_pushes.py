"""Each input that once answered 500, was wrongly accepted, or left a device stuck (issue
13), as a client sends it: a 4xx in the shared shape naming the record, and nothing
written. tests/fuzz/test_hostile_generator.py generates the whole family."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from syncapi.registry import SCHEMA_VERSION
from tracking import services
from tracking.models import IntakeLog, Product, Regimen

from ..factories import FlagFactory
from ..fuzz.snapshot import database_snapshot
from .test_sync_protocol import log_row, pull, push

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(alice):
    product = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner__isnull=True)
    fields = {"product": product, "schedule_kind": "daily", "times": ["08:00"]}
    return services.create_regimen(alice, {**fields, "start_date": dt.date(2026, 11, 1)})


@pytest.fixture
def cursor(alice_api, plan) -> int:
    return pull(alice_api)["timestamp"]


def created(table: str, *records: dict) -> dict:
    return {table: {"created": list(records), "updated": [], "deleted": []}}


def updated(table: str, *records: dict) -> dict:
    return {table: {"created": [], "updated": list(records), "deleted": []}}


def regimen_row(plan, **values) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "product_id": str(plan.product_id),
        "servings_per_dose": 1,
        "schedule_kind": "daily",
        "times": '["08:00"]',
        "weekdays": "[]",
        "day_of_month": None,
        "interval_days": None,
        "start_date": "2026-11-02",
        "end_date": None,
        "note": "",
        **values,
    }


def product_row(**values) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "name": "Own calcium",
        "brand": "",
        "kind": "supplement",
        "drug_class": "",
        "drug": "",
        "release": "immediate",
        "strength_mg": None,
        "serving_unit": "tablet",
        "notes": "",
        "ingredients": '[{"nutrient": "calcium", "amount": 500, "form": "carbonate"}]',
        **values,
    }


def refused(api, cursor, changes, status=400) -> list[dict]:
    """Push, expect a refusal, and prove nothing in the database changed."""
    before = database_snapshot()
    body = push(api, cursor, changes, status=status)
    assert database_snapshot() == before
    assert body["type"] in ("validation_error", "client_error")
    return body["errors"]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- Deep nesting, anywhere JSON is read ------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/api/v1/auth/token", "/api/v1/products", "/api/v1/sync/push?last_pulled_at=1"]
)
@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_a_deeply_nested_body_is_a_parse_error_on_any_endpoint(alice_api, path, opener):
    closer = "]" if opener == "[" else "}"
    body = opener * 5000 + "1" + closer * 5000
    before = database_snapshot()

    response = alice_api.post(path, data=body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["code"] == "parse_error"
    assert database_snapshot() == before


@pytest.mark.parametrize("migration", ["1e400", nested(3000), '{"from": 1e400}', '{"from": 1.5}'])
def test_a_hostile_migration_parameter_is_a_400(alice_api, migration):
    response = alice_api.get(
        "/api/v1/sync/pull", {"last_pulled_at": "null", "migration": migration}
    )

    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["attr"] == "migration"


# --- Values past their column -----------------------------------------------------------
@pytest.mark.parametrize(
    "raw_body",
    [
        # 1e400 is not a finite number: refused with the body, before any record is read.
        '{"changes": {"regimens": {"created": [], "updated": [{"id": "%s", '
        '"interval_days": 1e400}], "deleted": []}}}',
    ],
)
def test_an_infinite_number_refuses_the_body(alice_api, cursor, plan, raw_body):
    before = database_snapshot()

    response = alice_api.post(
        f"/api/v1/sync/push?last_pulled_at={cursor}",
        data=raw_body % plan.id,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"
    assert database_snapshot() == before


@pytest.mark.parametrize(
    ("table", "values", "column"),
    [
        ("regimens", {"schedule_kind": "interval", "interval_days": 1e300}, "interval_days"),
        ("regimens", {"schedule_kind": "interval", "interval_days": 70_000}, "interval_days"),
        ("regimens", {"servings_per_dose": 12345678.5}, "servings_per_dose"),
        ("regimens", {"servings_per_dose": 1.005}, "servings_per_dose"),
        ("regimens", {"note": "x" * 1001}, "note"),
        ("regimens", {"note": ["a list"]}, "note"),
        ("regimens", {"product_id": {"an": "object"}}, "product_id"),
        ("regimens", {"times": nested(40)}, "times"),
        ("regimens", {"start_date": "19500228"}, "start_date"),
        ("regimens", {"start_date": "2026-11-02T00:00:00"}, "start_date"),
        ("intake_logs", {"servings": 1e300}, "servings"),
        ("intake_logs", {"taken_at": 1e300}, "taken_at"),
        ("intake_logs", {"taken_at": 1.5}, "taken_at"),
        ("intake_logs", {"status": "x" * 9}, "status"),
        ("intake_logs", {"source": ["app"]}, "source"),
        ("products", {"name": "x" * 121}, "name"),
        ("products", {"brand": "x" * 81}, "brand"),
        ("products", {"strength_mg": 123456.0}, "strength_mg"),
        ("products", {"notes": "x" * 2001}, "notes"),
    ],
)
def test_a_value_its_column_cannot_hold_is_refused_by_name(
    alice_api, cursor, plan, table, values, column
):
    row = {
        "regimens": lambda: regimen_row(plan, **values),
        "intake_logs": lambda: log_row(plan, **values),
        "products": lambda: product_row(**values),
    }[table]()

    [error] = refused(alice_api, cursor, created(table, row))

    assert error["attr"] == f"{table}.{row['id']}.{column}", error


@pytest.mark.parametrize(
    ("values", "column"),
    [
        ({"reminder_weekday": 1e300}, "reminder_weekday"),
        ({"reminder_weekday": 8}, "reminder_weekday"),
        ({"reminder_time": "08:00+05:00"}, "reminder_time"),
        ({"reminder_time": "09:15:59.999999"}, "reminder_time"),
        ({"reminder_time": "9:15"}, "reminder_time"),
        ({"timezone": "x" * 65}, "timezone"),
        ({"weight_kg": 4000.0}, "weight_kg"),
        ({"date_of_birth": "19500228"}, "date_of_birth"),
    ],
)
def test_a_profile_value_its_column_cannot_hold_is_refused(
    alice, alice_api, cursor, values, column
):
    [error] = refused(alice_api, cursor, updated("profiles", {"id": str(alice.id), **values}))

    assert error["attr"] == f"profiles.{alice.id}.{column}"


def test_sync_refuses_the_profile_rules_rest_refuses(alice, alice_api, cursor):
    errors = refused(
        alice_api,
        cursor,
        updated("profiles", {"id": str(alice.id), "sex": "male", "pregnant": True}),
    )

    assert "female reference intakes" in errors[0]["detail"]


def test_sync_and_rest_share_the_note_limit(alice, alice_api, cursor, plan):
    longest = log_row(plan, note="x" * 1000)
    push(alice_api, cursor, created("intake_logs", longest))

    too_long = log_row(plan, note="x" * 1001)
    [error] = refused(alice_api, pull(alice_api)["timestamp"], created("intake_logs", too_long))
    rest = alice_api.post(
        "/api/v1/intakes",
        {"regimen": str(plan.id), "taken_at": timezone.now().isoformat(), "note": "x" * 1001},
        format="json",
    )

    assert error["attr"].endswith(".note") and "1,000" in error["detail"]
    assert rest.status_code == 400 and rest.json()["errors"][0]["attr"] == "note"
    assert IntakeLog.objects.get(id=longest["id"]).note == "x" * 1000


def test_a_dose_with_no_product_is_refused_not_a_500(alice_api, cursor, plan):
    row = log_row(plan, regimen_id=None)
    del row["product_id"]

    [error] = refused(alice_api, cursor, created("intake_logs", row))

    assert error["attr"] == f"intake_logs.{row['id']}.product_id"


def test_a_product_with_a_nutrient_twice_is_refused(alice_api, cursor):
    twice = json.dumps([{"nutrient": "calcium", "amount": 500}] * 2)
    row = product_row(ingredients=twice)

    [error] = refused(alice_api, cursor, created("products", row))

    assert error["attr"] == f"products.{row['id']}.ingredients"
    assert "once" in error["detail"]


@pytest.mark.parametrize(
    "ingredients",
    [
        '[{"nutrient": ["calcium"], "amount": 500}]',
        '[{"nutrient": "calcium", "amount": 1e30}]',
        '[{"nutrient": "calcium", "amount": "500"}]',
        '[{"nutrient": "calcium", "amount": 500, "form": "x"}]'.replace(
            '"x"', '"' + "x" * 61 + '"'
        ),
        json.dumps([{"nutrient": "calcium", "amount": 1}] * 31),
    ],
)
def test_hostile_ingredients_are_refused(alice_api, cursor, ingredients):
    row = product_row(ingredients=ingredients)

    [error] = refused(alice_api, cursor, created("products", row))

    assert error["attr"] == f"products.{row['id']}.ingredients"


# --- One push, one record once -----------------------------------------------------------
def test_the_same_id_twice_in_one_push_is_refused(alice_api, cursor, plan):
    row = log_row(plan)
    changes = {"intake_logs": {"created": [row, dict(row)], "updated": [dict(row)], "deleted": []}}

    errors = refused(alice_api, cursor, changes)

    assert {e["code"] for e in errors} == {"duplicate_id"}
    assert {e["attr"] for e in errors} == {f"intake_logs.{row['id']}"}


# --- Ids in one spelling --------------------------------------------------------------
@pytest.mark.parametrize(
    "spell",
    [
        str.upper,
        lambda text: "{" + text + "}",
        lambda text: "urn:uuid:" + text,
        lambda t: t.replace("-", ""),
    ],
)
def test_a_non_canonical_id_is_refused_never_re_keyed(alice_api, cursor, plan, spell):
    row = log_row(plan)
    row["id"] = spell(row["id"])

    [error] = refused(alice_api, cursor, created("intake_logs", row))

    assert error["code"] == "invalid_id"
    assert IntakeLog.objects.count() == 0


def test_a_non_canonical_reference_is_refused(alice_api, cursor, plan):
    row = log_row(plan, regimen_id=str(plan.id).upper())

    [error] = refused(alice_api, cursor, created("intake_logs", row))

    assert error["attr"] == f"intake_logs.{row['id']}.regimen_id"


# --- Cursors and versions ---------------------------------------------------------------
def test_a_push_with_a_cursor_ahead_of_the_server_is_sent_to_resync(alice, alice_api, plan):
    honest = pull(alice_api)["timestamp"]
    services.update_regimen(plan, {"note": "from the web"})
    change = updated("regimens", regimen_row(plan, id=str(plan.id), note="phone"))
    push(alice_api, honest, change, status=409)

    [error] = refused(alice_api, honest + 1000, change, status=410)

    assert error["code"] == "resync_required"
    assert Regimen.objects.get(id=plan.id).note == "from the web"


@pytest.mark.parametrize("cursor_text", ["1e400", "9" * 30, "-1", "1.5", "١٢"])
def test_a_cursor_that_is_no_clock_value_is_a_400(alice_api, cursor_text):
    response = alice_api.post(
        f"/api/v1/sync/push?last_pulled_at={cursor_text}", {"changes": {}}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "last_pulled_at"


@pytest.mark.parametrize("version", [str(SCHEMA_VERSION + 1), "99999999999999999999", "1e3"])
def test_a_schema_version_the_server_does_not_speak_is_refused(alice_api, version):
    response = alice_api.get(
        "/api/v1/sync/pull", {"last_pulled_at": "null", "schema_version": version}
    )

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["attr"] == "schema_version"
    assert error["code"] in ("schema_unsupported", "invalid")


def test_a_newer_app_is_told_so(alice_api):
    response = alice_api.get(
        "/api/v1/sync/pull", {"last_pulled_at": "null", "schema_version": SCHEMA_VERSION + 1}
    )

    assert response.json()["errors"][0]["code"] == "schema_unsupported"


# --- Computed tables ---------------------------------------------------------------------
def test_a_local_edit_of_a_computed_table_names_each_record(alice, alice_api, cursor):
    flag = FlagFactory(member=alice)

    errors = refused(
        alice_api,
        pull(alice_api)["timestamp"],
        updated("flags", {"id": str(flag.id), "title": "edited on the phone"}),
    )

    assert errors == [
        {
            "code": "read_only",
            "detail": "flags is computed by the server and cannot be changed.",
            "attr": f"flags.{flag.id}",
        }
    ]


# --- Delete wins ----------------------------------------------------------------------------
def test_a_push_of_a_record_deleted_on_the_server_resolves_as_delete_wins(alice, alice_api, plan):
    log, _ = services.log_intake(alice, {"regimen": plan, "taken_at": timezone.now()})
    services.delete_intake(log)
    # The device lost its tombstones (after a 410 it pulled from null) and edits the dose.
    cursor = pull(alice_api)["timestamp"]
    edit = log_row(plan, id=str(log.id), note="edited offline")

    push(alice_api, cursor, updated("intake_logs", edit))

    stored = IntakeLog.objects.get(id=log.id)
    assert stored.deleted_at is not None and stored.note == ""
    assert pull(alice_api, cursor)["changes"]["intake_logs"]["deleted"] == [str(log.id)]
    # The next push of the same record (say, the response was lost) is just as final.
    push(alice_api, pull(alice_api)["timestamp"], updated("intake_logs", edit))
    assert IntakeLog.objects.get(id=log.id).deleted_at is not None


def test_delete_wins_for_plans_and_products_too(alice, alice_api, plan):
    product = services.create_product(
        alice, {"name": "Own D3", "kind": "supplement", "serving_unit": "capsule"}, []
    )
    services.end_regimen(plan)
    services.delete_product(product)
    cursor = pull(alice_api)["timestamp"]
    changes = {
        **updated("regimens", regimen_row(plan, id=str(plan.id), note="offline edit")),
        **updated("products", product_row(id=str(product.id), name="Renamed")),
    }

    push(alice_api, cursor, changes)

    deleted = pull(alice_api, cursor)["changes"]
    assert deleted["regimens"]["deleted"] == [str(plan.id)]
    assert deleted["products"]["deleted"] == [str(product.id)]
    assert Product.objects.get(id=product.id).name == "Own D3"
