"""Nutrient totals: what a day adds up to, from the doses taken and from the plan, against
the member's reference intakes (docs/domain.md#reference-intakes).

Amounts are a product's ingredient amounts per serving (elemental for minerals: facts.product
converts a salt's weight) times the servings, summed over every product of the day, so a
"D3 + K2 + magnesium" trio and a separate D3 add up. Arithmetic is exact: the amounts are
decimals with at most three places (five for a salt's share) and servings with two, summed
in whole units and handed out as Decimal, so a week is exactly the sum of its days, and
micrograms and IU convert both ways exactly.
Pure: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from .reference import recommended_intake_for, reference_for
from .schedule import dose_days, zone_for
from .types import Dose, Member, Product, ReferenceIntake, Regimen

# The nutrients Ossa totals, by code, and the groups a person reads them in.
NUTRIENTS = ("k1", "k2_mk4", "k2_mk7", "d2", "d3", "calcium", "magnesium")
_POSITION = {code: position for position, code in enumerate(NUTRIENTS)}
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

# The sums are worked in whole units of 10^-PLACES of a nutrient's unit: an amount per
# serving in millionths (the schema keeps three decimals, a salt's share two more) times
# servings in hundredths (two decimals). Integers add exactly and fast; a value with more
# decimals than that (only a hand-built Product has one) stays a Decimal in the same
# units, so sums stay exact either way. Decimals are made only at the edge (as_totals).
AMOUNT_PLACES = 6
SERVING_PLACES = 2
PLACES = AMOUNT_PLACES + SERVING_PLACES
Units = dict[str, int | Decimal]  # nutrient code → amount in 10^-PLACES of its unit


def exact(value: float) -> Decimal:
    """A stored decimal that travelled as a float, back as the decimal it was (its repr is
    the shortest decimal that reads back as the same float)."""
    return Decimal(repr(value))


@lru_cache(maxsize=4096)
def scaled(value: float, places: int) -> int | Decimal:
    """`value` in units of 10^-places, exactly: an int when it has no more decimals."""
    found = exact(value).scaleb(places)
    whole = int(found)
    return whole if whole == found else found


def per_serving(product: Product) -> Totals:
    return {code: exact(v) for code, v in product.nutrients.items() if code in NUTRIENTS and v}


def per_serving_units(product: Product) -> Units:
    return {
        code: scaled(v, AMOUNT_PLACES)
        for code, v in product.nutrients.items()
        if code in NUTRIENTS and v
    }


def times(amounts: Mapping[str, Decimal], factor: Decimal) -> Totals:
    return {code: amount * factor for code, amount in amounts.items()}


def add(into: Totals, amounts: Mapping[str, Decimal]) -> Totals:
    for code, amount in amounts.items():
        into[code] = into.get(code, Decimal(0)) + amount
    return into


def add_units(into: Units, amounts: Mapping[str, int | Decimal], servings: int | Decimal) -> None:
    """`amounts` per serving (in 10^-AMOUNT_PLACES) times `servings` (in 10^-SERVING_PLACES)
    added into `into`."""
    for code, amount in amounts.items():
        into[code] = into.get(code, 0) + amount * servings


def as_totals(units: Mapping[str, int | Decimal]) -> Totals:
    return {code: Decimal(amount).scaleb(-PLACES) for code, amount in units.items()}


def rounded(units: Mapping[str, int | Decimal], places: int) -> tuple[int, ...]:
    """The amount of each of NUTRIENTS (in that order) in whole 10^-places of its unit,
    rounded half to even as Decimal.quantize rounds: what a column with `places` decimals
    stores."""
    step = 10 ** (PLACES - places)
    # Only the nutrients present are rounded: a day's products carry two or three of the
    # seven, and the nightly batch rounds two of these per member and day.
    found = [0] * len(NUTRIENTS)
    for code, amount in units.items():
        position = _POSITION.get(code)
        if position is None:
            continue
        if isinstance(amount, int):
            whole, rest = divmod(amount, step)
            if rest * 2 > step or (rest * 2 == step and whole % 2):
                whole += 1
        else:
            whole = int(amount.scaleb(places - PLACES).to_integral_value(ROUND_HALF_EVEN))
        found[position] = whole
    return tuple(found)


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
    found = taken_units_by_day(doses, products, tz)
    return {day: as_totals(units) for day, units in found.items()}


def taken_units_by_day(
    doses: Iterable[Dose], products: Mapping[str, Product], tz: str
) -> dict[date, Units]:
    """taken_by_day in whole units: the servings of each product are summed per local day
    first, so the amounts are multiplied once per day and product, not once per dose."""
    servings = _servings_by_day(doses, products, tz, lambda day: True)
    days: dict[date, Units] = {}
    # Once per product, not once per day it was taken on.
    amounts = {pid: per_serving_units(products[pid]) for pid in {pid for _, pid in servings}}
    for (day, pid), count in servings.items():
        add_units(days.setdefault(day, {}), amounts[pid], count)
    return days


def planned_by_day(regimens: Iterable[Regimen], first: date, last: date) -> dict[date, Totals]:
    """Each local day's totals if everything were taken as planned that day."""
    found = planned_units_by_day(regimens, first, last)
    return {day: as_totals(units) for day, units in found.items()}


def planned_units_by_day(regimens: Iterable[Regimen], first: date, last: date) -> dict[date, Units]:
    days: dict[date, Units] = {}
    for regimen in regimens:
        amounts = per_serving_units(regimen.product)
        if not amounts:
            continue
        # One day's amounts per schedule version, worked out once.
        per_day: dict[int, Units] = {}
        for day, schedule in dose_days(regimen, first, last):
            found = per_day.get(id(schedule))
            if found is None:
                servings = scaled(schedule.servings_per_dose, SERVING_PLACES)
                found = {}
                add_units(found, amounts, servings * len(set(schedule.times)))
                per_day[id(schedule)] = found
            into = days.setdefault(day, {})
            for code, amount in found.items():
                into[code] = into.get(code, 0) + amount
    return days


def by_product(
    doses: Iterable[Dose], products: Mapping[str, Product], tz: str, first: date, last: date
) -> dict[str, Totals]:
    """What each product contributed to the days first..last (taken doses)."""
    servings = _servings_by_day(doses, products, tz, lambda day: first <= day <= last)
    found: dict[str, Units] = {}
    for (_, pid), count in servings.items():
        add_units(found.setdefault(pid, {}), per_serving_units(products[pid]), count)
    return {pid: as_totals(units) for pid, units in found.items() if units}


def _servings_by_day(
    doses: Iterable[Dose], products: Mapping[str, Product], tz: str, wanted
) -> dict[tuple[date, str], int | Decimal]:
    """Servings taken (in 10^-SERVING_PLACES) per (local day, product) of the known products,
    for the days `wanted` accepts."""
    zone = zone_for(tz)
    found: dict[tuple[date, str], int | Decimal] = {}
    for dose in doses:
        if dose.status != "taken" or dose.product_id not in products:
            continue
        day = dose.taken_at.astimezone(zone).date()
        if wanted(day):
            key = (day, dose.product_id)
            found[key] = found.get(key, 0) + scaled(dose.servings, SERVING_PLACES)
    return found


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
