"""Nutrient totals as people read them: stored days (NutrientDay, written by the recompute)
summed into days or ISO weeks against the member's targets, and which products gave what.
Reads only; one computation (tracking/rules/totals.py) feeds the API, the sync tables, the
flags, the digest and the dietitian's page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from . import facts
from .models import Ingredient, IntakeLog, NutrientDay, NutrientTarget, Product
from .rules import totals

# The longest range one request may ask for: a year of days, or 53 weeks.
MAX_DAYS = 371


@dataclass
class Period:
    start: date
    end: date
    days: int
    taken: dict[str, Decimal] = field(default_factory=dict)
    planned: dict[str, Decimal] = field(default_factory=dict)


def stored_days(member_id, first: date, last: date) -> list[NutrientDay]:
    return list(
        NutrientDay.objects.filter(
            member_id=member_id, day__gte=first, day__lte=last, deleted_at__isnull=True
        ).order_by("day")
    )


def periods(rows: Iterable[NutrientDay], first: date, last: date, by: str) -> list[Period]:
    """The days first..last as days or ISO weeks (Monday first, cut at the range's ends),
    each with the sum of its stored days, taken and planned."""
    found: list[Period] = []
    day = first
    while day <= last:
        end = day if by == "day" else min(last, day + timedelta(days=6 - day.weekday()))
        found.append(Period(day, end, (end - day).days + 1))
        day = end + timedelta(days=1)
    index = {p.start: p for p in found}
    for row in rows:
        period = index[row.day if by == "day" else max(first, _monday(row.day))]
        totals.add(period.taken, {code: getattr(row, code) for code in NutrientDay.NUTRIENTS})
        totals.add(
            period.planned,
            {code: getattr(row, f"planned_{code}") for code in NutrientDay.NUTRIENTS},
        )
    return found


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def grouped(amounts: dict[str, Decimal], days: int) -> dict[str, dict[str, Any]]:
    """By group: the total, the average per day, the nutrients that make it up, and for
    vitamin D the same in IU."""
    found = {}
    for name, codes in totals.GROUPS.items():
        total = totals.group(amounts, name)
        entry = {
            "unit": totals.UNITS[name],
            "total": total,
            "per_day": total / days,
            "parts": {code: amounts.get(code, Decimal(0)) for code in codes},
        }
        if name == "vitamin_d":
            entry["total_iu"] = totals.to_iu(total)
            entry["per_day_iu"] = totals.to_iu(total) / days
        found[name] = entry
    return found


def targets(member_id) -> list[NutrientTarget]:
    return list(NutrientTarget.objects.filter(member_id=member_id).order_by("nutrient"))


def by_product(member, first: date, last: date) -> list[dict[str, Any]]:
    """What each product the member took gave over first..last, by group: three queries."""
    zone = member.profile.zone
    logs = (
        IntakeLog.objects.filter(member=member, deleted_at__isnull=True, status="taken")
        .filter(
            taken_at__date__gte=first - timedelta(days=1),
            taken_at__date__lte=last + timedelta(days=1),
        )
        .values_list(*facts.DOSE_COLUMNS)
    )
    doses = [facts.dose(row) for row in logs]
    ids = {d.product_id for d in doses}
    products = _rule_products(ids)
    found = totals.by_product(doses, products, str(zone), first, last)
    return [
        {
            "product_id": pid,
            "product": products[pid].name,
            "amounts": {name: totals.group(amounts, name) for name in totals.GROUPS},
        }
        for pid, amounts in sorted(found.items(), key=lambda item: products[item[0]].name)
    ]


def _rule_products(ids) -> dict:
    rows = Ingredient.objects.filter(product_id__in=ids).values_list(
        "product_id", *facts.INGREDIENT_COLUMNS
    )
    ingredients: dict[str, list] = {}
    for product_id, *ingredient in rows:
        ingredients.setdefault(str(product_id), []).append(ingredient)
    return {
        str(row["id"]): facts.product(row, ingredients.get(str(row["id"]), []))
        for row in Product.objects.filter(id__in=ids).values(*facts.PRODUCT_COLUMNS)
    }


GROUP_LABELS = {
    "vitamin_d": "Vitamin D",
    "vitamin_k": "Vitamin K",
    "calcium": "Calcium",
    "magnesium": "Magnesium",
}


def weekly_chart(member_id, today: date, weeks: int = 12) -> dict[str, Any]:
    """The last `weeks` ISO weeks: each group's daily average from supplements as a share
    of the member's reference intake (None where no reference applies), and the amounts."""
    first = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    found = periods(stored_days(member_id, first, today), first, today, "week")
    target = {t.nutrient: t for t in targets(member_id)}
    series, table = [], []
    for name, label in GROUP_LABELS.items():
        per_day = [grouped(p.taken, p.days)[name]["per_day"] for p in found]
        reference = target.get(name)
        intake = reference.intake if reference is not None else None
        series.append(
            {
                "label": label,
                "values": [round(float(v / intake * 100), 1) if intake else None for v in per_day],
            }
        )
        table.append(
            {
                "nutrient": name,
                "label": label,
                "unit": totals.UNITS[name],
                "per_day": per_day,
                "intake": intake,
                "upper_limit": reference.upper_limit if reference is not None else None,
            }
        )
    return {
        "weeks": [f"W{p.start.isocalendar().week}" for p in found],
        "series": series,
        "table": table,
    }
