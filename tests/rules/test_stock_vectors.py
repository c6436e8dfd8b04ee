"""The app shows a plan's stock on hand and the day it runs out as soon as a dose is ticked or
a count is made, offline, in its own TypeScript copy of tracking/rules/stock.py
(app/src/domain/stock.ts). This test proves they are the same computation: it asks these
rules about a corpus of stock histories, doses and plans (the worked cases of
tests/notifications/test_stock_and_refill.py and a couple of hundred seeded-random ones in
several zones, across both DST changes) and requires the committed golden file,
app/src/domain/stockVectors.json, to hold exactly their answers. Vitest
(app/src/domain/stockVectors.test.ts) runs the port on every case and requires the same
exact decimals and days: on hand, runs out on, and the refill reminder's day.

After changing the stock rules (or this corpus), write the file again and commit it:

    OSSA_WRITE_VECTORS=1 .venv/bin/python -m pytest tests/rules/test_stock_vectors.py
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.rules import golden
from tracking.rules import stock
from tracking.rules.stock import StockChange
from tracking.rules.types import Dose, Product, Regimen, Schedule

GOLDEN = golden.DOMAIN / "stockVectors.json"
SEED = 17  # issue 17
RANDOM_CASES = 200
ZONES = ["UTC", "Europe/Amsterdam", "America/New_York", "Pacific/Auckland", "Asia/Kolkata"]
# Mornings of the worked cases (a Monday), and days around both of Amsterdam's DST changes.
MONDAY = date(2026, 11, 23)
DAYS = [MONDAY, date(2026, 3, 28), date(2026, 3, 29), date(2026, 10, 24), date(2026, 10, 25)]
PRODUCT = Product("calcium", "Calcium citrate 315 mg")
SERVINGS = ["1", "1", "2", "0.5", "1.5", "0.25", "3", "0.33"]
STOCK = ["0", "1", "4", "9", "10", "20", "30", "60", "90", "0.5", "12.25", "120", "9999"]


def text(value: Decimal) -> str:
    """An exact decimal as plain text without trailing zeros ("9", "0.5", "12.25")."""
    found = format(value.normalize(), "f")
    return "0" if found in ("-0", "0") else found


def local(zone: str, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


def plan(
    times=("08:00", "20:00"),
    servings: float = 1.0,
    start: date = MONDAY - timedelta(days=30),
    end: date | None = None,
    history: tuple[Schedule, ...] = (),
    **extra,
) -> Regimen:
    current = Schedule(
        start, extra.pop("kind", "daily"), tuple(times), servings_per_dose=servings, **extra
    )
    return Regimen("plan", PRODUCT, start, end, (*history, current) if history else (current,))


def change(at: datetime, servings: str, kind: str = "count") -> StockChange:
    return StockChange(at, kind, Decimal(servings))


def dose(at: datetime, servings: float = 1.0, status: str = "taken") -> Dose:
    return Dose(f"dose@{at.isoformat()}", PRODUCT.id, "plan", at, status, servings)


# --- The corpus ---------------------------------------------------------------------------
def worked_cases() -> list[tuple[str, str, datetime, list, list, Regimen]]:
    z = "Europe/Amsterdam"
    ten = change(local(z, MONDAY, 7), "10")
    took = dose(local(z, MONDAY, 8, 5))
    return [
        (
            "no count yet: nothing is known",
            z,
            local(z, MONDAY, 9),
            [],
            [took],
            plan(),
        ),
        (
            "10 counted, one taken: 9 left, and Saturday needs two",
            z,
            local(z, MONDAY, 9),
            [ten],
            [took],
            plan(),
        ),
        (
            "a refill of 60 adds to the count",
            z,
            local(z, MONDAY, 9),
            [ten, change(local(z, MONDAY, 8, 30), "60", "refill")],
            [took],
            plan(),
        ),
        (
            "a new count replaces what came before it, refills and doses included",
            z,
            local(z, MONDAY, 21),
            [
                ten,
                change(local(z, MONDAY, 8, 30), "60", "refill"),
                change(local(z, MONDAY, 12), "4"),
            ],
            [took, dose(local(z, MONDAY, 20, 1))],
            plan(),
        ),
        (
            "a skipped dose uses nothing; half a tablet uses half",
            z,
            local(z, MONDAY, 21),
            [ten],
            [dose(local(z, MONDAY, 8), status="skipped"), dose(local(z, MONDAY, 20), 0.5)],
            plan(),
        ),
        (
            "an entry dated later than now does not count yet",
            z,
            local(z, MONDAY, 9),
            [ten, change(local(z, MONDAY, 10), "500", "refill")],
            [took],
            plan(),
        ),
        (
            "more taken than counted leaves none, never less",
            z,
            local(z, MONDAY, 21),
            [change(local(z, MONDAY, 7), "1")],
            [took, dose(local(z, MONDAY, 20), 2.0)],
            plan(),
        ),
        (
            "a plan taken as needed never runs out",
            z,
            local(z, MONDAY, 9),
            [ten],
            [],
            plan(times=(), kind="as_needed"),
        ),
        (
            "a plan that ends first never runs out",
            z,
            local(z, MONDAY, 9),
            [ten],
            [],
            plan(end=MONDAY + timedelta(days=3)),
        ),
        (
            "a weekly medicine with a year's supply lasts past the horizon",
            z,
            local(z, MONDAY, 9),
            [change(local(z, MONDAY, 7), "60")],
            [],
            plan(times=("07:00",), kind="weekdays", weekdays=(1,)),
        ),
        (
            "a schedule changed last week: from tomorrow the new one counts",
            z,
            local(z, MONDAY, 9),
            [ten],
            [],
            plan(
                times=("08:00",),
                start=MONDAY - timedelta(days=7),
                history=(Schedule(MONDAY - timedelta(days=30), "daily", ("08:00", "20:00")),),
            ),
        ),
        (
            "after local midnight in Auckland it is already tomorrow",
            "Pacific/Auckland",
            local("Pacific/Auckland", MONDAY, 0, 30),
            [change(local("Pacific/Auckland", MONDAY, 0, 10), "3")],
            [],
            plan(times=("08:00",)),
        ),
    ]


def _moment(rng: random.Random, zone: str, day: date) -> datetime:
    shift = rng.randint(-3, 0)
    hour, minute = rng.randint(0, 23), rng.choice([0, 1, 30, 59])
    return local(zone, day + timedelta(days=shift), hour, minute).astimezone(UTC)


def _random_plan(rng: random.Random, day: date) -> Regimen:
    kind = rng.choice(["daily", "daily", "weekdays", "interval", "monthly", "as_needed"])
    hours = ["07:00", "08:00", "12:30", "20:00"]
    times = () if kind == "as_needed" else sorted(rng.sample(hours, rng.randint(1, 3)))
    extra: dict = {}
    if kind == "weekdays":
        extra["weekdays"] = tuple(sorted(rng.sample(range(1, 8), rng.randint(1, 3))))
    elif kind == "interval":
        extra["interval_days"] = rng.choice([2, 3, 7])
    elif kind == "monthly":
        extra["day_of_month"] = rng.choice([1, 15, 31])
    start = day - timedelta(days=rng.randint(0, 60))
    end = day + timedelta(days=rng.randint(0, 90)) if rng.random() < 0.2 else None
    servings = float(rng.choice(SERVINGS))
    return plan(times, servings, start, end, kind=kind, **extra)


def random_cases(rng: random.Random) -> list[tuple[str, str, datetime, list, list, Regimen]]:
    found = []
    for n in range(RANDOM_CASES):
        zone, day = rng.choice(ZONES), rng.choice(DAYS)
        now = local(zone, day, rng.randint(0, 23), rng.choice([0, 15, 45])).astimezone(UTC)
        changes = [
            change(
                _moment(rng, zone, day),
                rng.choice(STOCK),
                "refill" if rng.random() < 0.35 else "count",
            )
            for _ in range(rng.randint(0, 4))
        ]
        doses = [
            dose(
                _moment(rng, zone, day),
                float(rng.choice(SERVINGS)),
                "skipped" if rng.random() < 0.15 else "taken",
            )
            for _ in range(rng.randint(0, 8))
        ]
        found.append((f"random {n + 1}", zone, now, changes, doses, _random_plan(rng, day)))
    return found


# --- Answers, as JSON -----------------------------------------------------------------------
REFILL_NOTICE = (1, 7, 60)


def answers(zone: str, now: datetime, changes: list, doses: list, regimen: Regimen) -> dict:
    found = stock.on_hand(changes, doses, now)
    if found is None:
        return {"on_hand": None, "runs_out_on": None, "refill_reminder_days": {}}
    today = now.astimezone(ZoneInfo(zone)).date()
    runs_out = stock.runs_out_on(found, regimen, today)
    if runs_out is None:
        return {"on_hand": text(found), "runs_out_on": None, "refill_reminder_days": {}}
    return {
        "on_hand": text(found),
        "runs_out_on": runs_out.isoformat(),
        "refill_reminder_days": {
            str(days): stock.refill_reminder_day(runs_out, days).isoformat()
            for days in REFILL_NOTICE
        },
    }


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def change_json(found: StockChange) -> dict:
    return {"at": millis(found.at), "kind": found.kind, "servings": float(found.servings)}


def dose_json(found: Dose) -> dict:
    return {"taken_at": millis(found.taken_at), "status": found.status, "servings": found.servings}


def regimen_json(regimen: Regimen) -> dict:
    return {**asdict(regimen), "product": regimen.product.id}


def corpus() -> dict:
    cases = worked_cases() + random_cases(random.Random(SEED))
    return {
        "cases": [
            {
                "name": name,
                "inputs": {
                    "zone": zone,
                    "now": millis(now),
                    "changes": [change_json(c) for c in changes],
                    "doses": [dose_json(d) for d in doses],
                    "regimen": regimen_json(regimen),
                },
                "expected": answers(zone, now, changes, doses, regimen),
            }
            for name, zone, now, changes, doses, regimen in cases
        ],
    }


def _json(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def render(found: dict) -> str:
    """One case a line, keys sorted: a change to the rules shows as the cases it changes."""
    lines = ",\n".join(
        json.dumps(case, default=_json, sort_keys=True, ensure_ascii=False)
        for case in found["cases"]
    )
    return f'{{"cases": [\n{lines}\n]}}\n'


def test_the_golden_file_holds_what_the_stock_rules_say_now():
    golden.check(
        GOLDEN,
        render(corpus()),
        what="the stock rules",
        test_file=__file__,
        app_test="src/domain/stockVectors.test.ts",
    )


def test_the_corpus_is_worth_comparing():
    """The worked cases say what the server's own tests say; between them the cases run
    out and last, know nothing and know none left, and cross the DST changes."""
    found = corpus()["cases"]
    worked = {case["name"]: case["expected"] for case in found}
    assert worked["10 counted, one taken: 9 left, and Saturday needs two"] == {
        "on_hand": "9",
        "runs_out_on": "2026-11-28",
        "refill_reminder_days": {"1": "2026-11-27", "7": "2026-11-21", "60": "2026-09-29"},
    }
    assert worked["a refill of 60 adds to the count"]["on_hand"] == "69"
    answered = [case["expected"] for case in found]
    assert sum(a["on_hand"] is None for a in answered) > 10
    assert sum(a["on_hand"] == "0" for a in answered) > 5
    assert sum(a["runs_out_on"] is not None for a in answered) > 50
    assert sum(a["on_hand"] is not None and a["runs_out_on"] is None for a in answered) > 10
    nows = {datetime.fromtimestamp(c["inputs"]["now"] / 1000, UTC).date() for c in found}
    assert {date(2026, 3, 29), date(2026, 10, 25)} & nows
