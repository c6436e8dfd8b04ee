"""Table tests for the flag rules: each flag at the boundaries docs/domain.md gives."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracking.rules.flags import RULES, FlagInputs, evaluate
from tracking.rules.reference import load_reference_csv
from tracking.rules.types import Dose, FlagResult, Member, Occurrence, Product, Regimen, Schedule

REFS = load_reference_csv()
ZONE_NAME = "Europe/Amsterdam"
ZONE = ZoneInfo(ZONE_NAME)
TODAY = date(2025, 3, 12)  # a Wednesday
NOW = datetime(2025, 3, 12, 20, 0, tzinfo=ZONE)
LONG_AGO = TODAY - timedelta(days=400)

# --- builders -----------------------------------------------------------------------------


def person(years: int = 40, *, days_short: int = 0, sex: str | None = "female", **kw) -> Member:
    """A member who turns `years` today, or `days_short` days later (17 y 364 d: 18, 1)."""
    dob = date(TODAY.year - years, TODAY.month, TODAY.day) + timedelta(days=days_short)
    return Member(today=TODAY, timezone=ZONE_NAME, date_of_birth=dob, sex=sex, **kw)


def no_birth_date(**kw) -> Member:
    return replace(person(**kw), date_of_birth=None)


def supplement(id: str, **nutrients: float) -> Product:
    return Product(id=id, name=id, nutrients=nutrients)


def medicine(id: str, drug: str, drug_class: str = "bisphosphonate", **kw) -> Product:
    return Product(id=id, name=id, kind="medicine", drug_class=drug_class, drug=drug, **kw)


CALCIUM = supplement("calcium-500", calcium=500)
MAGNESIUM = supplement("magnesium-100", magnesium=100)
ZINC = supplement("zinc-10", zinc=10)
D3 = supplement("d3-25", d3=25)
D2 = supplement("d2-25", d2=25)
K1 = supplement("k1-100", k1=100)
K2 = supplement("k2-90", k2_mk7=90)
MK4 = supplement("mk4-1500", k2_mk4=1500)
K_1MCG = supplement("k2-1", k2_mk7=1)
BONE_FORMULA = supplement("d3-k2-mg", d3=25, k2_mk7=90, magnesium=100)
ANTACID = Product(id="antacid", name="antacid", drug_class="antacid")
ALENDRONATE = medicine("alendronate-70", "alendronate")
RISEDRONATE = medicine("risedronate-35", "risedronate")
RISEDRONATE_DR = medicine("risedronate-35-dr", "risedronate", release="delayed")
IBANDRONATE = medicine("ibandronate-150", "ibandronate")
WARFARIN = medicine("warfarin-5", "warfarin", "vitamin_k_antagonist")
CATALOGUE = {
    p.id: p
    for p in (
        *(CALCIUM, MAGNESIUM, ZINC, D3, D2, K1, K2, MK4, K_1MCG, BONE_FORMULA, ANTACID),
        *(ALENDRONATE, RISEDRONATE, RISEDRONATE_DR, IBANDRONATE, WARFARIN),
    )
}


def at(day: int, hhmm: str = "08:00") -> datetime:
    """Local time on TODAY + day."""
    hour, minute = map(int, hhmm.split(":"))
    local = TODAY + timedelta(days=day)
    return datetime(local.year, local.month, local.day, hour, minute, tzinfo=ZONE)


def regimen(
    id: str,
    product: Product,
    kind: str = "daily",
    times: tuple[str, ...] = ("08:00",),
    servings: float = 1.0,
    end: date | None = None,
    **schedule,
) -> Regimen:
    times = () if kind == "as_needed" else times
    plan = Schedule(LONG_AGO, kind, times, servings_per_dose=servings, **schedule)
    return Regimen(id, product, LONG_AGO, end, (plan,))


def weekly(id: str, product: Product, day: int = 0, hhmm: str = "07:00") -> Regimen:
    """Weekly on the weekday of TODAY + day."""
    weekday = (TODAY + timedelta(days=day)).isoweekday()
    return regimen(id, product, "weekdays", (hhmm,), weekdays=(weekday,))


def monthly(id: str, product: Product, day: int = 0) -> Regimen:
    return regimen(
        id, product, "monthly", ("07:00",), day_of_month=(TODAY + timedelta(days=day)).day
    )


def dose(
    product: Product, when: datetime, regimen_id: str | None = None, servings: float = 1.0
) -> Dose:
    return Dose(f"{product.id}@{when.isoformat()}", product.id, regimen_id, when, "taken", servings)


def occurrence(regimen_id: str, when: datetime) -> Occurrence:
    return Occurrence(regimen_id, when, when.date())


def daily_occurrences(plan: Regimen, hhmm: str) -> list[Occurrence]:
    """The caller's occurrence window: 28 days ago to 7 days ahead."""
    return [occurrence(plan.id, at(day, hhmm)) for day in range(-28, 8)]


def inputs(
    member: Member | None = None,
    regimens: list[Regimen] | tuple[Regimen, ...] = (),
    doses: list[Dose] | tuple[Dose, ...] = (),
    occurrences: list[Occurrence] | tuple[Occurrence, ...] = (),
    missed: list[Occurrence] | tuple[Occurrence, ...] = (),
    pdc: dict[str, float | None] | None = None,
    extra_products: tuple[Product, ...] = (),
) -> FlagInputs:
    """FlagInputs as a task would build them; the catalogue resolves logged products, plus
    `extra_products` for one-off products logged without a regimen."""
    return FlagInputs(
        member=member or person(),
        regimens=list(regimens),
        doses=list(doses),
        products=CATALOGUE | {p.id: p for p in extra_products},
        occurrences=list(occurrences),
        missed=list(missed),
        pdc_last_4_weeks=pdc or {},
        references=REFS,
        now=NOW,
    )


def run(**kw) -> list[FlagResult]:
    return evaluate(inputs(**kw))


def codes(results: list[FlagResult]) -> set[str]:
    return {f.code for f in results}


def only(results: list[FlagResult], code: str) -> FlagResult:
    found = [f for f in results if f.code == code]
    assert len(found) == 1, [f.code for f in results]
    return found[0]


def has(results: list[FlagResult], code: str) -> bool:
    return code in codes(results)


# --- life stage (SEED) --------------------------------------------------------------------

LIFE_STAGE_CODES = {
    "life_stage_accrual",
    "life_stage_consolidation",
    "life_stage_over_40",
    "life_stage_postmenopause",
}


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        (person(18, days_short=1), {"life_stage_accrual"}),  # girl, 17 y 364 d
        (person(18), {"life_stage_consolidation"}),
        (person(20, days_short=1, sex="male"), {"life_stage_accrual"}),  # boy, 19 y 364 d
        (person(19, sex="male"), {"life_stage_accrual"}),
        (person(20, sex="male"), {"life_stage_consolidation"}),
        (person(3, sex="male"), {"life_stage_accrual"}),
        (person(17, sex=None), {"life_stage_accrual"}),  # under 18 for either sex
        (person(19, sex=None), set()),  # accrual for a boy, consolidation for a girl
        (person(20, sex=None), {"life_stage_consolidation"}),
        (person(29), {"life_stage_consolidation"}),
        (person(30), set()),
        (person(39), set()),
        (person(40), {"life_stage_over_40"}),
        (person(52, menopause_status="post"), {"life_stage_over_40", "life_stage_postmenopause"}),
        (person(38, menopause_status="post"), {"life_stage_postmenopause"}),
        (person(52, menopause_status="peri"), {"life_stage_over_40"}),
        (no_birth_date(), set()),
    ],
)
def test_life_stage_flags(member, expected):
    results = run(member=member)
    assert codes(results) & LIFE_STAGE_CODES == expected
    for flag in results:
        if flag.code in LIFE_STAGE_CODES:
            assert (flag.severity, flag.source, flag.subject) == ("info", "SEED", "")


def test_accrual_evidence_names_the_window():
    flag = only(run(member=person(19, sex="male")), "life_stage_accrual")
    assert flag.evidence == {
        "age_years": 19,
        "sex": "male",
        "life_stage": "male, 19-30 years",
        "window_years": [0, 20],
    }


# --- MK-7 for children (SEED) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "regimens", "doses", "flagged"),
    [
        (person(17), [regimen("k", supplement("mk7-45", k2_mk7=45))], [], False),
        (person(17), [regimen("k", supplement("mk7-46", k2_mk7=46))], [], True),
        (person(17), [regimen("k", supplement("mk7-23", k2_mk7=23), servings=2)], [], True),
        (
            person(17),
            [regimen("k", supplement("mk7-23", k2_mk7=23), times=("08:00", "20:00"))],
            [],
            True,
        ),
        (person(8), [regimen("k", K2, "weekdays", weekdays=(1,))], [], True),
        (person(18), [regimen("k", K2)], [], False),
        (person(18, days_short=1), [regimen("k", K2)], [], True),
        (person(17), [regimen("k", K2, "as_needed")], [], False),
        (person(17), [regimen("k", K2, end=TODAY - timedelta(days=1))], [], False),
        (person(17), [], [dose(supplement("mk7-45", k2_mk7=45), at(-1))], False),
        (person(17), [], [dose(K2, at(-6))], True),
        (person(17), [], [dose(K2, at(-7))], False),  # eight days ago: outside the week
        (person(17), [], [dose(K_1MCG, at(-2), servings=45)], False),
        (person(17), [], [dose(K_1MCG, at(-2), servings=46)], True),
        (person(17), [], [dose(K_1MCG, at(-2, "08:00"), servings=23)] * 2, True),
        (
            person(17),
            [],
            [
                dose(K_1MCG, at(-2, "23:30"), servings=23),
                dose(K_1MCG, at(-1, "00:30"), servings=23),
            ],
            False,
        ),
        (person(17), [], [dose(MK4, at(-1))], False),  # MK-4 is not the MK-7 trial dose
    ],
)
def test_child_adult_mk7_dose(member, regimens, doses, flagged):
    results = run(member=member, regimens=regimens, doses=doses)
    assert has(results, "child_adult_mk7_dose") is flagged


def test_child_mk7_evidence():
    flag = only(run(member=person(12), regimens=[regimen("k", K2)]), "child_adult_mk7_dose")
    assert (flag.severity, flag.source) == ("info", "SEED")
    assert flag.evidence["threshold"] == {"amount": 45.0, "unit": "mcg"}
    assert flag.evidence["scheduled_per_day"] == {"amount": 90.0, "unit": "mcg"}
    assert "90 mcg" in flag.explanation


# --- bisphosphonates: dental (SEED + labels) ----------------------------------------------


@pytest.mark.parametrize(
    ("product", "source"),
    [
        (ALENDRONATE, "SEED, FDA-ALN"),
        (RISEDRONATE_DR, "SEED, FDA-RIS"),
        (IBANDRONATE, "SEED, FDA-IBN"),
        (medicine("other-bp", "other"), "SEED"),
    ],
)
def test_bisphosphonate_dental(product, source):
    flag = only(run(regimens=[weekly("bp", product)]), "bisphosphonate_dental")
    assert (flag.severity, flag.source, flag.subject) == ("info", source, "bp")
    assert "jaw" in flag.explanation and "dentist" in flag.explanation


def test_no_dental_flag_after_the_regimen_ended():
    ended = replace(weekly("bp", ALENDRONATE), end_date=TODAY - timedelta(days=1))
    assert not has(run(regimens=[ended]), "bisphosphonate_dental")


# --- bisphosphonates: absorption window (FDA-ALN, FDA-RIS, FDA-IBN) ------------------------


def logged_after(bisphosphonate: Product, other: Product, minutes: int) -> list[FlagResult]:
    taken = at(-1, "07:00")
    return run(
        regimens=[weekly("bp", bisphosphonate, -1)],
        doses=[
            dose(bisphosphonate, taken, "bp"),
            dose(other, taken + timedelta(minutes=minutes)),
        ],
    )


@pytest.mark.parametrize(
    ("bisphosphonate", "minutes", "flagged", "source"),
    [
        (ALENDRONATE, 0, True, "FDA-ALN"),
        (ALENDRONATE, 29, True, "FDA-ALN"),
        (ALENDRONATE, 30, False, "FDA-ALN"),  # "at least 30 minutes" is met
        (ALENDRONATE, 31, False, "FDA-ALN"),
        (ALENDRONATE, -5, False, "FDA-ALN"),  # before the dose is not the waiting window
        (RISEDRONATE, 29, True, "FDA-RIS"),
        (RISEDRONATE, 31, False, "FDA-RIS"),
        (IBANDRONATE, 29, True, "FDA-IBN"),
        (IBANDRONATE, 59, True, "FDA-IBN"),
        (IBANDRONATE, 60, False, "FDA-IBN"),
        (IBANDRONATE, 61, False, "FDA-IBN"),
        (medicine("other-bp", "other"), 5, False, ""),  # no label in docs/domain.md
    ],
)
def test_absorption_window_minutes(bisphosphonate, minutes, flagged, source):
    results = logged_after(bisphosphonate, CALCIUM, minutes)
    assert has(results, "bisphosphonate_absorption_window") is flagged
    if flagged:
        flag = only(results, "bisphosphonate_absorption_window")
        assert (flag.severity, flag.source, flag.subject) == ("warning", source, "bp")
        conflict = flag.evidence["conflicts"][0]
        assert conflict["minutes_after"] == minutes
        assert conflict["bisphosphonate"]["origin"] == "logged"
        assert conflict["other"]["product_id"] == CALCIUM.id


@pytest.mark.parametrize(
    ("other", "flagged"),
    [
        (CALCIUM, True),
        (MAGNESIUM, True),
        (ZINC, True),
        (ANTACID, True),
        (BONE_FORMULA, True),  # contains magnesium
        (D3, False),
        (K2, False),
        (WARFARIN, False),
    ],
)
def test_absorption_window_blockers(other, flagged):
    results = logged_after(ALENDRONATE, other, 10)
    assert has(results, "bisphosphonate_absorption_window") is flagged


@pytest.mark.parametrize(
    ("hhmm", "day", "flagged"),
    [
        ("07:00", -1, True),  # before the after-breakfast dose, same morning
        ("08:30", -1, True),
        ("11:59", -1, True),
        ("12:00", -1, False),  # "another time of day"
        ("18:00", -1, False),
        ("08:00", 0, False),  # next morning
    ],
)
def test_delayed_release_risedronate_means_another_time_of_day(hhmm, day, flagged):
    results = run(
        regimens=[weekly("bp", RISEDRONATE_DR, -1, "08:15")],
        doses=[dose(RISEDRONATE_DR, at(-1, "08:15"), "bp"), dose(CALCIUM, at(day, hhmm))],
    )
    assert has(results, "bisphosphonate_absorption_window") is flagged
    if flagged:
        flag = only(results, "bisphosphonate_absorption_window")
        assert flag.source == "FDA-RIS"
        assert flag.evidence["same_morning_rule"] is True
        assert "another time of day" in flag.explanation


@pytest.mark.parametrize(("calcium_time", "flagged"), [("07:15", True), ("07:30", False)])
def test_absorption_window_in_the_plan(calcium_time, flagged):
    bisphosphonate = weekly("bp", ALENDRONATE, 2, "07:00")
    calcium = regimen("ca", CALCIUM, times=(calcium_time,))
    results = run(
        regimens=[bisphosphonate, calcium],
        occurrences=[occurrence("bp", at(2, "07:00")), *daily_occurrences(calcium, calcium_time)],
    )
    assert has(results, "bisphosphonate_absorption_window") is flagged
    if flagged:
        flag = only(results, "bisphosphonate_absorption_window")
        (conflict,) = flag.evidence["conflicts"]
        assert conflict["bisphosphonate"]["origin"] == "scheduled"
        assert conflict["other"]["regimen_id"] == "ca"
        assert conflict["minutes_after"] == 15
        assert "planned" in flag.explanation


def test_past_plan_and_plan_against_log_are_not_compared():
    bisphosphonate = weekly("bp", ALENDRONATE, -5, "07:00")
    calcium = regimen("ca", CALCIUM, times=("07:10",))
    results = run(
        regimens=[bisphosphonate, calcium],
        # A past occurrence pair, and a logged dose next to the calcium's planned time.
        occurrences=[occurrence("bp", at(-5, "07:00")), occurrence("ca", at(-5, "07:10"))],
        doses=[dose(ALENDRONATE, at(-5, "07:00"), "bp"), dose(CALCIUM, at(-5, "09:00"), "ca")],
    )
    assert not has(results, "bisphosphonate_absorption_window")


def test_logged_dose_without_regimen_is_matched_to_the_active_regimen():
    results = run(
        regimens=[weekly("bp", ALENDRONATE, -1)],
        doses=[dose(ALENDRONATE, at(-1, "07:00")), dose(CALCIUM, at(-1, "07:05"))],
    )
    assert only(results, "bisphosphonate_absorption_window").subject == "bp"
    results = run(doses=[dose(ALENDRONATE, at(-1, "07:00")), dose(CALCIUM, at(-1, "07:05"))])
    assert only(results, "bisphosphonate_absorption_window").subject == "product:alendronate-70"


def test_old_and_skipped_logs_do_not_count():
    old = [dose(ALENDRONATE, at(-28, "07:00"), "bp"), dose(CALCIUM, at(-28, "07:05"))]
    skipped = [
        dose(ALENDRONATE, at(-2, "07:00"), "bp"),
        replace(dose(CALCIUM, at(-2, "07:05")), status="skipped"),
    ]
    for doses in (old, skipped):
        assert not has(
            run(regimens=[weekly("bp", ALENDRONATE)], doses=doses),
            "bisphosphonate_absorption_window",
        )


# --- bisphosphonates: missed dose ---------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "missed_day", "later_occurrence", "flagged"),
    [
        (weekly("bp", ALENDRONATE, -3), -3, None, True),
        (weekly("bp", ALENDRONATE, -6), -6, None, True),
        (weekly("bp", ALENDRONATE, 0), -7, None, False),  # today is the usual day again
        (weekly("bp", RISEDRONATE, -1), -1, None, True),
        (regimen("bp", ALENDRONATE, "interval", ("07:00",), interval_days=7), -2, None, True),
        (monthly("bp", IBANDRONATE, -10), -10, None, True),
        (monthly("bp", IBANDRONATE, -30), -30, None, True),
        (monthly("bp", IBANDRONATE, -31), -31, None, False),
        (monthly("bp", IBANDRONATE, -20), -20, -1, False),  # the next dose day has come
        (monthly("bp", IBANDRONATE, -20), -20, 3, True),  # ... not yet
        (regimen("bp", ALENDRONATE, times=("07:00",)), -1, None, False),  # daily: no rule
        (weekly("bp", D3, -3), -3, None, False),  # not a bisphosphonate
    ],
)
def test_missed_dose_window(plan, missed_day, later_occurrence, flagged):
    missed = occurrence("bp", at(missed_day, "07:00"))
    occurrences = [missed]
    if later_occurrence is not None:
        occurrences.append(occurrence("bp", at(later_occurrence, "07:00")))
    results = run(regimens=[plan], occurrences=occurrences, missed=[missed])
    assert has(results, "bisphosphonate_missed_dose") is flagged


def test_missed_weekly_dose_gives_the_label_catch_up():
    missed = occurrence("bp", at(-3, "07:00"))
    results = run(regimens=[weekly("bp", ALENDRONATE, -3)], occurrences=[missed], missed=[missed])
    flag = only(results, "bisphosphonate_missed_dose")
    assert (flag.severity, flag.source, flag.subject) == ("warning", "FDA-ALN", "bp")
    assert "morning after you remember" in flag.explanation
    assert "never take two doses on the same day" in flag.explanation
    assert "usual day" in flag.explanation
    assert flag.evidence["missed"] == [
        {"due_at": at(-3, "07:00").isoformat(), "local_date": (TODAY - timedelta(3)).isoformat()}
    ]
    assert flag.evidence["cadence"] == "weekly"


def test_missed_monthly_ibandronate_with_more_than_a_week_to_go_is_taken_the_next_morning():
    missed = occurrence("bp", at(-10, "07:00"))
    results = run(regimens=[monthly("bp", IBANDRONATE, -10)], occurrences=[missed], missed=[missed])
    flag = only(results, "bisphosphonate_missed_dose")
    assert (flag.source, flag.evidence["cadence"]) == ("FDA-IBN", "monthly")
    assert flag.evidence["days_to_next_dose"] is None
    assert "more than 7 days away" in flag.explanation
    assert "The label says: take it the morning after you remember" in flag.explanation


@pytest.mark.parametrize("days", [1, 7])
def test_missed_monthly_ibandronate_a_week_or_less_before_the_next_waits_for_it(days):
    missed = occurrence("bp", at(-20, "07:00"))
    coming = occurrence("bp", at(days, "07:00"))
    results = run(
        regimens=[monthly("bp", IBANDRONATE, -20)], occurrences=[missed, coming], missed=[missed]
    )
    flag = only(results, "bisphosphonate_missed_dose")
    assert flag.evidence["days_to_next_dose"] == days
    assert "wait for it" in flag.explanation and "morning after" not in flag.explanation


def test_other_missed_monthly_doses_point_to_the_label_and_pharmacist():
    missed = occurrence("bp", at(-10, "07:00"))
    results = run(regimens=[monthly("bp", RISEDRONATE, -10)], occurrences=[missed], missed=[missed])
    flag = only(results, "bisphosphonate_missed_dose")
    assert (flag.source, flag.evidence["cadence"]) == ("FDA-RIS", "monthly")
    assert "pharmacist" in flag.explanation
    assert "morning after" not in flag.explanation


# --- vitamin K with a vitamin K antagonist (ODS-K) ----------------------------------------

ON_WARFARIN = regimen("vka", WARFARIN, times=("18:00",))


@pytest.mark.parametrize(
    ("regimens", "doses", "occurrences", "flagged"),
    [
        ([ON_WARFARIN, regimen("k", K2)], [], [], True),
        ([ON_WARFARIN, regimen("k", MK4, "as_needed")], [], [], True),
        ([ON_WARFARIN, regimen("k", BONE_FORMULA)], [], [], True),
        ([ON_WARFARIN, regimen("k", K1)], [], [], True),
        ([ON_WARFARIN], [dose(K2, at(-27))], [], True),
        ([ON_WARFARIN], [dose(K2, at(-28))], [], False),  # 29 days ago
        (
            [ON_WARFARIN, regimen("k", K2, end=TODAY - timedelta(days=10))],
            [],
            [occurrence("k", at(-12))],
            True,
        ),  # recently scheduled
        ([ON_WARFARIN, regimen("k", K2, end=TODAY - timedelta(days=40))], [], [], False),
        ([regimen("k", K2)], [dose(WARFARIN, at(-5, "18:00"))], [], True),
        ([regimen("k", K2)], [dose(WARFARIN, at(-30, "18:00"))], [], False),
        ([regimen("k", K2)], [], [], False),
        ([ON_WARFARIN, regimen("d", D3)], [], [], False),
    ],
)
def test_vitamin_k_with_vka(regimens, doses, occurrences, flagged):
    results = run(regimens=regimens, doses=doses, occurrences=occurrences)
    assert has(results, "vitamin_k_with_vka") is flagged
    if flagged:
        flag = only(results, "vitamin_k_with_vka")
        assert (flag.severity, flag.source) == ("critical", "ODS-K")
        assert "clinician" in flag.explanation


def test_vitamin_k_with_vka_is_first_in_the_list():
    results = run(member=person(70), regimens=[ON_WARFARIN, regimen("k", K2), regimen("d", D3)])
    assert results[0].code == "vitamin_k_with_vka"


def weekly_k_logs(totals: list[float]) -> list[Dose]:
    """One log per complete week before this one, oldest first, of `totals` mcg."""
    this_monday = TODAY - timedelta(days=TODAY.weekday())
    first_monday = this_monday - timedelta(weeks=len(totals))
    return [
        dose(K_1MCG, at((first_monday - TODAY).days + 7 * n + 2), servings=total)
        for n, total in enumerate(totals)
        if total
    ]


@pytest.mark.parametrize(
    ("totals", "flagged"),
    [
        ([630, 630, 630, 630], False),
        ([630, 630, 630, 450], True),  # 28.6% of the larger week
        ([630, 630, 630, 500], False),  # 20.6%
        ([400, 400, 400, 300], False),  # exactly 25%: not more than the threshold
        ([400, 400, 400, 299], True),
        ([0, 630, 630, 630], True),
        ([0, 0, 0, 0], False),
    ],
)
def test_vitamin_k_swing_on_vka(totals, flagged):
    results = run(regimens=[ON_WARFARIN], doses=weekly_k_logs(totals))
    assert has(results, "vitamin_k_swing_on_vka") is flagged
    if flagged:
        flag = only(results, "vitamin_k_swing_on_vka")
        assert (flag.severity, flag.source) == ("warning", "ODS-K")
        assert flag.evidence["threshold_pct"] == 25.0
        assert [w["amount"] for w in flag.evidence["weeks"]] == [float(t) for t in totals]


def test_swing_needs_a_vka_and_ignores_the_current_week():
    assert not has(run(doses=weekly_k_logs([630, 0, 630, 0])), "vitamin_k_swing_on_vka")
    steady = [*weekly_k_logs([630, 630, 630, 630]), dose(K_1MCG, at(0), servings=2000)]
    assert not has(run(regimens=[ON_WARFARIN], doses=steady), "vitamin_k_swing_on_vka")


# --- upper limits (ODS-CA, ODS-D, ODS-MG) -------------------------------------------------


def daily_amount(code: str, amount: float) -> list[Regimen]:
    return [regimen(f"{code}-plan", supplement(f"{code}-{amount}", **{code: amount}))]


@pytest.mark.parametrize(
    ("member", "code", "amount", "flagged"),
    [
        (person(50), "calcium", 2500, False),  # exactly at the 31-50 UL
        (person(50), "calcium", 2501, True),
        (person(51), "calcium", 2000, False),  # 51-70 UL is 2000
        (person(51), "calcium", 2001, True),
        (person(51), "calcium", 2500, True),
        (person(17, pregnant=True), "calcium", 3000, False),
        (person(25, pregnant=True), "calcium", 2600, True),
        (person(40), "magnesium", 350, False),
        (person(40), "magnesium", 351, True),
        (person(5), "magnesium", 110, False),
        (person(5), "magnesium", 111, True),
        (person(0), "magnesium", 500, False),  # no magnesium UL under 1 year
        (person(40), "d3", 100, False),
        (person(40), "d3", 101, True),
        (person(40), "d2", 101, True),
        (person(2), "d3", 63, False),
        (person(2), "d3", 64, True),
        (person(40), "zinc", 1000, False),  # no reference row for zinc
        (person(40), "k2_mk7", 1000, False),  # vitamin K has no UL
        (no_birth_date(), "calcium", 5000, False),  # the UL depends on age
    ],
)
def test_above_upper_limit_scheduled(member, code, amount, flagged):
    results = run(member=member, regimens=daily_amount(code, amount))
    assert has(results, "above_upper_limit") is flagged


@pytest.mark.parametrize(
    ("servings", "times", "per_serving", "flagged"),
    [
        (2, ("08:00", "20:00"), 87.5, False),  # 2 x 2 x 87.5 = 350
        (2, ("08:00", "20:00"), 87.75, True),  # 351
        (0.5, ("08:00",), 702, True),  # 351
        (3, ("08:00",), 350 / 3, False),  # rounding must not push 350 over
    ],
)
def test_scheduled_amount_is_servings_times_doses_times_amount(
    servings, times, per_serving, flagged
):
    plan = regimen("mg", supplement("mg-x", magnesium=per_serving), times=times, servings=servings)
    assert has(run(regimens=[plan]), "above_upper_limit") is flagged


def test_d2_and_d3_add_up_across_regimens():
    plans = [regimen("d2", supplement("d2-60", d2=60)), regimen("d3", supplement("d3-41", d3=41))]
    flag = only(run(regimens=plans), "above_upper_limit")
    assert flag.subject == "vitamin_d"
    assert flag.evidence["scheduled_per_day"] == {"amount": 101.0, "unit": "mcg"}
    assert {p["regimen_id"] for p in flag.evidence["scheduled_regimens"]} == {"d2", "d3"}


def test_weekly_high_dose_counts_on_its_day():
    plan = regimen("d", supplement("d3-1250", d3=1250), "weekdays", weekdays=(1,))
    assert only(run(regimens=[plan]), "above_upper_limit").subject == "vitamin_d"


MG_200 = supplement("mg-200", magnesium=200)
MG_150 = supplement("mg-150", magnesium=150)
MG_151 = supplement("mg-151", magnesium=151)


@pytest.mark.parametrize(
    ("doses", "flagged"),
    [
        ([dose(MG_200, at(-2, "08:00")), dose(MG_151, at(-2, "21:00"))], True),
        ([dose(MG_200, at(-2, "08:00")), dose(MG_150, at(-2, "21:00"))], False),
        ([dose(MAGNESIUM, at(-2), servings=3.51)], True),
        ([dose(MAGNESIUM, at(-7), servings=4)], False),  # eight days ago
        ([dose(MAGNESIUM, at(0, "23:00"), servings=4)], False),  # after "now"
        (
            [
                dose(MAGNESIUM, at(-2, "23:30"), servings=2),
                dose(MAGNESIUM, at(-1, "00:30"), servings=2),
            ],
            False,
        ),  # two local days
        ([replace(dose(MAGNESIUM, at(-2), servings=4), status="skipped")], False),
    ],
)
def test_above_upper_limit_logged(doses, flagged):
    results = run(doses=doses, extra_products=(MG_200, MG_150, MG_151))
    assert has(results, "above_upper_limit") is flagged
    if flagged:
        worst = only(results, "above_upper_limit").evidence["highest_logged_day"]
        assert worst["date"] == (TODAY - timedelta(days=2)).isoformat()


def test_upper_limit_texts_say_what_the_limit_covers():
    calcium = only(
        run(member=person(51), regimens=daily_amount("calcium", 2500)), "above_upper_limit"
    )
    assert (calcium.severity, calcium.source, calcium.subject) == ("warning", "ODS-CA", "calcium")
    assert calcium.evidence["upper_limit"] == {"amount": 2000.0, "unit": "mg"}
    assert calcium.evidence["life_stage"] == "female, 51-70 years"
    assert "food and drinks count" in calcium.explanation
    magnesium = only(run(regimens=daily_amount("magnesium", 400)), "above_upper_limit")
    assert magnesium.source == "ODS-MG"
    assert "supplements and medicines only" in magnesium.explanation
    vitamin_d = only(run(regimens=daily_amount("d3", 125)), "above_upper_limit")
    assert vitamin_d.source == "ODS-D"
    assert vitamin_d.evidence["upper_limit"] == {"amount": 100.0, "unit": "mcg"}


def test_each_nutrient_is_its_own_flag():
    plans = daily_amount("calcium", 3000) + daily_amount("magnesium", 400)
    flags = [f for f in run(regimens=plans) if f.code == "above_upper_limit"]
    assert [f.subject for f in flags] == ["calcium", "magnesium"]


def test_as_needed_and_ended_regimens_are_not_a_daily_plan():
    as_needed = regimen("ca", supplement("ca-3000", calcium=3000), "as_needed")
    ended = regimen("ca", supplement("ca-3000", calcium=3000), end=TODAY - timedelta(days=1))
    for plan in (as_needed, ended):
        assert not has(run(regimens=[plan]), "above_upper_limit")


# --- D3 and K2 (SEED) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regimens", "doses", "flagged"),
    [
        ([regimen("d", D3)], [], True),
        ([regimen("d", D3), regimen("k", K2)], [], False),
        ([regimen("d", D3), regimen("k", MK4, "as_needed")], [], False),
        ([regimen("d", BONE_FORMULA)], [], False),
        ([regimen("d", D3), regimen("k", K1)], [], True),  # K1 is not K2
        ([regimen("d", D3)], [dose(K2, at(-3))], False),
        ([], [dose(D3, at(-27))], True),
        ([], [dose(D3, at(-28))], False),
        ([regimen("d", D2)], [], False),
        ([regimen("d", D3), ON_WARFARIN], [], False),  # never nudge toward K on a VKA
    ],
)
def test_d3_without_k2(regimens, doses, flagged):
    results = run(regimens=regimens, doses=doses)
    assert has(results, "d3_without_k2") is flagged
    if flagged:
        flag = only(results, "d3_without_k2")
        assert (flag.severity, flag.source) == ("info", "SEED")


# --- adherence (PQA-PDC) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "pdc", "flagged"),
    [
        (regimen("r", CALCIUM), 79.9, True),
        (regimen("r", CALCIUM), 80.0, False),
        (regimen("r", CALCIUM), 100.0, False),
        (regimen("r", CALCIUM), 0.0, True),
        (regimen("r", CALCIUM), None, False),
        (regimen("r", CALCIUM, "as_needed"), 10.0, False),
        (regimen("r", CALCIUM, end=TODAY - timedelta(days=2)), 10.0, False),
    ],
)
def test_low_pdc(plan, pdc, flagged):
    results = run(regimens=[plan], pdc={"r": pdc, "unknown-regimen": 5.0})
    assert has(results, "low_pdc") is flagged
    if flagged:
        flag = only(results, "low_pdc")
        assert (flag.severity, flag.source, flag.subject) == ("warning", "PQA-PDC", "r")
        assert flag.evidence["pdc_pct"] == pdc and flag.evidence["threshold_pct"] == 80.0


# --- profile gaps -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "flagged"),
    [
        (person(44), False),
        (person(45), True),
        (person(60), True),
        (person(61), False),
        (person(50, sex="male"), False),
        (person(50, menopause_status="peri"), False),
        (person(50, menopause_status="pre"), False),
        (person(50, menopause_status="post"), False),
    ],
)
def test_profile_gap_menopause(member, flagged):
    results = run(member=member)
    assert has(results, "profile_gap_menopause") is flagged
    if flagged:
        assert not has(results, "life_stage_postmenopause")
        assert only(results, "profile_gap_menopause").audience == "member"


@pytest.mark.parametrize(
    ("regimens", "blocked", "source"),
    [
        ([], ["life_stage"], "SEED"),
        ([regimen("c", CALCIUM)], ["life_stage", "above_upper_limit"], "SEED, ODS-CA"),
        ([regimen("k", K2)], ["life_stage", "child_adult_mk7_dose"], "SEED"),
        (
            [regimen("f", BONE_FORMULA)],
            ["life_stage", "above_upper_limit", "child_adult_mk7_dose"],
            "SEED, ODS-D, ODS-MG",
        ),
    ],
)
def test_profile_gap_birth_date(regimens, blocked, source):
    flag = only(run(member=no_birth_date(), regimens=regimens), "profile_gap_birth_date")
    assert flag.evidence["blocked_checks"] == blocked
    assert (flag.severity, flag.source, flag.audience) == ("info", source, "member")


def test_no_birth_date_gap_when_known():
    assert not has(run(member=person(30)), "profile_gap_birth_date")


@pytest.mark.parametrize(
    ("member", "regimens", "flagged"),
    [
        (person(19, sex=None), [], True),  # accrual window differs by sex
        (person(17, sex=None), [], False),
        (person(35, sex=None), [regimen("k", K2)], True),  # K AI 120 vs 90
        (person(35, sex=None), [regimen("c", CALCIUM)], False),  # 31-50 calcium: same
        (person(60, sex=None), [regimen("c", CALCIUM)], True),  # 51-70 RDA 1000 vs 1200
        (person(10, sex=None), [regimen("m", MAGNESIUM)], False),  # 9-13: same
        (person(16, sex=None), [regimen("m", MAGNESIUM)], True),  # 410 vs 360
        (person(35, sex=None), [], False),
        (person(19, sex="female"), [], False),
        (no_birth_date(sex=None), [regimen("k", K2)], False),  # the birth date gap comes first
    ],
)
def test_profile_gap_sex(member, regimens, flagged):
    results = run(member=member, regimens=regimens)
    assert has(results, "profile_gap_sex") is flagged


# --- the whole list -----------------------------------------------------------------------


def busy_week() -> FlagInputs:
    """A 71-year-old woman on warfarin and alendronate with a crowded plan and log."""
    alendronate = weekly("bp", ALENDRONATE, -3, "07:00")
    calcium = regimen("ca", supplement("ca-1200", calcium=1200), times=("07:10", "19:00"))
    plans = [
        alendronate,
        calcium,
        ON_WARFARIN,
        regimen("k", K2),
        regimen("d", supplement("d3-125", d3=125)),
    ]
    missed = occurrence("bp", at(-3, "07:00"))
    return inputs(
        member=person(71, menopause_status="post"),
        regimens=plans,
        doses=[
            dose(CALCIUM, at(-10, "07:05")),
            dose(ALENDRONATE, at(-10, "07:00"), "bp"),
            dose(ANTACID, at(-10, "07:20")),
            *weekly_k_logs([630, 90, 630, 630]),
        ],
        occurrences=[missed, *daily_occurrences(calcium, "07:10")],
        missed=[missed],
        pdc={"ca": 50.0, "d": 95.0, "k": 70.0},
    )


def test_busy_week_has_the_expected_flags_in_order():
    results = evaluate(busy_week())
    assert [(f.severity, f.code, f.subject) for f in results] == [
        ("critical", "vitamin_k_with_vka", ""),
        ("warning", "above_upper_limit", "calcium"),
        ("warning", "above_upper_limit", "vitamin_d"),
        ("warning", "bisphosphonate_absorption_window", "bp"),
        ("warning", "bisphosphonate_missed_dose", "bp"),
        ("warning", "low_pdc", "ca"),
        ("warning", "low_pdc", "k"),
        ("warning", "vitamin_k_swing_on_vka", ""),
        ("info", "bisphosphonate_dental", "bp"),
        ("info", "life_stage_over_40", ""),
        ("info", "life_stage_postmenopause", ""),
    ]


def test_results_are_json_safe_and_plain():
    for flag in evaluate(busy_week()):
        assert json.loads(json.dumps(flag.evidence)) == flag.evidence
        assert flag.title and flag.explanation and flag.source
        assert flag.audience in {"member", "dietitian", "both"}


def test_flag_ids_are_unique():
    results = evaluate(busy_week())
    assert len({(f.code, f.subject) for f in results}) == len(results)


def test_evaluate_is_deterministic():
    data = busy_week()
    assert evaluate(data) == evaluate(data)


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_input_order_does_not_change_the_result(random):
    data = busy_week()
    shuffled = replace(
        data,
        regimens=random.sample(data.regimens, len(data.regimens)),
        doses=random.sample(data.doses, len(data.doses)),
        occurrences=random.sample(data.occurrences, len(data.occurrences)),
        references=random.sample(data.references, len(data.references)),
    )
    assert evaluate(shuffled) == evaluate(data)


def test_every_rule_is_registered_once():
    assert len(RULES) == len(set(RULES)) == 16
