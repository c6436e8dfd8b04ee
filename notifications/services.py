"""Plan, write and deliver reminders. Claim, then act (STYLE.md): the planner claims a
member by moving their next reminder forward with a conditional update; the inbox row is
unique per (member, kind, period); each delivery row is claimed before its send."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Profile
from accounts.reminders import iso_week_label
from sync.clock import stamp
from tracking.models import Regimen
from tracking.reminders import next_dose_after

from . import digest
from .models import Delivery, DeliveryStatus, Kind, Notification, PushSubscription
from .transports import TRANSPORTS, NothingToSend, PermanentError, TransientError

logger = logging.getLogger(__name__)

PLAN_CHUNK = 500


# --- Planning -------------------------------------------------------------------------
def due_profiles(now: datetime, limit: int):
    """Members whose weekly reminder moment has come: one query on an indexed column.
    Deactivated members are included so they are claimed (and not sent to) rather than
    left at the head of the index for every later query to walk past."""
    return (
        Profile.objects.filter(next_weekly_reminder_at__lte=now)
        .select_related("user")
        .order_by("next_weekly_reminder_at")
        .only(
            "user_id",
            "user__is_active",
            "user__deletion_scheduled_for",
            "next_weekly_reminder_at",
            "timezone",
            "reminder_weekday",
            "reminder_time",
            "quiet_hours_start",
            "quiet_hours_end",
        )[:limit]
    )


def _week_of(profile: Profile, due: datetime, upcoming: datetime) -> str:
    """The ISO week a claimed reminder belongs to: the latest moment due. A week earlier on
    the member's wall clock, not 168 hours: across a DST change the hour difference would
    carry a late-Sunday reminder into the next ISO week."""
    previous = upcoming.astimezone(profile.zone) - timedelta(weeks=1)
    return iso_week_label(max(due, previous), profile.timezone)


def claim_weekly(profile: Profile, now: datetime) -> str | None:
    """Move the member's next reminder past `now` if nobody else did; return the ISO week
    the claimed reminder belongs to. A planner that was down for hours claims one reminder
    (the latest due), not one per missed week."""
    due = profile.next_weekly_reminder_at
    upcoming = profile.next_reminder_after(now)
    claimed = Profile.objects.filter(pk=profile.pk, next_weekly_reminder_at=due).update(
        next_weekly_reminder_at=upcoming
    )
    return _week_of(profile, due, upcoming) if claimed else None


def claim_chunk(profiles: list[Profile], now: datetime) -> list[tuple[Profile, str]]:
    """Claim a chunk of due members with one conditional UPDATE ... FROM (VALUES ...)
    RETURNING on PostgreSQL (one statement and one commit for 500 members); elsewhere one
    conditional update each. Either way a member is claimed only if their moment is still
    the one read, so concurrent planners never both claim them."""
    if connection.vendor != "postgresql":
        return [(p, week) for p in profiles if (week := claim_weekly(p, now))]
    moments = {p.pk: (p, p.next_weekly_reminder_at, p.next_reminder_after(now)) for p in profiles}
    values = ", ".join(["(%s::uuid, %s::timestamptz, %s::timestamptz)"] * len(moments))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Profile._meta.db_table} AS p SET next_weekly_reminder_at = v.upcoming "
            f"FROM (VALUES {values}) AS v(id, due, upcoming) "
            "WHERE p.id = v.id AND p.next_weekly_reminder_at = v.due RETURNING p.id",
            [value for pk, (_, due, upcoming) in moments.items() for value in (pk, due, upcoming)],
        )
        claimed = [row[0] for row in cursor.fetchall()]
    return [(moments[pk][0], _week_of(*moments[pk])) for pk in claimed]


def wants_reminders(member) -> bool:
    """Active, and not waiting for their account to be deleted: a member leaving Ossa gets
    no more reminders, whatever their settings say (or another device syncs)."""
    return member.is_active and member.deletion_scheduled_for is None


def plan_weekly(now: datetime) -> Iterator[list[tuple[str, str]]]:
    """Claim every due member; yield (member id, ISO week) of the active ones in chunks."""
    while True:
        profiles = list(due_profiles(now, PLAN_CHUNK))
        if not profiles:
            return
        claimed = [
            (str(p.user_id), week)
            for p, week in claim_chunk(profiles, now)
            if wants_reminders(p.user)
        ]
        if claimed:
            yield claimed


def plan_doses(now: datetime) -> Iterator[list[tuple[str, str, str]]]:
    """Bisphosphonate dose mornings: claim each due plan by moving its next dose moment on
    (conditional update, one indexed query per chunk); yield (regimen id, period, due)."""
    while True:
        due = list(
            Regimen.objects.filter(next_dose_reminder_at__lte=now)
            .select_related("member__profile", "product")
            .order_by("next_dose_reminder_at")[:PLAN_CHUNK]
        )
        if not due:
            return
        claimed = []
        for regimen in due:
            moment = regimen.next_dose_reminder_at
            upcoming = next_dose_after(regimen, now)
            if Regimen.objects.filter(pk=regimen.pk, next_dose_reminder_at=moment).update(
                next_dose_reminder_at=upcoming
            ) and wants_reminders(regimen.member):
                local_day = moment.astimezone(regimen.member.profile.zone).date()
                claimed.append((str(regimen.pk), f"{regimen.pk}:{local_day}", moment.isoformat()))
        if claimed:
            yield claimed


def dose_notification(regimen_id: str, period: str, due: datetime) -> Notification | None:
    regimen = Regimen.objects.select_related("member__profile", "product").get(pk=regimen_id)
    local = due.astimezone(regimen.member.profile.zone)
    content = {
        "title": f"{regimen.product.name}: dose today at {local:%H:%M}",
        "body": regimen.product.notes or "Take it as your label says.",
        "data": {"regimen": regimen_id, "due": due.isoformat()},
    }
    return _create_once(regimen.member, Kind.DOSE_REMINDER, period, content)


# --- Writing the inbox row --------------------------------------------------------------
def weekly_notification(member_id, week: str, now: datetime) -> Notification | None:
    """The member's digest for `week`, written once; None if it already exists (a retry or
    a second planner), so nothing is sent twice, or if the account was deleted since."""
    profile = Profile.objects.select_related("user").filter(user_id=member_id).first()
    if profile is None:
        return None
    content = digest.weekly(profile, now)
    return _create_once(profile.user, Kind.WEEKLY_DIGEST, week, content)


def _create_once(member, kind: str, period: str, content: dict) -> Notification | None:
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
    profile = notification.member.profile
    rows = [
        Delivery(
            notification=notification,
            channel=channel,
            status=DeliveryStatus.PENDING if transport.wanted(profile) else DeliveryStatus.SKIPPED,
        )
        for channel, transport in TRANSPORTS.items()
    ]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(notification.deliveries.filter(status=DeliveryStatus.PENDING))


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
    notification = delivery.notification
    try:
        TRANSPORTS[delivery.channel].send(notification, notification.member)
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
    delivery.save(update_fields=["status", "last_error", "sent_at"])


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
