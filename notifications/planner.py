"""When weekly digests are due: the planner beat runs every 15 minutes (dose reminders
have their own, every minute: notifications/dose_reminders.py).

Claim, then act (STYLE.md): a member is claimed by moving their next weekly reminder
moment forward with a conditional update, so overlapping planners and retries never send
twice and a planner back from downtime sends one digest, not one per missed week.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from accounts.models import Profile
from accounts.reminder_moments import iso_week_label
from backend import rawsql

PLAN_CHUNK = 500


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
    """Claim a chunk of due members at once (rawsql.move_moments: one statement on
    PostgreSQL); a member is claimed only if their moment is still the one read, so
    concurrent planners never both claim them."""
    moments = {p.pk: (p, p.next_weekly_reminder_at, p.next_reminder_after(now)) for p in profiles}
    moves = [(pk, due, upcoming) for pk, (_, due, upcoming) in moments.items()]
    claimed = rawsql.move_moments(Profile, "next_weekly_reminder_at", moves)
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
