"""Nutrient totals: the worked cases of issue 16 and the properties a person relies on when
they read what their day added up to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tracking.facts import product as product_from_rows
from tracking.rules import totals
from tracking.rules.reference import load_reference_csv
from tracking.rules.types import Dose, Member, Product, Regimen, Schedule

REFERENCES = load_reference_csv()
DAY = date(2026, 12, 1)
TRIO = Product(
    "trio", "D3 + K2 + Magnesium", nutrients={"d3": 25.0, "k2_mk7": 90.0, "magnesium": 100.0}
)
D3 = Product("d3", "Vitamin D3 25 mcg", nutrients={"d3": 25.0})


def taken(product: Product, when: datetime, servings: float = 1.0, status: str = "taken") -> Dose:
    return Dose(f"{product.id}@{when.isoformat()}", product.id, None, when, status, servings)


def at(hour: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_a_trio_and_a_separate_d3_add_up_to_50_mcg_of_vitamin_d():
    days = totals.taken_by_day(
        [taken(TRIO, at(8)), taken(D3, at(20))], {"trio": TRIO, "d3": D3}, "UTC"
    )

    assert totals.group(days[DAY], "vitamin_d") == Decimal("50")
    assert totals.group(days[DAY], "vitamin_k") == Decimal("90")
    assert totals.to_iu(totals.group(days[DAY], "vitamin_d")) == Decimal("2000")


def test_calcium_carbonate_1250_mg_is_500_mg_of_calcium():
    row = {
        "id": "ca",
        "name": "Calcium carbonate 1250 mg",
        "kind": "supplement",
        "drug_class": "",
        "drug": "",
        "release": "immediate",
        "usual_schedule": "",
    }
    carbonate = product_from_rows(row, [("calcium", Decimal("1250.000"), "carbonate", "compound")])

    days = totals.taken_by_day([taken(carbonate, at(8))], {"ca": carbonate}, "UTC")

    assert days[DAY]["calcium"] == Decimal("500")


def test_a_pregnant_17_year_old_has_a_calcium_upper_limit_of_3000_mg():
    member = Member(
        today=DAY, timezone="UTC", date_of_birth=date(2009, 6, 1), sex="female", pregnant=True
    )

    calcium = next(t for t in totals.targets(member, REFERENCES) if t.nutrient == "calcium")

    assert calcium.upper_limit == Decimal("3000")
    assert (calcium.intake_kind, calcium.intake) == ("rda", Decimal("1300"))


def test_magnesiums_upper_limit_counts_supplements_only_and_says_so():
    member = Member(today=DAY, timezone="UTC", date_of_birth=date(1960, 1, 1), sex="female")

    magnesium = next(t for t in totals.targets(member, REFERENCES) if t.nutrient == "magnesium")

    assert magnesium.upper_limit == Decimal("350")
    assert "supplement" in magnesium.note.lower()


def test_vitamin_k_has_an_adequate_intake_and_no_upper_limit():
    member = Member(today=DAY, timezone="UTC", date_of_birth=date(1960, 1, 1), sex="female")

    vitamin_k = next(t for t in totals.targets(member, REFERENCES) if t.nutrient == "vitamin_k")

    assert (vitamin_k.intake_kind, vitamin_k.intake, vitamin_k.upper_limit) == (
        "ai",
        Decimal("90"),
        None,
    )


def test_skipped_doses_add_nothing_and_days_follow_the_members_zone():
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # already 2 December in Amsterdam
    days = totals.taken_by_day(
        [taken(D3, late), taken(D3, at(9), status="skipped")], {"d3": D3}, "Europe/Amsterdam"
    )

    assert list(days) == [date(2026, 12, 2)]


def test_the_plan_says_what_the_day_would_be():
    daily = Regimen(
        "r", D3, DAY, None, (Schedule(DAY, "daily", ("08:00", "20:00"), servings_per_dose=1.5),)
    )
    weekly = Regimen(
        "w", TRIO, DAY, None, (Schedule(DAY, "weekdays", ("08:00",), (2,)),)
    )  # Tuesdays

    days = totals.planned_by_day([daily, weekly], DAY, DAY + timedelta(days=6))

    assert days[DAY]["d3"] == Decimal("100")  # a Tuesday: 2 x 1.5 x 25 + 25
    assert days[DAY + timedelta(days=1)]["d3"] == Decimal("75")


# --- Properties -----------------------------------------------------------------------------
AMOUNTS = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999.999"), places=3)
SERVINGS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)
CODES = st.sampled_from(totals.NUTRIENTS)


@st.composite
def products(draw):
    nutrients = draw(st.dictionaries(CODES, AMOUNTS, min_size=1, max_size=4))
    return Product(
        f"p{draw(st.integers(0, 10**6))}",
        "P",
        nutrients={c: float(a) for c, a in nutrients.items()},
    )


@st.composite
def doses(draw, catalogue):
    product = draw(st.sampled_from(catalogue))
    when = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
    return taken(product, when, float(draw(SERVINGS)))


@settings(max_examples=200, derandomize=True)
@given(st.data())
def test_totals_are_additive_over_days(data):
    catalogue = data.draw(st.lists(products(), min_size=1, max_size=4, unique_by=lambda p: p.id))
    logged = data.draw(st.lists(doses(catalogue), max_size=30))
    by_id = {p.id: p for p in catalogue}

    days = totals.taken_by_day(logged, by_id, "Europe/Amsterdam")
    whole = totals.by_product(
        logged, by_id, "Europe/Amsterdam", date(2026, 10, 1), date(2026, 12, 31)
    )

    assert totals.sum_days(days.values()) == totals.sum_days(whole.values())


@settings(max_examples=200, derandomize=True)
@given(st.dictionaries(CODES, AMOUNTS, min_size=2, max_size=5), SERVINGS)
def test_splitting_a_product_into_its_ingredients_gives_the_same_totals(nutrients, servings):
    combined = Product(
        "combined", "All in one", nutrients={c: float(a) for c, a in nutrients.items()}
    )
    parts = [Product(f"part-{c}", c, nutrients={c: float(a)}) for c, a in nutrients.items()]
    when = at(8)

    one = totals.taken_by_day(
        [taken(combined, when, float(servings))], {"combined": combined}, "UTC"
    )
    many = totals.taken_by_day(
        [taken(p, when, float(servings)) for p in parts], {p.id: p for p in parts}, "UTC"
    )

    assert one == many
    assert one[DAY] == {c: a * servings for c, a in nutrients.items()}  # exact


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("10000000"), places=5))
def test_micrograms_and_iu_convert_both_ways_exactly(amount):
    assert totals.from_iu(totals.to_iu(amount)) == amount
    assert totals.to_iu(totals.from_iu(amount)) == amount


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.data())
def test_whole_units_round_as_the_stored_column_rounds(data):
    catalogue = data.draw(st.lists(products(), min_size=1, max_size=4, unique_by=lambda p: p.id))
    logged = data.draw(st.lists(doses(catalogue), max_size=30))
    by_id = {p.id: p for p in catalogue}
    places = data.draw(st.integers(0, 8))

    units = totals.taken_units_by_day(logged, by_id, "UTC")
    decimals = totals.taken_by_day(logged, by_id, "UTC")

    step = Decimal(1).scaleb(-places)
    for day, found in decimals.items():
        expected = tuple(
            int(found.get(code, Decimal(0)).quantize(step).scaleb(places))
            for code in totals.NUTRIENTS
        )
        assert totals.rounded(units[day], places) == expected


def test_an_amount_with_more_decimals_than_the_units_hold_stays_exact():
    third = Product("third", "A third of 350 mg", nutrients={"magnesium": 350 / 3})
    logged = [taken(third, at(8), 3.0)]

    days = totals.taken_by_day(logged, {"third": third}, "UTC")
    units = totals.taken_units_by_day(logged, {"third": third}, "UTC")

    assert days[DAY]["magnesium"] == totals.exact(350 / 3) * 3
    magnesium = totals.NUTRIENTS.index("magnesium")
    assert totals.rounded(units[DAY], 5)[magnesium] == 350_00000
