"""A generator of hostile sync pushes and REST bodies, run against the real views.

Each example starts from records and bodies the server accepts, then breaks them the ways
clients do: a column set to a value on or past one of its declared edges (tests/fuzz/
hostile.py derives those from the model fields), a wrong type, deep nesting, a misspelt
or foreign id, a field dropped or invented, a record twice in one push, containers of the
wrong kind, a cursor the server never gave. What must hold for every one:

- no 5xx, and every refusal in the shared error shape;
- after a refused request the database is byte-for-byte what it was;
- after an accepted push the device can still pull (it is never stuck).

The example budget is CI-sized; OSSA_FUZZ_EXAMPLES runs it longer by hand
(bench/RESULTS.md, "Hostile input generator").
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import uuid

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.models import Profile
from sync.models import SyncClock
from syncapi.registry import TABLES
from tracking.models import Ingredient, IntakeLog, Product, Regimen

from .conftest import FuzzMember
from .hostile import NESTING, WRONG_TYPES, edge_values, id_spellings, nested_text
from .snapshot import database_snapshot

EXAMPLES = int(os.environ.get("OSSA_FUZZ_EXAMPLES", "120"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WRITABLE = [name for name, table in TABLES.items() if not table.read_only]
ID_COLUMNS = {"product_id", "regimen_id"}


def api_for(member: FuzzMember) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {member.token}")
    return client


def send(api: APIClient, method: str, path: str, body) -> tuple[int, dict | None]:
    """One request, checked: no 5xx, refusals in the error shape and changing nothing."""
    before = database_snapshot()
    with transaction.atomic():  # a database error cannot poison the test's transaction
        if isinstance(body, bytes | str):
            response = api.generic(method, path, body, content_type="application/json")
        else:
            response = api.generic(method, path, _json(body), content_type="application/json")
    assert response.status_code < 500, (method, path, body, response.content[:500])
    payload = response.json() if response.content else None
    if response.status_code >= 400:
        _assert_error_shape(payload, response)
        assert database_snapshot() == before, (method, path, body, payload)
    return response.status_code, payload


def _json(body) -> bytes:
    import json

    return json.dumps(body, allow_nan=False).encode()


def _assert_error_shape(payload, response) -> None:
    assert isinstance(payload, dict), response.content[:300]
    assert payload["type"] in ("validation_error", "client_error"), payload
    assert payload["errors"], payload
    for error in payload["errors"]:
        assert set(error) == {"code", "detail", "attr"}, error
        assert isinstance(error["code"], str) and error["code"], error
        assert isinstance(error["detail"], str) and error["detail"], error
        assert error["attr"] is None or isinstance(error["attr"], str), error


# --- Sync pushes ------------------------------------------------------------------------
def base_records(member: FuzzMember, fresh: uuid.UUID) -> dict[str, tuple[str, dict]]:
    """One record per writable table that a push accepts: (kind, record)."""
    product, own = member.ids["products"][1], member.ids["products"][0]
    taken = int((dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).timestamp()) * 1000
    return {
        "products": (
            "updated",
            {
                "id": own,
                "name": "Own D3",
                "kind": "supplement",
                "serving_unit": "capsule",
                "ingredients": '[{"nutrient": "d3", "amount": 25, "form": ""}]',
            },
        ),
        "regimens": (
            "created",
            {
                "id": str(fresh),
                "product_id": product,
                "servings_per_dose": 1,
                "schedule_kind": "daily",
                "times": '["08:00"]',
                "weekdays": "[]",
                "day_of_month": None,
                "interval_days": None,
                "start_date": dt.date.today().isoformat(),
                "end_date": None,
                "note": "",
            },
        ),
        "intake_logs": (
            "created",
            {
                "id": str(fresh),
                "regimen_id": member.ids["regimens"][0],
                "product_id": product,
                "servings": 1,
                "taken_at": taken,
                "status": "taken",
                "note": "",
                "source": "app",
                "_status": "created",
                "_changed": "",
            },
        ),
        "profiles": ("updated", {"id": str(member.user.id), "reminder_time": "18:00"}),
        "notifications": ("updated", {"id": member.ids["notifications"][0], "read_at": taken}),
        "stock_events": (
            "created",
            {
                "id": str(fresh),
                "regimen_id": member.ids["regimens"][0],
                "kind": "count",
                "servings": 30,
                "at": taken,
                "note": "",
            },
        ),
    }


def _column_values(table: str, column: str, member: FuzzMember) -> list:
    if column in ID_COLUMNS or column == "id":
        real = member.ids["regimens" if column == "regimen_id" else "products"][0]
        foreign = member.others["products"][0]
        return [*id_spellings(real), foreign, *WRONG_TYPES]
    col = next(c for c in TABLES[table].columns if c.name == column)
    if col.load is not None:  # ingredients: JSON text of Ingredient rows
        return [*_ingredient_texts(), *edge_values(Ingredient._meta.get_field("form"))]
    values = edge_values(TABLES[table].model._meta.get_field(col.attr))
    if col.codec.name == "json":
        values += [nested_text(3000), "[]", '["08:00"]', "[1, 7]", "[0, 8]", "[1e999]"]
    return values


def _ingredient_texts() -> list[str]:
    return [
        '[{"nutrient": "calcium", "amount": 500}, {"nutrient": "calcium", "amount": 1}]',
        '[{"nutrient": ["calcium"], "amount": 1}]',
        '[{"nutrient": "calcium", "amount": 1e30}]',
        '[{"nutrient": "calcium", "amount": 123456.789}]',
        '[{"nutrient": "calcium", "amount": 0.0001}]',
        '[{"nutrient": "calcium", "amount": true}]',
        '[{"nutrient": "nope", "amount": 1}]',
        '[{"nutrient": "calcium", "amount": 1, "form": "' + "f" * 61 + '"}]',
        "[" + ",".join('{"nutrient": "calcium", "amount": 1}' for _ in range(31)) + "]",
        '[[{"nutrient": "calcium"}]]',
        "[1]",
    ]


@st.composite
def mutations(draw, table: str, member: FuzzMember) -> list[tuple]:
    columns = ["id", *(c.name for c in TABLES[table].writable_columns)]
    found = []
    for _ in range(draw(st.integers(0, 3))):
        column = draw(st.sampled_from(columns))
        action = draw(st.sampled_from(["set", "set", "set", "drop", "extra"]))
        if action == "set":
            value = draw(st.sampled_from(_column_values(table, column, member)))
            found.append(("set", column, value))
        elif action == "drop":
            found.append(("drop", column, None))
        else:
            name = draw(st.sampled_from(["_status", "server_version", "member_id", "x" * 300]))
            found.append(("extra", name, draw(st.sampled_from(WRONG_TYPES + NESTING))))
    return found


def _apply(record: dict, changes: list[tuple]) -> dict:
    record = copy.deepcopy(record)
    for action, column, value in changes:
        if action == "drop":
            record.pop(column, None)
        else:
            record[column] = value
    return record


@st.composite
def hostile_pushes(draw, member: FuzzMember) -> tuple[str, object]:
    tables = draw(st.lists(st.sampled_from(WRITABLE), min_size=1, max_size=3, unique=True))
    changes: dict = {}
    for table in tables:
        kind, record = base_records(member, draw(st.uuids(version=4)))[table]
        record = _apply(record, draw(mutations(table, member)))
        lists = {"created": [], "updated": [], "deleted": []}
        lists[kind].append(record)
        twice = draw(st.sampled_from([None, None, "created", "updated", "deleted"]))
        if twice:
            lists[twice].append(record.get("id") if twice == "deleted" else dict(record))
        shape = draw(st.sampled_from(["lists"] * 6 + ["missing", "scalar", "dict", "list"]))
        changes[table] = _shaped(lists, shape)
    envelope = draw(st.sampled_from(["plain"] * 8 + ["unknown_table", "list", "no_changes"]))
    body = _enveloped(changes, envelope)
    cursor = draw(st.sampled_from(["current"] * 4 + ["zero", "ahead", "null", "huge", "junk"]))
    return cursor, body


def _shaped(lists: dict, shape: str):
    if shape == "missing":
        return {key: value for key, value in lists.items() if value}
    if shape == "scalar":
        return {**lists, "created": "not a list"}
    if shape == "dict":
        return {**lists, "updated": {"a": 1}}
    if shape == "list":
        return [lists]
    return lists


def _enveloped(changes: dict, envelope: str):
    if envelope == "unknown_table":
        return {"changes": {**changes, "x" * 200: {"created": []}}}
    if envelope == "list":
        return {"changes": [changes]}
    if envelope == "no_changes":
        return {"change": changes}
    return {"changes": changes}


def _cursor(member: FuzzMember, label: str) -> str:
    current = SyncClock.objects.get(member=member.user).value
    return {
        "current": str(current),
        "zero": "0",
        "ahead": str(current + 5),
        "null": "null",
        "huge": str(2**63),
        "junk": "1e400",
    }[label]


@FUZZ
@given(data=st.data())
def test_no_hostile_push_is_a_500_or_leaves_a_trace_or_a_stuck_device(fuzz_member, data):
    api = api_for(fuzz_member)
    label, body = data.draw(hostile_pushes(fuzz_member))

    status, payload = send(
        api, "POST", f"/api/v1/sync/push?last_pulled_at={_cursor(fuzz_member, label)}", body
    )

    assert status in (200, 400, 409, 410), (status, payload)
    if status == 200:
        pulled = api.get("/api/v1/sync/pull", {"last_pulled_at": "null", "schema_version": 1})
        assert pulled.status_code == 200, pulled.content[:300]


# --- REST bodies --------------------------------------------------------------------------
def rest_operations(member: FuzzMember) -> list[tuple[str, str, dict, type | None]]:
    """(method, path, a body the server accepts, the model whose fields the body sets)."""
    product, own = member.ids["products"][1], member.ids["products"][0]
    plan, dose = member.ids["regimens"][0], member.ids["intakes"][0]
    taken = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    schedule = {"schedule_kind": "daily", "times": ["08:00"], "start_date": "2026-11-01"}
    ingredients = [{"nutrient": "calcium", "amount": "500", "form": "carbonate"}]
    return [
        (
            "POST",
            "/api/v1/products",
            {"name": "Ca", "kind": "supplement", "ingredients": ingredients},
            Product,
        ),
        (
            "PATCH",
            f"/api/v1/products/{own}",
            {"notes": "with food", "ingredients": ingredients},
            Product,
        ),
        ("POST", "/api/v1/regimens", {"product": product, **schedule}, Regimen),
        ("PATCH", f"/api/v1/regimens/{plan}", {"note": "after breakfast", **schedule}, Regimen),
        ("POST", "/api/v1/intakes", {"regimen": plan, "taken_at": taken}, IntakeLog),
        ("PATCH", f"/api/v1/intakes/{dose}", {"servings": "1.5", "note": "late"}, IntakeLog),
        ("PATCH", "/api/v1/profile", {"reminder_time": "18:00", "weight_kg": "64.5"}, Profile),
        ("POST", "/api/v1/auth/token", {"email": "fuzz@example.com", "password": "wrong"}, None),
        ("POST", "/api/v1/care-links", {"method": "email", "email": "d@example.com"}, None),
    ]


def _rest_values(model: type | None, key: str, member: FuzzMember) -> list:
    if key in ("product", "regimen"):
        return [
            *id_spellings(member.ids["products" if key == "product" else "regimens"][0]),
            *WRONG_TYPES,
        ]
    if key == "ingredients":
        return [
            [{"nutrient": "calcium", "amount": 1}] * 2,
            [{"nutrient": "calcium", "amount": 1e300}],
            [{"nutrient": ["calcium"], "amount": 1}],
            [{"nutrient": "calcium", "amount": 1, "form": "f" * 61}],
            [{"nutrient": "calcium", "amount": 1}] * 31,
            [[{"nutrient": "calcium"}]],
            *WRONG_TYPES,
            *NESTING,
        ]
    if key in ("times", "weekdays"):
        return [
            ["24:00"],
            ["08:00"] * 13,
            ["08:00:00"],
            [1, 8],
            [2**64],
            list(range(20)),
            *WRONG_TYPES,
            *NESTING,
        ]
    try:
        field = model._meta.get_field(key) if model else None
    except Exception:
        field = None
    return (edge_values(field) if field is not None else []) + WRONG_TYPES + NESTING + ["a" * 5000]


@st.composite
def hostile_bodies(draw, member: FuzzMember):
    method, path, body, model = draw(st.sampled_from(rest_operations(member)))
    body = copy.deepcopy(body)
    keys = [*body, "id", "member", "server_version", "deleted_at", "x" * 300]
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["set"] * 5 + ["drop"]))
        if action == "drop":
            body.pop(key, None)
        else:
            body[key] = draw(st.sampled_from(_rest_values(model, key, member)))
    whole = draw(st.sampled_from(["object"] * 8 + ["list", "string", "deep", "not json"]))
    if whole == "list":
        return method, path, [body]
    if whole == "string":
        return method, path, "just a string"
    if whole == "deep":
        return method, path, "[" * 3000 + "]" * 3000
    if whole == "not json":
        return method, path, b"{'python': 'dict'}"
    return method, path, body


@FUZZ
@given(data=st.data())
def test_no_hostile_rest_body_is_a_500_or_leaves_a_trace(fuzz_member, data):
    method, path, body = data.draw(hostile_bodies(fuzz_member))

    status, payload = send(api_for(fuzz_member), method, path, body)

    assert status in (200, 201, 400, 401, 404, 409, 413), (status, payload)


@pytest.mark.parametrize("table", WRITABLE)
def test_the_base_records_are_accepted(fuzz_member, table):
    """Without this, the hostile pushes would be refused for the wrong reason."""
    kind, record = base_records(fuzz_member, uuid.uuid4())[table]
    cursor = SyncClock.objects.get(member=fuzz_member.user).value

    status, payload = send(
        api_for(fuzz_member),
        "POST",
        f"/api/v1/sync/push?last_pulled_at={cursor}",
        {"changes": {table: {kind: [record]}}},
    )

    assert status == 200, payload


def test_the_base_rest_bodies_are_accepted(fuzz_member):
    api = api_for(fuzz_member)
    for method, path, body, _ in rest_operations(fuzz_member):
        status, payload = send(api, method, path, body)
        expected = 400 if path.endswith("/auth/token") else (201 if method == "POST" else 200)
        assert status == expected, (path, payload)
