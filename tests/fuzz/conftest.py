"""A member with something of everything, so the fuzzer's requests reach real rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from accounts import care
from accounts import services as account_services
from accounts.models import User
from notifications import services as notification_services
from tracking import computation, services
from tracking.models import Product

from ..factories import FlagFactory, MemberFactory
from ..notifications.conftest import b64


@dataclass
class FuzzMember:
    """Who the fuzzer signs in as, and the ids of their rows by collection (the first
    path segment after /api/v1/): a fuzzed `{id}` is sometimes swapped for one of these,
    sometimes for another member's (which must stay a 404)."""

    user: User
    token: str
    ids: dict[str, list[str]] = field(default_factory=dict)
    others: dict[str, list[str]] = field(default_factory=dict)


def _with_history(member: User) -> dict[str, list[str]]:
    account_services.update_profile(
        member.profile,
        {"date_of_birth": dt.date(1958, 3, 9), "sex": "female", "timezone": "Europe/Amsterdam"},
    )
    start = member.profile.today() - dt.timedelta(weeks=3)
    k2 = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner=None)
    own = services.create_product(
        member, {"name": "Own D3", "kind": "supplement", "serving_unit": "capsule"}, []
    )
    plans = [
        services.create_regimen(
            member,
            {"product": product, "schedule_kind": "daily", "times": ["08:00"], "start_date": start},
        )
        for product in (k2, own)
    ]
    taken = dt.datetime.combine(start, dt.time(8, 5), tzinfo=member.profile.zone)
    logs = [
        services.log_intake(member, {"regimen": plans[0], "taken_at": taken + dt.timedelta(days)})
        for days in range(0, 14, 3)
    ]
    computation.recompute([member.id])
    flags = [
        FlagFactory(member=member),
        FlagFactory(member=member, code="calcium_high", resolved_at=timezone.now()),
    ]
    link, _ = care.create_share_code(member)
    notification = notification_services.weekly_notification(member.id, "2026-W01", timezone.now())
    device, _ = notification_services.register_push_subscription(
        member,
        {
            "endpoint": f"https://push.invalid/{member.id}",
            "keys": {"p256dh": b64(b"\x04" + b"\x01" * 64), "auth": b64(b"\x02" * 16)},
        },
    )
    # A second signed-in device: deleting the session the fuzzer uses would sign it out.
    other_device = account_services.start_session(member, device_name="old tablet")
    return {
        "products": [str(own.id), str(k2.id)],
        "regimens": [str(plan.id) for plan in plans],
        "intakes": [str(log.id) for log, _ in logs],
        "flags": [str(flag.id) for flag in flags],
        "care-links": [str(link.id)],
        "notifications": [str(notification.id)],
        "push-subscriptions": [str(device.id)],
        "auth": [str(other_device.id)],
    }


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """The fuzzer sends up to a few dozen sign-ins per operation, more than any limit allows;
    it tests what each answer looks like, tests/accounts test the limits (and the 429's
    shape is checked in test_api_schema)."""
    settings.RATE_LIMITS = {scope: "off" for scope in settings.RATE_LIMITS}


@pytest.fixture
def fuzz_member(db) -> FuzzMember:
    member = MemberFactory(email="fuzz@example.com", display_name="Fuzz")
    ids = _with_history(member)
    other = MemberFactory(email="other@example.com", display_name="Other")
    others = _with_history(other)
    session = account_services.start_session(member, device_name="fuzzer")
    token = account_services.issue_tokens(session)["access"]
    return FuzzMember(user=member, token=token, ids=ids, others=others)
