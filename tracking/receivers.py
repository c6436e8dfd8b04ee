"""tracking's answers to what accounts announces (accounts/signals.py), connected in
TrackingConfig.ready: accounts never imports tracking."""

from __future__ import annotations

from .models import Regimen
from .services import request_recompute, schedule_dose_reminder

# The fields a plan's next dose reminder moment depends on.
REMINDER_ZONE_FIELDS = frozenset({"timezone", "reminder_zone", "phone_timezone"})


def recompute_member(sender, member_id, changed=frozenset(), **kwargs) -> None:
    """Age, sex, life stage and zone feed the flags and weeks; the zone fields move the
    next dose reminders."""
    request_recompute(member_id)
    if changed & REMINDER_ZONE_FIELDS:
        plans = Regimen.objects.filter(member_id=member_id, deleted_at__isnull=True, remind=True)
        for regimen in plans.select_related("product", "member__profile"):
            schedule_dose_reminder(regimen)


def pause_dose_reminders(sender, user, **kwargs) -> None:
    Regimen.objects.filter(member=user, next_dose_reminder_at__isnull=False).update(
        next_dose_reminder_at=None
    )


def resume_dose_reminders(sender, user, **kwargs) -> None:
    plans = Regimen.objects.filter(member=user, deleted_at__isnull=True)
    for regimen in plans.select_related("product", "member__profile"):
        schedule_dose_reminder(regimen)
