"""When a bisphosphonate plan's next dose is, from the same schedule rules as adherence."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import facts
from .models import DrugClass, Regimen
from .rules import schedule

# A monthly dose is at most 31 days away; look a little further for month-end days.
HORIZON = timedelta(days=40)


def next_dose_after(regimen: Regimen, moment: datetime) -> datetime | None:
    """The first scheduled dose strictly after `moment`, or None when the plan needs no
    dose reminders (not a bisphosphonate, ended, deleted or as needed)."""
    if regimen.deleted_at or regimen.product.drug_class != DrugClass.BISPHOSPHONATE:
        return None
    zone = regimen.member.profile.zone
    first = moment.astimezone(zone).date()
    rule = facts.plan_of(regimen)
    upcoming = schedule.expand(rule, first, first + HORIZON, zone)
    return next((o.due_at for o in upcoming if o.due_at > moment), None)
