"""Writes to tracking. Each runs in one transaction, stamps the member's sync clock and
leaves nothing half-written when it refuses."""

from __future__ import annotations

import copy
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import tasks as account_tasks
from accounts.models import Profile
from backend.celery import enqueue_coalesced_on_commit, enqueue_on_commit
from backend.errors import Conflict
from sync.clock import stamp, tick

from . import planning
from .dose_moments import next_reminder_due
from .models import (
    AmountBasis,
    Flag,
    Ingredient,
    IntakeLog,
    Product,
    ProductKind,
    Regimen,
    RegimenSchedule,
    StockEvent,
)
from .rules.medicines import ELEMENTAL_CALCIUM, elemental
from .schedule_fields import clean_schedule

MAX_FUTURE = timedelta(days=1)
RECOMPUTE_MEMBER = "tracking.tasks.recompute_member"  # named: the task module imports this one
SCHEDULE_FIELDS = ("times", "weekdays", "day_of_month", "interval_days")


def record_activity_later(member_id, at) -> None:
    """After commit, remember the member's latest logged dose (shown to their dietitian)."""
    enqueue_on_commit(account_tasks.record_activity, str(member_id), at.isoformat())


def request_recompute(member_id) -> None:
    """After commit, recompute the member's adherence and flags (a burst → one run)."""
    enqueue_coalesced_on_commit(RECOMPUTE_MEMBER, str(member_id))


# --- Products -------------------------------------------------------------------------
@transaction.atomic
def create_product(owner, fields: dict[str, Any], ingredients: list[dict]) -> Product:
    product = Product(owner=owner, **fields)
    return _save_product(product, ingredients)


@transaction.atomic
def update_product(product: Product, fields: dict[str, Any], ingredients: list[dict] | None):
    for name, value in fields.items():
        setattr(product, name, value)
    return _save_product(product, ingredients)


MAX_INGREDIENTS = 30


def _save_product(product: Product, ingredients: list[dict] | None) -> Product:
    product.full_clean()
    if ingredients is not None:
        check_ingredients(ingredients)
    stamp(product)
    product.save()
    if ingredients is not None:
        product.ingredients.all().delete()
        Ingredient.objects.bulk_create(Ingredient(product=product, **i) for i in ingredients)
    if product.owner_id is not None:
        request_recompute(product.owner_id)
    return product


def check_ingredients(ingredients: list[dict]) -> None:
    """Each nutrient once, at most MAX_INGREDIENTS, every amount and form within its field."""
    codes = [entry["nutrient"].code for entry in ingredients]
    if len(codes) != len(set(codes)):
        raise ValidationError({"ingredients": ["Each nutrient may appear once."]})
    if len(codes) > MAX_INGREDIENTS:
        raise ValidationError({"ingredients": [f"At most {MAX_INGREDIENTS} ingredients."]})
    for position, entry in enumerate(ingredients):
        _check_basis(position, entry)
        try:
            Ingredient(**entry).full_clean(exclude=["product"], validate_constraints=False)
        except ValidationError as exc:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            message = f"Ingredient {position + 1}: {problems}"
            raise ValidationError({"ingredients": [message]}) from None


def _check_basis(position: int, entry: dict) -> None:
    """A salt's weight is taken only where its share of the mineral is known."""
    if entry.get("basis", AmountBasis.ELEMENTAL) != AmountBasis.COMPOUND:
        return
    known = entry["nutrient"].code == "calcium" and elemental(1, entry.get("form", "")) is not None
    if not known:
        salts = ", ".join(ELEMENTAL_CALCIUM)
        message = (
            f"Ingredient {position + 1}: an amount by the salt's weight is known only for "
            f"calcium as {salts}; give the elemental amount instead."
        )
        raise ValidationError({"ingredients": [message]})


@transaction.atomic
def delete_product(product: Product) -> None:
    """Tombstone a member's product; regimens and logs that name it keep their history."""
    product.deleted_at = timezone.now()
    stamp(product)
    product.save(update_fields=["deleted_at", "server_version", "updated_at"])


# --- Regimens -------------------------------------------------------------------------
@transaction.atomic
def create_regimen(member, fields: dict[str, Any]) -> Regimen:
    """A new plan; dose reminders are on by default for medicines, a choice for
    supplements."""
    fields = dict(fields)
    if "remind" not in fields and fields.get("product") is not None:
        fields["remind"] = fields["product"].kind == ProductKind.MEDICINE
    regimen = Regimen(member=member, **fields)
    return _save_regimen(regimen)


@transaction.atomic
def update_regimen(regimen: Regimen, fields: dict[str, Any]) -> Regimen:
    for name, value in fields.items():
        setattr(regimen, name, value)
    return _save_regimen(regimen)


@transaction.atomic
def save_regimen(regimen: Regimen) -> Regimen:
    """Save a plan whose fields are already set (the admin's form)."""
    return _save_regimen(regimen)


def _save_regimen(regimen: Regimen) -> Regimen:
    _prepare(regimen)
    check_plan(regimen)
    stamp(regimen)
    regimen.save()
    _record_schedule(regimen)
    schedule_dose_reminder(regimen)
    request_recompute(regimen.member_id)
    return regimen


def _prepare(regimen: Regimen) -> None:
    schedule = {name: getattr(regimen, name) for name in SCHEDULE_FIELDS}
    for name, value in clean_schedule(regimen.schedule_kind, schedule).items():
        setattr(regimen, name, value)
    regimen.full_clean()


def candidate_regimen(member, existing: Regimen | None, fields: dict[str, Any]) -> Regimen:
    """The plan saving `fields` would make (a new one, or `existing` changed), validated but
    not saved: what the checks look at before the member decides."""
    regimen = copy.copy(existing) if existing is not None else Regimen(member=member)
    for name, value in fields.items():
        if name != "regimen":
            setattr(regimen, name, value)
    _prepare(regimen)
    return regimen


def check_plan(regimen: Regimen) -> None:
    """Refuse a change that brings a critical finding its member has not confirmed (a weekly
    medicine planned daily, vitamin K on a vitamin K antagonist): the same for REST, sync
    and the admin. The confirmation is the finding's code in confirmed_findings."""
    codes = regimen.confirmed_findings
    if not isinstance(codes, list) or not all(isinstance(c, str) and len(c) <= 48 for c in codes):
        raise ValidationError({"confirmed_findings": ["A list of finding codes."]})
    missing = planning.unconfirmed(regimen)
    if missing:
        raise ValidationError(
            {
                "confirmed_findings": [
                    ValidationError(
                        f"{f.title}. {f.explanation} To save the plan as it is, confirm it "
                        f'(confirmed_findings: ["{f.code}"]).',
                        code="confirmation_required",
                    )
                    for f in missing
                ]
            }
        )


@transaction.atomic
def apply_day_plan(member, on: date):
    """Give the member's plans the day planner's suggested times and amounts (each through
    update_regimen, so schedule history is kept); return the day planned again."""
    suggestion = planning.day_plan(member.id, on)
    changed = {str(c.regimen_id): c for c in suggestion.changes}
    for regimen in Regimen.objects.filter(member=member, id__in=list(changed)).order_by("id"):
        change = changed[str(regimen.id)]
        fields = {
            "times": list(change.times),
            "servings_per_dose": Decimal(str(change.servings_per_dose)),
        }
        update_regimen(regimen, fields)
    return planning.day_plan(member.id, on)


def schedule_dose_reminder(regimen: Regimen) -> None:
    """Keep the plan's next dose moment for the reminder planner (None when reminders are
    off or the plan ended). A server-side field: no new stamp, devices never see it."""
    upcoming = next_reminder_due(regimen, timezone.now())
    Regimen.objects.filter(pk=regimen.pk).update(next_dose_reminder_at=upcoming)
    regimen.next_dose_reminder_at = upcoming


def _record_schedule(regimen: Regimen) -> None:
    """Keep the schedule's history: a change applies from the member's today (or the start,
    if later), so weeks already lived keep the schedule they had."""
    values = {name: getattr(regimen, name) for name in RegimenSchedule.VERSIONED_FIELDS}
    latest = regimen.schedules.order_by("-effective_from").first()
    if latest is not None and all(getattr(latest, k) == v for k, v in values.items()):
        return
    effective = regimen.start_date
    if latest is not None:
        effective = max(effective, member_today(regimen.member_id))
    regimen.schedules.filter(effective_from__gt=effective).delete()
    RegimenSchedule.objects.update_or_create(
        regimen=regimen, effective_from=effective, defaults=values
    )


def member_today(member_id) -> date:
    return Profile.objects.get(user_id=member_id).today()


@transaction.atomic
def end_regimen(regimen: Regimen) -> None:
    """Deleting a plan ends it today; its intake history stays."""
    today = member_today(regimen.member_id)
    if regimen.end_date is None or regimen.end_date > today:
        regimen.end_date = max(today, regimen.start_date)
    regimen.deleted_at = timezone.now()
    stamp(regimen)
    regimen.save(update_fields=["end_date", "deleted_at", "server_version", "updated_at"])
    schedule_dose_reminder(regimen)
    request_recompute(regimen.member_id)


# --- Intake ---------------------------------------------------------------------------
# Fields whose equality decides whether a re-sent log is the same dose.
REPLAY_FIELDS = ("regimen_id", "product_id", "servings", "taken_at", "status", "note")


def log_intake(member, fields: dict[str, Any], log_id: uuid.UUID | None = None):
    """Record one dose; return (log, created).

    With a client-generated id the call is idempotent: the same id and content again
    returns the stored row; the same id with other content, or another member's id, is a
    conflict and changes nothing.
    """
    if log_id is not None:
        existing = IntakeLog.objects.filter(id=log_id).first()
        if existing is not None:
            return _replayed(existing, member, fields), False
    log = IntakeLog(id=log_id or uuid.uuid4(), member=member, **fields)
    check_intake(log)
    try:
        write_intakes(member.id, new=[log])
    except IntegrityError:
        # Another request inserted the same id between our look-up and insert.
        existing = IntakeLog.objects.filter(id=log.id).first()
        if existing is None:
            raise
        return _replayed(existing, member, fields), False
    return log, True


def _replayed(existing: IntakeLog, member, fields: dict[str, Any]) -> IntakeLog:
    candidate = IntakeLog(member=member, **fields)
    same = (
        existing.member_id == member.id
        and existing.deleted_at is None
        and all(
            getattr(existing, f) == getattr(candidate, f)
            for f in REPLAY_FIELDS
            if _given(f, fields)
        )
    )
    if not same:
        raise Conflict(
            "An intake log with this id already exists with other content.", code="id_conflict"
        )
    return existing


def _given(field: str, fields: dict[str, Any]) -> bool:
    return field.removesuffix("_id") in fields


def update_intake(log: IntakeLog, fields: dict[str, Any]) -> IntakeLog:
    for name, value in fields.items():
        setattr(log, name, value)
    check_intake(log)
    write_intakes(log.member_id, changed=[log])
    return log


def delete_intake(log: IntakeLog) -> None:
    delete_intakes(log.member_id, [log])


# Written by write_intakes when a stored dose changes.
INTAKE_FIELDS = ["regimen", "product", "servings", "taken_at", "status", "note", "source"]


@transaction.atomic
def write_intakes(member_id, new: list[IntakeLog] = (), changed: list[IntakeLog] = ()) -> None:
    """Store checked doses of one member (check_intake) in bulk under one clock stamp, then
    recompute and remember the latest dose after commit: one dose from REST, hundreds from
    a device back online, the same way."""
    new, changed = list(new), list(changed)
    if not (new or changed):
        return
    version, now = tick(member_id), timezone.now()
    for log in new + changed:
        log.server_version, log.updated_at = version, now
    IntakeLog.objects.bulk_create(new, batch_size=500)
    IntakeLog.objects.bulk_update(changed, [*INTAKE_FIELDS, "server_version", "updated_at"])
    request_recompute(member_id)
    record_activity_later(member_id, max(log.taken_at for log in new + changed))


@transaction.atomic
def delete_intakes(member_id, logs: list[IntakeLog]) -> None:
    """Tombstone doses of one member under one clock stamp."""
    if not logs:
        return
    version, now = tick(member_id), timezone.now()
    for log in logs:
        log.deleted_at, log.server_version, log.updated_at = now, version, now
    IntakeLog.objects.bulk_update(logs, ["deleted_at", "server_version", "updated_at"])
    request_recompute(member_id)


def check_intake(log: IntakeLog) -> None:
    """Validate a dose before it is written; raise ValidationError naming the fields."""
    if log.regimen_id is not None and log.product_id is None:
        log.product_id = log.regimen.product_id
    errors: dict[str, list[str]] = {}
    if log.product_id is None:
        errors["product"] = ["Name the product, or the plan the dose belongs to."]
    if log.regimen_id is not None and log.regimen.product_id != log.product_id:
        errors["product"] = ["The product must be the one the regimen plans."]
    if log.taken_at is not None and log.taken_at > timezone.now() + MAX_FUTURE:
        errors["taken_at"] = ["A dose cannot be logged more than a day ahead."]
    if errors:
        raise ValidationError(errors)
    # The field validators are stricter than the check constraints, which the database
    # enforces anyway; validating constraints here would cost a query per dose.
    log.full_clean(
        exclude=["id", "member", "regimen", "product"],
        validate_unique=False,
        validate_constraints=False,
    )


# --- Stock ----------------------------------------------------------------------------
@transaction.atomic
def record_stock(member, fields: dict[str, Any], event_id: uuid.UUID | None = None) -> StockEvent:
    """A count of what is on hand, or a refill, for one of the member's plans; the member's
    recompute then moves the plan's refill reminder."""
    event = StockEvent(id=event_id or uuid.uuid4(), member=member, **fields)
    if event.at is None:
        event.at = timezone.now()
    if event.regimen_id is not None and event.regimen.member_id != member.id:
        raise ValidationError({"regimen": ["Unknown plan."]})
    event.full_clean(exclude=["member", "regimen"])
    stamp(event)
    event.save(force_insert=True)
    request_recompute(member.id)
    return event


def record_stock_once(member, fields: dict[str, Any], event_id: uuid.UUID | None = None):
    """record_stock, safe to repeat: the member's own id again returns that entry; another
    member's id (or a deleted entry's) is a conflict and changes nothing."""
    found = StockEvent.objects.filter(pk=event_id).first() if event_id else None
    if found is None:
        return record_stock(member, fields, event_id), True
    if found.member_id != member.id or found.deleted_at is not None:
        raise Conflict("A stock entry with this id already exists.", code="id_conflict")
    return found, False


@transaction.atomic
def delete_stock_event(event: StockEvent) -> None:
    event.deleted_at = timezone.now()
    stamp(event)
    event.save(update_fields=["deleted_at", "server_version", "updated_at"])
    request_recompute(event.member_id)


# --- Flags ----------------------------------------------------------------------------
@transaction.atomic
def acknowledge_flag(flag: Flag, by) -> Flag:
    """Mark a flag as seen by a person; recomputation keeps it while the episode lasts."""
    if flag.acknowledged_at is None:
        flag.acknowledged_by = by
        flag.acknowledged_at = timezone.now()
        stamp(flag)
        flag.save(
            update_fields=["acknowledged_by", "acknowledged_at", "server_version", "updated_at"]
        )
    return flag
