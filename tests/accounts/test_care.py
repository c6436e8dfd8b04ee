"""Consent: a member lets one dietitian follow them, sees who can, and takes it back."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError

from accounts import care, selectors
from accounts.models import CareLink, User

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(db) -> User:
    """A dietitian."""
    person = MemberFactory(email="dana@clinic.example", display_name="Dana", is_staff=True)
    person.groups.add(Group.objects.get(name=care.DIETITIANS_GROUP))
    return person


@pytest.fixture
def erin(db) -> User:
    """Another dietitian, whom nobody invited."""
    person = MemberFactory(email="erin@clinic.example", display_name="Erin", is_staff=True)
    person.groups.add(Group.objects.get(name=care.DIETITIANS_GROUP))
    return person


def test_a_share_code_lets_exactly_that_dietitian_follow_until_revoked(alice, dana, erin):
    link, code = care.create_share_code(alice)

    care.accept_code(dana, code.lower())  # typed in lower case, with the dash

    assert list(selectors.clients_for(dana)) == [alice]
    assert list(selectors.clients_for(erin)) == []
    care.revoke(link)
    assert list(selectors.clients_for(dana)) == []


def test_a_share_code_works_once_and_expires(alice, bob, dana, erin):
    _, code = care.create_share_code(alice)
    care.accept_code(dana, code)
    with pytest.raises(ValidationError):
        care.accept_code(erin, code)

    _, late = care.create_share_code(bob)
    later = dt.datetime.now(dt.UTC) + care.SHARE_CODE_TTL + dt.timedelta(1)
    with time_machine.travel(later), pytest.raises(ValidationError, match="expired"):
        care.accept_code(dana, late)
    assert list(selectors.clients_for(dana)) == [alice]


def test_only_dietitians_accept(alice, bob):
    _, code = care.create_share_code(alice)

    with pytest.raises(ValidationError, match="Only dietitians"):
        care.accept_code(bob, code)


# Frozen: the signed token carries a timestamp, and the e-mail's and the test's must agree.
@time_machine.travel("2026-11-20 10:00:00+00:00", tick=False)
def test_an_email_invite_is_accepted_by_the_invited_dietitian_only(
    alice, dana, erin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        link = care.invite_by_email(alice, "Dana@Clinic.example")

    [message] = mail.outbox
    assert message.to == ["dana@clinic.example"]
    token = care.invite_token(link)
    assert token in message.body
    with pytest.raises(ValidationError, match="another address"):
        care.accept_invite(erin, token)
    with pytest.raises(ValidationError, match="not valid"):
        care.accept_invite(dana, token[:-2] + "xx")

    care.accept_invite(dana, token)
    assert list(selectors.clients_for(dana)) == [alice]


def test_accepting_twice_keeps_one_active_link(alice, dana):
    _, first = care.create_share_code(alice)
    _, second = care.create_share_code(alice)

    care.accept_code(dana, first)
    care.accept_code(dana, second)

    assert CareLink.objects.filter(member=alice, revoked_at=None, dietitian=dana).count() == 1


def test_a_member_invites_lists_and_revokes_through_the_api(alice, alice_api, dana):
    created = alice_api.post("/api/v1/care-links", {"method": "code"})
    assert created.status_code == 201
    code = created.json()["code"]
    care.accept_code(dana, code)

    [listed] = alice_api.get("/api/v1/care-links").json()["results"]
    assert listed["status"] == "active"
    assert listed["dietitian"] == {"name": "Dana", "email": "dana@clinic.example"}
    assert "code" not in listed

    revoked = alice_api.delete(f"/api/v1/care-links/{listed['id']}")
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert list(selectors.clients_for(dana)) == []


def test_an_email_invite_needs_an_address(alice_api):
    response = alice_api.post("/api/v1/care-links", {"method": "email"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "email"


def test_members_cannot_touch_each_others_links(alice, bob_api, dana):
    link, code = care.create_share_code(alice)
    care.accept_code(dana, code)

    assert bob_api.delete(f"/api/v1/care-links/{link.id}").status_code == 404
    assert bob_api.get("/api/v1/care-links").json()["results"] == []
    assert list(selectors.clients_for(dana)) == [alice]


def test_the_member_sees_every_access_in_the_log(alice, alice_api, bob_api, dana):
    care.log_access(alice.id, dana, "view_client", "client page")
    care.log_access(alice.id, dana, "export_pdf")

    entries = alice_api.get("/api/v1/access-log").json()["results"]

    assert [(e["actor_name"], e["action"]) for e in entries] == [
        ("Dana", "export_pdf"),
        ("Dana", "view_client"),
    ]
    assert bob_api.get("/api/v1/access-log").json()["results"] == []
