"""The day planner's and the plan checks' cost for a member with 12 plans, in process.

Target (issue 15): the planner ≤ 5 ms for 12 plans. Measured on the pure rules (what the
server runs per request after its four queries, and what the app's port runs offline):
`day_planner.plan_day` and `plan_checks.evaluate`, for a member with a bisphosphonate,
levothyroxine, warfarin, three calcium products, magnesium, a D3/K2/magnesium trio, D3, K2,
zinc and a weekly-on-Monday plan. No database: `python bench/planner.py`.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from datetime import date
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracking.rules import day_planner, plan_checks
from tracking.rules.plan_checks.common import PlanInputs
from tracking.rules.types import MemberDay, Product, Regimen, Schedule

TARGET_MS = 5.0
ON = date(2026, 12, 7)  # a Monday: the weekly plan is due too
START = date(2026, 11, 1)


def product(pid: str, name: str, **fields) -> Product:
    return Product(pid, name, **fields)


PRODUCTS = [
    product(
        "aln",
        "Alendronate 70 mg (weekly)",
        kind="medicine",
        drug_class="bisphosphonate",
        drug="alendronate",
        usual_schedule="weekly",
    ),
    product(
        "lt4",
        "Levothyroxine 50 mcg",
        kind="medicine",
        drug_class="thyroid_hormone",
        drug="levothyroxine",
    ),
    product(
        "wfn", "Warfarin 1 mg", kind="medicine", drug_class="vitamin_k_antagonist", drug="warfarin"
    ),
    product(
        "ca1",
        "Calcium carbonate 500 mg",
        nutrients={"calcium": 500.0},
        forms={"calcium": "carbonate"},
    ),
    product(
        "ca2", "Calcium citrate 315 mg", nutrients={"calcium": 315.0}, forms={"calcium": "citrate"}
    ),
    product(
        "ca3",
        "Calcium + D3",
        nutrients={"calcium": 400.0, "d3": 10.0},
        forms={"calcium": "carbonate"},
    ),
    product("mg", "Magnesium 100 mg", nutrients={"magnesium": 100.0}),
    product(
        "trio", "D3 + K2 + Magnesium", nutrients={"d3": 25.0, "k2_mk7": 90.0, "magnesium": 100.0}
    ),
    product("d3", "Vitamin D3 25 mcg", nutrients={"d3": 25.0}),
    product("k2", "Vitamin K2 90 mcg", nutrients={"k2_mk7": 90.0}),
    product("zn", "Zinc 15 mg", nutrients={"zinc": 15.0}),
    product(
        "ca4",
        "Calcium carbonate 1250 mg",
        nutrients={"calcium": 500.0},
        forms={"calcium": "carbonate"},
    ),
]


def plans() -> list[Regimen]:
    found = []
    for index, p in enumerate(PRODUCTS):
        kind, extra = ("weekdays", {"weekdays": (1,)}) if p.id in ("aln", "ca4") else ("daily", {})
        times = ("08:00", "20:00") if p.id in ("ca1", "mg") else ("08:00",)
        servings = 2.0 if p.id == "ca1" else 1.0
        version = Schedule(START, kind, times, servings_per_dose=servings, **extra)
        found.append(Regimen(f"r{index:02d}-{p.id}", p, START, None, (version,)))
    return found


def measure(action, repeats: int) -> list[float]:
    action()  # warm caches (zone lookups, parsed times)
    gc.collect()
    walls = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        walls.append((time.perf_counter() - started) * 1000)
    return walls


def line(label: str, walls: list[float]) -> str:
    p50 = statistics.median(walls)
    p95 = sorted(walls)[int(len(walls) * 0.95) - 1]
    verdict = "met" if p50 <= TARGET_MS else "NOT met"
    target = f"≤ {TARGET_MS:g} ms: {verdict}"
    return f"| {label} | {len(walls)} | {p50:.2f} | {p95:.2f} | {min(walls):.2f} | {target} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=500)
    args = parser.parse_args()
    regimens = plans()
    day = MemberDay(clock(7, 0), clock(7, 30), clock(12, 30), clock(18, 30), clock(22, 30))

    def inputs() -> PlanInputs:  # a new one each time: it caches its planned days
        return PlanInputs(ON, tuple(regimens), day)

    rows = [
        (
            "day planner (plan_day), 12 plans",
            measure(lambda: day_planner.plan_day(regimens, day, ON), args.repeats),
        ),
        (
            "plan checks (evaluate), 12 plans",
            measure(lambda: plan_checks.evaluate(inputs()), args.repeats),
        ),
        (
            "both, as GET /api/v1/plan/day runs them",
            measure(
                lambda: (day_planner.plan_day(regimens, day, ON), plan_checks.evaluate(inputs())),
                args.repeats,
            ),
        ),
    ]
    result = day_planner.plan_day(regimens, day, ON)
    print("| case | n | p50 ms | p95 ms | min ms | target |")
    print("|---|---|---|---|---|---|")
    for label, walls in rows:
        print(line(label, walls))
    print(
        f"\nmoments {len(result.moments)}, unmet {len(result.unmet)}, "
        f"changes {len(result.changes)}, findings {len(plan_checks.evaluate(inputs()))}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
