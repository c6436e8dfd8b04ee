"""Named people for the dietitian panel: Dana follows Alice; Erin follows nobody; Olga is
staff but no dietitian; Root is an operator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client as BrowserClient

from accounts import care
from accounts import services as account_services
from accounts.models import User
from tracking import computation, services
from tracking.models import Product

from ..factories import MemberFactory

PASSWORD = "correct horse battery"


def dietitian(email: str, name: str) -> User:
    person = MemberFactory(email=email, display_name=name, is_staff=True)
    person.groups.add(Group.objects.get(name=care.DIETITIANS_GROUP))
    return person


def signed_in(user: User) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(user)
    return browser


@pytest.fixture
def dana(db) -> User:
    return dietitian("dana@clinic.example", "Dana")


@pytest.fixture
def erin(db) -> User:
    return dietitian("erin@clinic.example", "Erin")


@pytest.fixture
def olga(db) -> User:
    return MemberFactory(email="olga@ossa.example", display_name="Olga", is_staff=True)


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("root@ossa.example", PASSWORD)


def give_plan(member: User) -> None:
    account_services.update_profile(
        member.profile,
        {"date_of_birth": dt.date(1960, 5, 1), "sex": "female", "timezone": "Europe/Amsterdam"},
    )
    start = member.profile.today() - dt.timedelta(weeks=6)
    for name in ("Warfarin 1 mg", "Vitamin K2 MK-7 90 mcg"):
        product = Product.objects.get(name=name, owner=None)
        plan = services.create_regimen(
            member,
            {
                "product": product,
                "schedule_kind": "daily",
                "times": ["08:00"],
                "start_date": start,
                "confirmed_findings": ["vitamin_k_with_vka"],  # seen when planning
            },
        )
        taken = dt.datetime.combine(start, dt.time(8, 5), tzinfo=member.profile.zone)
        for day in range(0, 40, 2):
            services.log_intake(
                member, {"regimen": plan, "taken_at": taken + dt.timedelta(days=day)}
            )
    computation.recompute([member.id])


@pytest.fixture
def alice_followed_by_dana(alice, dana):
    give_plan(alice)
    link, code = care.create_share_code(alice)
    care.accept_code(dana, code)
    return alice, link
