"""Signed, expiring one-click unsubscribe links for reminder e-mails."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "ossa.notifications.unsubscribe"


def unsubscribe_token(member) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(member.id))


def unsubscribe_url(member) -> str:
    path = reverse("unsubscribe", args=[unsubscribe_token(member)])
    return settings.SITE_URL.rstrip("/") + path


def member_id_from(token: str) -> str:
    """The member id in a valid token; raise signing.BadSignature (incl. expired) if not."""
    max_age = settings.UNSUBSCRIBE_LINK_DAYS * 24 * 60 * 60
    return signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age)
