"""The plain data the rules read and return. No Django: tasks convert rows to these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

ScheduleKind = Literal["daily", "weekdays", "monthly", "interval", "as_needed"]
Severity = Literal["info", "warning", "critical"]
Audience = Literal["member", "dietitian", "both"]


@dataclass(frozen=True)
class Schedule:
    """One version of a regimen's schedule, in force from `effective_from` (a local date)
    until the next version's `effective_from`. Editing a regimen adds a version; earlier
    weeks keep the schedule they had."""

    effective_from: date
    kind: ScheduleKind
    times: tuple[str, ...] = ()  # local "HH:MM", sorted; empty only for as_needed
    weekdays: tuple[int, ...] = ()  # ISO 1 = Monday .. 7 = Sunday
    day_of_month: int | None = None  # past the month's end → the month's last day
    interval_days: int | None = None  # counted from the regimen's start_date
    servings_per_dose: float = 1.0


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    kind: Literal["supplement", "medicine"] = "supplement"
    drug_class: str = ""  # "bisphosphonate", "vitamin_k_antagonist", "antacid", ...
    drug: str = ""  # "alendronate", "risedronate", "ibandronate", "warfarin", ...
    release: Literal["immediate", "delayed"] = "immediate"
    # Amount of each nutrient in one serving, by nutrient code ("k2_mk7", "d3", "calcium",
    # "magnesium", ...), in the nutrient's unit (mcg for vitamins, mg for minerals); minerals
    # as elemental amounts.
    nutrients: dict[str, float] = field(default_factory=dict)
    # The form of a nutrient where it matters ("calcium": "carbonate"), by nutrient code.
    forms: dict[str, str] = field(default_factory=dict)
    # How often the label says the medicine is taken: "", "daily", "weekly" or "monthly".
    usual_schedule: str = ""


@dataclass(frozen=True)
class Regimen:
    id: str
    product: Product
    start_date: date
    end_date: date | None  # inclusive; None = open
    schedules: tuple[Schedule, ...]  # sorted by effective_from; at least one


@dataclass(frozen=True)
class Dose:
    """A logged dose event (an IntakeLog)."""

    id: str
    product_id: str
    regimen_id: str | None
    taken_at: datetime  # aware
    status: Literal["taken", "skipped"] = "taken"
    servings: float = 1.0


@dataclass(frozen=True)
class Occurrence:
    """One scheduled dose of a regimen."""

    regimen_id: str
    due_at: datetime  # aware, in the member's zone
    local_date: date


@dataclass(frozen=True)
class WeekAdherence:
    """One ISO week (Monday to Sunday in the member's zone) for one regimen, or overall when
    regimen_id is None. Percentages are 0..100, None when nothing was scheduled."""

    regimen_id: str | None
    week_start: date  # the Monday
    scheduled: int
    taken: int
    on_time: int
    skipped: int
    days_covered: int
    days_in_period: int
    dose_taking_pct: float | None
    timing_pct: float | None
    pdc_pct: float | None
    streak_days: int  # consecutive fully covered days up to the week's end or `today`

    @property
    def iso_year(self) -> int:
        return self.week_start.isocalendar().year

    @property
    def iso_week(self) -> int:
        return self.week_start.isocalendar().week


@dataclass(frozen=True)
class ReferenceIntake:
    """One row of the reference-intake table of docs/domain.md#reference-intakes (loaded from
    data, never literals)."""

    nutrient: Literal["calcium", "vitamin_d", "vitamin_k", "magnesium"]
    kind: Literal["rda", "ai", "ul"]
    sex: Literal["female", "male", "any"]
    condition: Literal["none", "pregnant", "lactating"]
    age_from_months: int  # inclusive
    age_to_months: int | None  # exclusive; None = no upper bound
    amount: float
    unit: Literal["mg", "mcg"]
    source: str  # source key (docs/domain.md#sources), e.g. "ODS-CA"
    version: str = "2024-dri"
    note: str = ""


@dataclass(frozen=True)
class Member:
    """What the flag rules know about a person. Unknown values are None / "unknown"."""

    today: date  # local date in the member's zone
    timezone: str  # IANA name
    date_of_birth: date | None = None
    sex: Literal["female", "male"] | None = None
    menopause_status: Literal["pre", "peri", "post", "unknown"] = "unknown"
    final_period_date: date | None = None
    pregnant: bool = False
    lactating: bool = False


@dataclass(frozen=True)
class MemberDay:
    """A member's usual day, in local wall-clock times; a meal of None is one they skip."""

    wake: time = time(7, 0)
    breakfast: time | None = time(7, 30)
    lunch: time | None = time(12, 30)
    dinner: time | None = time(18, 30)
    bed: time = time(22, 30)

    def meals(self) -> dict[str, time]:
        found = {"breakfast": self.breakfast, "lunch": self.lunch, "dinner": self.dinner}
        return {name: at for name, at in found.items() if at is not None}


@dataclass(frozen=True)
class FlagResult:
    """A computed flag. (code, subject) identifies it across recomputations; subject names
    what it is about (a regimen id, a nutrient code) or is "" for member-wide flags."""

    code: str
    severity: Severity
    title: str
    explanation: str  # plain language: what was observed, and when to talk to a clinician
    evidence: dict[str, Any]  # JSON-safe: ids, dates as ISO strings, values with units
    source: str  # source key(s) (docs/domain.md#sources), e.g. "FDA-ALN" or "ODS-CA"
    subject: str = ""
    audience: Audience = "both"
