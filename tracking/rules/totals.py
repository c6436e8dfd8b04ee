"""Nutrient totals: what a day adds up to, from the doses taken and from the plan, against
the member's reference intakes (docs/domain.md#reference-intakes).

Amounts are a product's ingredient amounts per serving (elemental for minerals: facts.product
converts a salt's weight) times the servings, summed over every product of the day, so a
"D3 + K2 + magnesium" trio and a separate D3 add up. Arithmetic is in Decimal: the amounts
are decimals with at most three places and servings with two, so every total is exact, a
week is exactly the sum of its days, and micrograms and IU convert both ways exactly.
Pure: no Django, no database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .reference import recommended_intake_for, reference_for
from .schedule import dose_days, zone_for
from .types import Dose, Member, Product, ReferenceIntake, Regimen

# The nutrients Ossa totals, by code, and the groups a person reads them in.
NUTRIENTS = ("k1", "k2_mk4", "k2_mk7", "d2", "d3", "calcium", "magnesium")
GROUPS: dict[str, tuple[str, ...]] = {
    "vitamin_k": ("k1", "k2_mk4", "k2_mk7"),
    "vitamin_d": ("d2", "d3"),
    "calcium": ("calcium",),
    "magnesium": ("magnesium",),
}
UNITS = {"vitamin_k": "mcg", "vitamin_d": "mcg", "calcium": "mg", "magnesium": "mg"}
# source: ODS-D — 1 mcg of vitamin D is 40 IU.
IU_PER_MCG = Decimal(40)

Totals = dict[str, Decimal]  # nutrient code → amount in its unit


def exact(value: float) -> Decimal:
    """A stored decimal that travelled as a float, back as the decimal it was (its repr is
    the shortest decimal that reads back as the same float)."""
    return Decimal(repr(value))


def per_serving(product: Product) -> Totals:
    return {code: exact(v) for code, v in product.nutrients.items() if code in NUTRIENTS and v}


def times(amounts: Mapping[str, Decimal], factor: Decimal) -> Totals:
    return {code: amount * factor for code, amount in amounts.items()}


def add(into: Totals, amounts: Mapping[str, Decimal]) -> Totals:
    for code, amount in amounts.items():
        into[code] = into.get(code, Decimal(0)) + amount
    return into


def group(totals: Mapping[str, Decimal], name: str) -> Decimal:
    return sum((totals.get(code, Decimal(0)) for code in GROUPS[name]), Decimal(0))


def to_iu(mcg: Decimal) -> Decimal:
    return mcg * IU_PER_MCG


def from_iu(iu: Decimal) -> Decimal:
    return iu / IU_PER_MCG


def taken_by_day(
    doses: Iterable[Dose], products: Mapping[str, Product], tz: str
) -> dict[date, Totals]:
    """Each local day's totals from the doses logged as taken (skipped ones add nothing)."""
    zone = zone_for(tz)
    days: dict[date, Totals] = defaultdict(dict)
    for dose in doses:
        product = products.get(dose.product_id)
        if dose.status != "taken" or product is None:
            continue
        day = dose.taken_at.astimezone(zone).date()
        add(days[day], times(per_serving(product), exact(dose.servings)))
    return dict(days)


def planned_by_day(regimens: Iterable[Regimen], first: date, last: date) -> dict[date, Totals]:
    """Each local day's totals if everything were taken as planned that day."""
    days: dict[date, Totals] = defaultdict(dict)
    for regimen in regimens:
        amounts = per_serving(regimen.product)
        if not amounts:
            continue
        for day, schedule in dose_days(regimen, first, last):
            servings = exact(schedule.servings_per_dose) * len(set(schedule.times))
            add(days[day], times(amounts, servings))
    return dict(days)


def by_product(
    doses: Iterable[Dose], products: Mapping[str, Product], tz: str, first: date, last: date
) -> dict[str, Totals]:
    """What each product contributed to the days first..last (taken doses)."""
    zone = zone_for(tz)
    found: dict[str, Totals] = defaultdict(dict)
    for dose in doses:
        product = products.get(dose.product_id)
        if dose.status != "taken" or product is None:
            continue
        if first <= dose.taken_at.astimezone(zone).date() <= last:
            add(found[product.id], times(per_serving(product), exact(dose.servings)))
    return {pid: amounts for pid, amounts in found.items() if amounts}


def sum_days(days: Iterable[Mapping[str, Decimal]]) -> Totals:
    found: Totals = {}
    for day in days:
        add(found, day)
    return found


@dataclass(frozen=True)
class Target:
    """A group's reference intake for the member's life stage: the RDA or AI, and the UL
    (None where there is none, as for vitamin K)."""

    nutrient: str
    unit: str
    intake_kind: str  # "rda" or "ai"; "" when no row covers the member
    intake: Decimal | None
    upper_limit: Decimal | None
    source: str
    note: str


def targets(member: Member, references: list[ReferenceIntake]) -> list[Target]:
    """The reference table names the groups as GROUPS does."""
    found = []
    for name in GROUPS:
        intake = recommended_intake_for(references, name, member)
        limit = reference_for(references, name, "ul", member)
        row = intake or limit
        found.append(
            Target(
                nutrient=name,
                unit=UNITS[name],
                intake_kind=intake.kind if intake else "",
                intake=exact(intake.amount) if intake else None,
                upper_limit=exact(limit.amount) if limit else None,
                source=row.source if row else "",
                note=(limit.note if limit else "") or (intake.note if intake else ""),
            )
        )
    return found
