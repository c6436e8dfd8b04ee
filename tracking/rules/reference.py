"""Reference intakes: the table of docs/domain.md#reference-intakes (loaded from
tracking/data/reference_intakes.csv, the same file a migration loads into the database) and
the look-ups the flag rules need."""

from __future__ import annotations

import calendar
import csv
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import get_args, get_type_hints

from tracking.rules.types import Member, ReferenceIntake

REFERENCE_CSV = Path(__file__).resolve().parent.parent / "data" / "reference_intakes.csv"

CSV_COLUMNS = (
    "nutrient",
    "kind",
    "sex",
    "condition",
    "age_from_months",
    "age_to_months",
    "amount",
    "unit",
    "source",
    "version",
    "note",
)

# Product nutrient codes (tracking.Nutrient.code) → the reference nutrient whose row applies.
# Zinc has no row in that table, so it maps to nothing.
REFERENCE_NUTRIENT: dict[str, str] = {
    "d3": "vitamin_d",
    "d2": "vitamin_d",
    "k2_mk7": "vitamin_k",
    "k2_mk4": "vitamin_k",
    "k1": "vitamin_k",
    "calcium": "calcium",
    "magnesium": "magnesium",
}

# The table's life-stage bands in completed months: [from, to), to None = open.
# "7-12 months" ends before 12 because at 12 completed months the "1-3 years" band starts;
# "over 70 years" starts at 71 (852 months).
# source: ODS-CA, ODS-D, ODS-K, ODS-MG
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 7, "0-6 months"),
    (7, 12, "7-12 months"),
    (12, 48, "1-3 years"),
    (48, 108, "4-8 years"),
    (108, 168, "9-13 years"),
    (168, 228, "14-18 years"),
    (228, 372, "19-30 years"),
    (372, 612, "31-50 years"),
    (612, 852, "51-70 years"),
    (852, None, "over 70 years"),
)

# Pregnancy and lactation rows exist for these ages only (14-50 years).
# source: ODS-CA, ODS-D, ODS-K, ODS-MG
CONDITION_AGE_MONTHS = (168, 612)

# The values each Literal field allows, read from the dataclass so the two cannot drift.
_HINTS = get_type_hints(ReferenceIntake)
_CHOICES: dict[str, frozenset[str]] = {
    name: frozenset(get_args(_HINTS[name]))
    for name in ("nutrient", "kind", "sex", "condition", "unit")
}


def load_reference_csv(path: str | Path = REFERENCE_CSV) -> list[ReferenceIntake]:
    """Every row of the reference-intake CSV, in file order. Raises ValueError naming the line
    when a value is not one the ReferenceIntake dataclass allows."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
            raise ValueError(f"{path}: expected columns {', '.join(CSV_COLUMNS)}")
        return [_parse_row(row, reader.line_num) for row in reader]


def _parse_row(row: dict[str, str], line: int) -> ReferenceIntake:
    for name, allowed in _CHOICES.items():
        if row[name] not in allowed:
            raise ValueError(f"line {line}: {name} {row[name]!r} is not one of {sorted(allowed)}")
    age_to = row["age_to_months"].strip()
    return ReferenceIntake(
        nutrient=row["nutrient"],  # type: ignore[arg-type]  # checked against _CHOICES
        kind=row["kind"],  # type: ignore[arg-type]
        sex=row["sex"],  # type: ignore[arg-type]
        condition=row["condition"],  # type: ignore[arg-type]
        age_from_months=int(row["age_from_months"]),
        age_to_months=int(age_to) if age_to else None,
        amount=float(row["amount"]),
        unit=row["unit"],  # type: ignore[arg-type]
        source=row["source"],
        version=row["version"],
        note=row["note"],
    )


def age_in_months(dob: date, on: date) -> int:
    """Completed months of age on `on`. A month completes on the birth day-of-month, or on the
    month's last day when it is shorter (born 31 Jan → 1 month on 28 Feb; born 29 Feb → a year
    older on 28 Feb of a common year)."""
    if on < dob:
        raise ValueError(f"{on.isoformat()} is before the date of birth {dob.isoformat()}")
    months = (on.year - dob.year) * 12 + (on.month - dob.month)
    month_end = calendar.monthrange(on.year, on.month)[1]
    if on.day < min(dob.day, month_end):
        months -= 1
    return months


def member_age_months(member: Member) -> int | None:
    """The member's completed months of age on their local today, None without a birth date."""
    if member.date_of_birth is None:
        return None
    return age_in_months(member.date_of_birth, member.today)


def member_condition(member: Member) -> str:
    """The table condition that describes the member. Pregnancy wins when both are recorded,
    because the pregnancy row is the one a clinician would go by."""
    if member.pregnant:
        return "pregnant"
    if member.lactating:
        return "lactating"
    return "none"


def reference_for(
    refs: Iterable[ReferenceIntake], nutrient: str, kind: str, member: Member
) -> ReferenceIntake | None:
    """The row that applies to the member, or None when the age is unknown, no row exists
    (vitamin K has no UL), or the sex is unknown and the rows differ by sex.

    A pregnancy or lactation row takes precedence when the member is pregnant or lactating
    and such a row exists for their age; otherwise the ordinary row applies."""
    months = member_age_months(member)
    if months is None:
        return None
    rows = [
        row
        for row in refs
        if row.nutrient == nutrient and row.kind == kind and _covers(row, months)
    ]
    condition = member_condition(member)
    if condition != "none":
        special = [row for row in rows if row.condition == condition]
        if special:
            # Those rows describe the pregnancy itself, so the recorded sex does not matter.
            return min(special, key=_row_order)
    return _pick_by_sex([row for row in rows if row.condition == "none"], member.sex)


def recommended_intake_for(
    refs: Iterable[ReferenceIntake], nutrient: str, member: Member
) -> ReferenceIntake | None:
    """The RDA, or the AI where the table gives no RDA (infants; vitamin K)."""
    rows = list(refs)
    return reference_for(rows, nutrient, "rda", member) or reference_for(
        rows, nutrient, "ai", member
    )


def _covers(row: ReferenceIntake, months: int) -> bool:
    return row.age_from_months <= months and (
        row.age_to_months is None or months < row.age_to_months
    )


def _row_order(row: ReferenceIntake) -> tuple[str, str, int]:
    # Sex-specific rows before "any", then a stable tie-break, so look-ups are deterministic.
    return ("1" if row.sex == "any" else "0", row.sex, row.age_from_months)


def _pick_by_sex(rows: list[ReferenceIntake], sex: str | None) -> ReferenceIntake | None:
    if sex is not None:
        candidates = [row for row in rows if row.sex in (sex, "any")]
    else:
        candidates = [row for row in rows if row.sex == "any"] or rows
        if len({row.amount for row in candidates}) > 1:
            return None  # the amount depends on a sex we do not know
    return min(candidates, key=_row_order) if candidates else None


def age_band_label(months: int) -> str:
    """The table's life-stage band for an age in completed months, e.g. "51-70 years"."""
    for start, end, label in AGE_BANDS:
        if start <= months and (end is None or months < end):
            return label
    raise ValueError(f"negative age {months}")


def life_stage(member: Member) -> str:
    """A short label for the table row that describes the member: "female, 51-70 years",
    "pregnant, 19-30 years", "1-3 years" (sex unknown), or "age unknown"."""
    months = member_age_months(member)
    if months is None:
        return "age unknown"
    band = age_band_label(months)
    condition = member_condition(member)
    low, high = CONDITION_AGE_MONTHS
    if condition != "none" and low <= months < high:
        return f"{condition}, {band}"
    if member.sex is not None:
        return f"{member.sex}, {band}"
    return band


def reference_nutrient(code: str) -> str | None:
    """The reference nutrient for a product nutrient code; None when the table has none."""
    return REFERENCE_NUTRIENT.get(code)


def codes_for(nutrient: str) -> frozenset[str]:
    """The product nutrient codes that count toward a reference nutrient."""
    return frozenset(code for code, target in REFERENCE_NUTRIENT.items() if target == nutrient)
