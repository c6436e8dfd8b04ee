"""Delivering a digest: one delivery per channel, Web Push to a real HTTP push service that
decrypts it, e-mail through Django's backend, retries with backoff, skipped channels."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import socket
import time
from collections import Counter
from contextlib import contextmanager

import pytest
import redis
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.celery import app
from notifications import services, tasks
from notifications.models import Delivery, DeliveryStatus, Notification, PushSubscription

from ..conftest import client_for
from .conftest import b64, member_in, vapid_claims

pytestmark = pytest.mark.django_db

UTC = dt.UTC
SENT, PENDING, FAILED, SKIPPED = (
    DeliveryStatus.SENT,
    DeliveryStatus.PENDING,
    DeliveryStatus.FAILED,
    DeliveryStatus.SKIPPED,
)
WEDNESDAY = dt.datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
KOLKATA_SUNDAY_EVENING = dt.datetime(2026, 11, 22, 12, 30, tzinfo=UTC)


def weekly_digest(member) -> Notification:
    notification = services.weekly_notification(member.id, "2026-W47", KOLKATA_SUNDAY_EVENING)
    assert notification is not None
    return notification


def opened(member) -> dict[str, Delivery]:
    """The member's digest with its deliveries opened, by channel."""
    notification = weekly_digest(member)
    services.open_deliveries(notification)
    return {d.channel: d for d in notification.deliveries.all()}


def deliver(delivery: Delivery):
    """One run of the delivery task, as a worker would run it."""
    result = tasks.deliver.apply(args=[delivery.id])
    delivery.refresh_from_db()
    return result


@pytest.fixture
def alice():
    return member_in("Asia/Kolkata", WEDNESDAY, email="alice@example.com")


# --- Channels -------------------------------------------------------------------------
def test_each_wanted_channel_gets_a_pending_delivery(alice):
    deliveries = opened(alice)

    assert {c: d.status for c, d in deliveries.items()} == {
        "in_app": PENDING,
        "push": PENDING,
        "email": PENDING,
    }


def test_channels_turned_off_are_recorded_skipped(alice):
    profile = alice.profile
    profile.remind_by_push = profile.remind_by_email = False
    profile.save(update_fields=["remind_by_push", "remind_by_email"])
    notification = weekly_digest(alice)

    pending = services.open_deliveries(notification)

    assert [d.channel for d in pending] == ["in_app"]
    statuses = dict(notification.deliveries.values_list("channel", "status"))
    assert statuses == {"in_app": PENDING, "push": SKIPPED, "email": SKIPPED}
    assert services.open_deliveries(notification) == pending  # opening twice adds nothing
    assert notification.deliveries.count() == 3


def test_the_inbox_channel_is_sent_by_writing_the_row(alice):
    in_app = opened(alice)["in_app"]

    assert deliver(in_app).get() == SENT
    assert in_app.status == SENT and in_app.sent_at is not None and in_app.attempts == 1


def test_push_without_any_device_is_skipped(alice):
    push = opened(alice)["push"]

    deliver(push)

    assert (push.status, push.last_error) == (SKIPPED, "no active push subscription")


def test_a_delivery_taken_by_one_worker_is_not_sent_by_another(alice, push_service):
    phone = push_service.device(alice)
    push = opened(alice)["push"]

    taken = services.claim_delivery(push.id)

    assert taken is not None and taken.status == DeliveryStatus.SENDING
    assert deliver(push).get() == "taken"
    assert push_service.for_device(phone) == []


# --- Web Push against a real HTTP push service ----------------------------------------
def test_web_push_reaches_the_push_service_encrypted_for_the_device(alice, push_service):
    phone, laptop = push_service.device(alice), push_service.device(alice)
    push = opened(alice)["push"]

    assert deliver(push).get() == SENT

    notification = push.notification
    for device in (phone, laptop):
        [message] = push_service.for_device(device)
        assert message.error == ""
        assert message.payload == {
            "id": str(notification.id),
            "kind": "weekly_digest",
            "title": "Your Ossa week: 16 Nov to 22 Nov",
            "body": notification.body,
            "url": "/app/#/inbox",
        }
        assert message.headers["content-encoding"] == "aes128gcm"
        assert message.headers["ttl"] == str(24 * 60 * 60)
        # Sent twice, the message replaces itself at the push service while not yet delivered.
        assert message.headers["topic"] == notification.id.hex
        claims, key = vapid_claims(message.headers["authorization"])  # signature verified
        assert key == settings.VAPID_PUBLIC_KEY
        assert claims["aud"] == push_service.url
        assert claims["sub"] == settings.VAPID_SUBJECT
        assert claims["exp"] > dt.datetime.now(UTC).timestamp()


def test_only_the_members_own_devices_are_pushed(alice, bob, push_service):
    alices_phone, bobs_phone = push_service.device(alice), push_service.device(bob)

    deliver(opened(alice)["push"])

    assert len(push_service.for_device(alices_phone)) == 1
    assert push_service.for_device(bobs_phone) == []


def test_pushes_share_a_kept_alive_connection_and_outlive_its_closing(
    alice, keep_alive_push_service
):
    service = keep_alive_push_service
    phone = service.device(alice)
    weeks = ["2026-W47", "2026-W48", "2026-W49"]
    notifications = [
        services.weekly_notification(alice.id, week, KOLKATA_SUNDAY_EVENING) for week in weeks
    ]
    for notification in notifications[:2]:
        services.open_deliveries(notification)
        assert deliver(notification.deliveries.get(channel="push")).get() == SENT
    assert service.connections == 1

    time.sleep(0.6)  # the push service closes the idle connection
    services.open_deliveries(notifications[2])
    assert deliver(notifications[2].deliveries.get(channel="push")).get() == SENT

    assert service.connections == 2
    received = [message.payload["id"] for message in service.for_device(phone)]
    assert received == [str(n.id) for n in notifications]


@pytest.mark.parametrize("gone", [404, 410])
def test_a_device_the_push_service_says_is_gone_is_deactivated(alice, push_service, gone):
    phone = push_service.device(alice, gone)
    push = opened(alice)["push"]

    deliver(push)

    phone.refresh_from_db()
    assert phone.deactivated_at is not None
    assert phone.last_error.startswith(f"{gone}: ")
    assert push.status == SKIPPED  # nothing reached a device, and nothing will
    assert push.sent_at is None
    assert client_for(alice).get("/api/v1/push-subscriptions").json() == []
    # The next digest does not try it again.
    next_week = services.weekly_notification(alice.id, "2026-W48", KOLKATA_SUNDAY_EVENING)
    services.open_deliveries(next_week)
    deliver(next_week.deliveries.get(channel="push"))
    assert len(push_service.for_device(phone)) == 1


def test_one_gone_device_does_not_stop_the_others(alice, push_service):
    old_phone = push_service.device(alice, 410)
    new_phone = push_service.device(alice)
    push = opened(alice)["push"]

    deliver(push)

    assert push.status == SENT
    old_phone.refresh_from_db()
    new_phone.refresh_from_db()
    assert old_phone.deactivated_at is not None
    assert new_phone.is_active and len(push_service.for_device(new_phone)) == 1


def test_a_transient_failure_puts_the_delivery_back_to_pending(alice, push_service):
    push_service.device(alice, 500)
    push = opened(alice)["push"]
    claimed = services.claim_delivery(push.id)

    retry = services.attempt(claimed, final_attempt=False)

    push.refresh_from_db()
    assert retry is True
    assert (push.status, push.attempts, push.sent_at) == (PENDING, 1, None)
    assert push.last_error.startswith("500: ")
    assert services.claim_delivery(push.id) is not None  # free for the retry


def test_a_server_error_is_retried_with_backoff_then_given_up(alice, push_service, retry_delays):
    phone = push_service.device(alice, 500)
    push = opened(alice)["push"]

    assert deliver(push).get() == FAILED

    assert push.attempts == tasks.MAX_DELIVERY_ATTEMPTS
    assert push.last_error.startswith("gave up: 500: ")
    assert len(push_service.for_device(phone)) == tasks.MAX_DELIVERY_ATTEMPTS
    # Seconds a worker waits before each retry: doubling from a minute.
    assert retry_delays == [60, 120, 240, 480, 960]
    phone.refresh_from_db()
    assert phone.is_active  # a server error says nothing about the device
    assert deliver(push).get() == "taken"  # failed for good: no seventh attempt


def test_a_push_service_that_recovers_gets_the_retry(alice, push_service, retry_delays):
    phone = push_service.device(alice, 500, 201)
    push = opened(alice)["push"]

    assert deliver(push).get() == SENT

    assert (push.status, push.attempts) == (SENT, 2)
    assert retry_delays == [60]
    received = [message.payload["id"] for message in push_service.for_device(phone)]
    assert received == [str(push.notification_id)] * 2


def test_a_push_service_that_refuses_the_message_fails_it_without_retrying(alice, push_service):
    phone = push_service.device(alice, 400)
    push = opened(alice)["push"]

    assert deliver(push).get() == FAILED

    assert push.status == FAILED and push.attempts == 1
    phone.refresh_from_db()
    assert phone.is_active and phone.last_error.startswith("400: ")


def test_an_unreachable_push_service_is_transient(alice, retry_delays):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    PushSubscription.objects.create(
        member=alice,
        endpoint=f"http://127.0.0.1:{port}/push/1",
        p256dh=settings.VAPID_PUBLIC_KEY,  # any P-256 public key will do
        auth=b64(b"0" * 16),
    )
    push = opened(alice)["push"]

    assert deliver(push).get() == FAILED

    assert len(retry_delays) == tasks.MAX_DELIVERY_ATTEMPTS - 1
    assert push.attempts == tasks.MAX_DELIVERY_ATTEMPTS
    assert push.last_error.startswith("gave up: ") and "Connection refused" in push.last_error


def test_a_device_with_unusable_keys_fails_instead_of_crashing(alice):
    PushSubscription.objects.create(
        member=alice,
        endpoint="https://push.example.invalid/x",
        p256dh=b64(b"\x04" + b"\x01" * 64),  # the right shape, not a point on P-256
        auth=b64(b"0" * 16),
    )
    push = opened(alice)["push"]

    deliver(push)

    assert push.status == FAILED
    assert "unusable keys" in push.last_error


# --- A chunk of deliveries (deliver_many) ------------------------------------------------
def digests_of(count: int, push_service) -> list[Notification]:
    """`count` members in Kolkata, one phone each, their digests written and opened."""
    written = []
    for _ in range(count):
        member = member_in("Asia/Kolkata", WEDNESDAY)
        push_service.device(member)
        written.append(weekly_digest(member))
        services.open_deliveries(written[-1])
    return written


def pending_of(notifications) -> list[int]:
    return list(
        Delivery.objects.filter(notification__in=notifications, status=PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )


def test_a_chunk_sends_every_channel_in_the_same_few_queries_however_long(push_service):
    def queries_for(count: int) -> int:
        pending = pending_of(digests_of(count, push_service))
        with CaptureQueriesContext(connection) as queries:
            assert tasks.deliver_many.apply(args=[pending]).get() == 3 * count
        return len(queries)

    # Claim, read, devices, then one write per RECORD_EVERY outcomes: nothing per delivery.
    for count in (3, 12):
        assert queries_for(count) == 3 + math.ceil(3 * count / services.RECORD_EVERY)
    statuses = Counter(Delivery.objects.values_list("channel", "status"))
    assert statuses == {("in_app", SENT): 15, ("push", SENT): 15, ("email", SENT): 15}
    pushed = sorted(message.payload["id"] for message in push_service.received)
    assert pushed == sorted(str(n.id) for n in Notification.objects.all())


def test_a_chunk_leaves_alone_what_another_worker_holds(alice, push_service):
    phone = push_service.device(alice)
    deliveries = opened(alice)
    services.claim_delivery(deliveries["push"].id)  # another worker has it

    tasks.deliver_many.apply(args=[[d.id for d in deliveries.values()]])

    assert push_service.for_device(phone) == []
    statuses = dict(Delivery.objects.values_list("channel", "status"))
    assert statuses == {"in_app": SENT, "push": "sending", "email": SENT}


def test_in_a_chunk_a_gone_device_is_deactivated_and_the_others_are_pushed(push_service):
    first, second = digests_of(2, push_service)
    gone = push_service.device(first.member, 410)
    PushSubscription.objects.filter(member=first.member).exclude(id=gone.id).delete()

    tasks.deliver_many.apply(args=[pending_of([first, second])])

    gone.refresh_from_db()
    assert gone.deactivated_at is not None
    pushes = dict(Delivery.objects.filter(channel="push").values_list("notification", "status"))
    assert pushes == {first.id: SKIPPED, second.id: SENT}


def test_a_transient_failure_in_a_chunk_is_retried_alone_with_backoff(
    alice, push_service, empty_queue, retry_delays
):
    phone = push_service.device(alice, 500, 500, 201)
    deliveries = opened(alice)

    before = timezone.now()
    tasks.deliver_many.apply(args=[[d.id for d in deliveries.values()]])

    push = Delivery.objects.get(id=deliveries["push"].id)
    assert (push.status, push.attempts) == (PENDING, 1)
    [queued] = [json.loads(m) for m in redis.Redis.from_url(empty_queue).lrange("celery", 0, -1)]
    assert queued["headers"]["task"] == "notifications.tasks.deliver"
    assert queued["headers"]["argsrepr"] == f"({push.id},)"
    eta = dt.datetime.fromisoformat(queued["headers"]["eta"])
    assert 59 <= (eta - before).total_seconds() <= 61  # tasks.retry_delay(1)
    app.control.purge()

    assert tasks.deliver.apply(args=[push.id]).get() == SENT  # the worker, a minute later
    push.refresh_from_db()
    assert (push.status, push.attempts) == (SENT, 3)
    assert retry_delays == [120]  # then `deliver` backs off as it always did
    assert len(push_service.for_device(phone)) == 3
    assert Delivery.objects.get(id=deliveries["in_app"].id).attempts == 1


def test_a_worker_dying_mid_chunk_has_written_all_but_the_last_few_outcomes(
    push_service, monkeypatch
):
    notifications = digests_of(3 * services.RECORD_EVERY // 2, push_service)
    sends = 0
    real_send = services.TRANSPORTS["push"].send_to

    def dies_after_some(notification, devices):
        nonlocal sends
        if sends == len(notifications) - 2:
            raise SystemExit("the worker was killed")
        sends += 1
        return real_send(notification, devices)

    monkeypatch.setattr(services.TRANSPORTS["push"], "send_to", dies_after_some)
    push_ids = list(
        Delivery.objects.filter(channel="push").order_by("id").values_list("id", flat=True)
    )
    with pytest.raises(SystemExit):
        services.deliver_chunk(push_ids, tasks.MAX_DELIVERY_ATTEMPTS)

    statuses = Counter(Delivery.objects.filter(channel="push").values_list("status", flat=True))
    recorded = (len(notifications) - 2) // services.RECORD_EVERY * services.RECORD_EVERY
    assert statuses == {SENT: recorded, "sending": len(notifications) - recorded}
    assert len(push_service.received) == len(notifications) - 2
    assert len(push_service.received) - recorded < services.RECORD_EVERY  # sent twice at most


# --- E-mail ---------------------------------------------------------------------------
def test_the_email_carries_the_digest_and_a_one_click_unsubscribe_link(alice, mailoutbox):
    email = opened(alice)["email"]

    assert deliver(email).get() == SENT

    [message] = mailoutbox
    notification = email.notification
    assert message.to == ["alice@example.com"]
    assert message.subject == "Your Ossa week: 16 Nov to 22 Nov"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert notification.body in message.body
    site = settings.SITE_URL.rstrip("/")
    assert f"Open Ossa to see your week: {site}/app/" in message.body
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{site}/unsubscribe/")
    assert f"Stop these e-mails: {link}" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    for paragraph in notification.data["paragraphs"]:
        assert paragraph in html
    assert f'href="{link}"' in html


def test_an_unreachable_mail_server_is_transient(alice, settings, retry_delays):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    email = opened(alice)["email"]

    assert deliver(email).get() == FAILED

    assert len(retry_delays) == tasks.MAX_DELIVERY_ATTEMPTS - 1
    assert email.attempts == tasks.MAX_DELIVERY_ATTEMPTS
    assert email.last_error.startswith("gave up: ")


# --- Stuck deliveries -----------------------------------------------------------------
def test_a_delivery_whose_worker_died_is_handed_out_again(alice):
    start = dt.datetime(2026, 11, 22, 12, 31, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        deliveries = opened(alice)
        stuck = services.claim_delivery(deliveries["push"].id)  # then the worker dies

    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        assert services.requeue_stuck(tasks.STUCK_AFTER, tasks.MAX_DELIVERY_ATTEMPTS) == []
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        fresh = opened(member_in("Asia/Kolkata", WEDNESDAY))["push"]
        again = services.requeue_stuck(tasks.STUCK_AFTER, tasks.MAX_DELIVERY_ATTEMPTS)

    assert stuck is not None
    assert set(again) == {d.id for d in deliveries.values()}  # the dead one and the unsent
    assert fresh.id not in again
    assert Delivery.objects.get(id=stuck.id).status == PENDING


def test_a_delivery_that_keeps_killing_its_worker_is_given_up(alice):
    start = dt.datetime(2026, 11, 22, 12, 31, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        push = opened(alice)["push"]
        services.claim_delivery(push.id)
        Delivery.objects.filter(id=push.id).update(attempts=tasks.MAX_DELIVERY_ATTEMPTS)

    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        again = services.requeue_stuck(tasks.STUCK_AFTER, tasks.MAX_DELIVERY_ATTEMPTS)

    assert push.id not in again
    assert Delivery.objects.get(id=push.id).status == FAILED


# --- The beat, end to end -------------------------------------------------------------
def test_the_planner_beat_sends_the_digest_on_every_channel_once(
    alice, push_service, eager_tasks, mailoutbox
):
    phone = push_service.device(alice)

    with time_machine.travel(KOLKATA_SUNDAY_EVENING + dt.timedelta(minutes=1), tick=False):
        assert tasks.plan_reminders.apply().get() == 1
    with time_machine.travel(KOLKATA_SUNDAY_EVENING + dt.timedelta(minutes=16), tick=False):
        assert tasks.plan_reminders.apply().get() == 0

    [notification] = Notification.objects.filter(member=alice)
    assert notification.period == "2026-W47"
    assert dict(notification.deliveries.values_list("channel", "status")) == {
        "in_app": SENT,
        "push": SENT,
        "email": SENT,
    }
    [message] = push_service.for_device(phone)
    assert message.payload["title"] == notification.title
    assert [m.subject for m in mailoutbox] == [notification.title]


@contextmanager
def broker_stopped():
    """Point the Celery app at a port where no Redis listens."""
    live = app.conf.broker_url
    use_broker("redis://127.0.0.1:1/0")
    try:
        yield
    finally:
        use_broker(live)


def use_broker(url: str) -> None:
    app.conf.broker_url = url
    app._pool = None  # drop pooled connections so the next publish connects to `url`
    app.amqp._producer_pool = None


def test_a_broker_outage_during_planning_loses_no_digest(alice, caplog, mailoutbox):
    caplog.set_level(logging.WARNING, logger="backend.celery")
    assert alice.profile.next_weekly_reminder_at < timezone.now()  # due: 22 November

    # Real time: a frozen clock would keep the publish waiting for its timeout forever.
    with broker_stopped():
        assert tasks.plan_reminders.apply().get() == 1

    # Claimed and written here, as the chunk could not be handed out...
    [notification] = Notification.objects.filter(member=alice)
    assert "broker unavailable, notifications.tasks.send_weekly_digests" in caplog.text
    assert set(notification.deliveries.values_list("status", flat=True)) == {PENDING}
    # ...and the deliveries nobody could publish are handed out by a later beat.
    later = timezone.now() + tasks.STUCK_AFTER + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        waiting = services.requeue_stuck(tasks.STUCK_AFTER, tasks.MAX_DELIVERY_ATTEMPTS)
        for delivery_id in waiting:
            tasks.deliver.apply(args=[delivery_id])
    assert set(waiting) == set(notification.deliveries.values_list("id", flat=True))
    statuses = dict(notification.deliveries.values_list("channel", "status"))
    assert statuses == {"in_app": SENT, "push": SKIPPED, "email": SENT}
    assert len(mailoutbox) == 1
