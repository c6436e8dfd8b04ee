"""A member downloads everything Ossa holds about them: JSON, a zip of CSVs, or FHIR R4."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.patient import Patient

from accounts import care, data_export
from accounts.models import AccessLog, ClientNote, User
from notifications import dose_reminders
from notifications.models import Delivery, DoseReminder, Notification, PushSubscription
from tracking import services
from tracking.models import (
    AdherenceSnapshot,
    IntakeLog,
    MemberComputation,
    Nutrient,
    NutrientDay,
    NutrientTarget,
    Product,
)

from ..conftest import client_for
from ..factories import FlagFactory, MemberFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # a Wednesday
TODAY = NOW.date()
TABLE_NAMES = [table.name for table in data_export.tables()]
SINGLE = {table.name for table in data_export.tables() if table.single}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def make_dietitian(email: str = "dana@clinic.example", name: str = "Dana") -> User:
    person = MemberFactory(email=email, display_name=name, is_staff=True)
    person.groups.add(Group.objects.get(name=care.DIETITIANS_GROUP))
    return person


@pytest.fixture
def dana(db) -> User:
    """A dietitian."""
    return make_dietitian()


def give_history(member: User, dietitian: User) -> dict:
    """A member with a row in every table the export covers: an own product, a weekly
    alendronate plan whose time changed today (two schedule versions), a K2 plan that ended,
    doses taken, skipped and deleted, adherence, an acknowledged flag, an inbox message with
    its delivery, a push device, a computation, a dietitian following them who viewed their
    page and wrote a private note."""
    profile = member.profile
    profile.sex, profile.date_of_birth = "female", dt.date(1961, 4, 2)
    profile.save()
    k2 = Nutrient.objects.get(code="k2_mk7")
    own = services.create_product(
        member,
        {"name": f"{member.display_name}'s K2 — évening", "kind": "supplement"},
        [{"nutrient": k2, "amount": Decimal("90"), "form": "all-trans MK-7"}],
    )
    alendronate = Product.objects.get(name="Alendronate 70 mg (weekly)", owner=None)
    weekly = services.create_regimen(
        member,
        {
            "product": alendronate,
            "schedule_kind": "weekdays",
            "weekdays": [1],
            "times": ["07:00"],
            "start_date": TODAY - dt.timedelta(days=60),
        },
    )
    services.update_regimen(weekly, {"times": ["06:30"]})
    ended = services.create_regimen(
        member,
        {
            "product": own,
            "schedule_kind": "daily",
            "times": ["08:00", "20:00"],
            "start_date": TODAY - dt.timedelta(days=90),
            "end_date": TODAY - dt.timedelta(days=10),
        },
    )
    taken, _ = services.log_intake(
        member,
        {"regimen": weekly, "taken_at": NOW - dt.timedelta(days=2), "note": "with water"},
    )
    skipped, _ = services.log_intake(
        member,
        {"regimen": ended, "taken_at": NOW - dt.timedelta(days=12), "status": "skipped"},
    )
    deleted, _ = services.log_intake(
        member, {"product": own, "taken_at": NOW - dt.timedelta(days=20)}
    )
    services.delete_intake(deleted)
    AdherenceSnapshot.objects.create(
        member=member,
        regimen=weekly,
        week_start=TODAY - dt.timedelta(days=9),
        scheduled=1,
        taken=1,
        on_time=1,
        skipped=0,
        days_covered=7,
        days_in_period=7,
        dose_taking_pct=100.0,
        timing_pct=100.0,
        pdc_pct=100.0,
        streak_days=7,
    )
    NutrientDay.objects.create(member=member, day=TODAY, d3=25, planned_d3=25)
    NutrientTarget.objects.create(
        member=member, nutrient="vitamin_d", unit="mcg", intake_kind="rda", intake=15
    )
    flag = FlagFactory(member=member)
    _, code = care.create_share_code(member)
    link = care.accept_code(dietitian, code)
    services.acknowledge_flag(flag, dietitian)
    notification = Notification.objects.create(
        member=member, kind="weekly_digest", period="2026-W47", title="Your week", body="..."
    )
    Delivery.objects.create(notification=notification, channel="push", status="sent")
    device = PushSubscription.objects.create(
        member=member,
        endpoint=f"https://push.example/{member.pk}",
        p256dh=f"PUBLIC-KEY-{member.pk}",
        auth=f"AUTH-SECRET-{member.pk}",
    )
    MemberComputation.objects.create(member=member, computed_at=NOW)
    services.record_stock(
        member, {"regimen": weekly, "kind": "count", "servings": Decimal("4"), "at": NOW}
    )
    due = NOW - dt.timedelta(days=2)
    DoseReminder.objects.create(
        id=dose_reminders.dose_id(weekly.pk, due),
        member=member,
        regimen=weekly,
        due_at=due,
        counts_from=due - dt.timedelta(hours=3),
        counts_until=due + dt.timedelta(hours=3),
        state="done",
        sends=1,
    )
    care.log_access(member.pk, dietitian, "view_client", "client page")
    note = ClientNote.objects.create(
        member=member, author=dietitian, body=f"Private: {member.pk} and calcium timing"
    )
    return {
        "product": own,
        "weekly": weekly,
        "ended": ended,
        "taken": taken,
        "skipped": skipped,
        "deleted": deleted,
        "flag": flag,
        "notification": notification,
        "device": device,
        "link": link,
        "note": note,
    }


def export(api, kind: str | None = None):
    return api.get("/api/v1/me/export", {"format": kind} if kind else {})


# --- JSON ------------------------------------------------------------------------------
def test_the_json_export_holds_everything_about_the_member(alice, alice_api, dana):
    history = give_history(alice, dana)

    response = export(alice_api)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="ossa-export-{TODAY}.json"'
    body = response.json()
    assert set(TABLE_NAMES) - set(body) == {"ingredients", "regimen_schedules"}  # nested
    assert body["account"]["email"] == "alice@example.com"
    assert body["account"]["date_joined"]
    assert body["profile"]["sex"] == "female"
    assert body["profile"]["date_of_birth"] == "1961-04-02"

    [product] = body["products"]
    assert product["name"] == "Alice's K2 — évening"
    assert product["ingredients"] == [
        {
            "nutrient_code": "k2_mk7",
            "nutrient_name": "Vitamin K2 (MK-7)",
            "amount": 90,
            "unit": "mcg",
            "form": "all-trans MK-7",
        }
    ]
    regimens = {r["id"]: r for r in body["regimens"]}
    weekly = regimens[str(history["weekly"].pk)]
    assert weekly["product_name"] == "Alendronate 70 mg (weekly)"
    assert [(v["effective_from"], v["times"]) for v in weekly["schedule_versions"]] == [
        (str(TODAY - dt.timedelta(days=60)), ["07:00"]),
        (str(TODAY), ["06:30"]),
    ]
    assert regimens[str(history["ended"].pk)]["end_date"] == str(TODAY - dt.timedelta(days=10))

    logs = {log["id"]: log for log in body["intake_logs"]}
    assert logs[str(history["taken"].pk)]["note"] == "with water"
    assert logs[str(history["skipped"].pk)]["status"] == "skipped"
    assert logs[str(history["deleted"].pk)]["deleted_at"]  # a tombstone is still their data
    assert body["adherence_weeks"][0]["pdc_pct"] == 100.0
    [flag] = body["flags"]
    assert (flag["acknowledged_by_name"], flag["code"]) == ("Dana", "d3_without_k2")
    assert body["notifications"][0]["title"] == "Your week"
    assert body["deliveries"] == [
        {
            "notification_id": str(history["notification"].pk),
            "channel": "push",
            "status": "sent",
            "attempts": 0,
            "last_error": "",
            "created_at": body["deliveries"][0]["created_at"],
            "sent_at": None,
        }
    ]
    assert body["push_subscriptions"][0]["endpoint"] == history["device"].endpoint
    assert [s["device_name"] for s in body["sign_in_sessions"]] == ["test phone"]
    [link] = body["care_links"]
    assert (link["status"], link["dietitian_email"], link["revoked_at"]) == (
        "active",
        "dana@clinic.example",
        None,
    )
    actions = [(e["actor_name"], e["action"]) for e in body["access_log"]]
    assert ("Dana", "view_client") in actions
    assert ("Alice", data_export.OWN_EXPORT) in actions


def test_device_keys_and_dietitians_private_notes_are_not_exported(alice, alice_api, dana):
    history = give_history(alice, dana)

    text = export(alice_api).content.decode()

    assert history["device"].endpoint in text
    assert history["device"].p256dh not in text
    assert history["device"].auth not in text
    assert history["note"].body not in text
    assert "code_digest" not in text


def test_each_export_is_in_the_members_access_log_as_their_own(alice, alice_api):
    for kind in ("json", "csv", "fhir"):
        assert export(alice_api, kind).status_code == 200

    entries = AccessLog.objects.filter(member=alice).order_by("id")
    assert [(e.actor, e.actor_name, e.action, e.detail) for e in entries] == [
        (alice, "Alice", "own_export", kind) for kind in ("json", "csv", "fhir")
    ]
    listed = alice_api.get("/api/v1/access-log").json()["results"]
    assert {e["action"] for e in listed} == {"own_export"}


@pytest.mark.parametrize("kind", ["json", "csv", "fhir"])
def test_each_member_exports_only_their_own_data(alice, bob, dana, kind):
    mine, theirs = give_history(alice, dana), give_history(bob, dana)

    alice_text = readable(export(client_for(alice), kind))
    bob_text = readable(export(client_for(bob), kind))

    for key in ("weekly", "taken", "skipped"):
        assert str(mine[key].pk) in alice_text
        assert str(mine[key].pk) not in bob_text
        assert str(theirs[key].pk) in bob_text
        assert str(theirs[key].pk) not in alice_text
    assert "alice@example.com" not in bob_text
    assert "bob@example.com" not in alice_text


def readable(response) -> str:
    """The whole export as text, whatever its format (CSV files joined)."""
    assert response.status_code == 200
    if response["Content-Type"] == "application/zip":
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        return "\n".join(archive.read(name).decode() for name in archive.namelist())
    return response.content.decode()


# --- CSV -------------------------------------------------------------------------------
def test_the_csv_export_is_a_zip_of_one_utf8_csv_per_table_with_the_same_rows(
    alice, alice_api, dana
):
    give_history(alice, dana)
    document = export(alice_api).json()

    response = export(alice_api, "csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="ossa-export-{TODAY}.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted(f"{name}.csv" for name in TABLE_NAMES)
    tables = {
        name: list(csv.DictReader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8"))))
        for name in TABLE_NAMES
    }
    for table in data_export.tables():
        header = archive.read(f"{table.name}.csv").decode("utf-8").splitlines()[0]
        assert header == ",".join(table.columns)
    nested = {
        "ingredients": sum(len(p["ingredients"]) for p in document["products"]),
        "regimen_schedules": sum(len(r["schedule_versions"]) for r in document["regimens"]),
    }
    for name, rows in tables.items():
        if name in SINGLE:
            assert len(rows) == 1
        elif name == "access_log":  # the CSV export added itself
            assert len(rows) == len(document[name]) + 1
        else:
            assert len(rows) == nested.get(name, len(document.get(name, []))), name
    assert tables["products"][0]["name"] == "Alice's K2 — évening"
    assert tables["profile"][0]["pregnant"] == "false"
    versions = [json.loads(row["times"]) for row in tables["regimen_schedules"]]
    assert ["07:00"] in versions and ["06:30"] in versions
    [link] = tables["care_links"]
    assert link["dietitian_email"] == "dana@clinic.example"
    assert link["revoked_at"] == ""


# --- FHIR ------------------------------------------------------------------------------
def test_the_fhir_export_is_a_valid_r4_collection_of_medication_statements(alice, alice_api, dana):
    history = give_history(alice, dana)

    response = export(alice_api, "fhir")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert (
        response["Content-Disposition"] == f'attachment; filename="ossa-export-{TODAY}.fhir.json"'
    )
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.type == "collection"
    raw = {entry["fullUrl"]: entry["resource"] for entry in response.json()["entry"]}
    patient = Patient.model_validate(raw[f"urn:uuid:{alice.pk}"])
    assert (patient.gender, str(patient.birthDate)) == ("female", "1961-04-02")
    statements = {
        url: MedicationStatement.model_validate(resource)
        for url, resource in raw.items()
        if resource["resourceType"] == "MedicationStatement"
    }
    # two plans and two doses; the deleted dose is left out
    assert len(statements) == 4
    assert f"urn:uuid:{history['deleted'].pk}" not in raw

    weekly = statements[f"urn:uuid:{history['weekly'].pk}"]
    assert weekly.status == "active"
    assert weekly.medicationCodeableConcept.text == "Alendronate 70 mg (weekly)"
    assert str(weekly.effectivePeriod.start) == str(TODAY - dt.timedelta(days=60))
    assert weekly.subject.reference == f"urn:uuid:{alice.pk}"
    before, after = weekly.dosage
    assert before.text == "1 tablet on Monday at 07:00"
    assert before.timing.repeat.dayOfWeek == ["mon"]
    assert [str(t) for t in before.timing.repeat.timeOfDay] == ["07:00:00"]
    assert str(before.timing.repeat.boundsPeriod.end) == str(TODAY - dt.timedelta(days=1))
    assert after.text == "1 tablet on Monday at 06:30"
    assert str(after.timing.repeat.boundsPeriod.start) == str(TODAY)
    assert after.doseAndRate[0].doseQuantity.value == 1

    ended = statements[f"urn:uuid:{history['ended'].pk}"]
    assert ended.status == "completed"
    assert str(ended.effectivePeriod.end) == str(TODAY - dt.timedelta(days=10))
    assert ended.medicationCodeableConcept.text == (
        "Alice's K2 — évening (Vitamin K2 (MK-7) 90 mcg per capsule)"
    )
    [daily] = ended.dosage
    repeat = daily.timing.repeat
    assert (repeat.frequency, repeat.period, repeat.periodUnit) == (2, 1, "d")
    assert daily.text == "1 capsule daily at 08:00, 20:00"

    taken = statements[f"urn:uuid:{history['taken'].pk}"]
    assert taken.status == "completed"
    assert taken.effectiveDateTime == history["taken"].taken_at
    assert [ref.reference for ref in taken.partOf] == [f"urn:uuid:{history['weekly'].pk}"]
    assert taken.note[0].text == "with water"
    skipped = statements[f"urn:uuid:{history['skipped'].pk}"]
    assert skipped.status == "not-taken"
    assert skipped.partOf[0].reference == f"urn:uuid:{history['ended'].pk}"


def test_every_schedule_kind_becomes_a_valid_fhir_dosage(alice, alice_api):
    k2 = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner=None)
    start = TODAY - dt.timedelta(days=5)
    schedules = {
        "monthly": {"schedule_kind": "monthly", "times": ["07:00"], "day_of_month": 15},
        "interval": {"schedule_kind": "interval", "times": ["09:30"], "interval_days": 3},
        "as_needed": {"schedule_kind": "as_needed"},
    }
    plans = {
        str(services.create_regimen(alice, {"product": k2, "start_date": start, **s}).pk): kind
        for kind, s in schedules.items()
    }

    entries = export(alice_api, "fhir").json()["entry"]

    dosages = {
        plans[e["resource"]["id"]]: MedicationStatement.model_validate(e["resource"]).dosage[0]
        for e in entries
        if e["resource"]["resourceType"] == "MedicationStatement"
    }
    monthly, interval, as_needed = (dosages[k] for k in ("monthly", "interval", "as_needed"))
    assert monthly.text == "1 capsule monthly on day 15 at 07:00"
    assert (monthly.timing.repeat.periodUnit, monthly.timing.repeat.period) == ("mo", 1)
    assert interval.text == "1 capsule every 3 days at 09:30"
    assert (interval.timing.repeat.periodUnit, interval.timing.repeat.period) == ("d", 3)
    assert as_needed.asNeededBoolean is True
    assert as_needed.text == "1 capsule as needed"
    assert len({e["fullUrl"] for e in entries}) == len(entries)


# --- Errors, access and cost -----------------------------------------------------------
def test_an_unknown_format_is_a_400_in_the_standard_shape(alice_api):
    response = export(alice_api, "xml")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["type"] == "validation_error"
    [error] = body["errors"]
    assert (error["code"], error["attr"]) == ("invalid_choice", "format")
    assert not AccessLog.objects.exists()


def test_signing_in_is_required(anon_api):
    response = anon_api.get("/api/v1/me/export")

    assert response.status_code == 401
    assert response.json()["type"] == "client_error"


def add_a_year_of_daily_doses(member: User) -> None:
    """Two daily plans, a dose of each every day for a year, weekly adherence and a digest
    each week (bulk-written: the export's cost is what this test is about)."""
    k2 = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner=None)
    d3 = Product.objects.get(name="Vitamin D3 25 mcg (1000 IU)", owner=None)
    start = TODAY - dt.timedelta(days=365)
    plans = [
        services.create_regimen(
            member,
            {"product": p, "schedule_kind": "daily", "times": ["08:00"], "start_date": start},
        )
        for p in (k2, d3)
    ]
    IntakeLog.objects.bulk_create(
        IntakeLog(
            member=member,
            regimen=plan,
            product_id=plan.product_id,
            taken_at=timezone.make_aware(
                dt.datetime.combine(start + dt.timedelta(days=day), dt.time(8, 5))
            ),
            status="taken" if day % 10 else "skipped",
        )
        for plan in plans
        for day in range(365)
    )
    weeks = [start + dt.timedelta(weeks=w) for w in range(52)]
    AdherenceSnapshot.objects.bulk_create(
        AdherenceSnapshot(
            member=member,
            regimen=plan,
            week_start=week,
            scheduled=7,
            taken=6,
            on_time=6,
            skipped=1,
            days_covered=6,
            days_in_period=7,
            streak_days=3,
        )
        for plan in [*plans, None]
        for week in weeks
    )
    digests = Notification.objects.bulk_create(
        Notification(member=member, kind="weekly_digest", period=f"W{w}", title="t", body="b")
        for w in range(52)
    )
    Delivery.objects.bulk_create(
        Delivery(notification=n, channel=c, status="sent")
        for n in digests
        for c in ("in_app", "push", "email")
    )


@pytest.mark.parametrize("kind", ["json", "csv", "fhir"])
def test_a_year_of_daily_doses_costs_the_same_few_queries_as_a_week(
    alice, bob, kind, django_assert_max_num_queries
):
    add_a_year_of_daily_doses(alice)
    k2 = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner=None)
    plan = services.create_regimen(
        bob, {"product": k2, "schedule_kind": "daily", "times": ["08:00"], "start_date": TODAY}
    )
    services.log_intake(bob, {"regimen": plan, "taken_at": NOW})
    alice_api, bob_api = client_for(alice), client_for(bob)

    with CaptureQueriesContext(connection) as a_week:
        assert export(bob_api, kind).status_code == 200
    with django_assert_max_num_queries(22) as a_year:
        response = export(alice_api, kind)

    assert len(a_year.captured_queries) == len(a_week.captured_queries)
    assert IntakeLog.objects.filter(member=alice).count() == 730
    assert readable(response).count("Vitamin K2 MK-7 90 mcg") >= 365
