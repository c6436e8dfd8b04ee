"""The people of the sweep and everything they own.

`furnish(member, tag)` gives a member one object of every kind the API or the admin can
address, plus some history (a plan with doses, computed adherence and flags, an inbox
message with its deliveries, a push device, a second signed-in device, a care link and an
access-log entry). Every free-text value carries the member's tag, so a scan of another
person's response can find any of it by text, and every row's UUID is a marker too.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import care
from accounts import services as account_services
from accounts.models import AccessLog, ClientNote, LoginSession, User
from notifications import dose_reminders
from notifications import services as notification_services
from notifications.models import DoseReminder, PushSubscription
from notifications.unsubscribe import unsubscribe_token
from tracking import computation, services
from tracking.models import Flag, Nutrient, Product

from ..factories import FlagFactory, MemberFactory

PASSWORD = "correct horse battery"  # tests.factories.MemberFactory's
CATALOGUE_PRODUCT = "Vitamin K2 MK-7 90 mcg"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_push_keys() -> dict[str, str]:
    """What PushSubscription.toJSON() gives for a fresh browser subscription."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"p256dh": b64(public), "auth": b64(uuid.uuid4().bytes)}


class Shared:
    """A shared object in a member's holdings: its id fills paths, but it is nobody's."""

    def __init__(self, pk: str) -> None:
        self.pk = pk


@dataclass
class Holdings:
    """One member's objects by kind, and the text only their data contains."""

    member: User
    tag: str
    objects: dict[str, object] = field(default_factory=dict)
    refresh: str = ""  # a refresh token of the member's own API session
    unsubscribe: str = ""

    def ids(self) -> dict[str, str]:
        return {kind: str(obj.pk) for kind, obj in self.objects.items()}

    def private_ids(self) -> dict[str, str]:
        """The UUIDs that are this member's alone (not the shared catalogue's)."""
        return {
            kind: value
            for kind, value in self.ids().items()
            if not isinstance(self.objects[kind], Shared) and len(value) == 36
        }

    def texts(self) -> list[str]:
        """Strings that appear only in this member's data (their e-mail and tagged text)."""
        return [self.member.email, self.tag]


def dietitian(email: str, name: str) -> User:
    person = MemberFactory(email=email, display_name=name, is_staff=True)
    person.groups.add(Group.objects.get(name=care.DIETITIANS_GROUP))
    return person


def furnish(member: User, tag: str) -> Holdings:
    """One object of every kind for `member`, through the same services the API uses."""
    account_services.update_profile(
        member.profile,
        {"date_of_birth": dt.date(1961, 3, 14), "sex": "female", "timezone": "Europe/Amsterdam"},
    )
    own = services.create_product(
        member,
        {"name": f"{tag} private K2 blend", "kind": "supplement", "notes": f"{tag} notes"},
        [{"nutrient": Nutrient.objects.get(code="k2_mk7"), "amount": Decimal("90")}],
    )
    start = member.profile.today() - dt.timedelta(weeks=3)
    plan = services.create_regimen(
        member,
        {
            "product": own,
            "schedule_kind": "daily",
            "times": ["08:00"],
            "start_date": start,
            "note": f"{tag} plan",
        },
    )
    catalogue_plan = services.create_regimen(
        member,
        {
            "product": Product.objects.get(name="Warfarin 1 mg", owner=None),
            "schedule_kind": "daily",
            "times": ["18:00"],
            "start_date": start,
            "confirmed_findings": ["vitamin_k_with_vka"],  # seen when planning
        },
    )
    taken = dt.datetime.combine(start, dt.time(8, 5), tzinfo=member.profile.zone)
    logs = [
        services.log_intake(
            member, {"regimen": plan, "taken_at": taken + dt.timedelta(days=day), "note": tag}
        )[0]
        for day in range(0, 15, 3)
    ]
    computation.recompute([member.id])  # adherence weeks and the warfarin + K2 flag
    flag = FlagFactory(member=member, code="d3_without_k2", evidence={"note": tag})
    notification = notification_services.weekly_notification(member.id, "2026-W01", timezone.now())
    notification_services.open_deliveries(notification)
    stock = services.record_stock(
        member, {"regimen": plan, "kind": "count", "servings": Decimal("30"), "note": tag}
    )
    due = timezone.now() + dt.timedelta(hours=2)
    reminder = DoseReminder.objects.create(
        id=dose_reminders.dose_id(catalogue_plan.pk, due),
        member=member,
        regimen=catalogue_plan,
        due_at=due,
        counts_from=due - dt.timedelta(hours=3),
        counts_until=due + dt.timedelta(hours=3),
        next_at=due,
    )
    keys = browser_push_keys()
    device = PushSubscription.objects.create(
        member=member, endpoint=f"https://push.example/{tag}", user_agent=f"{tag} browser", **keys
    )
    tablet = LoginSession.objects.create(user=member, device_name=f"{tag} tablet")
    # A device signed out long ago: its refresh token is on the blacklist.
    old_phone = account_services.start_session(member, device_name=f"{tag} old phone")
    RefreshToken(account_services.issue_tokens(old_phone)["refresh"]).blacklist()
    account_services.revoke_session(old_phone)
    link, _ = care.create_share_code(member)
    session = account_services.start_session(member, device_name=f"{tag} phone")
    holdings = Holdings(
        member=member,
        tag=tag,
        objects={
            "product": own,
            "regimen": plan,
            "catalogue_regimen": catalogue_plan,
            "intake": logs[-1],
            "flag": flag,
            "notification": notification,
            "stock_event": stock,
            "dose_reminder": reminder,
            "push_subscription": device,
            "session": tablet,
            "care_link": link,
            "profile": member.profile,
            "member": member,
        },
        refresh=account_services.issue_tokens(session)["refresh"],
        unsubscribe=unsubscribe_token(member),
    )
    assert Flag.objects.filter(member=member, code="vitamin_k_with_vka").exists()
    return holdings


def follow(dietitian_user: User, holdings: Holdings) -> None:
    """The member consents (share code) and the dietitian has looked and written a note."""
    _, code = care.create_share_code(holdings.member)
    link = care.accept_code(dietitian_user, code)
    holdings.objects["followed_link"] = link
    care.log_access(holdings.member.pk, dietitian_user, "view_client", f"{holdings.tag} visit")
    holdings.objects["access_log"] = AccessLog.objects.filter(member=holdings.member).first()
    holdings.objects["client_note"] = ClientNote.objects.create(
        member=holdings.member, author=dietitian_user, body=f"{holdings.tag} private note"
    )
