"""What members do with reminders over the API: register push devices, read the VAPID key,
read their inbox and mark messages read, over REST and over sync."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from notifications import services
from notifications.models import Notification, PushSubscription

from .conftest import b64, unb64

pytestmark = pytest.mark.django_db

ENDPOINT = "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABn-alice"


def browser_keys() -> dict[str, str]:
    """What PushSubscription.toJSON() gives for a fresh browser subscription."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"p256dh": b64(public), "auth": b64(os.urandom(16))}


def subscribe(api, endpoint: str = ENDPOINT, **extra):
    keys = extra.pop("keys", None) or browser_keys()
    return api.post("/api/v1/push-subscriptions", {"endpoint": endpoint, "keys": keys, **extra})


def digest_for(member, week: str = "2026-W47") -> Notification:
    now = dt.datetime(2026, 11, 22, 18, 0, tzinfo=dt.UTC)
    notification = services.weekly_notification(member.id, week, now)
    assert notification is not None
    return notification


# --- Push devices ---------------------------------------------------------------------
def test_a_member_registers_a_browser_for_push(alice, alice_api):
    keys = browser_keys()

    response = subscribe(alice_api, keys=keys, user_agent="Firefox on Android")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["endpoint"] == ENDPOINT
    assert body["active"] is True
    assert body["user_agent"] == "Firefox on Android"
    assert "keys" not in body  # the device's secrets are not sent back
    device = PushSubscription.objects.get(id=body["id"])
    assert (device.member, device.p256dh, device.auth) == (alice, keys["p256dh"], keys["auth"])
    assert [d["id"] for d in alice_api.get("/api/v1/push-subscriptions").json()] == [body["id"]]


def test_registering_the_same_endpoint_again_renews_its_keys(alice_api):
    first = subscribe(alice_api).json()
    renewed = browser_keys()

    response = subscribe(alice_api, keys=renewed)

    assert response.status_code == 200, response.json()
    assert response.json()["id"] == first["id"]
    device = PushSubscription.objects.get()
    assert (device.p256dh, device.auth) == (renewed["p256dh"], renewed["auth"])


def test_a_deactivated_device_that_subscribes_again_is_active_again(alice, alice_api):
    first = subscribe(alice_api).json()
    PushSubscription.objects.filter(id=first["id"]).update(
        deactivated_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC), last_error="410: Gone"
    )

    response = subscribe(alice_api)

    assert response.status_code == 200
    device = PushSubscription.objects.get(id=first["id"])
    assert device.is_active and device.last_error == ""


def test_a_shared_browser_follows_the_member_signed_in(alice_api, bob, bob_api):
    subscribe(alice_api)

    response = subscribe(bob_api)

    assert response.status_code == 200
    assert PushSubscription.objects.get().member == bob
    assert alice_api.get("/api/v1/push-subscriptions").json() == []


def test_members_cannot_see_or_remove_each_others_devices(alice_api, bob_api):
    device = subscribe(alice_api).json()

    assert bob_api.get("/api/v1/push-subscriptions").json() == []
    assert bob_api.delete(f"/api/v1/push-subscriptions/{device['id']}").status_code == 404
    assert PushSubscription.objects.filter(id=device["id"]).exists()

    assert alice_api.delete(f"/api/v1/push-subscriptions/{device['id']}").status_code == 204
    assert not PushSubscription.objects.filter(id=device["id"]).exists()
    assert alice_api.delete(f"/api/v1/push-subscriptions/{device['id']}").status_code == 404


@pytest.mark.parametrize(
    ("endpoint", "keys", "attr"),
    [
        ("http://push.example.com/x", None, "endpoint"),  # push services are https
        ("not a url", None, "endpoint"),
        (ENDPOINT, {"p256dh": "not-a-key", "auth": b64(os.urandom(16))}, "keys.p256dh"),
        (ENDPOINT, {"p256dh": b64(b"\x04" + b"\x01" * 64), "auth": b64(b"a" * 16)}, "keys.p256dh"),
        (ENDPOINT, {"p256dh": browser_keys()["p256dh"], "auth": b64(b"short")}, "keys.auth"),
        (ENDPOINT, {"p256dh": browser_keys()["p256dh"]}, "keys.auth"),
    ],
)
def test_a_device_push_cannot_work_for_is_refused(alice_api, endpoint, keys, attr):
    response = subscribe(alice_api, endpoint, keys=keys or browser_keys())

    assert response.status_code == 400
    assert attr in {error["attr"] for error in response.json()["errors"]}
    assert not PushSubscription.objects.exists()


def test_development_may_register_a_local_http_endpoint(alice_api, settings):
    settings.DEBUG = True

    response = subscribe(alice_api, "http://127.0.0.1:8001/push/1")

    assert response.status_code == 201, response.json()


def test_the_vapid_public_key_is_the_servers_signing_key(alice_api, anon_api):
    response = alice_api.get("/api/v1/push/vapid-public-key")

    assert response.status_code == 200
    public = response.json()["public_key"]
    assert public == settings.VAPID_PUBLIC_KEY
    raw = unb64(public)
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point, as browsers want
    private_value = int.from_bytes(unb64(settings.VAPID_PRIVATE_KEY), "big")
    derived = ec.derive_private_key(private_value, ec.SECP256R1()).public_key()
    assert (
        derived.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        == raw
    )
    assert anon_api.get("/api/v1/push/vapid-public-key").status_code == 401


# --- The inbox over REST --------------------------------------------------------------
def test_a_member_reads_their_inbox_and_marks_a_message_read(alice, alice_api):
    notification = digest_for(alice)

    listed = alice_api.get("/api/v1/notifications").json()["results"]
    response = alice_api.post(f"/api/v1/notifications/{notification.id}/read")

    assert [(n["id"], n["read_at"]) for n in listed] == [(str(notification.id), None)]
    assert listed[0]["title"] == notification.title and listed[0]["period"] == "2026-W47"
    assert response.status_code == 200
    read_at = response.json()["read_at"]
    assert read_at is not None
    stored = Notification.objects.get(id=notification.id)
    assert stored.read_at is not None
    assert stored.server_version > notification.server_version  # the app hears of it
    # Reading again keeps the first time it was read.
    again = alice_api.post(f"/api/v1/notifications/{notification.id}/read").json()
    assert again["read_at"] == read_at


def test_members_cannot_see_or_mark_each_others_messages(alice, bob_api):
    notification = digest_for(alice)

    assert bob_api.get("/api/v1/notifications").json()["results"] == []
    assert bob_api.get(f"/api/v1/notifications/{notification.id}").status_code == 404
    assert bob_api.post(f"/api/v1/notifications/{notification.id}/read").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_inbox_cannot_be_written_over_rest(alice, alice_api):
    notification = digest_for(alice)

    assert alice_api.post("/api/v1/notifications", {"title": "Hi"}).status_code == 405
    assert alice_api.delete(f"/api/v1/notifications/{notification.id}").status_code == 405
    assert alice_api.patch(f"/api/v1/notifications/{notification.id}", {}).status_code == 405


# --- The inbox over sync --------------------------------------------------------------
def pull(api, cursor=None) -> dict:
    query = {"last_pulled_at": "null" if cursor is None else cursor, "schema_version": 1}
    response = api.get("/api/v1/sync/pull", query)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def push(api, cursor, changes, status=200) -> dict:
    response = api.post(
        f"/api/v1/sync/push?last_pulled_at={cursor}", {"changes": changes}, format="json"
    )
    assert response.status_code == status, response.content
    return json.loads(response.content)


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_the_app_pulls_the_inbox_and_marks_a_message_read_by_push(alice, alice_api):
    notification = digest_for(alice)
    first = pull(alice_api)
    [row] = first["changes"]["notifications"]["updated"]
    assert row["id"] == str(notification.id)
    assert (row["title"], row["body"], row["read_at"]) == (
        notification.title,
        notification.body,
        None,
    )
    assert json.loads(row["data"])["week_start"] == notification.data["week_start"]

    read_at = dt.datetime(2026, 11, 22, 19, 5, 30, 123000, tzinfo=dt.UTC)
    push(
        alice_api,
        first["timestamp"],
        {"notifications": {"updated": [{**row, "read_at": ms(read_at)}]}},
    )

    notification.refresh_from_db()
    assert notification.read_at == read_at
    assert notification.title == row["title"]
    [pulled] = pull(alice_api, first["timestamp"])["changes"]["notifications"]["updated"]
    assert pulled["read_at"] == ms(read_at)
    # The REST inbox agrees.
    [listed] = alice_api.get("/api/v1/notifications").json()["results"]
    assert listed["read_at"] is not None


def test_only_read_at_is_taken_from_a_push(alice, alice_api):
    notification = digest_for(alice)
    cursor = pull(alice_api)["timestamp"]
    change = {
        "id": str(notification.id),
        "title": "Free pills",
        "read_at": ms(dt.datetime.now(dt.UTC)),
    }

    push(alice_api, cursor, {"notifications": {"updated": [change]}})

    notification.refresh_from_db()
    assert notification.title == "Your Ossa week: 16 Nov to 22 Nov"
    assert notification.read_at is not None


def test_the_app_cannot_create_or_delete_messages(alice, alice_api):
    notification = digest_for(alice)
    cursor = pull(alice_api)["timestamp"]
    made_up = {
        "id": str(uuid.uuid4()),
        "kind": "weekly_digest",
        "title": "Made up",
        "read_at": None,
    }

    created = push(alice_api, cursor, {"notifications": {"created": [made_up]}}, status=400)
    deleted = push(alice_api, cursor, {"notifications": {"deleted": [str(notification.id)]}}, 400)

    assert [e["code"] for e in created["errors"]] == ["read_only"]
    assert created["errors"][0]["attr"] == f"notifications.{made_up['id']}"
    assert [e["code"] for e in deleted["errors"]] == ["read_only"]
    assert list(Notification.objects.values_list("id", "deleted_at")) == [(notification.id, None)]


def test_the_app_cannot_mark_another_members_message(alice, bob_api):
    notification = digest_for(alice)
    cursor = pull(bob_api)["timestamp"]
    change = {"id": str(notification.id), "read_at": ms(dt.datetime.now(dt.UTC))}

    body = push(bob_api, cursor, {"notifications": {"updated": [change]}}, status=400)

    assert [e["code"] for e in body["errors"]] == ["id_unavailable"]
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_message_read_elsewhere_since_the_pull_is_a_conflict(alice, alice_api):
    notification = digest_for(alice)
    cursor = pull(alice_api)["timestamp"]
    alice_api.post(f"/api/v1/notifications/{notification.id}/read")  # on the web, meanwhile
    change = {"id": str(notification.id), "read_at": ms(dt.datetime(2026, 11, 23, tzinfo=dt.UTC))}

    body = push(alice_api, cursor, {"notifications": {"updated": [change]}}, status=409)

    assert body["errors"][0]["attr"] == f"notifications.{notification.id}"
