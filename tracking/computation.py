"""Recompute adherence and flags for a set of members: load everything for the set in a
few set-based queries, run the pure rules per member, write only what changed.

Rows that did not change are not touched (no new server_version), so running twice writes
identical rows. Weeks older than the window keep the values they were last computed with.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from uuid import UUID

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Profile
from sync import clock

from . import facts, stock_levels
from .models import (
    AdherenceSnapshot,
    Flag,
    Ingredient,
    IntakeLog,
    MemberComputation,
    NutrientDay,
    NutrientTarget,
    Product,
    ReferenceIntake,
    Regimen,
    RegimenSchedule,
)
from .rules import adherence, flags, schedule, totals
from .rules.reference import CSV_COLUMNS
from .rules.types import (
    Dose,
    FlagResult,
    Member,
    Occurrence,
    WeekAdherence,
)
from .rules.types import (
    Product as RuleProduct,
)
from .rules.types import (
    ReferenceIntake as RuleReference,
)
from .rules.types import (
    Regimen as RuleRegimen,
)

WEEKS = 13  # the window each run recomputes; the API shows older weeks as last computed
# Doses this far before the window still match occurrences at its edge (monthly: ±7 days,
# plus a day for the widest zone offset).
MATCH_MARGIN = timedelta(days=8)
FLAG_LOOKBACK_DAYS = 35
FLAG_LOOKAHEAD_DAYS = 7
PDC_FLAG_DAYS = 28
REFERENCE_VERSION = "dri-iom"


@dataclass
class MemberData:
    member_id: UUID
    member: Member
    regimens: list[RuleRegimen] = field(default_factory=list)
    doses: list[Dose] = field(default_factory=list)
    products: dict[str, RuleProduct] = field(default_factory=dict)


@dataclass
class MemberResult:
    member_id: UUID
    first_week: date
    weeks: list[WeekAdherence]
    flags: list[FlagResult]
    # Each day of the window: (taken, planned) totals by nutrient code.
    nutrient_days: dict[date, tuple[dict, dict]] = field(default_factory=dict)
    targets: list[totals.Target] = field(default_factory=list)


@dataclass
class Summary:
    members: int = 0
    snapshots_written: int = 0
    flags_written: int = 0
    nutrient_days_written: int = 0

    def add(self, other: Summary) -> None:
        self.members += other.members
        self.snapshots_written += other.snapshots_written
        self.flags_written += other.flags_written
        self.nutrient_days_written += other.nutrient_days_written


def recompute(member_ids: Iterable[UUID], now: datetime | None = None) -> Summary:
    """Recompute and store adherence snapshots, flags, nutrient totals and refill moments
    for these members."""
    now = now or timezone.now()
    member_ids = list(member_ids)
    data = load(member_ids, now)
    results = [compute(member, now) for member in data]
    summary = write(results, now)
    stock_levels.refresh(member_ids, now)
    return summary


# --- Loading --------------------------------------------------------------------------
def load(member_ids: Sequence[UUID], now: datetime) -> list[MemberData]:
    earliest = now - timedelta(weeks=WEEKS, days=7) - MATCH_MARGIN
    members = _load_members(member_ids, now)
    products = _load_products(member_ids, earliest)
    for row in _regimen_rows(members, earliest.date()):
        members[row["member_id"]].regimens.append(row["regimen"])
    for member_id, dose in _dose_rows(members, earliest):
        members[member_id].doses.append(dose)
    _attach_products(members.values(), products)
    return list(members.values())


def _load_members(member_ids: Sequence[UUID], now: datetime) -> dict[UUID, MemberData]:
    rows = Profile.objects.filter(user_id__in=member_ids, user__is_active=True)
    members = {}
    for row in rows.values("user_id", *facts.MEMBER_COLUMNS):
        today = now.astimezone(facts.zone(row["timezone"])).date()
        members[row["user_id"]] = MemberData(row["user_id"], facts.member(row, today))
    return members


def _regimen_rows(members: dict[UUID, MemberData], earliest: date) -> Iterable[dict]:
    """Regimens in force at any time since `earliest`, with their schedule history."""
    regimens = Regimen.objects.filter(member_id__in=list(members)).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=earliest)
    )
    schedules: dict[UUID, list[dict]] = defaultdict(list)
    for row in (
        RegimenSchedule.objects.filter(regimen__in=regimens)
        .order_by("regimen_id", "effective_from")
        .values()
    ):
        schedules[row["regimen_id"]].append(row)
    for row in regimens.values("member_id", *facts.PLAN_COLUMNS):
        # The product is attached once all products are loaded (_attach_products).
        product = RuleProduct(id=str(row["product_id"]), name="")
        regimen = facts.plan(row, schedules.get(row["id"], []), product)
        yield {"member_id": row["member_id"], "regimen": regimen}


def _dose_rows(members: dict[UUID, MemberData], earliest: datetime):
    rows = (
        IntakeLog.objects.filter(
            member_id__in=list(members), deleted_at__isnull=True, taken_at__gte=earliest
        )
        .order_by()  # the rules sort what they need; the model's ordering only costs a sort
        .values_list("member_id", *facts.DOSE_COLUMNS)
    )
    for member_id, *dose in rows.iterator(chunk_size=5000):
        yield member_id, facts.dose(dose)


def _load_products(member_ids: Sequence[UUID], earliest: datetime) -> dict[str, RuleProduct]:
    """The catalogue and the members' own products, with nutrients per serving."""
    products = Product.objects.filter(Q(owner__isnull=True) | Q(owner_id__in=member_ids))
    ingredients: dict[str, list[tuple]] = defaultdict(list)
    rows = Ingredient.objects.filter(product__in=products).values_list(
        "product_id", *facts.INGREDIENT_COLUMNS
    )
    for product_id, *ingredient in rows:
        ingredients[str(product_id)].append(ingredient)
    return {
        str(row["id"]): facts.product(row, ingredients.get(str(row["id"]), []))
        for row in products.values(*facts.PRODUCT_COLUMNS)
    }


def _attach_products(members: Iterable[MemberData], products: dict[str, RuleProduct]) -> None:
    for data in members:
        data.regimens = [
            replace(regimen, product=products[regimen.product.id]) for regimen in data.regimens
        ]
        data.products = products


@cache
def _references_cached(version: str) -> tuple[RuleReference, ...]:
    rows = ReferenceIntake.objects.filter(version=version).values(*CSV_COLUMNS)
    return tuple(facts.reference(row) for row in rows)


def references() -> list[RuleReference]:
    return list(_references_cached(REFERENCE_VERSION))


# --- Computing (pure) -----------------------------------------------------------------
def compute(data: MemberData, now: datetime) -> MemberResult:
    member, tz = data.member, data.member.timezone
    weeks = _weeks_with_plans(adherence.weekly_adherence(data.regimens, data.doses, tz, now, WEEKS))
    today = member.today
    first_week = today - timedelta(days=today.weekday(), weeks=WEEKS - 1)
    inputs = flags.FlagInputs(
        member=member,
        regimens=data.regimens,
        doses=[d for d in data.doses if d.taken_at >= now - timedelta(days=FLAG_LOOKBACK_DAYS)],
        products=data.products,
        occurrences=_flag_occurrences(data, today),
        missed=_missed(data, today, now),
        pdc_last_4_weeks=_pdc_last_4_weeks(data, today, now),
        references=references(),
        now=now,
    )
    return MemberResult(
        data.member_id,
        first_week,
        weeks,
        flags.evaluate(inputs),
        _nutrient_days(data, first_week, today, now),
        totals.targets(member, references()),
    )


def _nutrient_days(data: MemberData, first: date, today: date, now: datetime):
    taken = totals.taken_by_day(
        (d for d in data.doses if d.taken_at <= now), data.products, data.member.timezone
    )
    planned = totals.planned_by_day(data.regimens, first, today)
    days = {day for day in taken.keys() | planned.keys() if first <= day <= today}
    return {day: (taken.get(day, {}), planned.get(day, {})) for day in sorted(days)}


def _weeks_with_plans(weeks: list[WeekAdherence]) -> list[WeekAdherence]:
    """Drop the overall row of weeks in which no plan ran: nothing to show, nothing to store."""
    planned = {w.week_start for w in weeks if w.regimen_id is not None}
    return [w for w in weeks if w.week_start in planned]


def _flag_occurrences(data: MemberData, today: date) -> list[Occurrence]:
    first = today - timedelta(days=PDC_FLAG_DAYS)
    last = today + timedelta(days=FLAG_LOOKAHEAD_DAYS)
    tz = data.member.timezone
    occurrences = [o for r in data.regimens for o in schedule.expand(r, first, last, tz)]
    return sorted(occurrences, key=lambda o: o.due_at)


def _missed(data: MemberData, today: date, now: datetime) -> list[Occurrence]:
    first = today - timedelta(days=FLAG_LOOKBACK_DAYS)
    return [
        o
        for r in data.regimens
        if r.product.drug_class == "bisphosphonate"
        for o in adherence.missed_occurrences(
            r, data.doses, data.member.timezone, first, today, now
        )
    ]


def _pdc_last_4_weeks(data: MemberData, today: date, now: datetime) -> dict[str, float | None]:
    first = today - timedelta(days=PDC_FLAG_DAYS - 1)
    return {
        r.id: adherence.pdc_between(r, data.doses, data.member.timezone, first, today, now)
        for r in data.regimens
        if r.end_date is None or r.end_date >= first
    }


# --- Writing --------------------------------------------------------------------------
@transaction.atomic
def write(results: list[MemberResult], now: datetime) -> Summary:
    """Store the results: inside the members' clock locks, diff against what is stored and
    write only changed rows, stamped with one new clock value per changed member."""
    member_ids = [r.member_id for r in results]
    clock.lock(member_ids)
    snapshots = _diff_snapshots(results, now)
    flag_rows = _diff_flags(results, now)
    days = _diff_nutrient_days(results, now)
    targets = _diff_targets(results)
    written = snapshots.all() + flag_rows.all() + days.all() + targets.all()
    stamps = clock.tick_many({row.member_id for row in written})
    for row in written:
        row.server_version = stamps[row.member_id]
        row.updated_at = now
    snapshots.save(AdherenceSnapshot, ("deleted_at", *AdherenceSnapshot.VALUE_FIELDS))
    flag_rows.save(Flag, ("resolved_at", *Flag.CONTENT_FIELDS))
    days.save(NutrientDay, ("deleted_at", *NutrientDay.VALUE_FIELDS))
    targets.save(NutrientTarget, NutrientTarget.VALUE_FIELDS)
    _record_runs(member_ids, now)
    return Summary(len(results), len(snapshots.all()), len(flag_rows.all()), len(days.all()))


@dataclass
class Changes:
    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)

    def all(self) -> list:
        return self.new + self.changed

    def save(self, model, fields: tuple[str, ...]) -> None:
        model.objects.bulk_create(self.new, batch_size=1000)
        if self.changed:
            # An upsert on the key rewrites changed rows in one statement per batch;
            # bulk_update's CASE per field and row cost seconds per chunk.
            model.objects.bulk_create(
                self.changed,
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["id"],
                update_fields=[*fields, "server_version", "updated_at"],
            )


def _diff_snapshots(results: list[MemberResult], now: datetime) -> Changes:
    oldest = min((r.first_week for r in results), default=now.date())
    stored: dict[UUID, dict[tuple, AdherenceSnapshot]] = defaultdict(dict)
    for row in AdherenceSnapshot.objects.filter(
        member_id__in=[r.member_id for r in results], week_start__gte=oldest
    ):
        stored[row.member_id][(row.regimen_id, row.week_start)] = row
    changes = Changes()
    for result in results:
        rows = stored.get(result.member_id, {})
        for week in result.weeks:
            key = (_uuid(week.regimen_id), week.week_start)
            _apply_week(changes, rows.pop(key, None), result.member_id, key, week)
        # Weeks in the window the rules no longer produce (a plan's start moved): tombstone.
        for (_, week_start), row in rows.items():
            if week_start >= result.first_week and row.deleted_at is None:
                row.deleted_at = now
                changes.changed.append(row)
    return changes


def _apply_week(changes: Changes, row, member_id: UUID, key, week: WeekAdherence) -> None:
    values = {name: getattr(week, name) for name in AdherenceSnapshot.VALUE_FIELDS}
    if row is None:
        regimen_id, week_start = key
        changes.new.append(
            AdherenceSnapshot(
                member_id=member_id, regimen_id=regimen_id, week_start=week_start, **values
            )
        )
        return
    if row.deleted_at is None and all(getattr(row, k) == v for k, v in values.items()):
        return
    for name, value in values.items():
        setattr(row, name, value)
    row.deleted_at = None
    changes.changed.append(row)


def _diff_flags(results: list[MemberResult], now: datetime) -> Changes:
    active = defaultdict(dict)
    for row in Flag.objects.filter(
        member_id__in=[r.member_id for r in results], resolved_at__isnull=True
    ):
        active[row.member_id][(row.code, row.subject)] = row
    changes = Changes()
    for result in results:
        stored = active.get(result.member_id, {})
        for found in result.flags:
            _apply_flag(changes, stored.pop((found.code, found.subject), None), result, found, now)
        for row in stored.values():
            row.resolved_at = now
            changes.changed.append(row)
    return changes


def _apply_flag(changes: Changes, row, result: MemberResult, found: FlagResult, now) -> None:
    values = {
        "severity": found.severity,
        "title": found.title,
        "explanation": found.explanation,
        "evidence": json.loads(json.dumps(found.evidence)),
        "source": found.source,
        "audience": found.audience,
    }
    if row is None:
        changes.new.append(
            Flag(
                member_id=result.member_id,
                code=found.code,
                subject=found.subject,
                first_seen_at=now,
                **values,
            )
        )
        return
    if all(getattr(row, k) == v for k, v in values.items()):
        return
    for name, value in values.items():
        setattr(row, name, value)
    changes.changed.append(row)


AMOUNT = Decimal("0.00001")  # NutrientDay's five decimal places


def _day_values(taken: dict, planned: dict) -> dict[str, Decimal]:
    values = {}
    for code in NutrientDay.NUTRIENTS:
        values[code] = taken.get(code, Decimal(0)).quantize(AMOUNT)
        values[f"planned_{code}"] = planned.get(code, Decimal(0)).quantize(AMOUNT)
    return values


def _diff_nutrient_days(results: list[MemberResult], now: datetime) -> Changes:
    oldest = min((r.first_week for r in results), default=now.date())
    stored: dict[UUID, dict[date, NutrientDay]] = defaultdict(dict)
    for row in NutrientDay.objects.filter(
        member_id__in=[r.member_id for r in results], day__gte=oldest
    ):
        stored[row.member_id][row.day] = row
    changes = Changes()
    for result in results:
        rows = stored.get(result.member_id, {})
        for day, (taken, planned) in result.nutrient_days.items():
            values = _day_values(taken, planned)
            row = rows.pop(day, None)
            if row is None:
                changes.new.append(NutrientDay(member_id=result.member_id, day=day, **values))
            elif row.deleted_at is not None or any(getattr(row, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                row.deleted_at = None
                changes.changed.append(row)
        # Days in the window with nothing any more (a dose deleted): tombstone.
        for day, row in rows.items():
            if day >= result.first_week and row.deleted_at is None:
                row.deleted_at = now
                changes.changed.append(row)
    return changes


def _diff_targets(results: list[MemberResult]) -> Changes:
    stored: dict[tuple, NutrientTarget] = {
        (row.member_id, row.nutrient): row
        for row in NutrientTarget.objects.filter(member_id__in=[r.member_id for r in results])
    }
    changes = Changes()
    for result in results:
        for target in result.targets:
            values = {name: getattr(target, name) for name in NutrientTarget.VALUE_FIELDS}
            row = stored.get((result.member_id, target.nutrient))
            if row is None:
                changes.new.append(
                    NutrientTarget(member_id=result.member_id, nutrient=target.nutrient, **values)
                )
            elif any(getattr(row, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                changes.changed.append(row)
    return changes


def _record_runs(member_ids: list[UUID], now: datetime) -> None:
    existing = MemberComputation.objects.filter(member_id__in=member_ids)
    existing.update(computed_at=now, runs=F("runs") + 1)
    MemberComputation.objects.bulk_create(
        [MemberComputation(member_id=m, computed_at=now, runs=1) for m in member_ids],
        ignore_conflicts=True,
    )


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None
