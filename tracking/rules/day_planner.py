"""The day planner: when to take each plan, from the labels and fact sheets and the member's
usual day (docs/domain.md#taking-calcium-magnesium-vitamin-d-and-k-well).

The bisphosphonate goes on waking with its window (right after breakfast if delayed
release); breakfast waits for the window to end; calcium is split into moments of 500 mg or
less, at meals where its form needs food, and 4 hours from levothyroxine; magnesium 2 hours
off the bisphosphonate; vitamins D and K with a meal (Ossa's suggestion). Other medicines
keep their planned times, moved out of a window if they fall inside it. Each placement says
why, with its source; a rule no placement can meet is named, with the compromise chosen.

Pure and deterministic: plans are taken in id order, and the suggested times depend only on
the plans' products and amounts and the member's day, so applying the suggestion and
planning again changes nothing. Times are local wall-clock times, whatever the zone or DST.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from itertools import combinations, pairwise

from . import medicines
from .plan_checks.common import clock, minutes
from .schedule import dose_days, schedule_on
from .types import MemberDay, Product, Regimen

# Rules the planner weighs when no placement meets them all: the heavier one is kept.
WEIGHTS = {
    "bisphosphonate_window": 1000,
    "delayed_release_morning": 500,
    "magnesium_apart": 300,
    "levothyroxine_apart": 300,
    "calcium_with_food": 100,
    "calcium_per_moment": 50,
    "with_a_meal": 1,
}
HARD = {rule for rule, weight in WEIGHTS.items() if weight > 1}


@dataclass(frozen=True)
class Why:
    text: str
    source: str = ""  # source key(s); "" for Ossa's own reasons
    rule: str = ""  # the rule this placement meets (a WEIGHTS key), if any


@dataclass(frozen=True)
class Placement:
    regimen_id: str
    product: str
    servings: float
    why: tuple[Why, ...]


@dataclass(frozen=True)
class Moment:
    at: str  # "HH:MM"
    label: str
    doses: tuple[Placement, ...]


@dataclass(frozen=True)
class Unmet:
    rule: str
    explanation: str
    compromise: str
    source: str
    regimen_ids: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    regimen_id: str
    product: str
    times: tuple[str, ...]
    servings_per_dose: float
    current_times: tuple[str, ...]
    current_servings_per_dose: float


@dataclass(frozen=True)
class DayPlan:
    day: date
    moments: tuple[Moment, ...]
    unmet: tuple[Unmet, ...]
    changes: tuple[Change, ...]


# --- The day's moments ----------------------------------------------------------------------
@dataclass
class Day:
    """The member's day with the bisphosphonate's window taken into account."""

    usual: MemberDay
    on: date
    wake: int
    window_end: int | None  # a bisphosphonate taken on waking: nothing else until then
    delayed_release: bool  # delayed-release risedronate: right after breakfast
    meals: dict[str, int] = field(default_factory=dict)
    bed: int = 0
    labels: dict[int, str] = field(default_factory=dict)

    def candidates(self) -> list[int]:
        """Meals and bedtime, and a few moments between them for what must be apart (the
        placing prefers meals: a habit is easier to keep there)."""
        between = {self.wake + 180, self.wake + 300, self.wake + 420, self.bed - 120}
        return sorted({*self.meals.values(), self.bed, *between})


def _day(usual: MemberDay, plans: list[Regimen], on: date) -> Day:
    waits = [w for p in plans if (w := medicines.wait_minutes(p.product)) and _is_bis(p.product)]
    wake = minutes(usual.wake)
    window_end = wake + max(waits) if waits else None
    meals = {name: minutes(at) for name, at in usual.meals().items()}
    if window_end is not None and "breakfast" in meals:
        meals["breakfast"] = max(meals["breakfast"], window_end)
    delayed = any(medicines.is_delayed_release(p.product) for p in plans)
    day = Day(usual, on, wake, window_end, delayed)
    day.meals, day.bed = meals, minutes(usual.bed)
    day.labels = {wake: "On waking", day.bed: "Bedtime"}
    day.labels |= {at: name.capitalize() for name, at in meals.items()}
    return day


def _is_bis(product: Product) -> bool:
    return medicines.is_bisphosphonate(product)


# --- Rules a moment meets or breaks -----------------------------------------------------------
@dataclass
class Placed:
    """What is placed so far: fixed times of bisphosphonates and other medicines, calcium
    per moment."""

    bisphosphonates: list[tuple[Product, int]] = field(default_factory=list)
    levothyroxine: list[int] = field(default_factory=list)
    calcium: dict[int, float] = field(default_factory=dict)


def _broken(at: int, product: Product, day: Day, placed: Placed, calcium: float = 0.0) -> list[str]:
    """The rules a dose of `product` at minute `at` would break."""
    broken = []
    if day.window_end is not None and day.wake <= at < day.window_end:
        broken.append("bisphosphonate_window")
    morning = minutes(medicines.MORNING_ENDS)
    if day.delayed_release and medicines.blocks_absorption(product) and at < morning:
        broken.append("delayed_release_morning")
    if medicines.magnesium_rich(product) and any(
        abs(at - when) < medicines.MAGNESIUM_APART_MINUTES for _, when in placed.bisphosphonates
    ):
        broken.append("magnesium_apart")
    if calcium > 0:
        if any(abs(at - t) < medicines.LEVOTHYROXINE_APART_MINUTES for t in placed.levothyroxine):
            broken.append("levothyroxine_apart")
        if medicines.needs_food(product) and at not in day.meals.values():
            broken.append("calcium_with_food")
        if placed.calcium.get(at, 0.0) + calcium > medicines.CALCIUM_PER_DOSE_MG + 1e-9:
            broken.append("calcium_per_moment")
    elif medicines.fat_soluble(product) and at not in day.meals.values():
        broken.append("with_a_meal")
    return broken


def _cost(broken) -> int:
    return sum(WEIGHTS[rule] for rule in broken)


# --- Planning ---------------------------------------------------------------------------------
def plan_day(regimens: list[Regimen], usual: MemberDay, on: date) -> DayPlan:
    plans = sorted((r for r in regimens if _runs(r, on)), key=lambda r: r.id)
    day = _day(usual, plans, on)
    placed = Placed()
    times: dict[str, tuple[list[int], float]] = {}
    why: dict[tuple[str, int], list[Why]] = {}
    unmet: list[Unmet] = []
    for plan in _in_placing_order(plans):
        found, servings, reasons, missed = _place(plan, day, placed)
        times[plan.id] = (found, servings)
        for at in found:
            why[(plan.id, at)] = reasons(at)
        unmet += missed
    due = {r.id for r in plans if _due(r, on)}
    return DayPlan(
        day=on,
        moments=_moments(plans, times, why, day, due),
        unmet=tuple(unmet),
        changes=_changes(plans, times, on),
    )


def _runs(regimen: Regimen, on: date) -> bool:
    if regimen.start_date > on or (regimen.end_date is not None and regimen.end_date < on):
        return False
    return bool(schedule_on(regimen, on).times)


def _due(regimen: Regimen, on: date) -> bool:
    return any(day == on for day, _ in dose_days(regimen, on, on))


def _in_placing_order(plans: list[Regimen]) -> list[Regimen]:
    """Bisphosphonates and other medicines first (their times bind the rest), then calcium
    (the most constrained), magnesium, vitamins D and K, and other supplements."""

    def rank(plan: Regimen) -> int:
        product = plan.product
        if _is_bis(product):
            return 0
        if product.kind == "medicine":
            return 1
        if medicines.calcium_mg(product) > 0:
            return 2
        if medicines.magnesium_rich(product):
            return 3
        return 4 if medicines.fat_soluble(product) else 5

    return sorted(plans, key=lambda p: (rank(p), p.id))


def _place(plan: Regimen, day: Day, placed: Placed):
    product = plan.product
    if _is_bis(product):
        return _place_bisphosphonate(plan, day, placed)
    if product.kind == "medicine" or not _movable(product):
        return _keep(plan, day, placed)
    if medicines.calcium_mg(product) > 0:
        return _place_calcium(plan, day, placed)
    return _place_supplement(plan, day, placed)


def _movable(product: Product) -> bool:
    return (
        medicines.calcium_mg(product) > 0
        or medicines.magnesium_rich(product)
        or medicines.fat_soluble(product)
    )


def _current(plan: Regimen, on: date) -> tuple[list[int], float]:
    schedule = schedule_on(plan, on)
    return sorted({minutes_of(t) for t in schedule.times}), schedule.servings_per_dose


def minutes_of(text: str) -> int:
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def _source(product: Product) -> str:
    return medicines.drug_source(product) or ""


def _place_bisphosphonate(plan: Regimen, day: Day, placed: Placed):
    product = plan.product
    _, servings = _current(plan, day.on)
    missed = [_two_bisphosphonates(plan, placed)] if placed.bisphosphonates else []
    if medicines.is_delayed_release(product):
        at = day.meals.get("breakfast")
        if at is None:
            at = min(day.meals.values(), default=day.wake)
            missed.append(_no_breakfast(plan))
        placed.bisphosphonates.append((product, at))
        text = "Right after breakfast, as its label says; calcium and supplements not before noon."
        return [at], servings, lambda _: [Why(text, _source(product))], missed
    placed.bisphosphonates.append((product, day.wake))
    wait = medicines.wait_minutes(product)
    if wait is None:
        text = "On waking; its own leaflet says how long to wait before anything else."
    else:
        text = (
            f"On waking, with a full glass of plain water; nothing else for {wait} minutes, "
            f"until {clock(day.wake + wait)}."
        )
    why = [Why(text, _source(product), "bisphosphonate_window")]
    return [day.wake], servings, lambda _: why, missed


def _two_bisphosphonates(plan: Regimen, placed: Placed) -> Unmet:
    others = ", ".join(p.name for p, _ in placed.bisphosphonates)
    return Unmet(
        rule="bisphosphonate_window",
        explanation=f"Your plans hold more than one bisphosphonate ({others} and "
        f"{plan.product.name}); each label asks for nothing but water in its window.",
        compromise="Each is placed as its label says; your pharmacist can say how they fit "
        "together.",
        source=_source(plan.product),
        regimen_ids=(plan.id,),
    )


def _no_breakfast(plan: Regimen) -> Unmet:
    return Unmet(
        rule="delayed_release_breakfast",
        explanation=f"{plan.product.name} is taken right after breakfast, and your day has none.",
        compromise="Placed at your first meal.",
        source=_source(plan.product),
        regimen_ids=(plan.id,),
    )


def _keep(plan: Regimen, day: Day, placed: Placed):
    """Other medicines keep their times, moved out of the bisphosphonate's window (and
    minerals past noon on delayed-release risedronate); a rule a kept time still breaks is
    named."""
    product = plan.product
    current, servings = _current(plan, day.on)
    found: list[int] = []
    for at in current:
        moved = _out_of_the_way(at, product, day)
        while moved in found:  # two times moved to one moment: keep them apart
            moved += 15
        found.append(moved)
    found.sort()
    if medicines.is_levothyroxine(product):
        placed.levothyroxine += found
    calcium = medicines.calcium_mg(product) * servings
    broken = [r for at in found for r in _broken(at, product, day, placed, calcium)]
    missed = _named_unmet(plan, broken, "Kept at " + ", ".join(clock(at) for at in found) + ".")
    if calcium > 0:
        for at in found:
            placed.calcium[at] = placed.calcium.get(at, 0.0) + calcium

    def reasons(at: int) -> list[Why]:
        if at in current:
            return [Why("Kept at its planned time.")]
        if day.window_end is not None and day.window_end <= at < day.window_end + 60:
            text = "Moved to the end of the bisphosphonate's waiting window."
            return [Why(text, "", "bisphosphonate_window")]
        text = "Moved past noon: on delayed-release risedronate minerals come later."
        return [Why(text, "FDA-RIS", "delayed_release_morning")]

    return found, servings, reasons, missed


def _named_unmet(plan: Regimen, broken: list[str], compromise: str) -> list[Unmet]:
    return [
        Unmet(
            rule=rule,
            explanation=f"{plan.product.name}: {UNMET_WORDS[rule]}",
            compromise=compromise,
            source=UNMET_SOURCES[rule],
            regimen_ids=(plan.id,),
        )
        for rule in sorted(set(broken) & HARD)
    ]


def _out_of_the_way(at: int, product: Product, day: Day) -> int:
    """A kept time, moved past the window, or past noon for a mineral on delayed-release
    risedronate."""
    if day.window_end is not None and day.wake <= at < day.window_end:
        at = day.window_end
    noon = minutes(medicines.MORNING_ENDS)
    if day.delayed_release and medicines.blocks_absorption(product) and at < noon:
        later = [c for c in sorted(day.meals.values()) if c >= noon] or [
            c for c in day.candidates() if c >= noon
        ]
        at = later[0] if later else noon
    return at


def _daily_servings(plan: Regimen, on: date) -> float:
    current, servings = _current(plan, on)
    return servings * len(current)


def _splits(total: float, per_serving: float) -> list[tuple[int, float]]:
    """Ways to give `total` servings a day: (moments, servings each), whole servings each
    where the total is whole, fewest moments first; up to the second split that meets the
    500 mg rule (more moments only ever cost a habit)."""
    found, meeting = [], 0
    for count in range(1, 7):
        each = total / count
        if total == int(total) and each != int(each):
            continue
        if each < 0.5 and count > 1:
            break
        found.append((count, each))
        meeting += per_serving * each <= medicines.CALCIUM_PER_DOSE_MG + 1e-9
        if meeting == 2:
            break
    return found or [(1, total)]


def _place_calcium(plan: Regimen, day: Day, placed: Placed):
    product = plan.product
    per_serving = medicines.calcium_mg(product)
    total = _daily_servings(plan, day.on)
    best = None
    for count, each in _splits(total, per_serving):
        amount = per_serving * each
        # The rules a moment breaks do not depend on the others chosen with it.
        broken_at = {at: _broken(at, product, day, placed, amount) for at in day.candidates()}
        for chosen in combinations(day.candidates(), count):
            broken = [rule for at in chosen for rule in broken_at[at]]
            excess = sum(
                max(
                    0.0,
                    placed.calcium.get(at, 0.0)
                    + per_serving * each
                    - medicines.CALCIUM_PER_DOSE_MG,
                )
                for at in chosen
            )
            score = (
                _cost(set(broken)),
                excess,
                count,
                _off_meals(chosen, day),
                -_spread(chosen),
                chosen,
            )
            if best is None or score < best[0]:
                best = (score, chosen, each, broken)
    (_, chosen, each, broken) = best
    for at in chosen:
        placed.calcium[at] = placed.calcium.get(at, 0.0) + per_serving * each
    where = ", ".join(clock(at) for at in chosen)
    compromise = f"{per_serving * each:,.0f} mg of calcium at {where}: the fewest rules left unmet."
    missed = _named_unmet(plan, broken, compromise)

    def reasons(at: int) -> list[Why]:
        found = []
        if "calcium_per_moment" not in broken:
            found.append(Why("Calcium in doses of 500 mg or less.", "ODS-CA", "calcium_per_moment"))
        if medicines.needs_food(product) and "calcium_with_food" not in broken:
            found.append(Why("Calcium carbonate with a meal.", "ODS-CA", "calcium_with_food"))
        found += _separation_reasons(at, product, day, placed, broken)
        return found

    return list(chosen), each, reasons, missed


def _off_meals(chosen: tuple[int, ...], day: Day) -> int:
    """Moments away from a meal: a habit is easier to keep at meals."""
    return sum(at not in day.meals.values() for at in chosen)


def _spread(chosen: tuple[int, ...]) -> int:
    if len(chosen) < 2:
        return 0
    return min(b - a for a, b in pairwise(chosen))


def _after_windows(names: list[str]) -> str:
    if len(names) == 1:
        return f"After the waiting window of {names[0]}."
    return f"After the waiting windows of {', '.join(names[:-1])} and {names[-1]}."


def _separation_reasons(
    at: int, product: Product, day: Day, placed: Placed, broken: list[str]
) -> list[Why]:
    found = []
    soon_after = day.window_end is not None and day.window_end <= at < day.window_end + 120
    if soon_after and "bisphosphonate_window" not in broken:
        found.append(
            Why(
                _after_windows(sorted({p.name for p, _ in placed.bisphosphonates})),
                ", ".join(sorted({_source(p) for p, _ in placed.bisphosphonates} - {""})),
                "bisphosphonate_window",
            )
        )
    late = day.delayed_release and medicines.blocks_absorption(product)
    if late and "delayed_release_morning" not in broken:
        found.append(
            Why(
                "Not before noon, on delayed-release risedronate.",
                "FDA-RIS",
                "delayed_release_morning",
            )
        )
    if (
        medicines.magnesium_rich(product)
        and placed.bisphosphonates
        and "magnesium_apart" not in broken
    ):
        found.append(Why("At least 2 hours from the bisphosphonate.", "ODS-MG", "magnesium_apart"))
    if (
        medicines.calcium_mg(product) > 0
        and placed.levothyroxine
        and "levothyroxine_apart" not in broken
    ):
        found.append(Why("At least 4 hours from levothyroxine.", "FDA-LT4", "levothyroxine_apart"))
    return found


UNMET_WORDS = {
    "calcium_per_moment": "Your calcium does not fit into moments of 500 mg or less at the times "
    "it may be taken.",
    "calcium_with_food": "Calcium carbonate is absorbed best with food, and your meals cannot take "
    "all of it.",
    "levothyroxine_apart": "Calcium and levothyroxine are best 4 hours apart, and your day has no "
    "such time for all of it.",
    "magnesium_apart": "Magnesium is best 2 hours from the bisphosphonate, and your day has no "
    "such time.",
    "delayed_release_morning": "On delayed-release risedronate calcium and minerals belong at "
    "another time of day, and your day has no such time.",
    "bisphosphonate_window": "Nothing but water belongs in the bisphosphonate's window, and your "
    "day has no other time.",
}
UNMET_SOURCES = {
    "calcium_per_moment": "ODS-CA",
    "calcium_with_food": "ODS-CA",
    "levothyroxine_apart": "FDA-LT4",
    "magnesium_apart": "ODS-MG",
    "delayed_release_morning": "FDA-RIS",
    "bisphosphonate_window": "FDA-ALN, FDA-RIS, FDA-IBN",
}


def _place_supplement(plan: Regimen, day: Day, placed: Placed):
    """Magnesium and vitamins D and K: as many moments a day as planned, at meals where
    they can be, breakfast first."""
    product = plan.product
    current, servings = _current(plan, day.on)
    best = None
    broken_at = {at: _broken(at, product, day, placed) for at in day.candidates()}
    for chosen in combinations(day.candidates(), len(current)):
        broken = [rule for at in chosen for rule in broken_at[at]]
        score = (_cost(broken), _off_meals(chosen, day), -_spread(chosen), chosen)
        if best is None or score < best[0]:
            best = (score, chosen, broken)
    if best is None:  # more doses a day than the day has moments: keep them
        return _keep(plan, day, placed)
    (_, chosen, broken) = best
    missed = _named_unmet(plan, broken, f"At {', '.join(clock(at) for at in chosen)}.")

    def reasons(at: int) -> list[Why]:
        found = []
        if medicines.fat_soluble(product) and at in day.meals.values():
            found.append(
                Why(
                    "With a meal: vitamins D and K dissolve in fat (Ossa's suggestion, not a "
                    "source's rule).",
                    "ODS-D, ODS-K",
                    "with_a_meal",
                )
            )
        found += _separation_reasons(at, product, day, placed, broken)
        if found:
            return found
        if at in day.meals.values():
            return [Why("With a meal, as a habit that is easy to keep.")]
        return [Why("At a moment the rest of your plan leaves free.")]

    return list(chosen), servings, reasons, missed


# --- The answer -------------------------------------------------------------------------------
def _moments(plans, times, why, day: Day, due: set[str]) -> tuple[Moment, ...]:
    by_minute: dict[int, list[Placement]] = {}
    for plan in plans:
        if plan.id not in due:
            continue
        found, servings = times[plan.id]
        for at in found:
            by_minute.setdefault(at, []).append(
                Placement(plan.id, plan.product.name, servings, tuple(why[(plan.id, at)]))
            )
    return tuple(
        Moment(clock(at), day.labels.get(at, clock(at)), tuple(doses))
        for at, doses in sorted(by_minute.items())
    )


def _changes(plans, times, on: date) -> tuple[Change, ...]:
    found = []
    for plan in plans:
        current, servings = _current(plan, on)
        suggested, each = times[plan.id]
        if sorted(suggested) != current or abs(each - servings) > 1e-9:
            found.append(
                Change(
                    plan.id,
                    plan.product.name,
                    tuple(clock(at) for at in sorted(suggested)),
                    round(each, 2),
                    tuple(clock(at) for at in current),
                    servings,
                )
            )
    return tuple(found)


def apply(regimens: list[Regimen], plan: DayPlan) -> list[Regimen]:
    """The plans as they would be with the suggestion applied from its day (a new schedule
    version, as editing a plan makes)."""
    changes = {change.regimen_id: change for change in plan.changes}
    applied = []
    for regimen in regimens:
        change = changes.get(regimen.id)
        if change is None:
            applied.append(regimen)
            continue
        current = schedule_on(regimen, plan.day)
        version = replace(
            current,
            effective_from=plan.day,
            times=change.times,
            servings_per_dose=change.servings_per_dose,
        )
        kept = tuple(s for s in regimen.schedules if s.effective_from < plan.day)
        applied.append(replace(regimen, schedules=(*kept, version)))
    return applied
