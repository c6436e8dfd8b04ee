"""Operators manage everything in the admin; every page renders."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import care
from accounts.models import User
from notifications import services as notification_services
from notifications.models import PushSubscription
from tracking import computation, services
from tracking.models import IntakeLog, Product

from .conftest import client_for
from .factories import IntakeLogFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    operator = User.objects.create_superuser("operator@example.com", "operator pass 123")
    client.force_login(operator)
    return client


@pytest.fixture
def one_of_each(alice):
    """A row in every admin table, so every change page is opened."""
    client_for(alice)  # a login session and an outstanding refresh token
    BlacklistedToken.objects.create(token=OutstandingToken.objects.first())
    Group.objects.get_or_create(name="Dietitians")
    every_day = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    PeriodicTask.objects.create(
        name="demo", task="accounts.tasks.flush_expired_tokens", interval=every_day
    )
    CrontabSchedule.objects.create(minute="0", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=52.37, longitude=4.9)
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    log = IntakeLogFactory(member=alice)
    # Schedule history, adherence snapshots, flags and a computation record.
    warfarin = Product.objects.get(name="Warfarin 1 mg", owner__isnull=True)
    services.create_regimen(
        alice,
        {
            "product": warfarin,
            "schedule_kind": "daily",
            "times": ["18:00"],
            "start_date": log.taken_at.date(),
            "confirmed_findings": ["vitamin_k_with_vka"],  # her log's product holds K2
        },
    )
    computation.recompute([alice.id])
    # An inbox row with its deliveries, and a push device.
    notification = notification_services.weekly_notification(alice.id, "2026-W47", timezone.now())
    notification_services.open_deliveries(notification)
    PushSubscription.objects.create(
        member=alice, endpoint="https://push.example/abc", p256dh="key", auth="secret"
    )
    # A care link and an access-log entry.
    care.create_share_code(alice)
    care.log_access(alice.id, User.objects.get(email="operator@example.com"), "view_client")
    return log


def admin_models():
    return [pytest.param(model, id=model._meta.label) for model in admin.site._registry]


@pytest.mark.parametrize("model", admin_models())
def test_every_changelist_and_add_page_renders(operator_client, one_of_each, model):
    opts = model._meta
    changelist = operator_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    )
    add = operator_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))

    assert changelist.status_code == 200
    assert add.status_code in (200, 403)


@pytest.mark.parametrize("model", admin_models())
def test_every_change_page_renders(operator_client, one_of_each, model):
    obj = model._default_manager.first()
    assert obj is not None, f"add a {model.__name__} row to the one_of_each fixture"
    opts = model._meta

    response = operator_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )

    assert response.status_code == 200


def test_the_admin_uses_the_unfold_theme(operator_client):
    response = operator_client.get(reverse("admin:index"))
    assert b"unfold" in response.content


def test_an_operator_adds_a_member_with_profile_and_clock(operator_client):
    response = operator_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "dora@example.com",
            "password1": "a fine pass 8812",
            "password2": "a fine pass 8812",
        },
    )

    assert response.status_code == 302
    dora = User.objects.get(email="dora@example.com")
    assert dora.profile.id == dora.id
    assert dora.sync_clock.value >= 1


def test_deleting_a_log_in_the_admin_leaves_a_tombstone(operator_client, one_of_each):
    url = reverse("admin:tracking_intakelog_delete", args=[one_of_each.pk])

    operator_client.post(url, {"post": "yes"})

    assert IntakeLog.objects.get(pk=one_of_each.pk).deleted_at is not None


def test_members_cannot_open_the_admin(client, alice):
    client.force_login(alice)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


@pytest.mark.parametrize("usable", [True, False], ids=["new password", "password disabled"])
def test_an_operator_setting_a_members_password_signs_out_their_devices(
    operator_client, alice, usable
):
    phone, tablet = client_for(alice), client_for(alice)
    page = reverse("admin:auth_user_password_change", args=[alice.pk])
    form = {"usable_password": str(usable).lower()}
    form |= {"password1": "a new long passphrase", "password2": "a new long passphrase"}
    if not usable:
        form["unset-password"] = "1"  # the form's "disable" button

    response = operator_client.post(page, form)

    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.has_usable_password() is usable
    assert phone.get("/api/v1/me").status_code == 401
    assert tablet.get("/api/v1/me").status_code == 401


def test_an_operator_planning_a_weekly_medicine_daily_must_confirm_it(operator_client, alice):
    """The admin runs the plan-time checks REST and sync run, through the same services."""
    from tracking.models import Regimen

    alendronate = Product.objects.get(name="Alendronate 70 mg (weekly)", owner__isnull=True)
    form = {
        "member": str(alice.pk),
        "product": str(alendronate.pk),
        "servings_per_dose": "1",
        "schedule_kind": "daily",
        "times": '["08:00"]',
        "weekdays": "[]",
        "start_date": timezone.localdate().isoformat(),
        "note": "",
        "confirmed_findings": "[]",
        "schedules-TOTAL_FORMS": "0",
        "schedules-INITIAL_FORMS": "0",
    }
    url = reverse("admin:tracking_regimen_add")

    refused = operator_client.post(url, form)

    assert refused.status_code == 200
    assert "This is a once-a-week dose; your plan takes it every day" in refused.content.decode()
    assert not Regimen.objects.filter(member=alice).exists()

    saved = operator_client.post(url, {**form, "confirm_findings": "on"})

    assert saved.status_code == 302, saved.content.decode()[:2000]
    plan = Regimen.objects.get(member=alice)
    assert plan.confirmed_findings == ["labelled_frequency"]
    assert plan.schedules.count() == 1  # saved through the services: history recorded
