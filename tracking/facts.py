"""What the database holds, as the pure rules take it (tracking/rules/types.py).

The one place ORM rows and objects become rule dataclasses: the nightly batch and a
member's recompute (tracking/computation.py), the dose reminders (tracking/dose_moments.py)
and the dietitian panel (tracking/dietitians/) all read members, plans, doses and products
through these functions, so the rules see the same facts whoever asks.
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import Profile

from .models import AmountBasis, Regimen, RegimenSchedule
from .rules import medicines
from .rules.types import Dose, Member, MemberDay, Schedule
from .rules.types import Product as RuleProduct
from .rules.types import ReferenceIntake as RuleReference
from .rules.types import Regimen as RuleRegimen

# The profile columns a Member is made of (read with .values() by the batch).
MEMBER_COLUMNS = (
    "timezone",
    "date_of_birth",
    "sex",
    "menopause_status",
    "final_period_date",
    "pregnant",
    "lactating",
)
# The plan's own schedule columns: its schedule when it has no recorded version yet.
PLAN_COLUMNS = ("id", "product_id", "start_date", "end_date", *RegimenSchedule.VERSIONED_FIELDS)
SCHEDULE_COLUMNS = ("effective_from", *RegimenSchedule.VERSIONED_FIELDS)
DOSE_COLUMNS = ("id", "product_id", "regimen_id", "taken_at", "status", "servings")
PRODUCT_COLUMNS = ("id", "name", "kind", "drug_class", "drug", "release", "usual_schedule")
# An ingredient row: (nutrient code, amount, form, basis).
INGREDIENT_COLUMNS = ("nutrient__code", "amount", "form", "basis")
# Profile columns of the member's usual day, and the MemberDay fields they fill.
DAY_COLUMNS = {
    "wake_time": "wake",
    "breakfast_time": "breakfast",
    "lunch_time": "lunch",
    "dinner_time": "dinner",
    "bed_time": "bed",
}


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def member(row: Mapping[str, Any], today: date) -> Member:
    """A Member from a profile's MEMBER_COLUMNS, on the member's local `today`."""
    return Member(
        today=today,
        timezone=row["timezone"],
        date_of_birth=row["date_of_birth"],
        sex=row["sex"] or None,
        menopause_status=row["menopause_status"],
        final_period_date=row["final_period_date"],
        pregnant=row["pregnant"],
        lactating=row["lactating"],
    )


def member_of(profile: Profile) -> Member:
    return member({name: getattr(profile, name) for name in MEMBER_COLUMNS}, profile.today())


def schedule(row: Mapping[str, Any]) -> Schedule:
    return Schedule(
        effective_from=row["effective_from"],
        kind=row["schedule_kind"],
        times=tuple(row["times"]),
        weekdays=tuple(row["weekdays"]),
        day_of_month=row["day_of_month"],
        interval_days=row["interval_days"],
        servings_per_dose=float(row["servings_per_dose"]),
    )


def schedule_versions(version_rows: Iterable[Mapping], plan: Mapping) -> tuple[Schedule, ...]:
    """A plan's schedule history, oldest first. A plan saved outside the services (an
    operator in the admin) may have no history yet: its own schedule columns (`plan`, its
    PLAN_COLUMNS) then apply from its start."""
    versions = tuple(schedule(row) for row in version_rows)
    return versions or (schedule({**plan, "effective_from": plan["start_date"]}),)


def plan(row: Mapping[str, Any], versions: Iterable[Mapping], product: RuleProduct) -> RuleRegimen:
    """A rule Regimen from a plan's PLAN_COLUMNS and its RegimenSchedule rows."""
    return RuleRegimen(
        id=str(row["id"]),
        product=product,
        start_date=row["start_date"],
        end_date=row["end_date"],
        schedules=schedule_versions(versions, row),
    )


def plan_of(regimen: Regimen) -> RuleRegimen:
    """One plan with its product's name and schedule history (one query, none when the
    caller prefetched `schedules`, or attached them as attach_versions() does)."""
    row = {name: getattr(regimen, name) for name in PLAN_COLUMNS}
    prefetched = getattr(regimen, "schedule_versions", None)
    if prefetched is None:
        prefetched = getattr(regimen, "_prefetched_objects_cache", {}).get("schedules")
    if prefetched is None:
        versions = regimen.schedules.order_by("effective_from").values()
    else:
        versions = [
            {name: getattr(v, name) for name in SCHEDULE_COLUMNS}
            for v in sorted(prefetched, key=lambda v: v.effective_from)
        ]
    product = RuleProduct(id=str(regimen.product_id), name=regimen.product.name)
    return plan(row, versions, product)


# A schedule version as plan_of reads it (attach_versions), without a model per row.
VersionRow = namedtuple("VersionRow", SCHEDULE_COLUMNS)


def attach_versions(regimens: list[Regimen]) -> None:
    """Each plan's schedule versions in `schedule_versions`, read in one query as plain
    rows: for a chunk of hundreds of plans a prefetch spends more on building a model per
    version than on reading them."""
    found = defaultdict(list)
    rows = RegimenSchedule.objects.filter(regimen_id__in=[r.pk for r in regimens])
    for regimen_id, *values in rows.values_list("regimen_id", *SCHEDULE_COLUMNS):
        found[regimen_id].append(VersionRow(*values))
    for regimen in regimens:
        regimen.schedule_versions = found[regimen.pk]


def dose(row: tuple) -> Dose:
    """A Dose from a log's DOSE_COLUMNS, in that order."""
    log_id, product_id, regimen_id, taken_at, status, servings = row
    return Dose(
        id=str(log_id),
        product_id=str(product_id),
        regimen_id=str(regimen_id) if regimen_id else None,
        taken_at=taken_at,
        status=status,
        servings=float(servings),
    )


def product(row: Mapping[str, Any], ingredients: Iterable[tuple]) -> RuleProduct:
    """A rule Product from PRODUCT_COLUMNS and its INGREDIENT_COLUMNS rows: amounts per
    serving by nutrient code, minerals as elemental amounts."""
    nutrients, forms = {}, {}
    for code, amount, form, basis in ingredients:
        nutrients[code] = float(elemental_amount(amount, form, basis))
        if form:
            forms[code] = form
    return RuleProduct(**{**row, "id": str(row["id"])}, nutrients=nutrients, forms=forms)


def elemental_amount(amount: Decimal, form: str, basis: str) -> Decimal:
    """An ingredient's elemental amount: as given, or a salt's weight times its share of the
    mineral (docs/domain.md#elemental-calcium); the services refuse a compound amount whose
    salt has no known share, so None never reaches the rules."""
    if basis != AmountBasis.COMPOUND:
        return amount
    found = medicines.elemental(amount, form)
    return amount if found is None else found


def member_day(row: Mapping[str, Any]) -> MemberDay:
    """A MemberDay from a profile's DAY_COLUMNS (a profile or a .values() row)."""
    return MemberDay(**{field: row[column] for column, field in DAY_COLUMNS.items()})


def member_day_of(profile: Profile) -> MemberDay:
    return member_day({column: getattr(profile, column) for column in DAY_COLUMNS})


def reference(row: Mapping[str, Any]) -> RuleReference:
    return RuleReference(**{**row, "amount": float(row["amount"])})
