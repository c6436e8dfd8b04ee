"""Writes to accounts: registration, sign-in sessions, profile changes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from backend.celery import enqueue_coalesced_on_commit
from sync.clock import stamp, tick
from sync.models import SyncClock

from .models import LoginSession, Profile, User

RECOMPUTE_TASK = "tracking.tasks.recompute_member"
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
    SyncClock.objects.get_or_create(member=user)
    if not Profile.objects.filter(user=user).exists():
        profile = Profile(id=user.id, user=user, timezone=timezone_name)
        profile.next_weekly_reminder_at = profile.next_reminder_after(timezone.now())
        profile.server_version = tick(user.id)
        profile.save(force_insert=True)


def issue_tokens(session: LoginSession) -> dict[str, str]:
    refresh = RefreshToken.for_user(session.user)
    refresh["sid"] = str(session.id)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def start_session(user: User, *, device_name: str = "", user_agent: str = "") -> LoginSession:
    return LoginSession.objects.create(
        user=user, device_name=device_name[:120], user_agent=user_agent[:300]
    )


def touch_session(session_id: str) -> None:
    LoginSession.objects.filter(id=session_id).update(last_used_at=timezone.now())


def revoke_session(session: LoginSession) -> None:
    """Sign a device out: its refresh tokens stop working and its access tokens too."""
    LoginSession.objects.filter(id=session.id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def update_profile(profile: Profile, changes: dict[str, Any]) -> Profile:
    before = {name: getattr(profile, name) for name in REMINDER_FIELDS}
    for field, value in changes.items():
        setattr(profile, field, value)
    profile.full_clean()
    # Only a real change moves the reminder: a device re-sending the same settings right
    # after the reminder moment must not skip this week's digest.
    if any(getattr(profile, name) != value for name, value in before.items()):
        profile.next_weekly_reminder_at = profile.next_reminder_after(timezone.now())
    stamp(profile)
    profile.save()
    # Age, sex, life stage and zone feed the flags and weeks; named, not imported, because
    # accounts does not depend on tracking.
    enqueue_coalesced_on_commit(RECOMPUTE_TASK, str(profile.user_id))
    return profile


def record_activity(user_id, at) -> int:
    """Move last_activity_at forward, never back; safe to repeat."""
    newer = User.objects.filter(id=user_id).exclude(last_activity_at__gte=at)
    return newer.update(last_activity_at=at)
