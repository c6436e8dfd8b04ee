"""Vitamin K flags (ODS-K, SEED): a vitamin K supplement or a swing in vitamin K intake on a
vitamin K antagonist, and D3 taken without K2 (never suggested on an antagonist)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from tracking.rules.flags.common import (
    RECENT_DAYS,
    FlagInputs,
    active,
    amount_of,
    drug_name,
    flag,
    has_any,
    in_plan_or_log,
    local_today,
    logged,
    logged_recent,
    number,
    quantity,
    recent_occurrence_products,
)
from tracking.rules.medicines import is_vka
from tracking.rules.reference import codes_for
from tracking.rules.types import FlagResult, Product

# ODS-K says to keep vitamin K intake consistent on a vitamin K antagonist but gives no
# number (docs/domain.md#vitamin-k-and-vitamin-k-antagonists). This is Ossa's own product
# threshold (docs/domain.md#ossas-own-choices): a change from one complete week to the next
# of more than 25% of the larger week counts as a swing.
VITAMIN_K_SWING_FRACTION = 0.25
VITAMIN_K_SWING_WEEKS = 4

K2_CODES = frozenset({"k2_mk7", "k2_mk4"})

# --- vitamin K and vitamin K antagonists (ODS-K) -------------------------------------------


def _vka_products(inputs: FlagInputs) -> list[Product]:
    """VKAs in the active plan or logged in the last 28 days."""
    products = [r.product for r in active(inputs) if is_vka(r.product)]
    products += [e.product for e in logged_recent(inputs, RECENT_DAYS) if is_vka(e.product)]
    return _unique(products)


def _unique(products: list[Product]) -> list[Product]:
    return sorted({p.id: p for p in products}.values(), key=lambda p: p.id)


def _vitamin_k_products(inputs: FlagInputs) -> list[Product]:
    """Vitamin K supplements planned (active or scheduled in the last 28 days) or logged."""
    codes = codes_for("vitamin_k")
    products = [r.product for r in active(inputs)] + recent_occurrence_products(inputs)
    products += [e.product for e in logged_recent(inputs, RECENT_DAYS)]
    return _unique([p for p in products if has_any(p, codes) and not is_vka(p)])


def vitamin_k_with_vka(inputs: FlagInputs) -> list[FlagResult]:
    vkas = _vka_products(inputs)
    supplements = _vitamin_k_products(inputs)
    if not (vkas and supplements):
        return []
    drug = drug_name(vkas[0])
    names = ", ".join(p.name for p in supplements)
    explanation = (
        f"You take {drug} and your plan or log includes vitamin K ({names}). Vitamin K "
        f"counteracts {drug}. Talk to your clinician before starting, stopping or changing a "
        "vitamin K supplement, and keep your vitamin K intake consistent."
    )
    evidence = {
        "antagonists": [{"product_id": p.id, "product": p.name, "drug": p.drug} for p in vkas],
        "vitamin_k_products": [
            {"product_id": p.id, "product": p.name, "per_serving": _k_per_serving(p)}
            for p in supplements
        ],
        "window_days": RECENT_DAYS,
    }
    title = f"Vitamin K supplement while taking {drug}"
    return [
        flag(
            code="vitamin_k_with_vka",
            severity="critical",
            title=title,
            explanation=explanation,
            evidence=evidence,
            source="ODS-K",
        )
    ]


def _k_per_serving(product: Product) -> dict[str, Any]:
    return quantity(amount_of(product, codes_for("vitamin_k")), "mcg")


def _complete_weeks(today: date, count: int) -> list[date]:
    """Mondays of the `count` complete ISO weeks before the current one, oldest first."""
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=n) for n in range(count, 0, -1)]


def _weekly_vitamin_k(inputs: FlagInputs, mondays: list[date]) -> list[float]:
    codes = codes_for("vitamin_k")
    events = logged(inputs, mondays[0], mondays[-1] + timedelta(days=6))
    totals = dict.fromkeys(mondays, 0.0)
    for event in events:
        monday = event.at.date() - timedelta(days=event.at.weekday())
        totals[monday] += event.servings * amount_of(event.product, codes)
    return [totals[m] for m in mondays]


def _largest_swing(totals: list[float]) -> float:
    """The largest change between consecutive weeks, as a fraction of the larger week."""
    swings = [abs(a - b) / max(a, b) for a, b in pairwise(totals) if max(a, b) > 0]
    return max(swings, default=0.0)


def vitamin_k_swing_on_vka(inputs: FlagInputs) -> list[FlagResult]:
    vkas = _vka_products(inputs)
    if not vkas:
        return []
    mondays = _complete_weeks(local_today(inputs), VITAMIN_K_SWING_WEEKS)
    totals = _weekly_vitamin_k(inputs, mondays)
    swing = _largest_swing(totals)
    if round(swing, 6) <= VITAMIN_K_SWING_FRACTION:
        return []
    drug = drug_name(vkas[0])
    weeks = ", ".join(number(t) for t in totals)
    explanation = (
        f"Your logged vitamin K over the last {VITAMIN_K_SWING_WEEKS} weeks was {weeks} mcg a "
        f"week, changing by up to {number(swing * 100)}% from one week to the next. On {drug}, "
        "vitamin K intake should stay consistent; talk to your clinician before changing it."
    )
    evidence = {
        "weeks": [
            {"week_start": m.isoformat()} | quantity(t, "mcg")
            for m, t in zip(mondays, totals, strict=True)
        ],
        "largest_change_pct": round(swing * 100, 1),
        "threshold_pct": VITAMIN_K_SWING_FRACTION * 100,
        "threshold_basis": "change between consecutive complete weeks, % of the larger week",
        "drug": vkas[0].drug,
    }
    title = f"Vitamin K intake varies while taking {drug}"
    return [
        flag(
            code="vitamin_k_swing_on_vka",
            severity="warning",
            title=title,
            explanation=explanation,
            evidence=evidence,
            source="ODS-K",
        )
    ]


# --- D3 and K2 (SEED) ----------------------------------------------------------------------


def d3_without_k2(inputs: FlagInputs) -> list[FlagResult]:
    # Never nudge toward vitamin K for someone on a vitamin K antagonist (ODS-K).
    if _vka_products(inputs):
        return []
    if not in_plan_or_log(inputs, {"d3"}) or in_plan_or_log(inputs, K2_CODES):
        return []
    explanation = (
        "You take vitamin D3 without vitamin K2. The article Ossa draws on says K2 works best "
        "together with D3. If you are curious, ask your clinician or pharmacist whether K2 "
        "suits you."
    )
    evidence = {"window_days": RECENT_DAYS, "found": ["d3"], "missing": sorted(K2_CODES)}
    return [
        flag(
            code="d3_without_k2",
            severity="info",
            title="Vitamin D3 without K2",
            explanation=explanation,
            evidence=evidence,
            source="SEED",
        )
    ]
