"""Write and deliver reminders (notifications/planner.py decides when). Claim, then act
(STYLE.md): the inbox row is unique per (member, kind, period); each delivery row is
claimed before its send."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Profile
from backend import rawsql
from sync.clock import stamp

from . import digest
from .models import Channel, Delivery, DeliveryStatus, Kind, Notification, PushSubscription
from .transports import TRANSPORTS, NothingToSend, PermanentError, TransientError

logger = logging.getLogger(__name__)


# --- Writing the inbox row --------------------------------------------------------------
def weekly_notification(member_id, week: str, now: datetime) -> Notification | None:
    """The member's digest for `week`, written once; None if it already exists (a retry or
    a second planner), so nothing is sent twice, or if the account was deleted since."""
    profile = Profile.objects.select_related("user").filter(user_id=member_id).first()
    if profile is None:
        return None
    content = digest.weekly(profile, now)
    return create_once(profile.user, Kind.WEEKLY_DIGEST, week, content)


def create_once(member, kind: str, period: str, content: dict) -> Notification | None:
    notification = Notification(member=member, kind=kind, period=period, **content)
    try:
        with transaction.atomic():
            stamp(notification)
            notification.save(force_insert=True)
    except IntegrityError:
        return None
    return notification


# --- Delivering -----------------------------------------------------------------------
def open_deliveries(notification: Notification) -> list[Delivery]:
    """One pending delivery per channel the member wants; the rest are recorded skipped."""
    Delivery.objects.bulk_create(delivery_rows(notification), ignore_conflicts=True)
    return list(notification.deliveries.filter(status=DeliveryStatus.PENDING))


def _wanted(notification: Notification) -> list[tuple[str, bool]]:
    """Each channel, and whether the member wants this notification on it."""
    profile = notification.member.profile
    return [(c, t.wanted(profile, notification.kind)) for c, t in TRANSPORTS.items()]


def delivery_rows(notification: Notification) -> list[Delivery]:
    return [
        Delivery(
            notification=notification,
            channel=channel,
            status=DeliveryStatus.PENDING if wanted else DeliveryStatus.SKIPPED,
        )
        for channel, wanted in _wanted(notification)
    ]


def claimed_delivery_rows(notification: Notification, now: datetime) -> list[dict]:
    """delivery_rows as a writer that delivers them itself opens them (bulkwrite rows):
    in-app sent, as the inbox row it is commits; push claimed by the writer (one attempt,
    as claim_deliveries leaves it), to send once committed; e-mail pending for a worker.
    A writer that dies after commit leaves its push deliveries to requeue_stuck."""
    rows = []
    for channel, wanted in _wanted(notification):
        row = {"notification_id": notification.pk, "channel": channel, "last_error": ""}
        if not wanted:
            row.update(status=DeliveryStatus.SKIPPED, attempts=0)
        elif channel == Channel.EMAIL:
            row.update(status=DeliveryStatus.PENDING, attempts=0)
        elif channel == Channel.IN_APP:
            row.update(status=DeliveryStatus.SENT, attempts=1, claimed_at=now, sent_at=now)
        else:
            row.update(status=DeliveryStatus.SENDING, attempts=1, claimed_at=now)
        rows.append(row)
    return rows


def claim_delivery(delivery_id: int) -> Delivery | None:
    """Take a pending delivery for one attempt; another worker holding it gets None."""
    claimed = Delivery.objects.filter(id=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("notification__member").get(id=delivery_id)


def attempt(delivery: Delivery, final_attempt: bool) -> bool:
    """Send once; record the outcome. True when the caller should retry later."""
    retry = settle(delivery, final_attempt)
    delivery.save(update_fields=OUTCOME_FIELDS)
    return retry


OUTCOME_FIELDS = ["status", "last_error", "sent_at"]


def settle(delivery: Delivery, final_attempt: bool, devices: dict | None = None) -> bool:
    """Send once and set the outcome on `delivery`, unsaved. True when the caller should
    retry later. `devices`: the active push devices per member, read for a whole chunk."""
    notification = delivery.notification
    transport = TRANSPORTS[delivery.channel]
    try:
        if devices is not None and delivery.channel == Channel.PUSH:
            transport.send_to(notification, devices.get(notification.member_id, []))
        else:
            transport.send(notification, notification.member)
    except NothingToSend as exc:
        _finish(delivery, DeliveryStatus.SKIPPED, str(exc))
    except PermanentError as exc:
        _finish(delivery, DeliveryStatus.FAILED, str(exc))
    except TransientError as exc:
        if final_attempt:
            _finish(delivery, DeliveryStatus.FAILED, f"gave up: {exc}")
            return False
        _finish(delivery, DeliveryStatus.PENDING, str(exc))
        return True
    else:
        _finish(delivery, DeliveryStatus.SENT, "")
    return False


def _finish(delivery: Delivery, status: str, error: str) -> None:
    delivery.status = status
    delivery.last_error = error[:2000]
    if status == DeliveryStatus.SENT:
        delivery.sent_at = timezone.now()


# --- Delivering a chunk --------------------------------------------------------------------
# Outcomes are written this many at a time: a worker killed mid-chunk leaves at most these
# sent but recorded as sending, which requeue_stuck hands out again (at least once).
RECORD_EVERY = 20


def deliver_chunk(delivery_ids: list[int], max_attempts: int) -> list[Delivery]:
    """Attempt a chunk of deliveries once each: claimed in one statement, then sent
    (send_claimed). Returns the deliveries a transient failure put back to pending, to
    retry with backoff."""
    return send_claimed(claim_deliveries(delivery_ids), max_attempts)


def send_claimed(claimed: list[Delivery], max_attempts: int) -> list[Delivery]:
    """Attempt deliveries this worker claimed (with their notifications loaded): their
    members' push devices read in one query, outcomes written RECORD_EVERY at a time.
    Returns the deliveries a transient failure put back to pending."""
    pushed = {d.notification.member_id for d in claimed if d.channel == Channel.PUSH}
    devices = active_devices(pushed)
    retry, settled = [], []
    for delivery in claimed:
        if settle(delivery, delivery.attempts >= max_attempts, devices):
            retry.append(delivery)
        settled.append(delivery)
        if len(settled) == RECORD_EVERY:
            rawsql.update_rows(Delivery, settled, OUTCOME_FIELDS)
            settled = []
    rawsql.update_rows(Delivery, settled, OUTCOME_FIELDS)
    return retry


def claim_deliveries(delivery_ids: list[int]) -> list[Delivery]:
    """Take the pending ones of these deliveries for one attempt each, in one UPDATE ...
    RETURNING (PostgreSQL, SQLite 3.35+); deliveries another worker holds are left out."""
    if not delivery_ids:
        return []
    now = rawsql.prepare(Delivery, "claimed_at", timezone.now())
    ids = ", ".join(["%s"] * len(delivery_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Delivery._meta.db_table} SET status = %s, attempts = attempts + 1, "
            f"claimed_at = %s WHERE status = %s AND id IN ({ids}) RETURNING id",
            [DeliveryStatus.SENDING, now, DeliveryStatus.PENDING, *delivery_ids],
        )
        claimed = [row[0] for row in cursor.fetchall()]
    deliveries = Delivery.objects.filter(id__in=claimed).select_related("notification__member")
    return list(deliveries.order_by("id"))


def active_devices(member_ids) -> dict:
    """Member id -> their active push devices, in one query."""
    found: dict = {}
    for device in PushSubscription.objects.filter(member_id__in=member_ids, deactivated_at=None):
        found.setdefault(device.member_id, []).append(device)
    return found


def requeue_stuck(older_than: timedelta, max_attempts: int) -> list[int]:
    """Deliveries whose worker died mid-send, or whose retry was never published (broker
    down), go back to pending and are handed out again, until their attempts run out."""
    cutoff = timezone.now() - older_than
    stuck = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=cutoff)
    stuck.filter(attempts__gte=max_attempts).update(
        status=DeliveryStatus.FAILED, last_error="gave up: the sender kept failing"
    )
    stuck.update(status=DeliveryStatus.PENDING)
    waiting = Delivery.objects.filter(status=DeliveryStatus.PENDING, created_at__lt=cutoff)
    return list(
        waiting.filter(Q(claimed_at=None) | Q(claimed_at__lt=cutoff)).values_list("id", flat=True)
    )


def mark_read(notification: Notification, when: datetime | None = None) -> Notification:
    with transaction.atomic():
        notification.read_at = when or timezone.now()
        stamp(notification)
        notification.save(update_fields=["read_at", "server_version", "updated_at"])
    return notification


# --- Devices --------------------------------------------------------------------------
def register_push_subscription(member, data: dict) -> tuple[PushSubscription, bool]:
    """Store a device's endpoint; the same endpoint again (renewed keys, another member
    signing in on a shared browser) moves to this member with the new keys."""
    values = {
        "member": member,
        "p256dh": data["keys"]["p256dh"],
        "auth": data["keys"]["auth"],
        "user_agent": data.get("user_agent", ""),
        "deactivated_at": None,
        "last_error": "",
    }
    return PushSubscription.objects.update_or_create(endpoint=data["endpoint"], defaults=values)


def remove_push_subscription(device: PushSubscription) -> None:
    device.delete()
