"""The one-click unsubscribe link in reminder e-mails: signed for one member, expiring, and
turning off e-mail only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.core import signing

from notifications import services, tasks
from notifications.unsubscribe import member_id_from, unsubscribe_token, unsubscribe_url

pytestmark = pytest.mark.django_db

SENT_AT = dt.datetime(2026, 11, 22, 18, 0, tzinfo=dt.UTC)


def path_of(url: str) -> str:
    return url.removeprefix(settings.SITE_URL.rstrip("/"))


@pytest.fixture
def link(alice, mailoutbox) -> str:
    """The unsubscribe link from the digest e-mail alice received at SENT_AT."""
    with time_machine.travel(SENT_AT, tick=False):
        notification = services.weekly_notification(alice.id, "2026-W47", SENT_AT)
        services.open_deliveries(notification)
        tasks.deliver.apply(args=[notification.deliveries.get(channel="email").id])
    [message] = mailoutbox
    [url] = re.findall(r"Stop these e-mails: (\S+)", message.body)
    return path_of(url)


def test_the_link_asks_first_then_turns_reminder_emails_off(alice, client, link):
    with time_machine.travel(SENT_AT + dt.timedelta(days=3), tick=False):
        asked = client.get(link)
        done = client.post(link)

    assert asked.status_code == 200
    assert b"Stop weekly reminder e-mails for alice@example.com?" in asked.content
    alice.profile.refresh_from_db()
    assert done.status_code == 200
    assert b"gets no more reminder e-mails" in done.content
    assert alice.profile.remind_by_email is False
    assert (alice.profile.remind_by_push, alice.profile.remind_in_app) == (True, True)


def test_a_mail_clients_one_click_post_works_without_signing_in(alice, client, link):
    with time_machine.travel(SENT_AT + dt.timedelta(hours=1), tick=False):
        response = client.post(link, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    alice.profile.refresh_from_db()
    assert alice.profile.remind_by_email is False


def test_the_next_digest_is_not_emailed(alice, link, client, mailoutbox):
    with time_machine.travel(SENT_AT + dt.timedelta(hours=1), tick=False):
        client.post(link)
    next_week = services.weekly_notification(alice.id, "2026-W48", SENT_AT + dt.timedelta(weeks=1))

    services.open_deliveries(next_week)

    assert next_week.deliveries.get(channel="email").status == "skipped"
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: token.rsplit(":", 1)[0],  # signature removed
        lambda token: "x" + token,  # member id changed
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_link_changes_nothing(alice, client, link, tamper):
    token = link.rsplit("/", 1)[-1]
    forged = link.replace(token, tamper(token))

    with time_machine.travel(SENT_AT + dt.timedelta(hours=1), tick=False):
        asked, posted = client.get(forged), client.post(forged)

    assert (asked.status_code, posted.status_code) == (400, 400)
    assert b"This link is not valid any more" in posted.content
    alice.profile.refresh_from_db()
    assert alice.profile.remind_by_email is True


def test_a_link_signed_for_alice_cannot_be_pointed_at_bob(alice, bob, client, link):
    alices_token = link.rsplit("/", 1)[-1]
    _, timestamp, signature = alices_token.split(":")
    forged = link.replace(alices_token, f"{bob.id}:{timestamp}:{signature}")

    with time_machine.travel(SENT_AT + dt.timedelta(hours=1), tick=False):
        assert client.post(forged).status_code == 400

    bob.profile.refresh_from_db()
    assert bob.profile.remind_by_email is True


def test_a_link_expires_after_the_configured_days(alice, client, link):
    days = settings.UNSUBSCRIBE_LINK_DAYS

    with time_machine.travel(SENT_AT + dt.timedelta(days=days, minutes=-1), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(SENT_AT + dt.timedelta(days=days, minutes=1), tick=False):
        expired = client.post(link)

    assert expired.status_code == 400
    alice.profile.refresh_from_db()
    assert alice.profile.remind_by_email is True


def test_a_token_from_another_signer_is_refused(alice):
    token = unsubscribe_token(alice)
    other = signing.TimestampSigner(salt="ossa.something.else").sign(str(alice.id))

    assert member_id_from(token) == str(alice.id)
    with pytest.raises(signing.BadSignature):
        member_id_from(other)
    assert unsubscribe_url(alice).startswith(settings.SITE_URL.rstrip("/") + "/unsubscribe/")


def test_a_deactivated_account_cannot_be_unsubscribed_by_link(alice, client, link):
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    with time_machine.travel(SENT_AT + dt.timedelta(hours=1), tick=False):
        assert client.post(link).status_code == 400
