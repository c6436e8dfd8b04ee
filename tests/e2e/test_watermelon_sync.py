"""Conformance with the real client: WatermelonDB 0.28's synchronize() against a live server.

tests/e2e/sync_client/ holds a Node project (`npm ci` there once) whose scenario.mjs runs two
simulated devices of one member, each a LokiJS database in memory, against `live_server`.
The scenario prints one JSON document; these tests compare it with the server's rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Profile
from notifications import services as notification_services
from notifications.models import Notification
from tracking import computation
from tracking import services as tracking_services
from tracking.models import AdherenceSnapshot, Flag, IntakeLog, Product, Regimen

from .watermelon import assert_conformant, run_scenario

# serialized_rollback: the catalogue (a data migration) survives other transactional tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def inbox(member):
    """A weekly digest waiting in the member's inbox; device A marks it read."""
    now = timezone.now()
    year, week, _ = now.isocalendar()
    notification = notification_services.weekly_notification(member.id, f"{year}-W{week:02d}", now)
    assert notification is not None
    return notification


@pytest.fixture
def recompute_inline(monkeypatch):
    """Recompute adherence and flags right after each write commits, in the server process
    (no worker in this test): the read-only tables then change during the scenario and
    travel to the devices like the rest."""

    def recompute_after_commit(member_id) -> None:
        transaction.on_commit(lambda: computation.recompute([member_id]))

    monkeypatch.setattr(tracking_services, "request_recompute", recompute_after_commit)


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def ms(value: dt.datetime | None) -> int | None:
    return None if value is None else (value - EPOCH) // dt.timedelta(milliseconds=1)


def num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


# --- The server's view of a member, in the client's terms ----------------------------------
def stamps(row) -> dict[str, int | None]:
    """created_at/updated_at as the devices must hold them: the value the server keeps."""
    return {"created_at": ms(row.created_at), "updated_at": ms(row.updated_at)}


def server_view(member) -> dict[str, dict[str, dict]]:
    regimens = Regimen.objects.filter(member=member, deleted_at__isnull=True)
    logs = IntakeLog.objects.filter(member=member, deleted_at__isnull=True)
    products = Product.objects.filter(owner=member, deleted_at__isnull=True).prefetch_related(
        "ingredients__nutrient"
    )
    return {
        "products": {
            str(p.id): {
                "name": p.name,
                "brand": p.brand,
                "kind": p.kind,
                "drug_class": p.drug_class,
                "drug": p.drug,
                "release": p.release,
                "strength_mg": num(p.strength_mg),
                "serving_unit": p.serving_unit,
                "notes": p.notes,
                "ingredients": [
                    {"nutrient": i.nutrient.code, "amount": num(i.amount), "form": i.form}
                    for i in p.ingredients.all()
                ],
                **stamps(p),
            }
            for p in products
        },
        "regimens": {
            str(r.id): {
                "product_id": str(r.product_id),
                "servings_per_dose": num(r.servings_per_dose),
                "schedule_kind": r.schedule_kind,
                "times": r.times,
                "weekdays": r.weekdays,
                "day_of_month": r.day_of_month,
                "interval_days": r.interval_days,
                "start_date": iso(r.start_date),
                "end_date": iso(r.end_date),
                "note": r.note,
                **stamps(r),
            }
            for r in regimens
        },
        "intake_logs": {
            str(log.id): {
                "regimen_id": str(log.regimen_id) if log.regimen_id else None,
                "product_id": str(log.product_id),
                "servings": num(log.servings),
                "taken_at": ms(log.taken_at),
                "status": log.status,
                "note": log.note,
                "source": log.source,
                **stamps(log),
            }
            for log in logs
        },
        "profiles": {
            str(p.id): {
                "timezone": p.timezone,
                "remind_by_email": p.remind_by_email,
                "remind_in_app": p.remind_in_app,
                "reminder_weekday": p.reminder_weekday,
                "reminder_time": p.reminder_time.strftime("%H:%M"),
                "updated_at": ms(p.updated_at),
            }
            for p in Profile.objects.filter(user=member, deleted_at__isnull=True)
        },
        "flags": {
            str(f.id): {
                "code": f.code,
                "subject": f.subject,
                "severity": f.severity,
                "title": f.title,
                "first_seen_at": ms(f.first_seen_at),
                "resolved_at": ms(f.resolved_at),
                "acknowledged_at": ms(f.acknowledged_at),
            }
            for f in Flag.objects.filter(member=member, deleted_at__isnull=True)
        },
        "adherence_weeks": {
            str(a.id): {
                "regimen_id": str(a.regimen_id) if a.regimen_id else None,
                "week_start": iso(a.week_start),
                **{name: getattr(a, name) for name in AdherenceSnapshot.VALUE_FIELDS},
            }
            for a in AdherenceSnapshot.objects.filter(member=member, deleted_at__isnull=True)
        },
        "notifications": {
            str(n.id): {
                "kind": n.kind,
                "period": n.period,
                "title": n.title,
                "created_at": ms(n.created_at),
                "read_at": ms(n.read_at),
            }
            for n in Notification.objects.filter(member=member, deleted_at__isnull=True)
        },
    }


def _column(name: str, value):
    """A device column in the server view's terms (lists travel as JSON strings)."""
    if name in ("times", "weekdays"):
        return json.loads(value)
    if name == "ingredients":
        return [
            {"nutrient": i["nutrient"], "amount": float(i["amount"]), "form": i.get("form", "")}
            for i in json.loads(value)
        ]
    return value


def device_view(tables: dict[str, list[dict]], like: dict[str, dict[str, dict]]) -> dict:
    """A device's rows keyed by id, reduced to the columns the server view compares."""
    view = {}
    for table, server_rows in like.items():
        columns = next(iter(server_rows.values()), {}).keys()
        view[table] = {
            row["id"]: {c: _column(c, row[c]) for c in columns if c in row} for row in tables[table]
        }
    return view


# --- Tests --------------------------------------------------------------------------------
def test_first_sync_of_an_empty_account(live_server, member, sync_client):
    result = run_scenario(live_server, member, "first-sync")

    assert_conformant(result)
    assert isinstance(result["timestamp"], int)
    assert result["timestamp"] > 0
    device = result["A"]
    # Nothing planned or logged yet: the only row is the member's own profile.
    assert {table: len(rows) for table, rows in device.items()} == {
        "products": 0,
        "regimens": 0,
        "intake_logs": 0,
        "profiles": 1,
        "flags": 0,
        "adherence_weeks": 0,
        "notifications": 0,
    }
    profile = device["profiles"][0]
    assert profile["id"] == str(member.id)
    assert profile["timezone"] == "Europe/Amsterdam"
    assert result["unsynced"] == {"A": False}


def test_two_devices_converge_with_the_server(
    live_server, member, sync_client, recompute_inline, inbox
):
    result = run_scenario(live_server, member, "full")
    ids, logs = result["ids"], result["ids"]["logs"]

    assert_conformant(result)

    # A real conflict: B pushed in between A's pull and push; A got 409, then recovered.
    assert result["conflict"]["status"] == 409, result["conflict"]
    assert result["conflict"]["recovered"] is True
    # The same push twice: the first applied; the copy was applied again or refused as a
    # conflict (its rows changed after last_pulled_at), and either way one state follows.
    assert 200 <= result["retry"]["first"] < 300
    assert 200 <= result["retry"]["second"] < 300 or result["retry"]["second"] == 409

    # Converged: nothing left to push, the last pull of each device brought nothing new.
    assert result["unsynced"] == {"A": False, "B": False}
    assert [p["changes"] for p in result["final_pull_changes"][-2:]] == [0, 0]
    assert result["A"] == result["B"]

    # No duplicates anywhere.
    for table, rows in result["A"].items():
        counts = Counter(row["id"] for row in rows)
        assert [i for i, n in counts.items() if n > 1] == [], table

    # Both devices equal the server's live rows.
    server = server_view(member)
    assert device_view(result["A"], server) == server
    assert device_view(result["B"], server) == server

    # The computed (read-only) tables travelled as well.
    assert server["adherence_weeks"], "no adherence was computed for the logged doses"

    # Per-column merge: B's note and A's servings both survived, on the regimen and on L1.
    regimen = server["regimens"][ids["regimen"]]
    assert regimen["note"] == "with breakfast"
    assert regimen["servings_per_dose"] == 2
    assert regimen["product_id"] == ids["k2_product"]
    l1 = server["intake_logs"][logs["L1"]]
    assert (l1["note"], l1["servings"]) == ("taken late", 2)
    assert server["intake_logs"][logs["L3"]]["note"] == "edited before a retried push"
    # A push applied whose response was lost: re-pushed as "created", applied as an update.
    assert 200 <= result["lost_response"]["repush_status"] < 300
    assert server["intake_logs"][logs["L4"]]["note"] == "edited, response lost"
    assert server["profiles"][str(member.id)]["remind_by_email"] is False
    # The inbox item A marked read is read everywhere, at the time A set.
    assert ids["notifications"] == [str(inbox.id)]
    assert server["notifications"][str(inbox.id)]["read_at"] == ids["read_at"]
    own = server["products"][ids["own_product"]]
    assert own["name"] == "My magnesium citrate"
    assert own["ingredients"] == [{"nutrient": "magnesium", "amount": 150, "form": "citrate"}]

    # Exactly the expected logs live: L2 deleted; the REST-logged dose and L4..L7 present.
    expected = {logs[name] for name in ("L1", "L3", "L4", "L5", "L6", "L7")} | {ids["rest_log"]}
    assert set(server["intake_logs"]) == expected
    content = Counter(
        (r["taken_at"], r["status"], r["note"]) for r in server["intake_logs"].values()
    )
    assert max(content.values()) == 1, "a log was stored twice under different ids"

    # The deleted log is gone from both devices and a tombstone on the server.
    deleted = ids["deleted_log"]
    for device in ("A", "B"):
        assert deleted not in {row["id"] for row in result[device]["intake_logs"]}
    tombstone = IntakeLog.objects.get(id=deleted)
    assert tombstone.deleted_at is not None
    assert tombstone.member_id == member.id
