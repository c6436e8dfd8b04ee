"""Deleting a member's account: asked for with their password, carried out after a grace
period (settings.ACCOUNT_DELETION_GRACE_DAYS).

Asking takes effect at once where it matters: every care link is revoked (dietitians stop
seeing the member's health data), the member's other devices are signed out (the one that
asked stays signed in, to export or cancel) and reminders stop. Cancelling within the grace
period resumes reminders; care links stay revoked, the member invites again. Once the
grace period has passed, `delete_due_accounts` (a daily beat task) removes the user and
every row about them, tombstones included.

The rows are found through the app registry, not by name: any model with a cascading
foreign key to the user is the member's, so a table added later is deleted too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from graphlib import TopologicalSorter
from operator import or_
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from sync import clock

from . import signals
from .models import CareLink, LoginSession, Profile, User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeletionSchedule:
    scheduled_for: datetime | None
    grace_days: int


def grace_days() -> int:
    return settings.ACCOUNT_DELETION_GRACE_DAYS


def schedule_of(user: User) -> DeletionSchedule:
    return DeletionSchedule(user.deletion_scheduled_for, grace_days())


@transaction.atomic
def request_deletion(
    user: User, *, keep_session_id: UUID | None = None
) -> tuple[DeletionSchedule, bool]:
    """Schedule the account's deletion; return the schedule and whether this call made it.

    Idempotent: asking again while a deletion is pending changes nothing and returns the
    schedule already set. The schedule is claimed with a conditional update, so two
    requests racing set it once.
    """
    now = timezone.now()
    scheduled_for = now + timedelta(days=grace_days())
    claimed = User.objects.filter(pk=user.pk, deletion_scheduled_for__isnull=True).update(
        deletion_scheduled_for=scheduled_for
    )
    if not claimed:
        user.refresh_from_db(fields=["deletion_scheduled_for"])
        return schedule_of(user), False
    user.deletion_scheduled_for = scheduled_for
    # Pending invitations too: nobody may start following an account on its way out.
    CareLink.objects.filter(member=user, revoked_at__isnull=True).update(revoked_at=now)
    # exclude(id=None) excludes nothing: a request without a device session (the admin's
    # cookie) signs every device out.
    LoginSession.objects.filter(user=user, revoked_at__isnull=True).exclude(
        id=keep_session_id
    ).update(revoked_at=now)
    _stop_reminders(user)
    logger.info("account %s scheduled for deletion at %s", user.pk, scheduled_for)
    return schedule_of(user), True


@transaction.atomic
def cancel_deletion(user: User) -> None:
    """Keep the account after all: reminders resume from now. Safe to repeat."""
    cancelled = User.objects.filter(pk=user.pk, deletion_scheduled_for__isnull=False).update(
        deletion_scheduled_for=None
    )
    user.deletion_scheduled_for = None
    if cancelled:
        _resume_reminders(user)
        logger.info("account %s: deletion cancelled", user.pk)


def _stop_reminders(user: User) -> None:
    """The planners select members by these moments: with none, nothing is sent."""
    Profile.objects.filter(user=user).update(next_weekly_reminder_at=None)
    signals.reminders_paused.send(sender=User, user=user)


def _resume_reminders(user: User) -> None:
    now = timezone.now()
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        upcoming = profile.next_reminder_after(now)
        Profile.objects.filter(pk=profile.pk).update(next_weekly_reminder_at=upcoming)
    signals.reminders_resumed.send(sender=User, user=user)


# --- Carrying it out -----------------------------------------------------------------
def delete_due_accounts(now: datetime) -> int:
    """Delete every account whose grace period has passed by `now`; return how many.

    Each account goes in its own transaction, so one that cannot be deleted (logged) does
    not hold back the others; it stays scheduled and the next run tries again. Running
    twice deletes nothing more.
    """
    due = User.objects.filter(deletion_scheduled_for__lte=now).values_list("pk", flat=True)
    deleted = 0
    for user_id in list(due):
        try:
            deleted += delete_account(user_id, now)
        except (ProtectedError, RestrictedError) as exc:
            logger.error("account %s could not be deleted: %s", user_id, exc)
    logger.info("deleted %d accounts due by %s", deleted, now.isoformat())
    return deleted


@transaction.atomic
def delete_account(user_id: UUID, now: datetime) -> bool:
    """Delete the user and everything about them, if their deletion is still due (the
    member may have cancelled since the list was read)."""
    user = (
        User.objects.select_for_update().filter(pk=user_id, deletion_scheduled_for__lte=now).first()
    )
    if user is None:
        return False
    # Writers for this member wait on their sync clock until the rows are gone.
    clock.lock([user.pk])
    for rows in owned_rows(user):
        rows.delete()
    # The refresh tokens issued to them: simplejwt keeps these on user deletion (SET_NULL),
    # but each token's text still names the user.
    OutstandingToken.objects.filter(user=user).delete()
    user.delete()
    logger.info("account %s deleted", user_id)
    return True


def owned_rows(user: User) -> Iterator[models.QuerySet]:
    """A queryset per model with rows belonging to the user, in an order the database
    accepts: rows that protect others (a dose protects its plan, a plan its product) go
    before the rows they protect. Deleting each one cascades to its children."""
    for model, fields in owned_models():
        yield model._default_manager.filter(reduce(or_, (models.Q(**{f: user}) for f in fields)))


def owned_models() -> list[tuple[type[models.Model], list[str]]]:
    """(model, names of its fields that point at the user and cascade) for every
    installed model, ordered so that a model PROTECTing another comes first."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    owned: dict[type[models.Model], list[str]] = {}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if (
                field.is_relation
                and field.related_model is user_model
                and field.remote_field.on_delete is models.CASCADE
            ):
                owned.setdefault(model, []).append(field.name)
    protectors = {
        target: {m for m in owned if m is not target and _protects(m, target)} for target in owned
    }
    return [(model, owned[model]) for model in TopologicalSorter(protectors).static_order()]


def _protects(model: type[models.Model], target: type[models.Model]) -> bool:
    return any(
        field.is_relation
        and field.related_model is target
        and field.remote_field.on_delete in (models.PROTECT, models.RESTRICT)
        for field in model._meta.concrete_fields
    )
