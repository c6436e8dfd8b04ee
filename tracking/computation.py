"""Recompute adherence and flags for a set of members: load everything for the set in a
few set-based queries, run the pure rules per member, write only what changed.

Rows that did not change are not touched (no new server_version), so running twice writes
identical rows. Weeks older than the window keep the values they were last computed with.
"""

from __future__ import annotations

import gc
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from itertools import pairwise
from uuid import UUID

from django.db import connection, transaction
from django.db.models import BigIntegerField, CharField, F, FloatField, Q, Value
from django.db.models.functions import Cast, Round
from django.utils import timezone

from accounts.models import Profile
from backend import bulkwrite
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
    # Each day of the window: its NutrientDay values, taken then planned (DayValues).
    nutrient_days: dict[date, tuple[int, ...]] = field(default_factory=dict)
    targets: list[totals.Target] = field(default_factory=list)


@dataclass
class Summary:
    members: int = 0
    snapshots_written: int = 0
    flags_written: int = 0
    nutrient_days_written: int = 0
    # Seconds each stage took (STAGES), so the batch's logs show where its time goes.
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, other: Summary) -> None:
        self.members += other.members
        self.snapshots_written += other.snapshots_written
        self.flags_written += other.flags_written
        self.nutrient_days_written += other.nutrient_days_written
        for stage, seconds in other.seconds.items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    @property
    def rows_written(self) -> int:
        return self.snapshots_written + self.flags_written + self.nutrient_days_written


STAGES = ("load", "compute", "write", "refill")


def recompute(member_ids: Iterable[UUID], now: datetime | None = None) -> Summary:
    """Recompute and store adherence snapshots, flags, nutrient totals and refill moments
    for these members."""
    now = now or timezone.now()
    member_ids = list(member_ids)
    marks = [time.perf_counter()]
    with _cyclic_gc_paused():
        summary = _load_compute_write(member_ids, now, marks)
    stock_levels.refresh(member_ids, now)
    marks.append(time.perf_counter())
    summary.seconds = {
        stage: end - start for stage, (start, end) in zip(STAGES, pairwise(marks), strict=True)
    }
    return summary


def _load_compute_write(member_ids: list[UUID], now: datetime, marks: list[float]) -> Summary:
    # A function of its own, so the chunk's members and results are freed on return,
    # before the cycle collector resumes (it would walk them all once more).
    data = load(member_ids, now)
    marks.append(time.perf_counter())
    results = [compute(member, now) for member in data]
    marks.append(time.perf_counter())
    summary = write(results, now)
    marks.append(time.perf_counter())
    return summary


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A chunk holds a few hundred thousand live objects (doses, slots, rows) and frees
    them by reference counting; the cycle collector only walks them again and again, an
    eighth of a chunk's time. Paused for the chunk, it resumes with the worker's next
    allocations, once the chunk's objects are gone."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
    logs = IntakeLog.objects.filter(
        member_id__in=list(members), deleted_at__isnull=True, taken_at__gte=earliest
    ).order_by()  # the rules sort what they need; the model's ordering only costs a sort
    if connection.vendor != "postgresql":  # SQLite keeps UUIDs as bare hex: the ORM's way
        rows = logs.values_list("member_id", *facts.DOSE_COLUMNS)
        for member_id, *dose in rows.iterator(chunk_size=5000):
            yield member_id, facts.dose(dose)
        return
    # Ids as text and servings as floats straight from PostgreSQL, as a Dose holds them:
    # no UUID or Decimal made per log only to be turned into a string or a float (that was
    # half of loading a chunk).
    as_text = {f"{name}_text": Cast(name, CharField()) for name in _ID_COLUMNS}
    rows = logs.annotate(**as_text, servings_float=Cast("servings", FloatField())).values_list(
        *as_text, "taken_at", "status", "servings_float"
    )
    by_text = {str(member_id): member_id for member_id in members}
    for member_id, *dose in _plain_rows(rows):
        yield by_text[member_id], facts.dose(dose)


def _plain_rows(rows):
    """A values_list queryset's rows as psycopg returns them (PostgreSQL only): the ORM's
    per-row converters would only cast again what the query already cast (a float, an int),
    and on the batch's 140,000 logs and 40,000 stored days a chunk that was a fifth of
    loading and diffing."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while found := cursor.fetchmany(5000):
            yield from found


_ID_COLUMNS = ("member_id", "id", "product_id", "regimen_id")  # then DOSE_COLUMNS' others


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
    logs = adherence.logs_of(data.doses, tz)  # placed in the zone once for every question
    window = adherence.weekly_window(data.regimens, logs, tz, now, WEEKS)
    weeks = _weeks_with_plans(window.weeks)
    today = member.today
    first_week = today - timedelta(days=today.weekday(), weeks=WEEKS - 1)
    inputs = flags.FlagInputs(
        member=member,
        regimens=data.regimens,
        doses=[d for d in data.doses if d.taken_at >= now - timedelta(days=FLAG_LOOKBACK_DAYS)],
        products=data.products,
        occurrences=_flag_occurrences(data, today),
        missed=_missed(data, logs, today, now),
        pdc_last_4_weeks=_pdc_last_4_weeks(data, window, today),
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


def _nutrient_days(
    data: MemberData, first: date, today: date, now: datetime
) -> dict[date, tuple[int, ...]]:
    taken = totals.taken_units_by_day(
        (d for d in data.doses if d.taken_at <= now), data.products, data.member.timezone
    )
    planned = totals.planned_units_by_day(data.regimens, first, today)
    days = {day for day in taken.keys() | planned.keys() if first <= day <= today}
    return {
        day: totals.rounded(taken.get(day, {}), DAY_PLACES)
        + totals.rounded(planned.get(day, {}), DAY_PLACES)
        for day in sorted(days)
    }


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


def _missed(data: MemberData, logs: adherence.Logs, today: date, now: datetime) -> list[Occurrence]:
    first = today - timedelta(days=FLAG_LOOKBACK_DAYS)
    return [
        o
        for r in data.regimens
        if r.product.drug_class == "bisphosphonate"
        for o in adherence.missed_occurrences(r, logs, data.member.timezone, first, today, now)
    ]


def _pdc_last_4_weeks(
    data: MemberData, window: adherence.Window, today: date
) -> dict[str, float | None]:
    # Inside the 13 weeks just matched: most plans' PDC is a count over their timeline.
    first = today - timedelta(days=PDC_FLAG_DAYS - 1)
    return {
        r.id: window.pdc_between(r, first, today)
        for r in data.regimens
        if r.end_date is None or r.end_date >= first
    }


# --- Writing --------------------------------------------------------------------------
# What a change rewrites, beyond the stamps: a row's values and its tombstone or resolution.
REWRITTEN = {
    AdherenceSnapshot: ("deleted_at", *AdherenceSnapshot.VALUE_FIELDS),
    Flag: ("resolved_at", *Flag.CONTENT_FIELDS),
    NutrientDay: ("deleted_at", *NutrientDay.VALUE_FIELDS),
    NutrientTarget: NutrientTarget.VALUE_FIELDS,
}


@transaction.atomic
def write(results: list[MemberResult], now: datetime) -> Summary:
    """Store the results: inside the members' clock locks, diff against what is stored and
    write only changed rows, stamped with one new clock value per changed member."""
    member_ids = [r.member_id for r in results]
    clock.lock(member_ids)
    changes = {
        AdherenceSnapshot: _diff_snapshots(results, now),
        Flag: _diff_flags(results, now),
        NutrientDay: _diff_nutrient_days(results, now),
        NutrientTarget: _diff_targets(results),
    }
    written = [row for found in changes.values() for row in found.all()]
    stamps = clock.tick_many({row["member_id"] for row in written})
    written_at = timezone.now()  # as auto_now stamps a save
    for row in written:
        row["server_version"] = stamps[row["member_id"]]
        row["updated_at"] = written_at
    for model, found in changes.items():
        bulkwrite.insert(model, found.new)
        bulkwrite.update(model, found.changed, (*REWRITTEN[model], "server_version", "updated_at"))
    _record_runs(member_ids, now)
    return Summary(
        len(results),
        len(changes[AdherenceSnapshot].all()),
        len(changes[Flag].all()),
        len(changes[NutrientDay].all()),
    )


@dataclass
class Changes:
    """Rows of one model to write, as attname → value: new ones, and stored ones (with
    their id and every column) in their new state."""

    new: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)

    def all(self) -> list[dict]:
        return self.new + self.changed

    def add(self, row: dict, stored_id) -> None:
        """A row to write: new when nothing is stored under its key yet."""
        if stored_id is None:
            self.new.append(row)
        else:
            self.changed.append({**row, "id": stored_id})


def _diff_snapshots(results: list[MemberResult], now: datetime) -> Changes:
    oldest = min((r.first_week for r in results), default=now.date())
    stored = _stored_weeks([r.member_id for r in results], oldest)
    changes = Changes()
    for result in results:
        rows = stored.get(result.member_id, {})
        for week in result.weeks:
            key = (_uuid(week.regimen_id), week.week_start)
            values = tuple(getattr(week, name) for name in AdherenceSnapshot.VALUE_FIELDS)
            row_id, deleted_at, was = rows.pop(key, (None, None, None))
            if row_id is None or deleted_at is not None or was != values:
                changes.add(_snapshot(result.member_id, key, values, None), row_id)
        # Weeks in the window the rules no longer produce (a plan's start moved): tombstone.
        for key, (row_id, deleted_at, was) in rows.items():
            if key[1] >= result.first_week and deleted_at is None:
                changes.add(_snapshot(result.member_id, key, was, now), row_id)
    return changes


def _stored_weeks(member_ids: list[UUID], oldest: date) -> dict[UUID, dict[tuple, tuple]]:
    """member → (regimen id, week) → (row id, deleted_at, VALUE_FIELDS) since `oldest`."""
    rows = (
        AdherenceSnapshot.objects.filter(member_id__in=member_ids, week_start__gte=oldest)
        .order_by()
        .values_list(
            "member_id",
            "regimen_id",
            "week_start",
            "id",
            "deleted_at",
            *AdherenceSnapshot.VALUE_FIELDS,
        )
    )
    found: dict[UUID, dict[tuple, tuple]] = defaultdict(dict)
    for member_id, regimen_id, week_start, row_id, deleted_at, *values in rows:
        found[member_id][(regimen_id, week_start)] = (row_id, deleted_at, tuple(values))
    return found


def _snapshot(member_id: UUID, key: tuple, values: tuple, deleted_at) -> dict:
    regimen_id, week_start = key
    return {
        "member_id": member_id,
        "regimen_id": regimen_id,
        "week_start": week_start,
        "deleted_at": deleted_at,
        **dict(zip(AdherenceSnapshot.VALUE_FIELDS, values, strict=True)),
    }


def _diff_flags(results: list[MemberResult], now: datetime) -> Changes:
    active: dict[UUID, dict[tuple, dict]] = defaultdict(dict)
    for row in Flag.objects.filter(
        member_id__in=[r.member_id for r in results], resolved_at__isnull=True
    ).values():
        active[row["member_id"]][(row["code"], row["subject"])] = row
    changes = Changes()
    for result in results:
        stored = active.get(result.member_id, {})
        for found in result.flags:
            _apply_flag(changes, stored.pop((found.code, found.subject), None), result, found, now)
        for row in stored.values():
            changes.add({**row, "resolved_at": now}, row["id"])
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
        new = {"member_id": result.member_id, "code": found.code, "subject": found.subject}
        changes.add({**new, "first_seen_at": now, **values}, None)
    elif any(row[k] != v for k, v in values.items()):
        changes.add({**row, **values}, row["id"])


# NutrientDay's values (VALUE_FIELDS: the NUTRIENTS taken, then planned) are compared and
# carried as whole units of its five decimal places: tuples of ints, no Decimal per value.
DAY_PLACES = 5
DayValues = tuple[int, ...]


def _diff_nutrient_days(results: list[MemberResult], now: datetime) -> Changes:
    oldest = min((r.first_week for r in results), default=now.date())
    stored = _stored_days([r.member_id for r in results], oldest)
    changes = Changes()
    for result in results:
        rows = stored.get(result.member_id, {})
        for day, values in result.nutrient_days.items():
            row_id, deleted_at, was = rows.pop(day, (None, None, None))
            if row_id is None or deleted_at is not None or was != values:
                changes.add(_nutrient_day(result.member_id, day, values, None), row_id)
        # Days in the window with nothing any more (a dose deleted): tombstone.
        for day, (row_id, deleted_at, was) in rows.items():
            if day >= result.first_week and deleted_at is None:
                changes.add(_nutrient_day(result.member_id, day, was, now), row_id)
    return changes


def _stored_days(member_ids: list[UUID], oldest: date) -> dict[UUID, dict[date, tuple]]:
    """member → day → (row id, deleted_at, DayValues) of the stored days since `oldest`."""
    scale = Value(10**DAY_PLACES)
    units = {
        f"{name}_units": Cast(Round(F(name) * scale), BigIntegerField())
        for name in NutrientDay.VALUE_FIELDS
    }
    rows = (
        NutrientDay.objects.filter(member_id__in=member_ids, day__gte=oldest)
        .order_by()
        .annotate(**units)
        .values_list("member_id", "day", "id", "deleted_at", *units)
    )
    if connection.vendor == "postgresql":
        rows = _plain_rows(rows)
    found: dict[UUID, dict[date, tuple]] = defaultdict(dict)
    for member_id, day, row_id, deleted_at, *values in rows:
        found[member_id][day] = (row_id, deleted_at, tuple(values))
    return found


def _nutrient_day(member_id: UUID, day: date, values: DayValues, deleted_at) -> dict:
    amounts = dict(zip(NutrientDay.VALUE_FIELDS, map(_places_text, values), strict=True))
    return {"member_id": member_id, "day": day, "deleted_at": deleted_at, **amounts}


@lru_cache(maxsize=65536)
def _places_text(units: int) -> str:
    """Whole units of DAY_PLACES decimals as the decimal text the column takes (exact, and
    on a first run's 850,000 rows cheaper than a Decimal per value). Cached: a first run
    formats 12 M values, and they repeat (in the bench's data 60 % are zero and 6 differ
    in 100 members' days: a day's amounts come from a few products' servings)."""
    whole, part = divmod(abs(units), 10**DAY_PLACES)
    return f"{'-' if units < 0 else ''}{whole}.{part:0{DAY_PLACES}d}"


def _diff_targets(results: list[MemberResult]) -> Changes:
    stored: dict[tuple, dict] = {
        (row["member_id"], row["nutrient"]): row
        for row in NutrientTarget.objects.filter(
            member_id__in=[r.member_id for r in results]
        ).values()
    }
    changes = Changes()
    for result in results:
        for target in result.targets:
            values = {name: getattr(target, name) for name in NutrientTarget.VALUE_FIELDS}
            row = stored.get((result.member_id, target.nutrient))
            if row is None:
                new = {"member_id": result.member_id, "nutrient": target.nutrient}
                changes.add({**new, **values}, None)
            elif any(row[k] != v for k, v in values.items()):
                changes.add({**row, **values}, row["id"])
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
