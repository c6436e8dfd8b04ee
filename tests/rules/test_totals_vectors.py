"""The app works out today's nutrient totals on the phone as doses are ticked, offline, in
its own TypeScript copy of tracking/rules/totals.py (app/src/domain/totals.ts). This test
proves they are the same computation: it asks these rules about a corpus of products, doses
and plans (issue 16's worked cases and a couple of hundred seeded-random days in several
zones) and requires the committed golden file, app/src/domain/totalsVectors.json, to hold
exactly their answers. Vitest (app/src/domain/totalsVectors.test.ts) runs the port on every
case and requires the same exact decimals: each day's totals taken and as planned, the
groups, vitamin D in IU, and what each product gave.

After changing the totals (or this corpus), write the file again and commit it:

    OSSA_WRITE_VECTORS=1 .venv/bin/python -m pytest tests/rules/test_totals_vectors.py
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.rules import golden
from tracking import facts
from tracking.rules import totals
from tracking.rules.types import Dose, Product, Regimen, Schedule

GOLDEN = golden.DOMAIN / "totalsVectors.json"
SEED = 16  # issue 16
RANDOM_CASES = 200
TODAY = date(2026, 12, 1)
ZONES = ["UTC", "Europe/Amsterdam", "America/New_York", "Pacific/Auckland", "Asia/Kolkata"]

# Products as a device holds them: a row and its ingredients (amounts as the database keeps
# them, at most three decimals; a salt's weight where the basis is "compound").
ROW_DEFAULTS = {"kind": "supplement", "drug_class": "", "drug": "", "release": "immediate"}
PRODUCT_ROWS: list[tuple[dict, list[tuple[str, str, str, str]]]] = [
    (
        {"id": "trio", "name": "D3 + K2 + Magnesium"},
        [
            ("d3", "25", "", "elemental"),
            ("k2_mk7", "90", "", "elemental"),
            ("magnesium", "100", "citrate", "elemental"),
        ],
    ),
    ({"id": "d3", "name": "Vitamin D3 25 mcg"}, [("d3", "25", "", "elemental")]),
    (
        {"id": "ca-1250", "name": "Calcium carbonate 1250 mg"},
        [("calcium", "1250.000", "carbonate", "compound")],
    ),
    (
        {"id": "ca-citrate", "name": "Calcium citrate 1500 mg + D3"},
        [("calcium", "1500", "Calcium Citrate", "compound"), ("d3", "10", "", "elemental")],
    ),
    (
        # Decimal, not binary: 333 x 0.40 is 133.2 (in floats 133.20000000000002).
        {"id": "ca-333", "name": "Calcium carbonate 333 mg"},
        [("calcium", "333.000", "carbonate", "compound")],
    ),
    (
        {"id": "ca-lact", "name": "Calcium lactate 99.9 mg"},
        [("calcium", "99.900", "lactate", "compound")],
    ),
    (
        {"id": "ca-el", "name": "Calcium 500 mg + MK-7"},
        [
            ("calcium", "500", "carbonate", "elemental"),
            ("k2_mk7", "90", "all-trans MK-7", "elemental"),
        ],
    ),
    ({"id": "k1", "name": "Vitamin K1 100 mcg"}, [("k1", "100", "", "elemental")]),
    ({"id": "mk4", "name": "Vitamin K2 MK-4 1.5 mg"}, [("k2_mk4", "1500", "", "elemental")]),
    ({"id": "mk7", "name": "Vitamin K2 MK-7 0.1 mg"}, [("k2_mk7", "0.1", "", "elemental")]),
    ({"id": "d2", "name": "Vitamin D2 12.345 mcg"}, [("d2", "12.345", "", "elemental")]),
    (
        {"id": "mg", "name": "Magnesium glycinate 120 mg"},
        [("magnesium", "120", "glycinate", "elemental")],
    ),
    (
        {"id": "formula", "name": "Bone formula \u2013 Ca, Mg, D3, K1, K2"},
        [
            ("calcium", "300", "citrate", "elemental"),
            ("magnesium", "120.5", "", "elemental"),
            ("d3", "20", "", "elemental"),
            ("d2", "2.5", "", "elemental"),
            ("k1", "45", "", "elemental"),
            ("k2_mk4", "0.001", "", "elemental"),
            ("k2_mk7", "75", "", "elemental"),
            ("zinc", "10", "", "elemental"),
        ],
    ),
    ({"id": "zinc", "name": "Zinc 15 mg"}, [("zinc", "15", "", "elemental")]),
    ({"id": "zero", "name": "A label that says 0"}, [("d3", "0", "", "elemental")]),
    (
        {
            "id": "aln",
            "name": "Alendronate 70 mg (weekly)",
            "kind": "medicine",
            "drug_class": "bisphosphonate",
            "drug": "alendronate",
            "usual_schedule": "weekly",
        },
        [],
    ),
]
SERVINGS = [1.0, 1.0, 1.0, 2.0, 0.5, 1.5, 3.0, 0.25, 2.5, 1.75, 0.33, 0.01]


def _product(given: dict, ingredients: list) -> Product:
    row = {**ROW_DEFAULTS, "usual_schedule": "", **given}
    return facts.product(row, [(c, Decimal(a), f, b) for c, a, f, b in ingredients])


PRODUCTS = {row["id"]: _product(row, ingredients) for row, ingredients in PRODUCT_ROWS}


def text(value: Decimal) -> str:
    """An exact decimal as plain text without trailing zeros ("50", "133.2", "0.0025")."""
    found = format(value.normalize(), "f")
    return "0" if found in ("-0", "0") else found


def dose(product: str, when: datetime, servings: float = 1.0, status: str = "taken") -> Dose:
    return Dose(f"{product}@{when.isoformat()}", product, None, when, status, servings)


def local(zone: str, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


def plan(plan_id: str, product: str, times=("08:00",), servings: float = 1.0, **extra) -> Regimen:
    schedule = Schedule(
        TODAY - timedelta(days=30),
        extra.pop("kind", "daily"),
        tuple(times),
        servings_per_dose=servings,
        **extra,
    )
    return Regimen(plan_id, PRODUCTS[product], TODAY - timedelta(days=30), None, (schedule,))


# --- The corpus ---------------------------------------------------------------------------
def worked_cases() -> list[tuple[str, str, list[Dose], list[Regimen]]]:
    z = "Europe/Amsterdam"
    return [
        (
            "a trio and a separate D3 add up to 50 mcg of vitamin D",
            z,
            [dose("trio", local(z, TODAY, 8)), dose("d3", local(z, TODAY, 20))],
            [plan("r-trio", "trio"), plan("r-d3", "d3", times=("20:00",))],
        ),
        (
            "calcium carbonate 1,250 mg is 500 mg of calcium",
            z,
            [dose("ca-1250", local(z, TODAY, 8))],
            [plan("r-ca", "ca-1250")],
        ),
        (
            "a skipped dose adds nothing, half a serving adds half",
            z,
            [
                dose("trio", local(z, TODAY, 8), status="skipped"),
                dose("d3", local(z, TODAY, 9), 0.5),
            ],
            [plan("r-trio", "trio")],
        ),
        (
            "a dose just after local midnight counts on the new day",
            "Pacific/Auckland",
            [
                dose("d3", local("Pacific/Auckland", TODAY, 0, 5)),
                dose("d3", local("Pacific/Auckland", TODAY - timedelta(days=1), 23, 55)),
            ],
            [],
        ),
        (
            "every kind of vitamin K and D, apart and together",
            "UTC",
            [
                dose("formula", local("UTC", TODAY, 8)),
                dose("k1", local("UTC", TODAY, 9)),
                dose("mk4", local("UTC", TODAY, 10)),
                dose("mk7", local("UTC", TODAY, 11)),
                dose("d2", local("UTC", TODAY, 12), 3.0),
            ],
            [plan("r-f", "formula", times=("08:00", "20:00"))],
        ),
        (
            "a product on no device counts nothing",
            "UTC",
            [dose("unknown", local("UTC", TODAY, 8))],
            [],
        ),
    ]


def random_cases(rng: random.Random) -> list[tuple[str, str, list[Dose], list[Regimen]]]:
    found = []
    ids = sorted(PRODUCTS)
    for n in range(RANDOM_CASES):
        zone = rng.choice(ZONES)
        doses = []
        for _ in range(rng.randint(0, 12)):
            day = TODAY - timedelta(days=rng.randint(0, 3))
            moment = local(zone, day, rng.randint(0, 23), rng.choice([0, 1, 30, 59]))
            status = "skipped" if rng.random() < 0.15 else "taken"
            doses.append(
                dose(rng.choice(ids), moment.astimezone(UTC), rng.choice(SERVINGS), status)
            )
        regimens = []
        for index, product in enumerate(rng.sample(ids, rng.randint(0, 4))):
            times = sorted(
                rng.sample(["07:00", "08:00", "12:30", "19:00", "22:00"], rng.randint(1, 2))
            )
            kind = rng.choice(["daily", "daily", "weekdays", "interval", "as_needed"])
            extra: dict = {}
            if kind == "weekdays":
                extra["weekdays"] = tuple(sorted(rng.sample(range(1, 8), rng.randint(1, 3))))
            elif kind == "interval":
                extra["interval_days"] = rng.choice([2, 3, 7])
            regimens.append(
                plan(f"r-{n}-{index}", product, times, rng.choice(SERVINGS), kind=kind, **extra)
            )
        found.append((f"random {n + 1}", zone, doses, regimens))
    return found


# --- Answers, as JSON -----------------------------------------------------------------------
def _days(found: dict[date, totals.Totals]) -> dict[str, dict[str, str]]:
    return {
        day.isoformat(): {code: text(amount) for code, amount in sorted(amounts.items())}
        for day, amounts in sorted(found.items())
    }


def answers(zone: str, doses: list[Dose], regimens: list[Regimen]) -> dict:
    first, last = TODAY - timedelta(days=3), TODAY
    taken = totals.taken_by_day(doses, PRODUCTS, zone)
    planned = totals.planned_by_day(regimens, first, last)
    today = taken.get(TODAY, {})
    return {
        "taken": _days(taken),
        "planned": _days(planned),
        "groups_today": {name: text(totals.group(today, name)) for name in totals.GROUPS},
        "vitamin_d_iu_today": text(totals.to_iu(totals.group(today, "vitamin_d"))),
        "by_product_today": {
            pid: {code: text(amount) for code, amount in sorted(amounts.items())}
            for pid, amounts in sorted(
                totals.by_product(doses, PRODUCTS, zone, TODAY, TODAY).items()
            )
        },
    }


def dose_json(found: Dose) -> dict:
    millis = int(found.taken_at.timestamp() * 1000)
    return {
        "id": found.id,
        "product_id": found.product_id,
        "taken_at": millis,
        "status": found.status,
        "servings": found.servings,
    }


def regimen_json(regimen: Regimen) -> dict:
    return {**asdict(regimen), "product": regimen.product.id}


def corpus() -> dict:
    cases = worked_cases() + random_cases(random.Random(SEED))
    return {
        "today": TODAY.isoformat(),
        "products": [
            {
                "row": {**ROW_DEFAULTS, "usual_schedule": "", **row},
                "ingredients": [
                    {"nutrient": c, "amount": float(Decimal(a)), "form": f, "basis": b}
                    for c, a, f, b in ingredients
                ],
            }
            for row, ingredients in PRODUCT_ROWS
        ],
        "cases": [
            {
                "name": name,
                "inputs": {
                    "zone": zone,
                    "doses": [dose_json(d) for d in doses],
                    "regimens": [regimen_json(r) for r in regimens],
                },
                "expected": answers(zone, doses, regimens),
            }
            for name, zone, doses, regimens in cases
        ],
    }


def _json(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def render(found: dict) -> str:
    """One case a line, keys sorted: a change to the totals shows as the cases it changes."""

    def line(value) -> str:
        return json.dumps(value, default=_json, sort_keys=True, ensure_ascii=False)

    products = ",\n".join(line(p) for p in found["products"])
    cases = ",\n".join(line(case) for case in found["cases"])
    return (
        f'{{"today": "{found["today"]}",\n"products": [\n{products}\n],\n"cases": [\n{cases}\n]}}\n'
    )


def test_the_golden_file_holds_what_the_totals_say_now():
    golden.check(
        GOLDEN,
        render(corpus()),
        what="the totals",
        test_file=__file__,
        app_test="src/domain/totalsVectors.test.ts",
    )


def test_the_corpus_is_worth_comparing():
    """Between them the cases take every nutrient, plan every kind of day, cross midnight
    in a zone east and west of UTC, and skip doses."""
    found = corpus()
    taken = {
        c for case in found["cases"] for day in case["expected"]["taken"].values() for c in day
    }
    planned = {
        c for case in found["cases"] for day in case["expected"]["planned"].values() for c in day
    }
    assert taken == planned == set(totals.NUTRIENTS)
    assert found["cases"][0]["expected"]["groups_today"]["vitamin_d"] == "50"
    assert found["cases"][0]["expected"]["vitamin_d_iu_today"] == "2000"
    assert found["cases"][1]["expected"]["groups_today"]["calcium"] == "500"
    assert sum(len(case["expected"]["taken"]) > 1 for case in found["cases"]) > 50
