"""Consent between a member and a dietitian: invite, accept, revoke, and the access log."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .models import AccessLog, CareLink, User

DIETITIANS_GROUP = "Dietitians"
SHARE_CODE_TTL = timedelta(hours=24)
EMAIL_INVITE_TTL = timedelta(days=7)
# No 0/O, 1/I/L: codes are read aloud and typed from a phone screen.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
INVITE_SALT = "ossa.accounts.care-invite"
DEFAULT_SCOPES = ["profile", "plan", "intake", "adherence", "flags"]


def is_dietitian(user) -> bool:
    """Staff in the Dietitians group. Remembered on the user object, which lives for one
    request, so an admin page asking many times costs one query."""
    if not (user.is_authenticated and user.is_staff):
        return False
    if not hasattr(user, "_is_dietitian"):
        user._is_dietitian = user.groups.filter(name=DIETITIANS_GROUP).exists()
    return user._is_dietitian


def _digest(code: str) -> str:
    normal = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normal.encode()).hexdigest()


def create_share_code(member: User) -> tuple[CareLink, str]:
    """A code the member reads out or sends; only its digest is stored."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    link = CareLink.objects.create(
        member=member,
        code_digest=_digest(code),
        scopes=DEFAULT_SCOPES,
        expires_at=timezone.now() + SHARE_CODE_TTL,
    )
    return link, f"{code[:4]}-{code[4:]}"


def invite_by_email(member: User, email: str) -> CareLink:
    link = CareLink.objects.create(
        member=member,
        invited_email=email.lower(),
        scopes=DEFAULT_SCOPES,
        expires_at=timezone.now() + EMAIL_INVITE_TTL,
    )
    transaction.on_commit(lambda: _send_invite(link))
    return link


def invite_token(link: CareLink) -> str:
    return signing.TimestampSigner(salt=INVITE_SALT).sign(str(link.id))


def _send_invite(link: CareLink) -> None:
    try:
        path = reverse("admin:accounts_carelink_accept", args=[invite_token(link)])
    except NoReverseMatch:  # the admin page is not wired (e.g. in an API-only deployment)
        path = f"/admin/accept-invite/{invite_token(link)}"
    who = link.member.display_name or link.member.email
    send_mail(
        subject=f"{who} invites you to follow their bone health on Ossa",
        message=(
            f"{who} would like you, as their dietitian, to see their Ossa plan, adherence "
            f"and flags. Sign in to the Ossa admin and accept within "
            f"{EMAIL_INVITE_TTL.days} days:\n\n{settings.SITE_URL.rstrip('/')}{path}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[link.invited_email],
    )


@transaction.atomic
def accept_code(dietitian: User, code: str) -> CareLink:
    link = (
        CareLink.objects.select_for_update()
        .filter(code_digest=_digest(code), granted_at=None, revoked_at=None)
        .filter(expires_at__gt=timezone.now())
        .first()
    )
    if link is None:
        raise ValidationError({"code": ["This code is not valid or has expired."]})
    return _grant(link, dietitian)


@transaction.atomic
def accept_invite(dietitian: User, token: str) -> CareLink:
    max_age = EMAIL_INVITE_TTL.total_seconds()
    try:
        link_id = signing.TimestampSigner(salt=INVITE_SALT).unsign(token, max_age=max_age)
    except signing.BadSignature as exc:
        raise ValidationError("This invitation link is not valid or has expired.") from exc
    link = CareLink.objects.select_for_update().filter(id=link_id, revoked_at=None).first()
    if link is None or link.invited_email != dietitian.email.lower():
        raise ValidationError("This invitation was sent to another address.")
    if link.granted_at:
        return link
    return _grant(link, dietitian)


def _grant(link: CareLink, dietitian: User) -> CareLink:
    if not is_dietitian(dietitian):
        raise ValidationError("Only dietitians can accept a care invitation.")
    if link.member_id == dietitian.id:
        raise ValidationError("You cannot follow yourself.")
    existing = CareLink.objects.filter(
        member=link.member, dietitian=dietitian, revoked_at=None
    ).first()
    if existing is not None:  # already following: the new invitation is used up
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        return existing
    link.dietitian = dietitian
    link.granted_at = timezone.now()
    link.save(update_fields=["dietitian", "granted_at"])
    return link


def revoke(link: CareLink) -> CareLink:
    """Immediate: every dietitian request checks for an active link."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def log_access(member_id, actor: User, action: str, detail: str = "") -> None:
    AccessLog.objects.create(
        member_id=member_id,
        actor=actor,
        actor_name=actor.display_name or actor.email,
        action=action,
        detail=detail[:200],
    )
