"""Reminder tasks: the 15-minute weekly planner and its digest writer, the every-minute dose
reminder planner (doses, snoozes, follow-ups, windows, refills), and one delivery attempt."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from celery import shared_task
from django.db import DatabaseError, OperationalError, transaction
from django.utils import timezone

from backend.celery import enqueue_now
from tracking import stock_levels
from tracking.models import Regimen

from . import dose_reminders, planner, services

# Transient transport failures retry after 1, 2, 4, 8, 16 minutes (capped), then give up.
MAX_DELIVERY_ATTEMPTS = 6
RETRY_BASE_SECONDS = 60
RETRY_CAP_SECONDS = 30 * 60
STUCK_AFTER = timedelta(minutes=15)
# Deliveries a deliver_many task attempts (a dose-reminder chunk opens two per reminder).
DELIVERY_CHUNK = 1000
# Workers claiming dose moments at once when many came (the beat's own among them). Each
# sends the pushes of a chunk it claimed before claiming the next, so a claimer waits on the
# database, then on push services: four keep two CPUs busy (bench/RESULTS.md, issue 17).
CLAIMERS = 4
DB_RETRY = {
    "autoretry_for": (OperationalError, DatabaseError),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "max_retries": 5,
}


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660, **DB_RETRY)
def plan_reminders() -> int:
    """Every 15 minutes: claim the members whose weekly moment came and fan out in chunks;
    hand stuck deliveries out again."""
    now = timezone.now()
    planned = 0
    for chunk in planner.plan_weekly(now):
        # These members are claimed: a chunk the broker does not take is written here, or
        # their digest for this week would be lost.
        if not enqueue_now(send_weekly_digests, chunk, now.isoformat()):
            send_weekly_digests(chunk, now.isoformat())
        planned += len(chunk)
    hand_out(services.requeue_stuck(STUCK_AFTER, MAX_DELIVERY_ATTEMPTS))
    return planned


def hand_out(delivery_ids: list[int]) -> None:
    """Deliveries to workers, a chunk per task; what the broker does not take is handed
    out again by requeue_stuck."""
    for first in range(0, len(delivery_ids), DELIVERY_CHUNK):
        enqueue_now(deliver_many, delivery_ids[first : first + DELIVERY_CHUNK])


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360, **DB_RETRY)
def send_weekly_digests(claimed: list[list[str]], planned_at: str) -> int:
    now = timezone.datetime.fromisoformat(planned_at)
    sent, deliveries = 0, []
    for member_id, week in claimed:
        # The inbox row and its deliveries together: a run that dies in between and is
        # redelivered would otherwise find the row written and never open the deliveries.
        with transaction.atomic():
            notification = services.weekly_notification(member_id, week, now)
            opened = services.open_deliveries(notification) if notification else []
        if notification is None:
            continue  # already written by an earlier run of this chunk
        deliveries += [delivery.id for delivery in opened]
        sent += 1
    hand_out(deliveries)
    return sent


@shared_task(acks_late=True, soft_time_limit=50, time_limit=58, **DB_RETRY)
def plan_dose_reminders() -> int:
    """Every minute: claim the dose moments that came and act on them, a chunk at a time,
    with up to CLAIMERS - 1 workers helping when there are many; then act on the reminders
    whose later step came (snooze, follow-up, window end) and the refills due."""
    now = timezone.now()
    chunks = -(-dose_reminders.due_count(now) // dose_reminders.CHUNK)
    for _ in range(min(chunks, CLAIMERS) - 1):
        enqueue_now(claim_dose_moments, now.isoformat())
    planned = claim_dose_moments(now.isoformat())
    for chunk in dose_reminders.due_reminders(now):
        ids = [str(pk) for pk in chunk]
        if not enqueue_now(send_dose_reminders, ids):
            send_dose_reminders(ids)
    for plans in dose_reminders.refills_due(now):
        planned += send_refill_reminders([str(p.pk) for p in plans], now.isoformat())
    return planned


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360, **DB_RETRY)
def claim_dose_moments(planned_at: str) -> int:
    """Claim chunks of the dose moments due at `planned_at` until none is left (claimers at
    once take disjoint chunks), each acted on as it is claimed and its pushes sent before
    the next. Returns the reminders written."""
    now = datetime.fromisoformat(planned_at)
    written = 0
    while (claimed := dose_reminders.claim_chunk(now, acting_at=timezone.now())) is not None:
        written += len(claimed.reminders)
        deliver_opened(claimed.opened)
    return written


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360, **DB_RETRY)
def send_dose_reminders(reminder_ids: list[str]) -> int:
    """A claimed chunk's next steps in one transaction (a retry finds the inbox rows
    written: their unique periods send each once), then its deliveries sent."""
    opened = dose_reminders.act([uuid.UUID(pk) for pk in reminder_ids], timezone.now())
    deliver_opened(opened)
    return len(opened.push) + len(opened.pending)


def deliver_opened(opened: dose_reminders.Opened) -> None:
    """The push deliveries a writer claimed, sent here (no second read of what it wrote);
    the other pending ones handed out to workers."""
    retry = services.send_claimed(opened.push, MAX_DELIVERY_ATTEMPTS)
    for delivery in retry:
        enqueue_now(deliver, delivery.id, countdown=retry_delay(delivery.attempts))
    hand_out(opened.pending)


def send_refill_reminders(plan_ids: list[str], planned_at: str) -> int:
    """Claim each plan's refill moment and write its reminder in one transaction."""
    now = datetime.fromisoformat(planned_at)
    plans = Regimen.objects.filter(pk__in=plan_ids).select_related("member__profile", "product")
    found = stock_levels.levels(list(plans), now)
    sent = 0
    for plan in plans:
        level = found.get(str(plan.pk))
        with transaction.atomic():
            claimed = Regimen.objects.filter(
                pk=plan.pk, next_refill_reminder_at=plan.next_refill_reminder_at
            ).update(next_refill_reminder_at=None)
            if not claimed or level is None or level.runs_out_on is None:
                continue
            notification = dose_reminders.refill_notification(
                plan, level.runs_out_on, level.on_hand
            )
            deliveries = services.open_deliveries(notification) if notification else []
        hand_out([delivery.id for delivery in deliveries])
        sent += notification is not None
    return sent


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def deliver_many(delivery_ids: list[int]) -> int:
    """A chunk of deliveries, each attempted once (services.deliver_chunk); one a transient
    failure put back is retried on its own by `deliver`, with the same backoff."""
    retry = services.deliver_chunk(delivery_ids, MAX_DELIVERY_ATTEMPTS)
    for delivery in retry:
        enqueue_now(deliver, delivery.id, countdown=retry_delay(delivery.attempts))
    return len(delivery_ids) - len(retry)


@shared_task(bind=True, acks_late=True, soft_time_limit=60, time_limit=90, max_retries=None)
def deliver(self, delivery_id: int) -> str:
    delivery = services.claim_delivery(delivery_id)
    if delivery is None:
        return "taken"
    final = delivery.attempts >= MAX_DELIVERY_ATTEMPTS
    if services.attempt(delivery, final_attempt=final):
        self.retry(countdown=retry_delay(delivery.attempts))
    return delivery.status


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt: doubling from RETRY_BASE_SECONDS, capped."""
    return min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_CAP_SECONDS)
