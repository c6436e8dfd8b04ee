"""The plan-time checks and the day planner on a member's plans: as saved, or as they would
be with one plan about to be saved. Reads only; tracking.services saves (and refuses a plan
with an unconfirmed critical finding), the API and the dietitian page show the results."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Q

from accounts.models import Profile

from . import facts
from .models import Ingredient, Product, Regimen, RegimenSchedule
from .rules import day_planner, plan_checks
from .rules.plan_checks.common import PlanInputs
from .rules.types import FlagResult
from .rules.types import Regimen as RuleRegimen


def rule_plans(member_id, on: date, replacing: Regimen | None = None) -> list[RuleRegimen]:
    """The member's plans that run on or after `on`, as the rules take them, with
    `replacing` (saved or not) in place of its stored self. Four queries."""
    plans = Regimen.objects.filter(member_id=member_id, deleted_at__isnull=True).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on)
    )
    if replacing is not None:
        plans = plans.exclude(pk=replacing.pk)
    rows = list(plans.values(*facts.PLAN_COLUMNS))
    versions = _versions([row["id"] for row in rows])
    if replacing is not None and not _ended(replacing, on):
        # As it would be saved: its own schedule fields (no recorded versions yet).
        rows.append({name: getattr(replacing, name) for name in facts.PLAN_COLUMNS})
    products = _products({row["product_id"] for row in rows})
    return [
        facts.plan(row, versions.get(row["id"], []), products[str(row["product_id"])])
        for row in rows
    ]


def _ended(regimen: Regimen, on: date) -> bool:
    return regimen.deleted_at is not None or (
        regimen.end_date is not None and regimen.end_date < on
    )


def _products(ids) -> dict[str, object]:
    ingredients: dict[str, list[tuple]] = defaultdict(list)
    rows = Ingredient.objects.filter(product_id__in=ids).values_list(
        "product_id", *facts.INGREDIENT_COLUMNS
    )
    for product_id, *ingredient in rows:
        ingredients[str(product_id)].append(ingredient)
    return {
        str(row["id"]): facts.product(row, ingredients.get(str(row["id"]), []))
        for row in Product.objects.filter(id__in=ids).values(*facts.PRODUCT_COLUMNS)
    }


def _versions(regimen_ids) -> dict:
    found: dict = defaultdict(list)
    for row in (
        RegimenSchedule.objects.filter(regimen_id__in=regimen_ids)
        .order_by("regimen_id", "effective_from")
        .values()
    ):
        found[row["regimen_id"]].append(row)
    return found


def inputs(member_id, on: date, replacing: Regimen | None = None) -> PlanInputs:
    profile = Profile.objects.get(user_id=member_id)
    plans = rule_plans(member_id, on, replacing)
    return PlanInputs(on, tuple(plans), facts.member_day_of(profile))


def findings(member_id, on: date | None = None, replacing: Regimen | None = None):
    """Every finding about the member's day, most serious first."""
    on = on or Profile.objects.get(user_id=member_id).today()
    return plan_checks.evaluate(inputs(member_id, on, replacing))


def about(regimen: Regimen, found: list[FlagResult]) -> list[FlagResult]:
    """The findings about one plan: those whose subject it is or whose evidence names it."""
    key = str(regimen.pk)
    return [f for f in found if f.subject.startswith(key) or key in str(f.evidence)]


def unconfirmed(regimen: Regimen) -> list[FlagResult]:
    """The critical findings saving `regimen` would bring that nobody confirmed: new with
    this change (a plan's existing situation never blocks an edit of it), and confirmed
    neither on the plan being saved nor on the plan the finding is about."""
    on = Profile.objects.get(user_id=regimen.member_id).today()
    before = {(f.code, f.subject) for f in findings(regimen.member_id, on)}
    after = findings(regimen.member_id, on, replacing=regimen)
    mine = frozenset(regimen.confirmed_findings or [])
    plans = Regimen.objects.filter(member_id=regimen.member_id)
    stored = {str(pk): codes or [] for pk, codes in plans.values_list("id", "confirmed_findings")}
    return [
        f
        for f in after
        if f.severity == "critical"
        and (f.code, f.subject) not in before
        and f.code not in mine
        and f.code not in stored.get(f.subject, [])
    ]


def day_plan(member_id, on: date) -> day_planner.DayPlan:
    profile = Profile.objects.get(user_id=member_id)
    plans = rule_plans(member_id, on)
    return day_planner.plan_day(plans, facts.member_day_of(profile), on)
