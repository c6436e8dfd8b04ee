"""One family of senders, one face: `send(notification, member)`.

A transport raises TransientError for what may work later (the task retries with
backoff) and PermanentError for what never will (recorded, not retried).
"""

from __future__ import annotations

import http.client
import json
import logging
import smtplib
from typing import ClassVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from pywebpush import WebPushException

from . import push_sender
from .models import Channel, Kind, Notification, PushSubscription
from .unsubscribe import unsubscribe_url

logger = logging.getLogger(__name__)

PUSH_TTL_SECONDS = 24 * 60 * 60
GONE = {404, 410}  # the browser unsubscribed: deactivate, do not retry
# What one push to one device came to.
DELIVERED, GONE_DEVICE, REFUSED, RETRY = "delivered", "gone", "refused", "retry"


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


class NothingToSend(Exception):
    """The channel has no recipient (no active device): the delivery is skipped."""


class Transport:
    channel: ClassVar[str]

    def wanted(self, profile, kind: str = Kind.WEEKLY_DIGEST) -> bool:
        raise NotImplementedError

    def send(self, notification: Notification, member) -> None:
        raise NotImplementedError


class InAppTransport(Transport):
    """The inbox row is the message; the app receives it with its next sync."""

    channel = Channel.IN_APP

    def wanted(self, profile, kind: str = Kind.WEEKLY_DIGEST) -> bool:
        return profile.remind_in_app

    def send(self, notification: Notification, member) -> None:
        return None


class WebPushTransport(Transport):
    channel = Channel.PUSH

    def wanted(self, profile, kind: str = Kind.WEEKLY_DIGEST) -> bool:
        return profile.remind_by_push

    def send(self, notification: Notification, member) -> None:
        self.send_to(
            notification, PushSubscription.objects.filter(member=member, deactivated_at=None)
        )

    def send_to(self, notification: Notification, devices) -> None:
        """Push to these devices of the member (a chunk reads its members' devices once)."""
        devices = list(devices)
        if not devices:
            raise NothingToSend("no active push subscription")
        payload = json.dumps(push_payload(notification))
        # The inbox row's id as the topic: sent again (a sender that stopped after sending and
        # before recording), the message replaces itself at the push service if still there.
        topic = notification.id.hex
        outcomes = [self._push(device, payload, topic) for device in devices]
        kinds = {kind for kind, _ in outcomes}
        if DELIVERED in kinds:
            return  # at least one of the member's devices has it
        errors = "; ".join(error for _, error in outcomes)
        if RETRY in kinds:
            raise TransientError(errors)
        if kinds == {GONE_DEVICE}:
            raise NothingToSend(f"every push subscription is gone: {errors}")
        raise PermanentError(errors)

    def _push(self, device: PushSubscription, payload: str, topic: str) -> tuple[str, str]:
        """Push to one device: (what came of it, the error if any)."""
        info = {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}}
        try:
            answer = push_sender.send(
                info,
                payload,
                private_key=settings.VAPID_PRIVATE_KEY,
                subject=settings.VAPID_SUBJECT,
                ttl=PUSH_TTL_SECONDS,
                topic=topic,
            )
        except WebPushException as exc:  # refused by pywebpush before sending
            return self._failed(device, None, exc.message)
        except (OSError, http.client.HTTPException) as exc:  # refused, DNS, TLS, cut off
            return RETRY, f"{device.endpoint[:60]}: {str(exc) or type(exc).__name__}"
        except ValueError as exc:  # keys that are not base64 or not a P-256 point
            return self._record(device, REFUSED, f"unusable keys: {exc}")
        if answer.delivered:
            return DELIVERED, ""
        return self._failed(device, answer.status, answer.message)

    def _failed(
        self, device: PushSubscription, status: int | None, message: str
    ) -> tuple[str, str]:
        error = f"{status}: {message}"
        if status in GONE:
            device.deactivated_at = timezone.now()
            return self._record(device, GONE_DEVICE, error)  # the device is gone, not failing
        if status is None or (400 <= status < 500 and status != 429):
            # Refused (by pywebpush before sending, or by the push service): permanent for
            # this device; other devices may still work.
            return self._record(device, REFUSED, error)
        return self._record(device, RETRY, error)

    def _record(self, device: PushSubscription, kind: str, error: str) -> tuple[str, str]:
        device.last_error = error[:300]
        device.save(update_fields=["last_error", "deactivated_at"])
        if kind == REFUSED:
            logger.warning("push refused for %s: %s", device.id, device.last_error)
        return kind, device.last_error


def push_payload(notification: Notification) -> dict:
    payload = {
        "id": str(notification.id),
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": "/app/#/inbox",
    }
    if notification.kind == Kind.DOSE_REMINDER:
        # Taken, Skip and Snooze from the notification: the dose is logged with the
        # reminder's dose_id, so a tap twice (or on two phones) logs it once.
        data = notification.data
        payload["url"] = "/app/#/today"
        payload["dose"] = {
            key: data.get(key)
            for key in ("reminder", "regimen", "product", "servings", "due", "dose_id")
        }
        if data.get("actions"):
            payload["actions"] = [
                {"action": "taken", "title": "Taken"},
                {"action": "skip", "title": "Skip"},
                {"action": "snooze", "title": "Snooze 10 min"},
            ]
    return payload


class EmailTransport(Transport):
    channel = Channel.EMAIL

    def wanted(self, profile, kind: str = Kind.WEEKLY_DIGEST) -> bool:
        """The weekly digest by the member's choice; dose and refill reminders only when
        asked for (off by default: an e-mail at every dose is noise)."""
        if kind == Kind.WEEKLY_DIGEST:
            return profile.remind_by_email
        return profile.dose_reminders_by_email

    def send(self, notification: Notification, member) -> None:
        link = unsubscribe_url(member)
        context = {
            "notification": notification,
            "member": member,
            "unsubscribe_url": link,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        message = EmailMultiAlternatives(
            subject=notification.title,
            body=render_to_string("notifications/digest.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[member.email],
            headers={
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(
            render_to_string("notifications/digest.html", context), "text/html"
        )
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(str(exc)) from exc


TRANSPORTS: dict[str, Transport] = {
    t.channel: t for t in (InAppTransport(), WebPushTransport(), EmailTransport())
}
