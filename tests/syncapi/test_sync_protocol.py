"""The WatermelonDB sync protocol as a client sees it: pull, push, conflicts, tombstones."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import uuid

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import LoginSession
from sync.models import SyncClock
from syncapi.tasks import purge_tombstones
from tracking import computation, services
from tracking.models import IntakeLog, Product, Regimen

from ..factories import FlagFactory

pytestmark = pytest.mark.django_db

TABLES = {
    "products",
    "regimens",
    "intake_logs",
    "profiles",
    "flags",
    "adherence_weeks",
    "notifications",
}
# Schema 3 added the nutrient totals; an app of schema 1 or 2 is not sent them.
SCHEMA_3_TABLES = {"nutrient_days", "nutrient_targets"}
SCHEMA_4_TABLES = {"stock_events", "dose_reminders"}


def pull(api, cursor=None, **params):
    query = {"last_pulled_at": "null" if cursor is None else cursor, "schema_version": 1}
    response = api.get("/api/v1/sync/pull", {**query, **params})
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def push(api, cursor, changes, status=200):
    response = api.post(
        f"/api/v1/sync/push?last_pulled_at={cursor}", {"changes": changes}, format="json"
    )
    assert response.status_code == status, response.content
    return json.loads(response.content)


def k2() -> Product:
    return Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner__isnull=True)


@pytest.fixture
def plan(alice):
    fields = {"product": k2(), "schedule_kind": "daily", "times": ["08:00"]}
    return services.create_regimen(alice, {**fields, "start_date": dt.date(2026, 11, 1)})


def log_row(plan, **values):
    taken = timezone.now() - dt.timedelta(hours=2)
    return {
        "id": str(uuid.uuid4()),
        "regimen_id": str(plan.id),
        "product_id": str(plan.product_id),
        "servings": 1,
        "taken_at": int(taken.timestamp() * 1000),
        "status": "taken",
        "note": "",
        "source": "app",
        "created_at": 0,
        "updated_at": 0,
        "_status": "created",
        "_changed": "",
        **values,
    }


def test_an_app_of_each_schema_gets_the_tables_it_has(alice_api):
    assert set(pull(alice_api, schema_version=2)["changes"]) == TABLES
    assert set(pull(alice_api, schema_version=3)["changes"]) == TABLES | SCHEMA_3_TABLES
    every = TABLES | SCHEMA_3_TABLES | SCHEMA_4_TABLES
    assert set(pull(alice_api, schema_version=4)["changes"]) == every
    response = alice_api.get("/api/v1/sync/pull", {"last_pulled_at": "null"})
    assert set(json.loads(response.content)["changes"]) == every


def test_a_first_sync_gets_every_table_and_a_positive_timestamp(alice, alice_api):
    body = pull(alice_api)

    assert set(body["changes"]) == TABLES
    for changes in body["changes"].values():
        assert set(changes) == {"created", "updated", "deleted"}
    [profile] = body["changes"]["profiles"]["updated"]
    assert profile["id"] == str(alice.id)
    assert isinstance(body["timestamp"], int) and body["timestamp"] > 0


def test_pulled_rows_carry_wire_types_the_client_accepts(alice, alice_api, plan):
    log, _ = services.log_intake(
        alice, {"regimen": plan, "taken_at": timezone.now(), "servings": "1.50"}
    )

    body = pull(alice_api)

    [row] = body["changes"]["intake_logs"]["updated"]
    assert row["id"] == str(log.id)
    assert row["servings"] == 1.5
    assert row["taken_at"] == int(log.taken_at.timestamp() * 1000)
    assert isinstance(row["created_at"], int)
    assert "_status" not in row and "_changed" not in row
    [regimen] = body["changes"]["regimens"]["updated"]
    assert regimen["times"] == '["08:00"]'
    assert regimen["start_date"] == "2026-11-01"
    assert regimen["end_date"] is None
    assert body["changes"]["intake_logs"]["created"] == []


def test_each_member_pulls_only_their_own_rows_once_the_queries_are_compiled(
    alice, bob, alice_api, bob_api, plan
):
    # The pull's queries are compiled once per process and reused with each member's id.
    services.log_intake(alice, {"regimen": plan, "taken_at": timezone.now()})
    cursor = pull(alice_api)["timestamp"]
    bobs_plan = services.create_regimen(
        bob,
        {
            "product": k2(),
            "schedule_kind": "daily",
            "times": ["21:30"],
            "start_date": plan.start_date,
        },
    )
    gone, _ = services.log_intake(bob, {"regimen": bobs_plan, "taken_at": timezone.now()})
    bob_cursor = pull(bob_api)["timestamp"]
    services.delete_intake(gone)

    bobs = pull(bob_api, bob_cursor)["changes"]
    alices = pull(alice_api)["changes"]

    assert bobs["intake_logs"] == {"created": [], "updated": [], "deleted": [str(gone.id)]}
    assert [row["times"] for row in alices["regimens"]["updated"]] == ['["08:00"]']
    assert len(alices["intake_logs"]["updated"]) == 1
    assert pull(alice_api, cursor)["changes"]["intake_logs"]["deleted"] == []


@pytest.mark.parametrize("has_clock", [True, False])
def test_a_signed_out_device_pulls_nothing(alice, alice_api, plan, has_clock):
    # The pull's clock read checks the session; without a clock it is asked apart.
    cursor = pull(alice_api)["timestamp"]
    if not has_clock:
        SyncClock.objects.filter(member=alice).delete()
    account_services.revoke_session(LoginSession.objects.get(id=alice_api.session_id))

    for last_pulled_at in ("null", cursor):
        response = alice_api.get("/api/v1/sync/pull", {"last_pulled_at": last_pulled_at})
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "session_revoked"


def test_a_member_without_a_clock_yet_pulls_and_gets_one(alice, alice_api):
    SyncClock.objects.filter(member=alice).delete()

    body = pull(alice_api)

    assert body["timestamp"] == SyncClock.objects.get(member=alice).value


def test_an_incremental_pull_brings_changes_and_deletions_only(alice, alice_api, plan):
    kept, _ = services.log_intake(alice, {"regimen": plan, "taken_at": timezone.now()})
    gone, _ = services.log_intake(alice, {"regimen": plan, "taken_at": timezone.now()})
    cursor = pull(alice_api)["timestamp"]

    services.delete_intake(gone)
    services.update_intake(kept, {"note": "with breakfast"})
    body = pull(alice_api, cursor)

    logs = body["changes"]["intake_logs"]
    assert [row["note"] for row in logs["updated"]] == ["with breakfast"]
    assert logs["deleted"] == [str(gone.id)]
    assert body["changes"]["regimens"]["updated"] == []
    assert body["timestamp"] > cursor


def test_a_pull_with_no_changes_costs_at_most_three_queries(
    alice_api, plan, django_assert_max_num_queries
):
    cursor = pull(alice_api)["timestamp"]

    with django_assert_max_num_queries(3):
        body = pull(alice_api, cursor)

    assert body["timestamp"] == cursor
    assert all(not any(c.values()) for c in body["changes"].values())


def test_pull_queries_do_not_grow_with_rows(alice, alice_api, plan, django_assert_num_queries):
    def count_for(logs: int) -> int:
        for _ in range(logs):
            services.log_intake(alice, {"regimen": plan, "taken_at": timezone.now()})
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            pull(alice_api)
        return len(queries)

    assert count_for(2) == count_for(40)


def test_pull_is_gzipped_for_clients_that_accept_it(alice, alice_api, plan):
    for _ in range(20):
        services.log_intake(alice, {"regimen": plan, "taken_at": timezone.now()})

    response = alice_api.get(
        "/api/v1/sync/pull", {"last_pulled_at": "null"}, HTTP_ACCEPT_ENCODING="gzip"
    )

    assert response["Content-Encoding"] == "gzip"
    assert (
        len(json.loads(gzip.decompress(response.content))["changes"]["intake_logs"]["updated"])
        == 20
    )


def test_pushed_logs_are_created_once_even_when_the_push_is_retried(alice, alice_api, plan):
    cursor = pull(alice_api)["timestamp"]
    rows = [log_row(plan) for _ in range(3)]
    changes = {"intake_logs": {"created": rows, "updated": [], "deleted": []}}

    push(alice_api, cursor, changes)
    push(alice_api, cursor, changes)  # the response was lost; the device sends it again

    assert IntakeLog.objects.filter(member=alice).count() == 3
    stored = IntakeLog.objects.get(id=rows[0]["id"])
    assert stored.source == "app"
    assert int(stored.taken_at.timestamp() * 1000) == rows[0]["taken_at"]
    assert pull(alice_api, cursor)["changes"]["intake_logs"]["updated"][0]["id"] in {
        r["id"] for r in rows
    }


def test_a_record_changed_on_the_server_since_the_pull_is_a_409_and_nothing_is_written(
    alice, alice_api, plan
):
    cursor = pull(alice_api)["timestamp"]
    services.update_regimen(plan, {"note": "from the web"})
    new_log = log_row(plan)
    changes = {
        "regimens": {
            "created": [],
            "updated": [{"id": str(plan.id), "note": "phone"}],
            "deleted": [],
        },
        "intake_logs": {"created": [new_log], "updated": [], "deleted": []},
    }

    body = push(alice_api, cursor, changes, status=409)

    assert body["errors"][0]["code"] == "sync_conflict"
    assert body["errors"][0]["attr"] == f"regimens.{plan.id}"
    plan.refresh_from_db()
    assert plan.note == "from the web"
    assert not IntakeLog.objects.filter(id=new_log["id"]).exists()

    fresh = pull(alice_api, cursor)["timestamp"]
    push(alice_api, fresh, changes)
    plan.refresh_from_db()
    assert plan.note == "phone"


def test_one_bad_record_refuses_the_whole_push_with_per_record_errors(alice, alice_api, plan):
    cursor = pull(alice_api)["timestamp"]
    good, bad = log_row(plan), log_row(plan, servings=500)
    body = push(
        alice_api,
        cursor,
        {"intake_logs": {"created": [good, bad], "updated": [], "deleted": []}},
        status=400,
    )

    assert body["errors"][0]["attr"] == f"intake_logs.{bad['id']}.servings"
    assert IntakeLog.objects.filter(member=alice).count() == 0


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ({"servings": "1.00"}, "servings"),
        ({"taken_at": "2026-11-20T08:00:00Z"}, "taken_at"),
        ({"status": "maybe"}, "status"),
        ({"regimen_id": str(uuid.uuid4())}, "regimen_id"),
    ],
)
def test_wrong_types_and_unknown_references_are_refused(alice_api, plan, row, column):
    cursor = pull(alice_api)["timestamp"]
    bad = log_row(plan, **row)

    body = push(alice_api, cursor, {"intake_logs": {"created": [bad]}}, status=400)

    assert body["errors"][0]["attr"] == f"intake_logs.{bad['id']}.{column}"


def test_a_non_uuid_id_is_refused_by_name(alice_api, plan):
    cursor = pull(alice_api)["timestamp"]

    body = push(alice_api, cursor, {"intake_logs": {"created": [log_row(plan, id="abc123")]}}, 400)

    assert body["errors"][0]["code"] == "invalid_id"
    assert "abc123" in body["errors"][0]["detail"]


def test_computed_tables_are_read_only(alice, alice_api):
    flag = FlagFactory(member=alice)
    cursor = pull(alice_api)["timestamp"]

    body = push(alice_api, cursor, {"flags": {"deleted": [str(flag.id)]}}, status=400)

    assert body["errors"][0]["code"] == "read_only"
    flag.refresh_from_db()
    assert flag.deleted_at is None


def test_another_members_ids_are_refused_without_revealing_them(alice, bob_api, plan):
    theirs, _ = services.log_intake(alice, {"regimen": plan, "taken_at": timezone.now()})
    cursor = pull(bob_api)["timestamp"]
    hijack = log_row(plan, id=str(theirs.id), note="mine now")

    body = push(bob_api, cursor, {"intake_logs": {"updated": [hijack]}}, status=400)
    push(bob_api, cursor, {"intake_logs": {"deleted": [str(theirs.id)]}})  # ignored

    assert body["errors"][0]["code"] == "id_unavailable"
    assert str(alice.id) not in json.dumps(body)
    theirs.refresh_from_db()
    assert (theirs.note, theirs.deleted_at) == ("", None)


def test_updated_but_missing_creates_and_deleted_but_missing_is_ignored(alice, alice_api, plan):
    cursor = pull(alice_api)["timestamp"]
    row = log_row(plan)

    push(
        alice_api,
        cursor,
        {"intake_logs": {"created": [], "updated": [row], "deleted": [str(uuid.uuid4())]}},
    )

    assert IntakeLog.objects.filter(id=row["id"], member=alice).exists()


def test_a_device_deletes_and_edits_plans_through_the_same_rules(alice, alice_api, plan):
    cursor = pull(alice_api)["timestamp"]

    push(
        alice_api,
        cursor,
        {"regimens": {"updated": [{"id": str(plan.id), "times": '["07:30","19:30"]'}]}},
    )
    plan.refresh_from_db()
    assert plan.times == ["07:30", "19:30"]
    assert plan.schedules.count() >= 1

    cursor = pull(alice_api, cursor)["timestamp"]
    push(alice_api, cursor, {"regimens": {"deleted": [str(plan.id)]}})
    plan.refresh_from_db()
    assert plan.deleted_at is not None and plan.end_date is not None


def test_a_bad_schedule_pushed_from_a_device_names_the_column(alice_api, plan):
    cursor = pull(alice_api)["timestamp"]

    body = push(
        alice_api,
        cursor,
        {"regimens": {"updated": [{"id": str(plan.id), "times": '["25:00"]'}]}},
        status=400,
    )

    assert body["errors"][0]["attr"] == f"regimens.{plan.id}.times"


@pytest.mark.parametrize("record", [1, "abc", None, ["x"]])
def test_a_record_that_is_not_an_object_is_refused_not_a_500(alice_api, record):
    """Found by the fuzzer (tests/fuzz): `created: [1]` crashed the push with a 500."""
    cursor = pull(alice_api)["timestamp"]

    body = push(alice_api, cursor, {"intake_logs": {"created": [record]}}, status=400)

    assert body["errors"][0]["code"] == "invalid"
    assert body["errors"][0]["attr"] == "intake_logs"


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("intake_logs", "note", "before\x00after"),
        ("regimens", "note", "\x00"),
        ("regimens", "times", '["08:00\\u0000"]'),
    ],
)
def test_nul_characters_are_refused_by_column(alice_api, plan, table, column, value):
    """Found by the fuzzer on PostgreSQL, which stores no NUL in text or jsonb: a 500."""
    cursor = pull(alice_api)["timestamp"]
    row = log_row(plan) if table == "intake_logs" else {"id": str(plan.id)}

    body = push(alice_api, cursor, {table: {"updated": [{**row, column: value}]}}, status=400)

    assert body["errors"][0]["code"] == "invalid"
    assert body["errors"][0]["attr"] == f"{table}.{row['id']}.{column}"
    assert "NUL" in body["errors"][0]["detail"]


def test_the_profile_syncs_both_ways(alice, alice_api):
    cursor = pull(alice_api)["timestamp"]

    push(
        alice_api,
        cursor,
        {
            "profiles": {
                "updated": [{"id": str(alice.id), "timezone": "Asia/Tokyo", "pregnant": False}]
            }
        },
    )

    alice.profile.refresh_from_db()
    assert alice.profile.timezone == "Asia/Tokyo"
    [row] = pull(alice_api, cursor)["changes"]["profiles"]["updated"]
    assert row["timezone"] == "Asia/Tokyo"
    assert row["reminder_time"] == "18:00"


def test_an_outdated_app_is_told_to_update(alice_api):
    response = alice_api.get("/api/v1/sync/pull", {"schema_version": 0})

    assert response.status_code == 426
    assert response.json()["errors"][0]["code"] == "client_outdated"


@pytest.mark.parametrize("cursor", ["yesterday", "-5"])
def test_a_malformed_cursor_is_a_400(alice_api, cursor):
    response = alice_api.get("/api/v1/sync/pull", {"last_pulled_at": cursor})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "last_pulled_at"


def test_a_migration_sync_resends_the_rows_of_new_tables(alice, alice_api):
    FlagFactory(member=alice)
    cursor = pull(alice_api)["timestamp"]
    migration = json.dumps({"from": 0, "tables": ["flags"], "columns": []})

    body = pull(alice_api, cursor, migration=migration)

    assert len(body["changes"]["flags"]["updated"]) == 1
    assert body["changes"]["profiles"]["updated"] == []


def test_an_app_upgraded_to_schema_3_gets_the_nutrient_tables_in_full(alice, alice_api, plan):
    """The app's migration to schema 3 creates the two tables empty; its next pull names them
    (WatermelonDB's migration sync) and gets every row, however old its stamp."""
    computation.recompute([alice.id])
    cursor = pull(alice_api, schema_version=2)["timestamp"]
    migration = json.dumps({"from": 2, "tables": sorted(SCHEMA_3_TABLES), "columns": []})

    body = pull(alice_api, cursor, schema_version=3, migration=migration)

    targets = body["changes"]["nutrient_targets"]["updated"]
    assert {t["nutrient"] for t in targets} == {"vitamin_k", "vitamin_d", "calcium", "magnesium"}
    days = body["changes"]["nutrient_days"]["updated"]
    assert days and all(d["planned_k2_mk7"] == 90 for d in days)
    assert body["changes"]["regimens"]["updated"] == []
    # Without the migration, the same cursor brings nothing new.
    again = pull(alice_api, cursor, schema_version=3)["changes"]
    assert again["nutrient_days"]["updated"] == again["nutrient_targets"]["updated"] == []


def test_purged_tombstones_send_an_old_device_to_a_full_resync(alice, alice_api, plan, settings):
    log, _ = services.log_intake(alice, {"regimen": plan, "taken_at": timezone.now()})
    old_cursor = pull(alice_api)["timestamp"]
    services.delete_intake(log)
    IntakeLog.objects.filter(id=log.id).update(deleted_at=timezone.now() - dt.timedelta(days=91))
    settings.SYNC_TOMBSTONE_DAYS = 90

    assert purge_tombstones() == 1

    response = alice_api.get("/api/v1/sync/pull", {"last_pulled_at": old_cursor})
    assert response.status_code == 410
    assert response.json()["errors"][0]["code"] == "resync_required"
    assert pull(alice_api)["changes"]["intake_logs"]["updated"] == []
    assert SyncClock.objects.get(member=alice).purged_through > old_cursor
    assert Regimen.objects.filter(id=plan.id).exists()


def test_push_statements_do_not_grow_with_rows(alice_api, plan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements_for(count: int) -> int:
        cursor = pull(alice_api)["timestamp"]
        rows = [log_row(plan) for _ in range(count)]
        with CaptureQueriesContext(connection) as queries:
            push(alice_api, cursor, {"intake_logs": {"created": rows}})
        return len(queries)

    assert statements_for(3) == statements_for(60)


def test_every_writable_table_has_its_place_in_the_write_order():
    from syncapi.push import WRITE_ORDER
    from syncapi.registry import TABLES as REGISTERED

    writable = {name for name, table in REGISTERED.items() if not table.read_only}
    assert set(WRITE_ORDER) == writable
