"""When a bisphosphonate plan's next dose is, from the same schedule rules as adherence."""

from __future__ import annotations

from datetime import datetime, timedelta

from .models import DrugClass, Regimen
from .rules import schedule
from .rules.types import Product as RuleProduct
from .rules.types import Regimen as RuleRegimen
from .rules.types import Schedule

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
    versions = tuple(
        Schedule(
            effective_from=v.effective_from,
            kind=v.schedule_kind,
            times=tuple(v.times),
            weekdays=tuple(v.weekdays),
            day_of_month=v.day_of_month,
            interval_days=v.interval_days,
            servings_per_dose=float(v.servings_per_dose),
        )
        for v in regimen.schedules.order_by("effective_from")
    ) or (
        Schedule(
            effective_from=regimen.start_date,
            kind=regimen.schedule_kind,
            times=tuple(regimen.times),
            weekdays=tuple(regimen.weekdays),
            day_of_month=regimen.day_of_month,
            interval_days=regimen.interval_days,
        ),
    )
    product = RuleProduct(id=str(regimen.product_id), name=regimen.product.name)
    return RuleRegimen(
        id=str(regimen.id),
        product=product,
        start_date=regimen.start_date,
        end_date=regimen.end_date,
        schedules=versions,
    )
