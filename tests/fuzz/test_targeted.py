"""Where fuzzing from the schema alone cannot reach: each answer is still checked against
the schema with the same checks as test_api_schema.

- Sync push: a hostile value reaches the database only inside an otherwise valid record,
  which random records almost never are; here one column of a valid record at a time gets
  one (NUL characters, huge numbers, wrong types, nested JSON).
- Rate-limited operations: the 429 is turned off for fuzzing (tests/fuzz/conftest.py); here
  each limit is tripped once and its answer checked.
- Binary answers: the PDF report and the CSV and FHIR exports are what they say they are.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync.models import SyncClock
from syncapi.registry import TABLES

from .conftest import FuzzMember
from .loader import SEED, call_and_check, schema

PUSH = schema["/api/v1/sync/push"]["POST"]


def valid_records(member: FuzzMember) -> dict[str, tuple[str, dict]]:
    """One record per writable table that a push accepts as it is: (kind, record)."""
    product = member.ids["products"][0]
    today = dt.date.today().isoformat()
    taken = int((dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).timestamp() * 1000)
    return {
        "products": (
            "created",
            {
                "id": str(uuid.uuid4()),
                "name": "Fuzzed K2",
                "brand": "",
                "kind": "supplement",
                "drug_class": "",
                "drug": "",
                "release": "immediate",
                "strength_mg": None,
                "serving_unit": "capsule",
                "notes": "",
                "ingredients": '[{"nutrient": "k2_mk7", "amount": 90, "form": ""}]',
            },
        ),
        "regimens": (
            "created",
            {
                "id": str(uuid.uuid4()),
                "product_id": product,
                "servings_per_dose": 1,
                "schedule_kind": "daily",
                "times": '["08:00"]',
                "weekdays": "[]",
                "day_of_month": None,
                "interval_days": None,
                "start_date": today,
                "end_date": None,
                "note": "",
            },
        ),
        "intake_logs": (
            "created",
            {
                "id": str(uuid.uuid4()),
                "regimen_id": None,
                "product_id": product,
                "servings": 1,
                "taken_at": taken,
                "status": "taken",
                "note": "",
                "source": "app",
            },
        ),
        "profiles": (
            "updated",
            {"id": str(member.user.profile.id), "sex": "female", "reminder_time": "18:00"},
        ),
        "notifications": ("updated", {"id": member.ids["notifications"][0], "read_at": taken}),
        "stock_events": (
            "created",
            {
                "id": str(uuid.uuid4()),
                "regimen_id": member.ids["regimens"][0],
                "kind": "refill",
                "servings": 30,
                "at": taken,
                "note": "",
            },
        ),
    }


WRITABLE = [
    (table.name, column.name)
    for table in TABLES.values()
    if not table.read_only
    for column in (*table.writable_columns, type("IdColumn", (), {"name": "id"}))
]
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
HOSTILE = st.one_of(
    st.text(max_size=5).map(lambda text: f"{text}\x00{text}"),
    st.sampled_from(
        [
            "\x00",
            "",
            "x" * 5000,
            "2026-02-30",
            "99999-01-01",
            "24:00",
            "08:00+02:00",
            "not json",
            '["\\u0000"]',
            '{"a": [[[[[]]]]]}',
            "[1e999]",
            '[{"nutrient": "k2_mk7", "amount": 1e30, "form": "x"}]',
            '["08:00", 1, null]',
            "[" * 200,
            str(uuid.uuid4()),
            "00000000-0000-0000-0000-000000000000",
        ]
    ),
    JSON_SCALARS,
    st.lists(JSON_SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=3), JSON_SCALARS, max_size=3),
)


@pytest.fixture
def cursor(fuzz_member) -> int:
    """The member's sync clock now: a push of updates is then no conflict."""
    return SyncClock.objects.get(member=fuzz_member.user).value


def test_the_valid_records_are_accepted(fuzz_member, cursor):
    """Without this, the hostile values below would be refused for the wrong reason."""
    for table, (kind, record) in valid_records(fuzz_member).items():
        case = PUSH.Case(
            query={"last_pulled_at": cursor}, body={"changes": {table: {kind: [record]}}}
        )
        response = call_and_check(case, fuzz_member.token)
        assert response.status_code == 200, (table, response.text)


@settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(target=st.sampled_from(WRITABLE), value=HOSTILE, as_list=st.booleans())
def test_a_hostile_value_in_any_pushed_column_is_a_400_at_worst(
    fuzz_member, cursor, target, value, as_list
):
    table, column = target
    kind, record = valid_records(fuzz_member)[table]
    record[column] = value
    # A record that is not an object at all, in place of the record.
    records = [value] if as_list and column == "id" else [record]
    case = PUSH.Case(query={"last_pulled_at": cursor}, body={"changes": {table: {kind: records}}})

    response = call_and_check(case, fuzz_member.token)

    assert response.status_code in (200, 400), response.text


# --- Rate limits: the 429 is documented and in the error shape --------------------------
LIMITED = [
    ("/api/v1/auth/token", "login_ip", {"email": "fuzz@example.com", "password": "wrong"}),
    ("/api/v1/auth/register", "register_ip", {"email": "new@example.com", "password": "x"}),
    ("/api/v1/auth/token/refresh", "refresh_ip", {"refresh": "not-a-token"}),
    ("/api/v1/me/deletion", "login_ip", {"password": "wrong"}),
    ("/api/v1/auth/password", "login_ip", {"current_password": "wrong", "new_password": "x"}),
]


@pytest.mark.parametrize(("path", "scope", "body"), LIMITED, ids=[p for p, _, _ in LIMITED])
def test_a_tripped_limit_answers_a_documented_429(
    redis_url, settings, fuzz_member, path, scope, body
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, scope: "1/hour"}
    case = schema[path]["POST"].Case(body=body)

    call_and_check(case, fuzz_member.token)
    response = call_and_check(case, fuzz_member.token)

    assert response.status_code == 429
    assert response.json()["errors"][0]["code"] == "throttled"
    assert int(response.headers["retry-after"][0]) > 0


# --- Binary answers ---------------------------------------------------------------------
def test_the_report_is_a_pdf(fuzz_member):
    response = call_and_check(schema["/api/v1/report.pdf"]["GET"].Case(), fuzz_member.token)

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


@pytest.mark.parametrize("export_format", ["json", "csv", "fhir"])
def test_each_export_is_what_it_says(fuzz_member, export_format):
    case = schema["/api/v1/me/export"]["GET"].Case(query={"format": export_format})

    response = call_and_check(case, fuzz_member.token)

    assert response.status_code == 200
    if export_format == "csv":
        names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
        assert "intake_logs.csv" in names, names
    elif export_format == "fhir":
        assert json.loads(response.content)["resourceType"] == "Bundle"
    else:
        assert json.loads(response.content)["format"] == "ossa-export"


def test_the_seed_is_fixed():
    """CI sends the same requests on every run (loader.CONFIG)."""
    assert schema.config.seed == SEED
