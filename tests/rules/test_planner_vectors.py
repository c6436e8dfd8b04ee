"""The app runs the plan checks and the day planner offline, in its own TypeScript copy
(app/src/domain/planChecks/, app/src/domain/dayPlanner.ts). This test proves they are the
same rules: it asks these rules about a corpus of plans and days (the worked cases of
test_day_planner.py, a few edge cases and a few hundred seeded-random plans and days, drawn
like that file's hypothesis strategies and wider) and requires the committed golden file,
app/src/domain/planVectors.json, to hold exactly their answers. Vitest
(app/src/domain/planVectors.test.ts) runs the TypeScript port on every case of that file
and requires identical output: findings, laid-out moments with why and source, unmet rules,
changes, the applied plans and the day planned again, and products made from ingredients.

After changing a rule (or this corpus), write the file again and commit it:

    OSSA_WRITE_VECTORS=1 .venv/bin/python -m pytest tests/rules/test_planner_vectors.py
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, fields
from datetime import date, time, timedelta

from tests.rules import golden
from tracking import facts
from tracking.rules import day_planner, plan_checks
from tracking.rules.plan_checks.common import PlanInputs
from tracking.rules.types import MemberDay, Product, Regimen, Schedule

from .test_day_planner import (
    ALENDRONATE,
    CARBONATE,
    CITRATE,
    D3,
    FOUR,
    IBANDRONATE,
    K2,
    LEVOTHYROXINE,
    MAGNESIUM,
    RISEDRONATE_DR,
    START,
    TODAY,
    TRIO,
    WARFARIN,
    ZINC,
    plan,
)

GOLDEN = golden.DOMAIN / "planVectors.json"
SEED = 15  # issue 15
RANDOM_CASES = 300

# Beyond the worked cases' products: the other labels, a second vitamin K antagonist, a
# bisphosphonate without a label, an antacid, salts and formulas, a name that is not ASCII.
RISEDRONATE = Product(
    "ris", "Risedronate 35 mg (weekly)", "medicine", "bisphosphonate", "risedronate",
    usual_schedule="weekly",
)  # fmt: skip
RISEDRONATE_MONTHLY = Product(
    "ris-m", "Risedronate 150 mg (monthly)", "medicine", "bisphosphonate", "risedronate",
    usual_schedule="monthly",
)  # fmt: skip
ALENDRONATE_DAILY = Product(
    "aln-d", "Alendronate 10 mg", "medicine", "bisphosphonate", "alendronate",
    usual_schedule="daily",
)  # fmt: skip
UNLABELLED = Product("bis-x", "Zoledronate tablets", "medicine", "bisphosphonate", "other")
ACENOCOUMAROL = Product(
    "aco", "Acenocoumarol 1 mg", "medicine", "vitamin_k_antagonist", "acenocoumarol"
)
ANTACID = Product("ant", "Antacid tablets", "medicine", "antacid")
PREDNISOLONE = Product("pred", "Prednisolone 5 mg", "medicine", "glucocorticoid", "prednisolone")
GLUCONATE = Product(
    "ca-g", "Calcium gluconate 1 g", nutrients={"calcium": 90.0}, forms={"calcium": "gluconate"}
)
CARBONATE_SALT = Product(
    "ca-1250",
    "Calcium carbonate 1250 mg",
    nutrients={"calcium": 500.0},
    forms={"calcium": "Calcium Carbonate"},
)
FORMULA = Product(
    "formula",
    "Bone formula \u2013 Ca, Mg, D3, K2",
    nutrients={"calcium": 300, "magnesium": 120, "d3": 20, "k2_mk7": 75},
    forms={"calcium": "citrate"},
)
K1 = Product("k1", "Vitamin K1 100 mcg", nutrients={"k1": 100})
D2 = Product("d2", "Vitamin D2 \u201cergocalciferol\u201d", nutrients={"d2": 10})
OMEGA = Product("omega", "Omega-3 1000 mg", nutrients={})
BIG_CALCIUM = Product(
    "ca-big", "Calcium carbonate 600 mg", nutrients={"calcium": 600}, forms={"calcium": "carbonate"}
)

PRODUCTS = [
    ALENDRONATE,
    IBANDRONATE,
    RISEDRONATE_DR,
    RISEDRONATE,
    RISEDRONATE_MONTHLY,
    ALENDRONATE_DAILY,
    UNLABELLED,
    LEVOTHYROXINE,
    WARFARIN,
    ACENOCOUMAROL,
    ANTACID,
    PREDNISOLONE,
    CARBONATE,
    CITRATE,
    GLUCONATE,
    CARBONATE_SALT,
    BIG_CALCIUM,
    MAGNESIUM,
    K2,
    D3,
    TRIO,
    FORMULA,
    K1,
    D2,
    ZINC,
    OMEGA,
]
SERVINGS = [1.0, 1.0, 1.0, 2.0, 2.0, 0.5, 1.5, 3.0, 0.25, 2.5, 1.75, 0.75]


# --- The corpus ---------------------------------------------------------------------------
def worked_cases() -> list[tuple[str, list[Regimen], MemberDay, date]]:
    """The cases test_day_planner.py works through by hand, and a few edges."""
    usual = MemberDay()
    weekly = plan("r-aln", ALENDRONATE, kind="weekdays", weekdays=(1,))
    return [
        ("four plans of a new member", FOUR, usual, TODAY),
        (
            "breakfast waits for the window",
            [plan("r-aln", ALENDRONATE), plan("r-d3", D3)],
            MemberDay(wake=time(7, 0), breakfast=time(7, 10)),
            TODAY,
        ),
        (
            "breakfast waits for the ibandronate window",
            [plan("r-ibn", IBANDRONATE, kind="monthly", day_of_month=1), plan("r-d3", D3)],
            MemberDay(wake=time(7, 0), breakfast=time(7, 10)),
            date(2026, 12, 1),
        ),
        (
            "magnesium two hours from the bisphosphonate",
            [plan("r-aln", ALENDRONATE), plan("r-mg", MAGNESIUM), plan("r-trio", TRIO)],
            usual,
            TODAY,
        ),
        (
            "calcium four hours from levothyroxine",
            [plan("r-lt4", LEVOTHYROXINE, times=("07:00",)), plan("r-ca", CARBONATE)],
            usual,
            TODAY,
        ),
        (
            "delayed-release risedronate after breakfast, minerals after noon",
            [
                plan("r-dr", RISEDRONATE_DR, kind="weekdays", weekdays=(4,)),
                plan("r-ca", CITRATE),
                plan("r-zn", ZINC, times=("08:00",)),
            ],
            usual,
            TODAY,
        ),
        (
            "too much calcium for two meals",
            [plan("r-ca", CARBONATE, times=("08:00", "20:00"), servings=2)],
            MemberDay(lunch=None),
            TODAY,
        ),
        (
            "other medicines keep their times unless inside the window",
            [
                plan("r-aln", ALENDRONATE, times=("07:00",)),
                plan("r-w", WARFARIN, times=("07:10", "19:00")),
            ],
            usual,
            TODAY,
        ),
        (
            "vitamin K on an antagonist",
            [plan("r-w", WARFARIN), plan("r-k2", K2)],
            usual,
            TODAY,
        ),
        (
            "a weekly plan meets a daily one on its day",
            [weekly, plan("r-ca", CARBONATE)],
            usual,
            TODAY,
        ),
        ("a weekly plan on a day it is not due", [weekly, plan("r-ca", CARBONATE)], usual, TODAY),
        (
            "everything at once, no lunch",
            [
                plan("r-aln", ALENDRONATE),
                plan("r-w", WARFARIN),
                plan("r-lt4", LEVOTHYROXINE, times=("08:00",)),
                plan("r-ca", CARBONATE, servings=3),
                plan("r-trio", TRIO),
            ],
            MemberDay(lunch=None),
            TODAY,
        ),
        (
            "two antagonists and two bisphosphonates",
            [
                plan("r-a", ACENOCOUMAROL),
                plan("r-b", WARFARIN),
                plan("r-k1", K1),
                plan("r-aln", ALENDRONATE),
                plan("r-ibn", IBANDRONATE, kind="monthly", day_of_month=3),
            ],
            usual,
            TODAY,
        ),
        (
            "the first antagonist named is the first one given, not the first by id",
            [plan("r-z", WARFARIN), plan("r-a", ACENOCOUMAROL), plan("r-k2", K2)],
            usual,
            TODAY,
        ),
        (
            "calcium in quarters: 551.25 mg is written as Python rounds it",
            [plan("r-ca", CITRATE, servings=1.75)],
            usual,
            TODAY,
        ),
        (
            "delayed release and no breakfast",
            [plan("r-dr", RISEDRONATE_DR), plan("r-ca", CITRATE, servings=2)],
            MemberDay(breakfast=None),
            TODAY,
        ),
        (
            "a bisphosphonate without a label",
            [plan("r-x", UNLABELLED), plan("r-mg", MAGNESIUM), plan("r-d3", D3)],
            usual,
            TODAY,
        ),
        (
            "calcium in fractions",
            [plan("r-ca", CARBONATE_SALT, times=("08:00",), servings=2.5)],
            usual,
            TODAY,
        ),
        (
            "levothyroxine leaves calcium no time four hours away",
            [
                plan("r-lt4", LEVOTHYROXINE, times=("08:00", "14:00", "20:00")),
                plan("r-ca", CARBONATE),
            ],
            usual,
            TODAY,
        ),
        (
            "monthly and interval plans planned too often",
            [
                plan(
                    "r-ris", RISEDRONATE_MONTHLY, times=("07:00",), kind="interval", interval_days=3
                ),
                plan("r-ibn", IBANDRONATE, times=("07:00",), kind="weekdays", weekdays=(1, 4)),
                plan("r-aln", ALENDRONATE, times=("06:00", "07:00")),
            ],
            usual,
            TODAY,
        ),
    ]


def random_cases(rng: random.Random) -> list[tuple[str, list[Regimen], MemberDay, date]]:
    return [
        (f"random {index:03d}", random_plans(rng), random_day(rng), random_date(rng))
        for index in range(RANDOM_CASES)
    ]


def random_date(rng: random.Random) -> date:
    return TODAY if rng.random() < 0.5 else TODAY + timedelta(days=rng.randint(-20, 40))


def random_time(rng: random.Random) -> str:
    if rng.random() < 0.6:  # the hypothesis strategies' times
        return f"{rng.choice((6, 7, 8, 12, 13, 18, 21)):02d}:{rng.choice((0, 30)):02d}"
    return f"{rng.randint(5, 23):02d}:{rng.choice((0, 5, 10, 15, 30, 45, 50)):02d}"


def random_schedule(rng: random.Random, product: Product, effective: date) -> Schedule:
    kind = rng.choice(["daily"] * 5 + ["weekdays"] * 2 + ["monthly", "interval", "as_needed"])
    count = 1 if product.kind == "medicine" and rng.random() < 0.85 else rng.randint(1, 3)
    times = () if kind == "as_needed" else tuple(sorted({random_time(rng) for _ in range(count)}))
    servings = rng.choice(SERVINGS) if product.kind == "supplement" else rng.choice([1.0, 1.0, 2.0])
    extra: dict = {}
    if kind == "weekdays":
        extra["weekdays"] = tuple(sorted(rng.sample(range(1, 8), rng.randint(1, 3))))
    elif kind == "monthly":
        extra["day_of_month"] = rng.choice([1, 3, 15, 28, 29, 30, 31])
    elif kind == "interval":
        extra["interval_days"] = rng.choice([2, 3, 7, 14, 28, 30])
    return Schedule(effective, kind, times, servings_per_dose=servings, **extra)


def random_plans(rng: random.Random) -> list[Regimen]:
    chosen = rng.sample(PRODUCTS, rng.randint(1, 7))
    found = []
    for index, product in enumerate(chosen):
        start = START if rng.random() < 0.85 else TODAY + timedelta(days=rng.randint(-3, 10))
        end = None
        if rng.random() < 0.1:
            end = TODAY + timedelta(days=rng.randint(-5, 20))
        versions = [random_schedule(rng, product, start)]
        if rng.random() < 0.15:  # an edit, in force from a later day
            later = max(start, TODAY + timedelta(days=rng.randint(-5, 12)))
            versions.append(random_schedule(rng, product, later))
        # Ids that do not sort like the products: the rules take plans in id order.
        plan_id = f"{rng.randrange(16**8):08x}-{index}-{product.id}"
        found.append(Regimen(plan_id, product, start, end, tuple(versions)))
    return found


def random_day(rng: random.Random) -> MemberDay:
    wake = time(rng.choice([5, 6, 6, 7, 7, 7, 8, 9]), rng.choice([0, 0, 15, 30, 45]))
    awake = wake.hour * 60 + wake.minute

    def at(minutes: int) -> time:
        return time(min(minutes, 23 * 60 + 59) // 60, min(minutes, 23 * 60 + 59) % 60)

    def maybe(value: time, skip: float = 0.15) -> time | None:
        return None if rng.random() < skip else value

    return MemberDay(
        wake=wake,
        breakfast=maybe(at(awake + rng.choice([-15, 0, 10, 15, 30, 45, 60, 90]))),
        lunch=maybe(at(rng.choice([11 * 60 + 30, 12 * 60, 12 * 60 + 30, 13 * 60 + 30]))),
        dinner=maybe(at(rng.choice([17 * 60, 18 * 60, 18 * 60 + 30, 19 * 60 + 30, 20 * 60 + 30]))),
        bed=at(rng.choice([21 * 60, 22 * 60, 22 * 60 + 30, 23 * 60, 23 * 60 + 59])),
    )


# --- Products from the ingredients a device holds (tracking/facts.py) ---------------------
PRODUCT_ROWS = [
    (
        {"id": "p-1250", "name": "Calcium carbonate 1250 mg", "kind": "supplement"},
        [("calcium", "1250.000", "carbonate", "compound")],
    ),
    (
        {"id": "p-citrate", "name": "Calcium citrate 1500 mg", "kind": "supplement"},
        [("calcium", "1500", "Calcium Citrate", "compound"), ("d3", "10", "", "elemental")],
    ),
    (
        {"id": "p-gluc", "name": "Gluconate and lactate", "kind": "supplement"},
        [("calcium", "1000", "gluconate", "compound"), ("magnesium", "50", "oxide", "elemental")],
    ),
    (
        {"id": "p-lact", "name": "Calcium lactate 300 mg", "kind": "supplement"},
        [("calcium", "300", "lactate", "compound")],
    ),
    (
        # Decimal, not binary: 333 x 0.40 is 133.2 (in floats 133.20000000000002).
        {"id": "p-333", "name": "Calcium carbonate 333 mg", "kind": "supplement"},
        [("calcium", "333.000", "carbonate", "compound")],
    ),
    (
        {"id": "p-99", "name": "Calcium lactate 99.9 mg", "kind": "supplement"},
        [("calcium", "99.900", "lactate", "compound")],
    ),
    (
        {"id": "p-chelate", "name": "Calcium bisglycinate 200 mg", "kind": "supplement"},
        [("calcium", "200", "bisglycinate chelate", "compound")],
    ),
    (
        {"id": "p-elemental", "name": "Calcium carbonate 500 mg", "kind": "supplement"},
        [("calcium", "500", "carbonate", "elemental"), ("k2_mk7", "90", "all-trans MK-7", "")],
    ),
    (
        {
            "id": "p-aln",
            "name": "Alendronate 70 mg (weekly)",
            "kind": "medicine",
            "drug_class": "bisphosphonate",
            "drug": "alendronate",
            "usual_schedule": "weekly",
        },
        [],
    ),
    (
        {
            "id": "p-ris",
            "name": "Risedronate 35 mg delayed-release (weekly)",
            "kind": "medicine",
            "drug_class": "bisphosphonate",
            "drug": "risedronate",
            "release": "delayed",
            "usual_schedule": "weekly",
        },
        [],
    ),
]
ROW_DEFAULTS = {"drug_class": "", "drug": "", "release": "immediate", "usual_schedule": ""}


def product_vectors() -> list[dict]:
    found = []
    for given, ingredients in PRODUCT_ROWS:
        row = {**ROW_DEFAULTS, **given}
        rows = [
            (code, amount, form, basis or "elemental") for code, amount, form, basis in ingredients
        ]
        found.append(
            {
                "row": row,
                "ingredients": [
                    {"nutrient": code, "amount": float(amount), "form": form, "basis": basis}
                    for code, amount, form, basis in ingredients
                ],
                "product": asdict(facts.product(row, rows)),
            }
        )
    return found


# --- Answers, as JSON -----------------------------------------------------------------------
def _json(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def _clock(at: time | None) -> str | None:
    return None if at is None else at.strftime("%H:%M")


def regimen_json(regimen: Regimen) -> dict:
    """A plan with its product named by id (the products are listed once, in "catalogue")."""
    return {**asdict(regimen), "product": regimen.product.id}


def day_json(day: MemberDay) -> dict:
    return {f.name: _clock(getattr(day, f.name)) for f in fields(MemberDay)}


def answers(plans: list[Regimen], day: MemberDay, on: date) -> dict:
    findings = plan_checks.evaluate(PlanInputs(on, tuple(plans), day))
    laid_out = day_planner.plan_day(plans, day, on)
    applied = day_planner.apply(plans, laid_out)
    return {
        "findings": [asdict(f) for f in findings],
        "plan": asdict(laid_out),
        # The plans the suggestion changes, with their schedule versions once it is applied.
        "applied": [
            {"id": after.id, "schedules": [asdict(s) for s in after.schedules]}
            for before, after in zip(plans, applied, strict=True)
            if after != before
        ],
        "replanned_changes": [asdict(c) for c in day_planner.plan_day(applied, day, on).changes],
    }


def corpus() -> dict:
    cases = worked_cases() + random_cases(random.Random(SEED))
    return {
        "cases": [
            {
                "name": name,
                "inputs": {
                    "today": on,
                    "day": day_json(day),
                    "regimens": [regimen_json(r) for r in plans],
                },
                "expected": answers(plans, day, on),
            }
            for name, plans, day, on in cases
        ],
        "catalogue": _catalogue(cases),
        "products": product_vectors(),
    }


def _catalogue(cases) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for _, plans, _, _ in cases:
        for regimen in plans:
            product = asdict(regimen.product)
            assert found.setdefault(product["id"], product) == product, "one product an id"
    return dict(sorted(found.items()))


def render(found: dict) -> str:
    """One case a line, keys sorted: a change to a rule shows as the cases it changes."""

    def line(value) -> str:
        return json.dumps(value, default=_json, sort_keys=True, ensure_ascii=False)

    cases = ",\n".join(line(case) for case in found["cases"])
    products = ",\n".join(line(product) for product in found["products"])
    catalogue = line(found["catalogue"])
    return f'{{"catalogue": {catalogue},\n"cases": [\n{cases}\n],\n"products": [\n{products}\n]}}\n'


def test_the_golden_file_holds_what_the_rules_say_now():
    golden.check(
        GOLDEN,
        render(corpus()),
        what="the plan checks and the day planner",
        test_file=__file__,
        app_test="src/domain/planVectors.test.ts",
    )


def test_the_corpus_reaches_every_finding_and_every_rule():
    """The random plans are worth comparing: between them they raise every finding, break
    every rule the planner weighs, and lay out every kind of moment."""
    found = corpus()
    codes = {f["code"] for case in found["cases"] for f in case["expected"]["findings"]}
    unmet = {u["rule"] for case in found["cases"] for u in case["expected"]["plan"]["unmet"]}
    labels = {m["label"] for case in found["cases"] for m in case["expected"]["plan"]["moments"]}

    assert codes == {
        "labelled_frequency",
        "vitamin_k_with_vka",
        "bisphosphonate_window",
        "bisphosphonate_window_meal",
        "magnesium_near_bisphosphonate",
        "levothyroxine_calcium",
        "calcium_per_moment",
        "calcium_carbonate_without_food",
        "fat_soluble_without_meal",
    }
    assert unmet >= {
        "bisphosphonate_window",
        "calcium_per_moment",
        "calcium_with_food",
        "levothyroxine_apart",
        "delayed_release_breakfast",
    }
    assert {"On waking", "Breakfast", "Lunch", "Dinner", "Bedtime"} <= labels
    assert any(case["expected"]["replanned_changes"] == [] for case in found["cases"])
