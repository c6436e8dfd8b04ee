"""When a bisphosphonate plan's next dose is, from the same schedule rules as adherence."""

from __future__ import annotations

from datetime import datetime, timedelta

from .computation import CURRENT_SCHEDULE, schedule_versions
from .models import DrugClass, Regimen
from .rules import schedule
from .rules.types import Product as RuleProduct
from .rules.types import Regimen as RuleRegimen

# A monthly dose is at most 31 days away; look a little further for month-end days.
HORIZON = timedelta(days=40)


def next_dose_after(regimen: Regimen, moment: datetime) -> datetime | None:
    """The first scheduled dose strictly after `moment`, or None when the plan needs no
    dose reminders (not a bisphosphonate, ended, deleted or as needed)."""
    if regimen.deleted_at or regimen.product.drug_class != DrugClass.BISPHOSPHONATE:
        return None
    zone = regimen.member.profile.zone
    first = moment.astimezone(zone).date()
    rule = _as_rule(regimen)
    upcoming = schedule.expand(rule, first, first + HORIZON, zone)
    return next((o.due_at for o in upcoming if o.due_at > moment), None)


def _as_rule(regimen: Regimen) -> RuleRegimen:
    current = {name: getattr(regimen, name) for name in CURRENT_SCHEDULE}
    versions = regimen.schedules.order_by("effective_from").values()
    return RuleRegimen(
        id=str(regimen.id),
        product=RuleProduct(id=str(regimen.product_id), name=regimen.product.name),
        start_date=regimen.start_date,
        end_date=regimen.end_date,
        schedules=schedule_versions(versions, {**current, "start_date": regimen.start_date}),
    )
