"""Writes to accounts: registration, sign-in sessions, token rotation, passwords, profile
changes."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from sync.clock import stamp

from . import signals
from .models import LoginSession, Profile, User

logger = logging.getLogger(__name__)

REMINDER_FIELDS = {
    "reminder_weekday",
    "reminder_time",
    "timezone",
    "quiet_hours_start",
    "quiet_hours_end",
}


@transaction.atomic
def register_member(
    *, email: str, password: str, display_name: str = "", timezone_name: str = "UTC"
) -> User:
    user = User.objects.create_user(email=email, password=password, display_name=display_name)
    create_member_records(user, timezone_name=timezone_name)
    return user


@transaction.atomic
def create_member_records(user: User, *, timezone_name: str = "UTC") -> None:
    """Give a new user the sync clock and profile every member has."""
    User.objects.add_member_records(user, timezone_name=timezone_name)


def issue_tokens(session: LoginSession) -> dict[str, str]:
    refresh = RefreshToken.for_user(session.user)
    refresh["sid"] = str(session.id)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def start_session(user: User, *, device_name: str = "", user_agent: str = "") -> LoginSession:
    return LoginSession.objects.create(
        user=user, device_name=device_name[:120], user_agent=user_agent[:300]
    )


def revoke_session(session: LoginSession) -> None:
    """Sign a device out: its refresh tokens stop working and its access tokens too."""
    LoginSession.objects.filter(id=session.id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- Refresh-token rotation with reuse detection ---------------------------------------
class SessionEnded(AuthenticationFailed):
    default_detail = "This session has ended."
    default_code = "session_revoked"


class RefreshTokenReused(AuthenticationFailed):
    default_detail = (
        "This refresh token was already used, so this sign-in has been ended on every "
        "device that shared it. Sign in again."
    )
    default_code = "refresh_token_reused"


class _RefreshTokenUsedOrNot(RefreshToken):
    """A refresh token with a valid signature, expiry and type, whether it was already
    used or not: `rotate_refresh_token` claims it itself, and a used one is a signal."""

    def check_blacklist(self) -> None:
        return None


def read_refresh_token(raw: str) -> RefreshToken:
    """The refresh token in `raw`, checked (signature, expiry, type, session claim) but not
    yet used; InvalidToken (401, token_not_valid) when it is not one of ours."""
    try:
        token = _RefreshTokenUsedOrNot(raw)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from exc
    if not token.get("sid") or not token.get("user_id"):
        raise InvalidToken("Token has no session.")
    return token


def rotate_refresh_token(token: RefreshToken) -> dict[str, str]:
    """Exchange a refresh token for a new pair in the same session (its "family").

    Each refresh token works once. Using one marks it used (a row in simplejwt's blacklist,
    claimed with a unique insert, so of two requests racing with the same token exactly
    one wins). A token presented again after that was copied: whoever holds the other copy
    may be an attacker, and nobody can tell which, so the whole session is revoked: its
    refresh tokens and access tokens stop working for the thief and the owner alike, and
    the owner signs in again. There is no grace period (see SECURITY.md).

    Raises SessionEnded when the session was already revoked, RefreshTokenReused when the
    token was used before (after revoking its session).
    """
    session_id, user_id = token["sid"], token["user_id"]
    active = LoginSession.objects.filter(
        id=session_id, user_id=user_id, revoked_at__isnull=True, user__is_active=True
    )
    if not active.exists():
        raise SessionEnded()
    if not _claim(token):
        revoked = LoginSession.objects.filter(id=session_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        logger.warning(
            "refresh reuse detected; session %s of user %s %s",
            session_id,
            user_id,
            "revoked" if revoked else "was already revoked",
        )
        raise RefreshTokenReused()
    token.set_jti()
    token.set_exp()
    token.set_iat()
    token.outstand()
    active.update(last_used_at=timezone.now())
    return {"access": str(token.access_token), "refresh": str(token)}


def log_out(token: RefreshToken) -> None:
    """End the token's session (used or not, the holder asks to sign that device out)."""
    _claim(token)
    LoginSession.objects.filter(id=token["sid"], revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def _claim(token: RefreshToken) -> bool:
    """Mark the token used; False if it already was."""
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=token["jti"],
        defaults={
            "user_id": token["user_id"],
            "token": str(token),
            "created_at": token.current_time,
            "expires_at": datetime_from_epoch(token["exp"]),
        },
    )
    _, first_use = BlacklistedToken.objects.get_or_create(token=outstanding)
    return first_use


# --- Passwords ------------------------------------------------------------------------
@transaction.atomic
def change_password(user: User, new_password: str, *, keep_session_id: UUID | None) -> int:
    """Set a new password and sign out every other device at once; return how many.

    The device that asked (keep_session_id) stays signed in. Without one (the admin's
    cookie session) every device is signed out; Django's own sessions end by themselves,
    since they carry a hash of the password.
    """
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoked = end_sessions(user, keep_session_id=keep_session_id)
    logger.info("user %s changed their password; %d other sessions ended", user.pk, revoked)
    return revoked


def end_sessions(user: User, *, keep_session_id: UUID | None = None) -> int:
    """Sign out every device of `user` at once but the one kept; return how many."""
    others = LoginSession.objects.filter(user=user, revoked_at__isnull=True)
    if keep_session_id is not None:
        others = others.exclude(id=keep_session_id)
    return others.update(revoked_at=timezone.now())


@transaction.atomic
def update_profile(profile: Profile, changes: dict[str, Any]) -> Profile:
    before = {name: getattr(profile, name) for name in REMINDER_FIELDS}
    earlier = {field: getattr(profile, field) for field in changes}
    for field, value in changes.items():
        setattr(profile, field, value)
    profile.full_clean()
    # Only a real change moves the reminder: a device re-sending the same settings right
    # after the reminder moment must not skip this week's digest.
    if any(getattr(profile, name) != value for name, value in before.items()):
        profile.next_weekly_reminder_at = profile.next_reminder_after(timezone.now())
    stamp(profile)
    profile.save()
    changed = frozenset(f for f, value in earlier.items() if getattr(profile, f) != value)
    signals.profile_changed.send(sender=Profile, member_id=profile.user_id, changed=changed)
    return profile


def record_activity(user_id, at) -> int:
    """Move last_activity_at forward, never back; safe to repeat."""
    newer = User.objects.filter(id=user_id).exclude(last_activity_at__gte=at)
    return newer.update(last_activity_at=at)
