"""A member deletes their account: asked with their password, carried out after a grace
period by a daily task that leaves nothing about them behind."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import care, deletion, selectors, tasks
from accounts.models import AccessLog, CareLink, ClientNote, LoginSession, User
from notifications import dose_reminders
from notifications import planner as notification_planner
from notifications.models import Delivery, DoseReminder
from sync.models import SyncClock
from tracking import services
from tracking.models import Ingredient, IntakeLog, Product, Regimen, RegimenSchedule

from ..conftest import client_for
from ..factories import FlagFactory, MemberFactory
from .test_export import NOW, give_history, make_dietitian

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.MemberFactory's
GRACE = dt.timedelta(days=14)


@pytest.fixture
def dana(db) -> User:
    """A dietitian."""
    return make_dietitian()


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def ask(api, password: str = PASSWORD):
    return api.post("/api/v1/me/deletion", {"password": password}, format="json")


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


# --- Asking, looking, cancelling -------------------------------------------------------
def test_deletion_is_scheduled_after_the_grace_period_and_asking_again_changes_nothing(
    alice, alice_api
):
    assert alice_api.get("/api/v1/me/deletion").json() == {
        "scheduled_for": None,
        "grace_days": 14,
    }

    first = ask(alice_api)
    with at(NOW + dt.timedelta(minutes=5)):
        again = ask(alice_api)

    expected = {"scheduled_for": (NOW + GRACE).isoformat().replace("+00:00", "Z"), "grace_days": 14}
    assert (first.status_code, first.json()) == (202, expected)
    assert (again.status_code, again.json()) == (200, expected)
    assert alice_api.get("/api/v1/me/deletion").json() == expected
    alice.refresh_from_db()
    assert alice.deletion_scheduled_for == NOW + GRACE


def test_the_grace_period_comes_from_the_settings(alice, alice_api, settings):
    settings.ACCOUNT_DELETION_GRACE_DAYS = 30

    response = ask(alice_api)

    assert response.json()["grace_days"] == 30
    alice.refresh_from_db()
    assert alice.deletion_scheduled_for == NOW + dt.timedelta(days=30)


def test_a_wrong_password_schedules_nothing(alice, alice_api):
    response = ask(alice_api, "not my password")

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {"code": "wrong_password", "detail": "The password is not correct.", "attr": "password"}
        ],
    }
    alice.refresh_from_db()
    assert alice.deletion_scheduled_for is None


def test_a_missing_password_is_refused(alice_api):
    response = alice_api.post("/api/v1/me/deletion", {}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "password"


def test_asking_revokes_care_links_and_other_devices_but_keeps_this_one(alice, alice_api, dana):
    _, code = care.create_share_code(alice)
    active = care.accept_code(dana, code)
    pending, _ = care.create_share_code(alice)
    other_device = client_for(alice)

    ask(alice_api)

    assert not CareLink.objects.filter(member=alice, revoked_at__isnull=True).exists()
    assert {active.pk, pending.pk} <= set(
        CareLink.objects.filter(revoked_at=NOW).values_list("pk", flat=True)
    )
    assert list(selectors.clients_for(dana)) == []
    assert alice_api.get("/api/v1/me").status_code == 200
    assert other_device.get("/api/v1/me").status_code == 401
    assert LoginSession.objects.get(pk=other_device.session_id).revoked_at == NOW
    assert LoginSession.objects.get(pk=alice_api.session_id).revoked_at is None


def test_cancelling_resumes_reminders_but_not_care_links(alice, alice_api, dana):
    _, code = care.create_share_code(alice)
    link = care.accept_code(dana, code)
    weekly = bisphosphonate_plan(alice)
    reminder = alice.profile.next_weekly_reminder_at
    dose = weekly.next_dose_reminder_at
    assert reminder is not None and dose is not None

    ask(alice_api)
    alice.profile.refresh_from_db()
    weekly.refresh_from_db()
    assert (alice.profile.next_weekly_reminder_at, weekly.next_dose_reminder_at) == (None, None)

    response = alice_api.delete("/api/v1/me/deletion")

    assert response.status_code == 204
    assert alice_api.get("/api/v1/me/deletion").json()["scheduled_for"] is None
    alice.profile.refresh_from_db()
    weekly.refresh_from_db()
    assert alice.profile.next_weekly_reminder_at == reminder
    assert weekly.next_dose_reminder_at == dose
    link.refresh_from_db()
    assert link.status == "revoked"
    assert alice_api.delete("/api/v1/me/deletion").status_code == 204  # again: no change


def bisphosphonate_plan(member) -> Regimen:
    alendronate = Product.objects.get(name="Alendronate 70 mg (weekly)", owner=None)
    return services.create_regimen(
        member,
        {
            "product": alendronate,
            "schedule_kind": "weekdays",
            "weekdays": [1],
            "times": ["07:00"],
            "start_date": NOW.date(),
        },
    )


def test_no_reminder_is_planned_while_deletion_is_pending(alice, bob, alice_api):
    bisphosphonate_plan(alice)
    bobs = bisphosphonate_plan(bob)
    ask(alice_api)
    week_later = NOW + dt.timedelta(days=7)
    weekly = [m for chunk in notification_planner.plan_weekly(week_later) for m, _ in chunk]

    with at(bobs.next_dose_reminder_at):
        dose_reminders.claim_moments(bobs.next_dose_reminder_at)

    assert weekly == [str(bob.pk)]
    assert set(DoseReminder.objects.values_list("member", flat=True)) == {bob.pk}


def test_changing_reminder_settings_while_deletion_is_pending_sends_nothing(alice, alice_api):
    ask(alice_api)
    # Another device (or this one) saves new reminder settings: the profile gets a next
    # reminder moment again, but the planner still leaves a leaving member alone.
    alice_api.patch("/api/v1/profile", {"reminder_time": "06:30"}, format="json")
    alice.profile.refresh_from_db()
    assert alice.profile.next_weekly_reminder_at is not None

    week_later = NOW + dt.timedelta(days=7)
    weekly = [m for chunk in notification_planner.plan_weekly(week_later) for m, _ in chunk]

    assert weekly == []


def test_each_member_sees_and_cancels_only_their_own_deletion(alice, bob, alice_api, bob_api):
    ask(alice_api)

    assert bob_api.get("/api/v1/me/deletion").json()["scheduled_for"] is None
    assert bob_api.delete("/api/v1/me/deletion").status_code == 204
    assert ask(bob_api, "not bob's password").status_code == 400

    alice.refresh_from_db()
    assert alice.deletion_scheduled_for == NOW + GRACE
    assert alice_api.get("/api/v1/me/deletion").json()["scheduled_for"] is not None


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_signing_in_is_required(anon_api, method):
    response = getattr(anon_api, method)("/api/v1/me/deletion")

    assert response.status_code == 401
    assert response.json()["type"] == "client_error"


# --- Carrying it out -------------------------------------------------------------------
def user_references():
    """Every foreign key or one-to-one to the user model, in every installed app (m2m
    tables included): a model added later is covered without changing this test."""
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is User:
                yield model, field


def referencing(user_id) -> dict[str, int]:
    return {
        f"{model._meta.label}.{field.name}": model.objects.filter(
            **{field.attname: user_id}
        ).count()
        for model, field in user_references()
    }


def fill_every_table(alice: User, dana: User, carol: User) -> dict:
    """Alice with a row in every table that refers to a user, in every role a user plays:
    member with a full history, and also a dietitian (following Carol, noting, viewing,
    acknowledging), an admin user and a holder of permissions."""
    history = give_history(alice, dana)
    client_for(alice)  # a sign-in: a session and an outstanding refresh token
    alice.is_staff = True
    alice.save()
    alice.groups.add(Group.objects.get(name=care.DIETITIANS_GROUP))
    alice.user_permissions.add(Permission.objects.get(codename="view_product"))
    _, code = care.create_share_code(carol)
    care.accept_code(alice, code)
    ClientNote.objects.create(member=carol, author=alice, body="Carol: evening calcium")
    care.log_access(carol.pk, alice, "view_client", "client page")
    carols_flag = FlagFactory(member=carol)
    services.acknowledge_flag(carols_flag, alice)
    LogEntry.objects.create(
        user=alice,
        content_type=ContentType.objects.get_for_model(Product),
        object_id=str(history["product"].pk),
        object_repr="product",
        action_flag=ADDITION,
    )
    missing = [name for name, count in referencing(alice.pk).items() if not count]
    assert not missing, f"give Alice a row in {missing} so her deletion is tested there"
    return {**history, "carols_flag": carols_flag}


@pytest.fixture
def carol(db) -> User:
    return MemberFactory(email="carol@example.com", display_name="Carol")


def run_deletion_task(moment: dt.datetime) -> int:
    with at(moment):
        return tasks.delete_due_accounts.apply().get()


def test_after_the_grace_period_nothing_about_the_member_remains(alice, bob, carol, dana):
    history = fill_every_table(alice, dana, carol)
    give_history(bob, dana)
    children = {
        Ingredient: Ingredient.objects.filter(product__owner=alice).count(),
        RegimenSchedule: RegimenSchedule.objects.filter(regimen__member=alice).count(),
        Delivery: Delivery.objects.filter(notification__member=alice).count(),
    }
    assert all(children.values())
    tombstones = IntakeLog.objects.filter(member=alice, deleted_at__isnull=False)
    assert tombstones.exists()
    tokens = list(OutstandingToken.objects.filter(user=alice).values_list("jti", flat=True))
    bob_before = referencing(bob.pk)
    catalogue = Product.objects.filter(owner=None).count()
    deletion.request_deletion(alice)

    deleted = run_deletion_task(NOW + GRACE + dt.timedelta(minutes=1))

    assert deleted == 1
    assert not User.objects.filter(pk=alice.pk).exists()
    assert {name: n for name, n in referencing(alice.pk).items() if n} == {}
    assert not Ingredient.objects.filter(product_id=history["product"].pk).exists()
    assert not RegimenSchedule.objects.filter(regimen_id=history["weekly"].pk).exists()
    assert not Delivery.objects.filter(notification_id=history["notification"].pk).exists()
    assert not IntakeLog.objects.filter(pk=history["deleted"].pk).exists()  # tombstone too
    assert not SyncClock.objects.filter(member_id=alice.pk).exists()
    assert not OutstandingToken.objects.filter(jti__in=tokens).exists()
    assert not ClientNote.objects.filter(body__contains=str(alice.pk)).exists()
    # Others keep their own records, with Alice's name where she acted on them.
    assert referencing(bob.pk) == bob_before
    assert Product.objects.filter(owner=None).count() == catalogue
    carols_log = AccessLog.objects.get(member=carol, action="view_client")
    assert (carols_log.actor, carols_log.actor_name) == (None, "Alice")
    history["carols_flag"].refresh_from_db()
    assert history["carols_flag"].acknowledged_by is None


def test_nothing_is_deleted_before_the_grace_period_ends(alice, dana):
    give_history(alice, dana)
    deletion.request_deletion(alice)
    before = referencing(alice.pk)

    deleted = run_deletion_task(NOW + GRACE - dt.timedelta(minutes=1))

    assert deleted == 0
    assert referencing(alice.pk) == before


def test_a_member_who_cancelled_is_untouched(alice, bob, alice_api, dana):
    give_history(alice, dana)
    ask(alice_api)
    with at(NOW + dt.timedelta(days=3)):
        assert client_for(alice).delete("/api/v1/me/deletion").status_code == 204
    before = referencing(alice.pk)

    deleted = run_deletion_task(NOW + GRACE + dt.timedelta(days=1))

    assert deleted == 0
    assert referencing(alice.pk) == before
    assert alice_api.get("/api/v1/me").status_code == 200


def test_the_task_is_idempotent_and_deletes_each_due_account_once(alice, bob, carol, dana):
    give_history(alice, dana)
    give_history(bob, dana)
    deletion.request_deletion(alice)
    with at(NOW + dt.timedelta(days=2)):
        deletion.request_deletion(bob)

    assert run_deletion_task(NOW + GRACE + dt.timedelta(hours=1)) == 1
    assert run_deletion_task(NOW + GRACE + dt.timedelta(hours=2)) == 0
    assert run_deletion_task(NOW + GRACE + dt.timedelta(days=2, hours=1)) == 1
    assert not User.objects.filter(pk__in=[alice.pk, bob.pk]).exists()
    assert User.objects.filter(pk=carol.pk).exists()
    assert IntakeLog.objects.count() == 0


def test_a_deleted_member_can_no_longer_sign_in(alice, alice_api, anon_api):
    ask(alice_api)

    run_deletion_task(NOW + GRACE + dt.timedelta(minutes=1))

    assert alice_api.get("/api/v1/me").status_code == 401
    login = anon_api.post(
        "/api/v1/auth/token", {"email": "alice@example.com", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 400


def test_the_deletion_task_runs_daily_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["delete-due-accounts"]

    assert entry["task"] == tasks.delete_due_accounts.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {45})
    assert tasks.delete_due_accounts.acks_late


def test_the_schema_documents_the_data_rights_endpoints(tmp_path):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    schema = path.read_text()
    assert "/api/v1/me/export:" in schema
    assert "application/fhir+json" in schema
    assert "/api/v1/me/deletion:" in schema
    assert "DeletionStatus" in schema
