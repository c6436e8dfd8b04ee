"""The reference-intake CSV against docs/domain.md#reference-intakes, and the look-ups over it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracking.rules.reference import (
    AGE_BANDS,
    REFERENCE_CSV,
    age_in_months,
    codes_for,
    life_stage,
    load_reference_csv,
    recommended_intake_for,
    reference_for,
    reference_nutrient,
)
from tracking.rules.types import Member, ReferenceIntake

REFS = load_reference_csv(REFERENCE_CSV)
TODAY = date(2025, 3, 12)

# The table of docs/domain.md#reference-intakes, transcribed column by column, independent
# of the CSV (tests/test_docs.py checks the page against this transcription).
# life stage → (Ca RDA/AI, Ca UL, D RDA/AI, D UL, K AI, Mg RDA/AI, Mg UL); (male, female) pairs.
BAND_START = {
    "0-6 mo": 0,
    "7-12 mo": 7,
    "1-3 y": 12,
    "4-8 y": 48,
    "9-13 y": 108,
    "14-18 y": 168,
    "19-30 y": 228,
    "31-50 y": 372,
    "51-70 y": 612,
    "> 70 y": 852,
}
TABLE = {
    "0-6 mo": (200, 1000, 10, 25, 2.0, 30, None),
    "7-12 mo": (260, 1500, 10, 38, 2.5, 75, None),
    "1-3 y": (700, 2500, 15, 63, 30, 80, 65),
    "4-8 y": (1000, 2500, 15, 75, 55, 130, 110),
    "9-13 y": (1300, 3000, 15, 100, 60, 240, 350),
    "14-18 y": (1300, 3000, 15, 100, 75, (410, 360), 350),
    "19-30 y": (1000, 2500, 15, 100, (120, 90), (400, 310), 350),
    "31-50 y": (1000, 2500, 15, 100, (120, 90), (420, 320), 350),
    "51-70 y": ((1000, 1200), 2000, 15, 100, (120, 90), (420, 320), 350),
    "> 70 y": (1200, 2000, 20, 100, (120, 90), (420, 320), 350),
}
PREGNANT = {
    "14-18 y": (1300, 3000, 15, 100, 75, 400, 350),
    "19-30 y": (1000, 2500, 15, 100, 90, 350, 350),
    "31-50 y": (1000, 2500, 15, 100, 90, 360, 350),
}
LACTATING = {
    "14-18 y": (1300, 3000, 15, 100, 75, 360, 350),
    "19-30 y": (1000, 2500, 15, 100, 90, 310, 350),
    "31-50 y": (1000, 2500, 15, 100, 90, 320, 350),
}
COLUMNS = (
    ("calcium", "rda", "mg", "ODS-CA"),
    ("calcium", "ul", "mg", "ODS-CA"),
    ("vitamin_d", "rda", "mcg", "ODS-D"),
    ("vitamin_d", "ul", "mcg", "ODS-D"),
    ("vitamin_k", "ai", "mcg", "ODS-K"),
    ("magnesium", "rda", "mg", "ODS-MG"),
    ("magnesium", "ul", "mg", "ODS-MG"),
)
INFANT_BANDS = ("0-6 mo", "7-12 mo")  # the table marks infant Ca, D and Mg values "AI"


def expected_cells() -> list[tuple[str, str, str, str, int, float, str, str]]:
    """(nutrient, kind, sex, condition, age_from, amount, unit, source) for every cell."""
    cells = []
    for condition, table in (("none", TABLE), ("pregnant", PREGNANT), ("lactating", LACTATING)):
        for band, values in table.items():
            for (nutrient, kind, unit, source), value in zip(COLUMNS, values, strict=True):
                if value is None:
                    continue
                if kind == "rda" and band in INFANT_BANDS:
                    kind = "ai"
                start = BAND_START[band]
                if condition != "none":
                    cells.append((nutrient, kind, "female", condition, start, value, unit, source))
                elif isinstance(value, tuple):
                    male, female = value
                    cells.append((nutrient, kind, "male", condition, start, male, unit, source))
                    cells.append((nutrient, kind, "female", condition, start, female, unit, source))
                else:
                    cells.append((nutrient, kind, "any", condition, start, value, unit, source))
    return cells


def key(row: ReferenceIntake) -> tuple[str, str, str, str, int]:
    return (row.nutrient, row.kind, row.sex, row.condition, row.age_from_months)


def person(
    years: int = 0, months: int = 0, *, days_short: int = 0, sex: str | None = "female", **kw
) -> Member:
    """A member aged `years` and `months` today, `days_short` days before that birthday."""
    total = years * 12 + months
    year, month = TODAY.year - total // 12, TODAY.month - total % 12
    if month < 1:
        year, month = year - 1, month + 12
    dob = date(year, month, TODAY.day) + timedelta(days=days_short)
    return Member(today=TODAY, timezone="Europe/Amsterdam", date_of_birth=dob, sex=sex, **kw)


def amount(nutrient: str, kind: str, member: Member) -> float | None:
    row = reference_for(REFS, nutrient, kind, member)
    return None if row is None else row.amount


# --- the CSV ------------------------------------------------------------------------------


def test_csv_loads_into_reference_intakes():
    assert len(REFS) == 120
    assert all(isinstance(row, ReferenceIntake) for row in REFS)
    assert {row.version for row in REFS} == {"dri-iom"}
    assert {row.nutrient for row in REFS} == {"calcium", "vitamin_d", "vitamin_k", "magnesium"}


def test_every_domain_cell_is_a_row_and_nothing_else():
    rows = {key(row): row for row in REFS}
    assert len(rows) == len(REFS), "duplicate (nutrient, kind, sex, condition, age) rows"
    cells = expected_cells()
    assert len(cells) == len(REFS)
    for nutrient, kind, sex, condition, start, value, unit, source in cells:
        row = rows[(nutrient, kind, sex, condition, start)]
        assert (row.amount, row.unit, row.source) == (value, unit, source), row


@pytest.mark.parametrize(
    ("nutrient", "kind", "sex", "condition", "start", "end", "value"),
    [
        ("calcium", "ai", "any", "none", 0, 7, 200),
        ("calcium", "ul", "any", "none", 7, 12, 1500),
        ("calcium", "rda", "male", "none", 612, 852, 1000),
        ("calcium", "rda", "female", "none", 612, 852, 1200),
        ("calcium", "rda", "any", "none", 852, None, 1200),
        ("calcium", "ul", "any", "none", 852, None, 2000),
        ("calcium", "ul", "female", "pregnant", 168, 228, 3000),
        ("vitamin_d", "ai", "any", "none", 7, 12, 10),
        ("vitamin_d", "ul", "any", "none", 12, 48, 63),
        ("vitamin_d", "rda", "any", "none", 852, None, 20),
        ("vitamin_k", "ai", "any", "none", 0, 7, 2.0),
        ("vitamin_k", "ai", "any", "none", 7, 12, 2.5),
        ("vitamin_k", "ai", "male", "none", 228, 372, 120),
        ("vitamin_k", "ai", "female", "lactating", 168, 228, 75),
        ("magnesium", "rda", "male", "none", 168, 228, 410),
        ("magnesium", "rda", "female", "pregnant", 372, 612, 360),
        ("magnesium", "rda", "female", "lactating", 228, 372, 310),
        ("magnesium", "ul", "any", "none", 12, 48, 65),
        ("magnesium", "ul", "any", "none", 48, 108, 110),
    ],
)
def test_spot_cells(nutrient, kind, sex, condition, start, end, value):
    rows = [r for r in REFS if key(r) == (nutrient, kind, sex, condition, start)]
    assert len(rows) == 1
    assert (rows[0].age_to_months, rows[0].amount) == (end, value)


def test_no_upper_limit_for_vitamin_k_or_infant_magnesium():
    assert not [r for r in REFS if r.nutrient == "vitamin_k" and r.kind == "ul"]
    infant_mg_ul = [
        r for r in REFS if r.nutrient == "magnesium" and r.kind == "ul" and r.age_from_months < 12
    ]
    assert infant_mg_ul == []


def test_magnesium_upper_limit_is_about_supplements_only():
    notes = {r.note for r in REFS if r.nutrient == "magnesium" and r.kind == "ul"}
    assert notes == {"supplements and medicines only"}


def test_rows_use_the_table_age_bands():
    bands = {(start, end) for start, end, _ in AGE_BANDS}
    assert {(r.age_from_months, r.age_to_months) for r in REFS} <= bands
    conditions = {(r.age_from_months, r.age_to_months) for r in REFS if r.condition != "none"}
    assert conditions == {(168, 228), (228, 372), (372, 612)}


def test_age_bands_are_contiguous_and_open_ended():
    for (_, end, _), (start, _, _) in pairwise(AGE_BANDS):
        assert end == start
    assert AGE_BANDS[0][0] == 0 and AGE_BANDS[-1][1] is None


def test_bad_value_names_the_line(tmp_path):
    text = REFERENCE_CSV.read_text(encoding="utf-8").replace("vitamin_d,", "vitamin_e,", 1)
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"line .*vitamin_e"):
        load_reference_csv(path)


# --- ages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "on", "months"),
    [
        (date(2000, 5, 10), date(2000, 5, 10), 0),
        (date(2000, 5, 10), date(2000, 6, 9), 0),
        (date(2000, 5, 10), date(2000, 6, 10), 1),
        (date(2000, 1, 31), date(2000, 2, 28), 0),  # 2000 is a leap year: 29 Feb exists
        (date(2000, 1, 31), date(2000, 2, 29), 1),
        (date(2001, 1, 31), date(2001, 2, 28), 1),  # month end stands in for the 31st
        (date(2008, 2, 29), date(2026, 2, 28), 216),  # 18 in a common year
        (date(2008, 2, 29), date(2026, 2, 27), 215),
        (date(2007, 3, 13), date(2025, 3, 12), 215),  # 17 y 11 mo, one day short of 18
        (date(2007, 3, 12), date(2025, 3, 12), 216),
    ],
)
def test_age_in_months(dob, on, months):
    assert age_in_months(dob, on) == months


def test_age_before_birth_is_an_error():
    with pytest.raises(ValueError):
        age_in_months(date(2020, 1, 2), date(2020, 1, 1))


@settings(max_examples=200, deadline=None)
@given(
    dob=st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    years=st.integers(min_value=0, max_value=110),
    later=st.integers(min_value=0, max_value=400),
)
def test_age_in_months_counts_birthdays_and_never_goes_back(dob, years, later):
    try:
        birthday = dob.replace(year=dob.year + years)
    except ValueError:  # 29 Feb in a common year: the 28th is the birthday
        birthday = date(dob.year + years, 2, 28)
    assert age_in_months(dob, birthday) == 12 * years
    assert age_in_months(dob, birthday + timedelta(days=later)) >= 12 * years
    if years:
        assert age_in_months(dob, birthday - timedelta(days=1)) == 12 * years - 1


# --- look-ups -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "nutrient", "kind", "expected"),
    [
        # 18 y 11 mo is still 14-18; 19 y is 19-30.
        (person(18, 11), "calcium", "rda", 1300),
        (person(19), "calcium", "rda", 1000),
        (person(19, days_short=1), "calcium", "rda", 1300),
        (person(18, 11), "vitamin_k", "ai", 75),
        (person(19), "vitamin_k", "ai", 90),
        (person(19, sex="male"), "vitamin_k", "ai", 120),
        (person(18, 11, sex="male"), "magnesium", "rda", 410),
        (person(19, sex="male"), "magnesium", "rda", 400),
        # 50 vs 51: calcium UL 2500 → 2000; women's calcium RDA 1000 → 1200.
        (person(50, 11), "calcium", "ul", 2500),
        (person(51), "calcium", "ul", 2000),
        (person(50), "calcium", "rda", 1000),
        (person(51), "calcium", "rda", 1200),
        (person(51, sex="male"), "calcium", "rda", 1000),
        # 70 vs 71: vitamin D RDA 15 → 20, men's calcium 1000 → 1200.
        (person(70, 11), "vitamin_d", "rda", 15),
        (person(71), "vitamin_d", "rda", 20),
        (person(70, sex="male"), "calcium", "rda", 1000),
        (person(71, sex="male"), "calcium", "rda", 1200),
        (person(95), "vitamin_d", "ul", 100),
        # Infants: AI rows, the 7-12 month band, and no magnesium UL before 1 year.
        (person(0, 6), "calcium", "ai", 200),
        (person(0, 7), "calcium", "ai", 260),
        (person(0, 6), "calcium", "rda", None),
        (person(0, 11), "vitamin_d", "ul", 38),
        (person(0, 11), "magnesium", "ul", None),
        (person(1), "magnesium", "ul", 65),
        (person(3, 11), "magnesium", "ul", 65),
        (person(4), "magnesium", "ul", 110),
        (person(9), "magnesium", "ul", 350),
        (person(40), "vitamin_k", "ul", None),
    ],
)
def test_reference_for_age_boundaries(member, nutrient, kind, expected):
    assert amount(nutrient, kind, member) == expected


@pytest.mark.parametrize(
    ("member", "nutrient", "kind", "expected"),
    [
        (person(25, pregnant=True), "magnesium", "rda", 350),
        (person(25, lactating=True), "magnesium", "rda", 310),
        (person(25), "magnesium", "rda", 310),
        (person(35, pregnant=True), "magnesium", "rda", 360),
        (person(17, pregnant=True), "calcium", "ul", 3000),
        (person(17, pregnant=True), "magnesium", "rda", 400),
        (person(17, lactating=True), "magnesium", "rda", 360),
        (person(17, pregnant=True), "vitamin_k", "ai", 75),
        # Pregnant and lactating both recorded: the pregnancy row applies.
        (person(25, pregnant=True, lactating=True), "magnesium", "rda", 350),
        # Recorded sex does not stop a pregnancy row; unknown sex neither.
        (person(25, sex=None, pregnant=True), "vitamin_k", "ai", 90),
        # No pregnancy row outside 14-50: the ordinary row applies.
        (person(13, pregnant=True), "magnesium", "rda", 240),
        (person(51, pregnant=True), "calcium", "ul", 2000),
    ],
)
def test_pregnancy_and_lactation_rows_take_precedence(member, nutrient, kind, expected):
    assert amount(nutrient, kind, member) == expected


@pytest.mark.parametrize(
    ("member", "nutrient", "kind", "expected"),
    [
        (person(35, sex=None), "vitamin_k", "ai", None),  # 120 vs 90
        (person(35, sex=None), "calcium", "ul", 2500),  # same for both: "any" row
        (person(35, sex=None), "calcium", "rda", 1000),
        (person(60, sex=None), "calcium", "rda", None),  # 1000 vs 1200
        (person(60, sex=None), "calcium", "ul", 2000),
        (person(10, sex=None), "vitamin_k", "ai", 60),
    ],
)
def test_unknown_sex_only_resolves_rows_that_agree(member, nutrient, kind, expected):
    assert amount(nutrient, kind, member) == expected


def test_unknown_age_resolves_nothing():
    member = replace(person(40), date_of_birth=None)
    assert reference_for(REFS, "calcium", "ul", member) is None


def test_returned_row_carries_source_and_unit():
    row = reference_for(REFS, "vitamin_d", "ul", person(40))
    assert row is not None
    assert (row.amount, row.unit, row.source) == (100, "mcg", "ODS-D")


def test_recommended_intake_falls_back_to_adequate_intake():
    assert recommended_intake_for(REFS, "calcium", person(0, 3)).kind == "ai"
    assert recommended_intake_for(REFS, "calcium", person(30)).kind == "rda"
    assert recommended_intake_for(REFS, "vitamin_k", person(30)).amount == 90


@pytest.mark.parametrize(
    ("member", "label"),
    [
        (person(51), "female, 51-70 years"),
        (person(71, sex="male"), "male, over 70 years"),
        (person(0, 7, sex=None), "7-12 months"),
        (person(25, pregnant=True), "pregnant, 19-30 years"),
        (person(17, lactating=True), "lactating, 14-18 years"),
        (person(55, pregnant=True), "female, 51-70 years"),
        (replace(person(30), date_of_birth=None), "age unknown"),
    ],
)
def test_life_stage_labels(member, label):
    assert life_stage(member) == label


@pytest.mark.parametrize(
    ("code", "nutrient"),
    [
        ("d3", "vitamin_d"),
        ("d2", "vitamin_d"),
        ("k2_mk7", "vitamin_k"),
        ("k2_mk4", "vitamin_k"),
        ("k1", "vitamin_k"),
        ("calcium", "calcium"),
        ("magnesium", "magnesium"),
        ("zinc", None),
    ],
)
def test_product_nutrient_codes_map_to_reference_nutrients(code, nutrient):
    assert reference_nutrient(code) == nutrient


def test_codes_for_is_the_inverse_mapping():
    assert codes_for("vitamin_k") == {"k2_mk7", "k2_mk4", "k1"}
    assert codes_for("vitamin_d") == {"d3", "d2"}
