"""What the labels and fact sheets say about taking things together and apart: the numbers
the flag rules, the plan-time checks and the day planner all read (docs/domain.md)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from .types import Product

# Waiting window after a bisphosphonate taken on waking, in minutes, by drug: nothing but
# plain water until it ends. Delayed-release risedronate has no minutes: it is taken right
# after breakfast, calcium and the rest "at another time of day".
# source: FDA-ALN, FDA-RIS, FDA-IBN (docs/domain.md#schedules-and-waiting-windows)
WAIT_MINUTES = {"alendronate": 30, "risedronate": 30, "ibandronate": 60}
DRUG_SOURCE = {
    "alendronate": "FDA-ALN",
    "risedronate": "FDA-RIS",
    "ibandronate": "FDA-IBN",
    "levothyroxine": "FDA-LT4",
}
# Ossa's reading of "another time of day" for delayed-release risedronate (taken right after
# breakfast): calcium, antacids or minerals on the same local day before noon are too close.
MORNING_ENDS = time(12, 0)

# source: ODS-MG — magnesium-rich supplements and oral bisphosphonates at least 2 h apart.
MAGNESIUM_APART_MINUTES = 120
# source: FDA-LT4 — calcium and levothyroxine at least 4 hours apart.
LEVOTHYROXINE_APART_MINUTES = 240
# source: ODS-CA — calcium is absorbed best in doses of 500 mg or less.
CALCIUM_PER_DOSE_MG = 500.0
# source: ODS-CA — how much of each salt's weight is calcium (docs/domain.md#elemental-calcium).
ELEMENTAL_CALCIUM = {
    "carbonate": Decimal("0.40"),
    "citrate": Decimal("0.21"),
    "gluconate": Decimal("0.09"),
    "lactate": Decimal("0.13"),
}
# Ossa's own choice: a dose counts as "with a meal" within this many minutes of the meal.
WITH_MEAL_MINUTES = 30

MINERAL_CODES = frozenset({"calcium", "magnesium", "zinc"})
VITAMIN_K_CODES = frozenset({"k1", "k2_mk4", "k2_mk7"})
FAT_SOLUBLE_CODES = frozenset({"d2", "d3", *VITAMIN_K_CODES})

# How often each catalogued bisphosphonate is taken, as its label says, in days between
# doses: a plan taking one more often takes a multiple of the dose.
# source: FDA-ALN, FDA-RIS, FDA-IBN
USUAL_INTERVAL_DAYS = {"daily": 1, "weekly": 7, "monthly": 28}
USUAL_WORDS = {"daily": "once a day", "weekly": "once a week", "monthly": "once a month"}
USUAL_DOSE_WORDS = {"daily": "daily", "weekly": "once-a-week", "monthly": "once-a-month"}


def is_bisphosphonate(product: Product) -> bool:
    return product.drug_class == "bisphosphonate"


def is_delayed_release(product: Product) -> bool:
    return is_bisphosphonate(product) and product.release == "delayed"


def is_vka(product: Product) -> bool:
    return product.drug_class == "vitamin_k_antagonist"


def is_levothyroxine(product: Product) -> bool:
    return product.drug == "levothyroxine"


def has_any(product: Product, codes) -> bool:
    return any(product.nutrients.get(code, 0) > 0 for code in codes)


def blocks_absorption(product: Product) -> bool:
    """Calcium, antacids and mineral supplements block bisphosphonate absorption."""
    if is_bisphosphonate(product):
        return False
    return product.drug_class == "antacid" or has_any(product, MINERAL_CODES)


def drug_source(product: Product) -> str | None:
    return DRUG_SOURCE.get(product.drug)


def wait_minutes(product: Product) -> int | None:
    """The waiting window of a bisphosphonate taken on waking; None when the label gives
    none (delayed release, or a drug Ossa has no label for)."""
    if is_delayed_release(product):
        return None
    return WAIT_MINUTES.get(product.drug)


def calcium_mg(product: Product) -> float:
    return product.nutrients.get("calcium", 0.0)


def calcium_salt(product: Product) -> str:
    """The calcium salt a product names in its form ("calcium carbonate" → "carbonate")."""
    form = product.forms.get("calcium", "").lower()
    return next((salt for salt in ELEMENTAL_CALCIUM if salt in form), "")


def needs_food(product: Product) -> bool:
    """Calcium carbonate is absorbed best with food (source: ODS-CA)."""
    return calcium_mg(product) > 0 and calcium_salt(product) == "carbonate"


def fat_soluble(product: Product) -> bool:
    return has_any(product, FAT_SOLUBLE_CODES)


def magnesium_rich(product: Product) -> bool:
    return has_any(product, {"magnesium"})


def elemental(amount: Decimal | float, form: str) -> Decimal | None:
    """The calcium in `amount` mg of a salt named by `form`, exactly (decimal arithmetic:
    "calcium carbonate 1,250 mg" is 500 mg); None for a salt without a fraction in
    docs/domain.md#elemental-calcium."""
    salt = next((s for s in ELEMENTAL_CALCIUM if s in form.lower()), None)
    if salt is None:
        return None
    return Decimal(repr(amount) if isinstance(amount, float) else amount) * ELEMENTAL_CALCIUM[salt]
