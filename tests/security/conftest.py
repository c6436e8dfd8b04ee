"""The cast of the access sweep: Alice and Bob (members, each with one of everything),
Dana (a dietitian Alice invited, following nobody else) and Root (an operator).

The world is built once per test module, inside a transaction rolled back when the module
ends; each test runs in its own savepoint within it (pytest-django's usual per-test
transaction), and the sweep rolls back every single request on top of that. So each of
the thousands of requests meets the same world, and no other test module ever sees it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client as BrowserClient
from django.test.utils import override_settings
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts import services as account_services
from accounts.models import CareLink, LoginSession, User
from notifications.models import PushSubscription
from tracking.models import Product

from ..conftest import client_for
from ..factories import MemberFactory
from .inspection import Query, Snapshot, markers, snapshot_plan
from .world import CATALOGUE_PRODUCT, PASSWORD, Holdings, Shared, dietitian, follow, furnish


@dataclass
class World:
    alice: Holdings
    bob: Holdings
    dana: User
    olga: User
    root: User

    @property
    def people(self) -> list[User]:
        return [self.alice.member, self.bob.member, self.dana, self.olga, self.root]

    @cached_property
    def plan(self) -> list[Query]:
        """The snapshot's SELECTs for these people, compiled once."""
        return snapshot_plan(self.people)

    @cached_property
    def markers(self) -> dict:
        """Per member id: what gives their data away (tagged text, every row's UUID)."""
        rows = Snapshot(self.plan).rows.items()
        return {
            h.member.pk: markers(
                h.texts(), [pk for (_, pk), r in rows if r.owner == str(h.member.pk)]
            )
            for h in (self.alice, self.bob)
        }

    @cached_property
    def secrets(self) -> set[str]:
        """Values no response may contain, to anyone: password hashes, share-code digests,
        push keys, stored refresh tokens and the server's own keys."""
        found = {settings.SECRET_KEY, settings.VAPID_PRIVATE_KEY}
        found |= set(User.objects.values_list("password", flat=True))
        found |= set(CareLink.objects.exclude(code_digest="").values_list("code_digest", flat=True))
        for p256dh, auth in PushSubscription.objects.values_list("p256dh", "auth"):
            found |= {p256dh, auth}
        # Refresh tokens kept for the blacklist are bearer credentials for 30 days.
        found |= set(OutstandingToken.objects.values_list("token", flat=True))
        return {value for value in found if value and len(value) >= 16}


def build_world() -> World:
    alice = furnish(MemberFactory(email="alice@example.com", display_name="Alice"), "alice-7q3")
    bob = furnish(MemberFactory(email="bob@example.com", display_name="Bob"), "bob-4k8")
    dana = dietitian("dana@clinic.example", "Dana Dietitian")
    follow(dana, alice)
    olga = MemberFactory(email="olga@ossa.example", display_name="Olga Staff", is_staff=True)
    # As seed_demo and the admin's "add user" make operators: with the member records.
    root = User.objects.create_superuser("root@ossa.example", PASSWORD, display_name="Root")
    account_services.create_member_records(root)
    beat_schedules()
    catalogue = Product.objects.get(name=CATALOGUE_PRODUCT, owner=None)
    alice.objects["catalogue"] = bob.objects["catalogue"] = Shared(str(catalogue.pk))
    return World(alice, bob, dana, olga, root)


def beat_schedules() -> None:
    """One row of each beat table, so every operator page of the admin has an object."""
    every_day = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    PeriodicTask.objects.create(
        name="sweep", task="accounts.tasks.flush_expired_tokens", interval=every_day
    )
    CrontabSchedule.objects.create(minute="0", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=52.37, longitude=4.9)
    ClockedSchedule.objects.create(clocked_time=timezone.now())


SWEEP_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    # Rate limits are counted in Redis, outside the rolled-back transactions, and would
    # answer 429 to the sweep's many sign-in attempts; they have their own tests.
    "RATE_LIMITS": dict.fromkeys(settings.RATE_LIMITS, "off"),
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    # Thousands of refusals are the point here: Django's "Not Found: …" warning for each
    # would cost more than the requests.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(**SWEEP_SETTINGS),
            transaction.atomic(),
        ):
            yield build_world()
            transaction.set_rollback(True)
    finally:
        request_log.setLevel(level)


@pytest.fixture(autouse=True)
def sweep_settings(settings):
    """The module's settings hold in each test too (tests/conftest.py resets hashers)."""
    for name, value in SWEEP_SETTINGS.items():
        setattr(settings, name, value)


def signed_out_client(user: User) -> APIClient:
    """A device of `user` that was signed out: its access token is still unexpired."""
    client = client_for(user)
    account_services.revoke_session(LoginSession.objects.get(id=client.session_id))
    return client


def cookie_client(user: User, api: bool = True) -> APIClient | BrowserClient:
    """Signed in with a session cookie, as in the admin."""
    client = APIClient() if api else BrowserClient()
    client.force_login(user)
    return client
