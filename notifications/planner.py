"""When reminders are due, and who sends each: the planner beat runs every 15 minutes.

Claim, then act (STYLE.md): a member is claimed by moving their next weekly reminder
moment forward with a conditional update, and a bisphosphonate plan by moving its next
dose moment, so overlapping planners and retries never send twice and a planner back from
downtime sends one reminder, not one per missed window.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import connection

from accounts.models import Profile
from accounts.reminder_moments import iso_week_label
from tracking.dose_moments import next_dose_after
from tracking.models import Regimen

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
