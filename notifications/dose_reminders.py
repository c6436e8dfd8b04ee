"""Dose-time reminders: at each scheduled local time, again when snoozed, once more as a
follow-up when nothing is logged, and for a bisphosphonate a second message when its
waiting window ends (docs/domain.md#schedules-and-waiting-windows).

Claim, then act (STYLE.md). The planner selects due plans with one indexed query
(Regimen.next_dose_reminder_at), writes a DoseReminder row per dose moment (unique per
plan and moment) and only then moves the plans' moments on with one conditional update;
a crash between the two leaves rows the next run finds, never second ones. A claimer takes
the first step of the reminders due now in that same transaction (their inbox rows and
deliveries commit with them) and sends their pushes itself once it commits. Every later
step (first send, snooze, follow-up, window end) is a DoseReminder whose `next_at` came:
one more indexed query, the chunk claimed by moving `next_at` to a lease, and acted on
with a handful of statements for the whole chunk.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DEFERRED
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from accounts.models import Profile, User
from accounts.reminder_moments import local_moment, outside_quiet_hours
from backend import bulkwrite, rawsql
from sync.clock import stamp, tick_many
from tracking import facts
from tracking.dose_moments import DoseMoment, dose_moment, next_reminder_due
from tracking.models import IntakeLog, IntakeStatus, Product, Regimen
from tracking.rules import medicines

from .models import Delivery, DeliveryStatus, DoseReminder, Kind, Notification, ReminderState
from .planner import wants_reminders
from .services import claimed_delivery_rows, create_once

CHUNK = 500
# A reminder sent this long after its moment (the planner was down) says it is late.
LATE_AFTER = timedelta(minutes=5)
# A moment further past than this when the planner comes back is not reminded any more.
STALE = timedelta(hours=3)
# A claimed reminder comes due again after this if its step never finished (a worker died):
# the step is retried, and the inbox rows' unique periods keep it from being sent twice.
LEASE = timedelta(minutes=5)
# After the follow-up, a bisphosphonate's reminder keeps looking for its log this often,
# so a dose taken later still hears when its waiting window ends.
LOOK_AGAIN = timedelta(minutes=10)
# A window that ended longer ago than this when noticed is not announced any more.
WINDOW_NEWS = timedelta(minutes=30)
SNOOZE_MINUTES = (10, 30, 60)
DOSE_NAMESPACE = uuid.UUID("2f6f0c38-5f24-4d3c-9e61-8d1c5a0f6b11")


def dose_id(regimen_id, due_at: datetime) -> uuid.UUID:
    """The reminder's id, and the id a notification's Taken or Skip logs the dose with: the
    same for every device and every tap, so the dose is logged once."""
    return uuid.uuid5(DOSE_NAMESPACE, f"{regimen_id}:{due_at.timestamp():.0f}")


# --- Claiming dose moments ---------------------------------------------------------------
def due_count(now: datetime) -> int:
    """How many plans' reminder moments came (the index alone answers)."""
    return Regimen.objects.filter(next_dose_reminder_at__lte=now).count()


def due_plans(now: datetime, limit: int | None = None, locked: bool = False) -> list[Regimen]:
    """Plans whose reminder moment came: one query on an indexed column (and one for their
    schedule versions, facts.attach_versions), reading only what claiming and acting on
    them needs. `locked`: inside a transaction, the plans are locked and those another
    claimer holds skipped, so claimers running at once take disjoint chunks.

    The rows are read as tuples and made into the plan, member, profile and product
    (one per product) here: select_related spends about as long again building them."""
    plans = Regimen.objects.filter(next_dose_reminder_at__lte=now)
    if locked:
        plans = plans.select_for_update(of=("self",), skip_locked=True)
    rows = plans.order_by("next_dose_reminder_at").values_list(*CLAIM_FIELDS)
    products: dict = {}
    found = [_claimed_plan(row, plans.db, products) for row in rows[: limit or CHUNK]]
    facts.attach_versions(found)
    return found


# What a reminder's text and routing read of its product and of its member's profile.
PRODUCT_COLUMNS = ("name", "serving_unit", "notes", "drug_class", "drug", "release")
PROFILE_COLUMNS = (
    "timezone",
    "reminder_zone",
    "phone_timezone",
    "quiet_hours_start",
    "quiet_hours_end",
    "follow_up_minutes",
    "remind_in_app",
    "remind_by_push",
    "remind_by_email",
    "dose_reminders_by_email",
)
# What claiming reads of a plan, its member and their profile (dose_moment, quiet hours,
# wants_reminders) and what acting on the new reminders reads (_step, the messages, the
# channels wanted); anything else would be one more query per plan.
PLAN_FIELDS = (
    *facts.PLAN_COLUMNS,
    "member_id",
    "deleted_at",
    "remind",
    "follow_up_minutes",
    "next_dose_reminder_at",
)
MEMBER_FIELDS = ("id", "is_active", "deletion_scheduled_for")
CLAIM_FIELDS = (
    *PLAN_FIELDS,
    *(f"product__{name}" for name in PRODUCT_COLUMNS),
    *(f"member__{name}" for name in MEMBER_FIELDS[1:]),
    "member__profile__id",
    *(f"member__profile__{name}" for name in PROFILE_COLUMNS),
)
_PRODUCT_AT = len(PLAN_FIELDS)
_MEMBER_AT = _PRODUCT_AT + len(PRODUCT_COLUMNS)
_PROFILE_AT = _MEMBER_AT + len(MEMBER_FIELDS) - 1


def _claimed_plan(row: tuple, db: str, products: dict) -> Regimen:
    """A plan with its member, their profile and its product from one CLAIM_FIELDS row, as
    select_related would leave them (the fields not read are deferred)."""
    plan = _make_plan(db, row[:_PRODUCT_AT])
    product = products.get(plan.product_id)
    if product is None:
        values = (plan.product_id, *row[_PRODUCT_AT:_MEMBER_AT])
        product = products[plan.product_id] = _make_product(db, values)
    member = _make_member(db, (plan.member_id, *row[_MEMBER_AT:_PROFILE_AT]))
    profile = _make_profile(db, (row[_PROFILE_AT], plan.member_id, *row[_PROFILE_AT + 1 :]))
    _cache(plan, "member", member)
    _cache(plan, "product", product)
    _cache(profile, "user", member)
    _cache(member, "profile", profile)
    return plan


def _maker(model, names: tuple[str, ...]):
    """Build `model` instances loaded with values of these fields, the others deferred: what
    Model.from_db leaves, without Model.__init__ walking every field (a third of reading a
    chunk). Models someone listens to pre_init or post_init on go through from_db."""
    order = [field.attname for field in model._meta.concrete_fields]
    slots = [names.index(name) if name in names else None for name in order]

    def make(db: str, values):
        if pre_init.has_listeners(model) or post_init.has_listeners(model):
            full = [DEFERRED if slot is None else values[slot] for slot in slots]
            return model.from_db(db, order, full)
        new = model.__new__(model)
        new._state = ModelState()
        new._state.adding, new._state.db = False, db
        new.__dict__.update(zip(names, values, strict=True))  # a deferred field is absent
        return new

    return make


_make_plan = _maker(Regimen, PLAN_FIELDS)
_make_product = _maker(Product, ("id", *PRODUCT_COLUMNS))
_make_member = _maker(User, MEMBER_FIELDS)
_make_profile = _maker(Profile, ("id", "user_id", *PROFILE_COLUMNS))


def _cache(instance, name: str, related) -> None:
    """What select_related stores for a relation (Model._state.fields_cache)."""
    instance._state.fields_cache[name] = related


def claim_moments(now: datetime) -> int:
    """Write a DoseReminder for every dose moment that came (due at once, or when quiet
    hours end) and move each plan to its next moment, a chunk at a time; return the
    reminders written (acted on by whoever next asks due_reminders)."""
    written = 0
    while (claimed := claim_chunk(now)) is not None:
        written += len(claimed.reminders)
    return written


@dataclass
class Opened:
    """What a chunk's new inbox rows leave to deliver: the push deliveries claimed for the
    writer to send once they commit, and the ids of the other pending ones, for workers."""

    push: list[Delivery] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)


@dataclass
class Claimed:
    reminders: list[DoseReminder]
    opened: Opened


def claim_chunk(now: datetime, acting_at: datetime | None = None) -> Claimed | None:
    """Claim one chunk of the dose moments that came, in one transaction: the plans locked
    (other claimers skip them), a DoseReminder written per moment and each plan moved to
    its next moment. Deactivated members and those leaving Ossa are moved on and not
    reminded; a moment more than STALE past (the planner was down for hours) is skipped.
    With `acting_at`, the reminders due now take their first step in the same transaction
    (act_on, without a second write of each): their inbox rows and deliveries commit with
    them. A claimer that dies before commit leaves nothing; after it, a delivery it had
    claimed is handed out again once stuck (services.requeue_stuck). Returns what was
    written, or None when no plan was due."""
    with transaction.atomic():
        plans = due_plans(now, locked=True)
        if not plans:
            return None
        rows, moves = [], []
        for plan in plans:
            due = plan.next_dose_reminder_at
            moment = dose_moment(plan, due)
            moves.append((plan.pk, due, _after(plan, moment, now)))
            if wants_reminders(plan.member) and now - due <= STALE:
                rows.append(_reminder_row(plan, moment, now))
        rows = _not_written(rows)
        acting = [r for r in rows if acting_at and r.next_at is not None and r.next_at <= now]
        sent = _steps(acting, acting_at) if acting else []
        _stamp_all([*rows, *sent])
        bulkwrite.insert(DoseReminder, [_columns(row, REMINDER_COLUMNS) for row in rows])
        opened = _write_inbox(sent, acting_at)
        rawsql.move_moments(Regimen, "next_dose_reminder_at", moves)
    return Claimed(rows, opened)


# What a new reminder row is written with (created_at and updated_at: the write's time).
REMINDER_COLUMNS = (
    "id",
    "server_version",
    "member_id",
    "regimen_id",
    "due_at",
    "counts_from",
    "counts_until",
    "state",
    "next_at",
    "snoozed_until",
    "sends",
    "follow_up_sent",
    "late",
)
NOTIFICATION_COLUMNS = ("id", "server_version", "member_id", "kind", "period", "title", "body")


def _columns(row, names) -> dict:
    return {name: getattr(row, name) for name in names}


def _not_written(rows: list[DoseReminder]) -> list[DoseReminder]:
    """The rows not in the table yet: a reminder already written for a plan and moment
    keeps the state its steps gave it (acting on a fresh copy would undo them)."""
    written = set(
        DoseReminder.objects.filter(pk__in=[row.pk for row in rows]).values_list("pk", flat=True)
    )
    return [row for row in rows if row.pk not in written]


def _after(plan: Regimen, moment: DoseMoment, now: datetime) -> datetime | None:
    upcoming = moment.upcoming
    if upcoming is not None and upcoming < now - STALE:
        upcoming = next_reminder_due(plan, now - STALE)
    return upcoming


def _reminder_row(plan: Regimen, moment: DoseMoment, now: datetime) -> DoseReminder:
    due = moment.due_at
    row = DoseReminder(
        id=dose_id(plan.pk, due),
        member=plan.member,
        regimen=plan,
        due_at=due,
        counts_from=moment.counts_from,
        counts_until=moment.counts_until,
        late=now - due > LATE_AFTER,
    )
    row.next_at = _respecting_quiet_hours(row, max(due, now))
    if row.next_at is None:
        row.state = ReminderState.DONE
    return row


def _respecting_quiet_hours(reminder: DoseReminder, at: datetime | None) -> datetime | None:
    """A step falling in the member's quiet hours waits for their end, if the dose's span
    still runs then; else it is not taken (Today still shows the dose)."""
    if at is None:
        return None
    profile = reminder.member.profile
    zone = profile.reminder_zone_now
    local = at.astimezone(zone)
    quiet = profile.quiet_hours_start, profile.quiet_hours_end
    end, days = outside_quiet_hours(local.time(), *quiet)
    if not days and end == local.time():
        return at
    later = local_moment(local.date() + timedelta(days=days), end, zone)
    return later if later <= reminder.counts_until else None


def _stamp_all(rows) -> None:
    """One clock tick per member for a chunk's rows (they commit together)."""
    versions = tick_many(row.member_id for row in rows)
    for row in rows:
        row.server_version = versions[row.member_id]


# --- Acting on reminders whose moment came -------------------------------------------------
def due_reminders(now: datetime) -> Iterator[list[uuid.UUID]]:
    """The reminders whose next step came, claimed a chunk at a time by moving next_at to a
    lease (a worker that dies leaves them to come due again)."""
    while True:
        rows = list(
            DoseReminder.objects.filter(next_at__lte=now)
            .order_by("next_at")
            .values_list("id", "next_at")[:CHUNK]
        )
        if not rows:
            return
        lease = now + LEASE
        claimed = rawsql.move_moments(DoseReminder, "next_at", [(*row, lease) for row in rows])
        if claimed:
            yield [uuid.UUID(str(pk)) for pk in claimed]


@dataclass(frozen=True)
class Message:
    period: str
    title: str
    body: str
    actions: bool = True


@dataclass(frozen=True)
class Logged:
    taken_at: datetime
    status: str


def act(reminder_ids: list[uuid.UUID], now: datetime) -> Opened:
    """Each claimed reminder's next step, for a chunk at once (act_on)."""
    reminders = list(
        DoseReminder.objects.filter(pk__in=reminder_ids)
        .select_related("regimen__product", "member__profile")
        .only(*ACT_FIELDS)
    )
    return act_on(reminders, now)


def act_on(reminders: list[DoseReminder], now: datetime) -> Opened:
    """The next step of these claimed reminders (with their plan, product, member and
    profile loaded): the inbox rows written (once per period), their deliveries opened, the
    reminders moved on, in one transaction. Returns what is left to deliver."""
    sent = _steps(reminders, now)
    with transaction.atomic():
        _stamp_all([*reminders, *sent])
        rawsql.update_rows(DoseReminder, reminders, STEP_FIELDS)
        return _write_inbox(sent, now)


def _steps(reminders: list[DoseReminder], now: datetime) -> list[Notification]:
    """Move each reminder on (unsaved); the inbox rows their steps send."""
    logs = _logs_of(reminders)
    sent = []
    for reminder in reminders:
        message = step(reminder, logs.get(reminder.pk), now)
        reminder.updated_at = now
        if message is not None:
            reminder.sends += 1
            sent.append(_notification(reminder, message))
    return sent


# What acting on a reminder reads besides the reminder itself (the step, its messages and
# the channels the member wants); anything else would be one more query per reminder.
ACT_FIELDS = (
    *(field.name for field in DoseReminder._meta.concrete_fields),
    *(
        f"regimen__{name}"
        for name in ("deleted_at", "remind", "follow_up_minutes", "servings_per_dose", "product")
    ),
    *(f"regimen__product__{name}" for name in PRODUCT_COLUMNS),
    *(f"member__profile__{name}" for name in PROFILE_COLUMNS),
    "member__is_active",
)
STEP_FIELDS = [
    "state",
    "next_at",
    "snoozed_until",
    "sends",
    "follow_up_sent",
    "server_version",
    "updated_at",
]


def _logs_of(reminders: list[DoseReminder]) -> dict[uuid.UUID, Logged]:
    """The first log in each reminder's span (or logged with its id): one query."""
    if not reminders:
        return {}
    spans = defaultdict(list)
    for reminder in reminders:
        spans[reminder.regimen_id].append(reminder)
    rows = IntakeLog.objects.filter(
        regimen_id__in=list(spans),
        deleted_at__isnull=True,
        taken_at__gte=min(r.counts_from for r in reminders),
        taken_at__lte=max(r.counts_until for r in reminders),
    ).values_list("id", "regimen_id", "taken_at", "status")
    found: dict[uuid.UUID, Logged] = {}
    for log_id, regimen_id, taken_at, status in sorted(rows, key=lambda row: row[2]):
        for reminder in spans[regimen_id]:
            inside = reminder.counts_from <= taken_at <= reminder.counts_until
            if (inside or log_id == reminder.pk) and reminder.pk not in found:
                found[reminder.pk] = Logged(taken_at, status)
    return found


def step(reminder: DoseReminder, logged: Logged | None, now: datetime) -> Message | None:
    """Move one reminder on (its state and next_at); the message to send now, if any."""
    message = _step(reminder, logged, now)
    reminder.next_at = _respecting_quiet_hours(reminder, reminder.next_at)
    if reminder.next_at is None and reminder.state == ReminderState.WINDOW:
        reminder.state = ReminderState.DONE
    return message


def _step(reminder: DoseReminder, logged: Logged | None, now: datetime) -> Message | None:
    plan = reminder.regimen
    reminder.next_at = None
    if plan.deleted_at is not None or not plan.remind:
        reminder.state = ReminderState.DONE
        return None
    if reminder.state == ReminderState.WINDOW:
        reminder.state = ReminderState.DONE
        return _window_over(reminder) if logged else None
    if logged is not None:
        return _after_logging(reminder, logged, now)
    if reminder.sends == 0 or reminder.state == ReminderState.SNOOZED:
        again = reminder.state == ReminderState.SNOOZED
        reminder.state, reminder.snoozed_until = ReminderState.SENT, None
        reminder.next_at = _next_look(reminder, now)
        return _reminder(reminder, again)
    if not reminder.follow_up_sent:
        reminder.follow_up_sent = True
        reminder.next_at = _look_again(reminder, now)
        return _follow_up(reminder)
    reminder.next_at = _look_again(reminder, now)
    if reminder.next_at is None:
        reminder.state = ReminderState.DONE
    return None


def _wait(reminder: DoseReminder) -> int | None:
    """A bisphosphonate's waiting minutes (its label's), else None."""
    product = reminder.regimen.product
    return medicines.wait_minutes(product) if medicines.is_bisphosphonate(product) else None


def _next_look(reminder: DoseReminder, now: datetime) -> datetime | None:
    """The follow-up's moment; once it went, only a bisphosphonate looks again."""
    if reminder.follow_up_sent:
        return _look_again(reminder, now)
    minutes = reminder.regimen.follow_up_minutes or reminder.member.profile.follow_up_minutes
    return now + timedelta(minutes=minutes)


def _look_again(reminder: DoseReminder, now: datetime) -> datetime | None:
    """Only a bisphosphonate keeps looking, while its dose may still be logged."""
    if _wait(reminder) is None or now + LOOK_AGAIN > reminder.counts_until:
        return None
    return now + LOOK_AGAIN


def _after_logging(reminder: DoseReminder, logged: Logged, now: datetime) -> Message | None:
    """Logged: nothing more, except a bisphosphonate taken, whose window's end is told."""
    wait = _wait(reminder)
    reminder.state = ReminderState.DONE
    if wait is None or logged.status != IntakeStatus.TAKEN:
        return None
    ends = logged.taken_at + timedelta(minutes=wait)
    if ends > now:
        reminder.state, reminder.next_at = ReminderState.WINDOW, ends
        return None
    return _window_over(reminder) if now - ends < WINDOW_NEWS else None


# --- The messages ---------------------------------------------------------------------------
def _local(reminder: DoseReminder) -> datetime:
    return reminder.due_at.astimezone(reminder.member.profile.reminder_zone_now)


def _reminder(reminder: DoseReminder, again: bool) -> Message:
    plan, local = reminder.regimen, _local(reminder)
    servings = f"{plan.servings_per_dose.normalize():f}"
    title = f"{plan.product.name}: {servings} {plan.product.serving_unit} at {local:%H:%M}"
    if reminder.late:
        title += " (late reminder)"
    period = f"dose-{reminder.pk}-snooze-{reminder.sends}" if again else f"dose-{reminder.pk}"
    return Message(period, title, _how(reminder))


def _how(reminder: DoseReminder) -> str:
    wait = _wait(reminder)
    if wait is not None:
        return (
            f"On waking, with a full glass of plain water. Its label asks for nothing but "
            f"water for {wait} minutes after it (FDA-ALN); Ossa tells you when they are over."
        )
    return reminder.regimen.product.notes or "As your plan says."


def _follow_up(reminder: DoseReminder) -> Message:
    plan, local = reminder.regimen, _local(reminder)
    return Message(
        f"dose-{reminder.pk}-follow-up",
        f"Not logged yet: {plan.product.name} from {local:%H:%M}",
        "Mark it taken or skipped, or snooze it.",
    )


def _window_over(reminder: DoseReminder) -> Message:
    plan = reminder.regimen
    return Message(
        f"dose-{reminder.pk}-window",
        f"{_wait(reminder)} minutes since {plan.product.name}",
        "Its label's waiting time is over: breakfast, coffee, calcium and other supplements "
        "may follow now.",
        actions=False,
    )


def _notification(reminder: DoseReminder, message: Message) -> Notification:
    plan = reminder.regimen
    data = {
        "reminder": str(reminder.pk),
        "regimen": str(plan.pk),
        "product": str(plan.product_id),
        "servings": f"{plan.servings_per_dose.normalize():f}",
        "due": reminder.due_at.isoformat(),
        "dose_id": str(reminder.pk),
        "actions": message.actions,
    }
    return Notification(
        member=reminder.member,
        kind=Kind.DOSE_REMINDER,
        period=message.period,
        title=message.title[:160],
        body=message.body,
        data=data,
    )


def _write_inbox(sent: list[Notification], now: datetime) -> Opened:
    """The inbox rows not written yet (a row already there was handed out by an earlier
    try: its period is taken) and their deliveries, as services.claimed_delivery_rows
    opens them (the push ones claimed for the caller to send after commit)."""
    if not sent:
        return Opened()
    rows = [{**_columns(n, NOTIFICATION_COLUMNS), "data": n.data} for n in sent]
    written = {pk for (pk,) in bulkwrite.insert_returning(Notification, rows, ["id"], True)}
    new = {n.pk: n for n in sent if n.pk in written}
    deliveries = [row for n in new.values() for row in claimed_delivery_rows(n, now)]
    returned = bulkwrite.insert_returning(
        Delivery, deliveries, ["id", "notification_id", "channel"]
    )
    rows = {(row["notification_id"], row["channel"]): row for row in deliveries}
    opened = Opened()
    for pk, notification_id, channel in returned:
        row = rows[notification_id, channel]
        if row["status"] == DeliveryStatus.SENDING:
            values = {k: v for k, v in row.items() if k != "notification_id"}
            opened.push.append(Delivery(id=pk, notification=new[notification_id], **values))
        elif row["status"] == DeliveryStatus.PENDING:
            opened.pending.append(pk)
    return opened


# --- Snoozing ----------------------------------------------------------------------------------
class SnoozeRefused(ValueError):
    pass


def snooze(
    reminder: DoseReminder, now: datetime, minutes: int | None = None, next_meal: bool = False
) -> DoseReminder:
    """Remind again in 10, 30 or 60 minutes, or at the member's next meal of the day."""
    logged = _logs_of([reminder]).get(reminder.pk)
    if reminder.state in (ReminderState.DONE, ReminderState.WINDOW) or logged is not None:
        raise SnoozeRefused("This dose is logged, or its reminders are over.")
    if now > reminder.counts_until:
        raise SnoozeRefused("This dose's time has passed.")
    until = _next_meal(reminder, now) if next_meal else now + timedelta(minutes=minutes or 10)
    if until is None:
        raise SnoozeRefused("No meal is left today in your usual day.")
    with transaction.atomic():
        locked = DoseReminder.objects.select_for_update().get(pk=reminder.pk)
        if locked.state == ReminderState.DONE:
            raise SnoozeRefused("This dose's reminders are over.")
        reminder.state, reminder.snoozed_until, reminder.next_at = (
            ReminderState.SNOOZED,
            until,
            until,
        )
        stamp(reminder)
        reminder.save(update_fields=STEP_FIELDS)
    return reminder


def _next_meal(reminder: DoseReminder, now: datetime) -> datetime | None:
    profile = reminder.member.profile
    zone = profile.reminder_zone_now
    local = now.astimezone(zone)
    meals = facts.member_day_of(profile).meals().values()
    later = sorted(m for m in meals if m is not None and m > local.time())
    if not later:
        return None
    return local_moment(local.date(), later[0], zone)


# --- Refills --------------------------------------------------------------------------------
def refills_due(now: datetime) -> Iterator[list[Regimen]]:
    """Plans whose refill reminder moment came (one indexed query a chunk)."""
    while True:
        plans = list(
            Regimen.objects.filter(next_refill_reminder_at__lte=now)
            .select_related("member__profile", "product")
            .order_by("next_refill_reminder_at")[:CHUNK]
        )
        if not plans:
            return
        yield plans


def refill_notification(plan: Regimen, runs_out_on, on_hand) -> Notification | None:
    """The refill reminder for one running-out date, written once."""
    content = {
        "title": f"{plan.product.name} runs out on {runs_out_on:%A %d %B}",
        "body": (
            f"About {on_hand.normalize():f} {plan.product.serving_unit} left at your plan's "
            "pace. Log the refill in Ossa when you have it."
        ),
        "data": {"regimen": str(plan.pk), "runs_out_on": runs_out_on.isoformat()},
    }
    period = f"refill-{plan.pk}-{runs_out_on.isoformat()}"
    return create_once(plan.member, Kind.REFILL_REMINDER, period, content)
