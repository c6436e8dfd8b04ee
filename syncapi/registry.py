"""The synced tables, declared once: wire name, model, columns and how pushes are applied.

A column's `field` is the model attribute it maps to. Columns marked `writable=False` are
sent but never taken from a push. Tables without a writer are read-only (computed). A
pushed value's limits (length, range, digits, choices) are its model field's.
"""

from __future__ import annotations

from collections import defaultdict

from accounts.models import Profile
from notifications.models import DoseReminder, Notification
from tracking.models import (
    AdherenceSnapshot,
    Flag,
    Ingredient,
    IntakeLog,
    NutrientDay,
    NutrientTarget,
    Product,
    Regimen,
    StockEvent,
)

from . import codecs as c
from . import writers
from .protocol import Column, Table

# The client's schema version this server speaks, and the oldest it still accepts.
# 2: the member's usual day (profiles), confirmed findings (regimens), a product's labelled
# frequency and ingredient basis. 3: nutrient_days and nutrient_targets (read-only).
# 4: dose reminders and stock: the plan's and profile's reminder and stock settings,
# stock_events (written by devices) and dose_reminders (read-only).
SCHEMA_VERSION = 4
MIN_SCHEMA_VERSION = 1


def _stamps() -> tuple[Column, ...]:
    # Client created_at/updated_at are data the server reports, never its clock.
    return (
        Column("created_at", c.EPOCH_MS, writable=False),
        Column("updated_at", c.EPOCH_MS, writable=False),
    )


PRODUCTS = (
    Column("name", c.TEXT),
    Column("brand", c.TEXT),
    Column("kind", c.TEXT),
    Column("drug_class", c.TEXT),
    Column("drug", c.TEXT),
    Column("release", c.TEXT),
    Column("strength_mg", c.OPT_NUMBER),
    Column("serving_unit", c.TEXT),
    Column("notes", c.TEXT),
    Column("usual_schedule", c.TEXT),
    Column("ingredients", c.JSON_TEXT, load=lambda ids: ingredients_by_product(ids)),
    *_stamps(),
)

REGIMENS = (
    Column("product_id", c.ID),
    Column("servings_per_dose", c.NUMBER),
    Column("schedule_kind", c.TEXT),
    Column("times", c.JSON_TEXT),
    Column("weekdays", c.JSON_TEXT),
    Column("day_of_month", c.OPT_INTEGER),
    Column("interval_days", c.OPT_INTEGER),
    Column("start_date", c.DATE),
    Column("end_date", c.OPT_DATE),
    Column("note", c.TEXT),
    Column("confirmed_findings", c.JSON_TEXT),
    Column("remind", c.BOOLEAN),
    Column("follow_up_minutes", c.OPT_INTEGER),
    Column("pack_size", c.OPT_NUMBER),
    Column("refill_days", c.INTEGER),
    *_stamps(),
)

STOCK_EVENTS = (
    Column("regimen_id", c.ID),
    Column("kind", c.TEXT),
    Column("servings", c.NUMBER),
    Column("at", c.EPOCH_MS),
    Column("note", c.TEXT),
    *_stamps(),
)

DOSE_REMINDERS = tuple(
    Column(name, codec, writable=False)
    for name, codec in (
        ("regimen_id", c.ID),
        ("due_at", c.EPOCH_MS),
        ("state", c.TEXT),
        ("snoozed_until", c.OPT_EPOCH_MS),
        ("next_at", c.OPT_EPOCH_MS),
        ("follow_up_sent", c.BOOLEAN),
        ("late", c.BOOLEAN),
    )
)

INTAKE_LOGS = (
    Column("regimen_id", c.OPT_ID),
    Column("product_id", c.ID),
    Column("servings", c.NUMBER),
    Column("taken_at", c.EPOCH_MS),
    Column("status", c.TEXT),
    Column("note", c.TEXT),
    Column("source", c.TEXT),
    *_stamps(),
)

PROFILES = (
    Column("date_of_birth", c.OPT_DATE),
    Column("sex", c.TEXT),
    Column("menopause_status", c.TEXT),
    Column("final_period_date", c.OPT_DATE),
    Column("pregnant", c.BOOLEAN),
    Column("lactating", c.BOOLEAN),
    Column("weight_kg", c.OPT_NUMBER),
    Column("timezone", c.TEXT),
    Column("units", c.TEXT),
    Column("reminder_weekday", c.INTEGER),
    Column("reminder_time", c.CLOCK_TIME),
    Column("remind_in_app", c.BOOLEAN),
    Column("remind_by_push", c.BOOLEAN),
    Column("remind_by_email", c.BOOLEAN),
    Column("quiet_hours_start", c.OPT_CLOCK_TIME),
    Column("quiet_hours_end", c.OPT_CLOCK_TIME),
    Column("wake_time", c.CLOCK_TIME),
    Column("breakfast_time", c.OPT_CLOCK_TIME),
    Column("lunch_time", c.OPT_CLOCK_TIME),
    Column("dinner_time", c.OPT_CLOCK_TIME),
    Column("bed_time", c.CLOCK_TIME),
    Column("follow_up_minutes", c.INTEGER),
    Column("reminder_zone", c.TEXT),
    Column("phone_timezone", c.TEXT),
    Column("dose_reminders_by_email", c.BOOLEAN),
    Column("updated_at", c.EPOCH_MS, writable=False),
)

FLAGS = tuple(
    Column(name, codec, writable=False)
    for name, codec in (
        ("code", c.TEXT),
        ("subject", c.TEXT),
        ("severity", c.TEXT),
        ("title", c.TEXT),
        ("explanation", c.TEXT),
        ("evidence", c.JSON_TEXT),
        ("source", c.TEXT),
        ("audience", c.TEXT),
        ("first_seen_at", c.EPOCH_MS),
        ("resolved_at", c.OPT_EPOCH_MS),
        ("acknowledged_at", c.OPT_EPOCH_MS),
    )
)

ADHERENCE_WEEKS = tuple(
    Column(name, codec, writable=False)
    for name, codec in (
        ("regimen_id", c.OPT_ID),
        ("week_start", c.DATE),
        ("scheduled", c.INTEGER),
        ("taken", c.INTEGER),
        ("on_time", c.INTEGER),
        ("skipped", c.INTEGER),
        ("days_covered", c.INTEGER),
        ("days_in_period", c.INTEGER),
        ("dose_taking_pct", c.OPT_NUMBER),
        ("timing_pct", c.OPT_NUMBER),
        ("pdc_pct", c.OPT_NUMBER),
        ("streak_days", c.INTEGER),
    )
)


NUTRIENT_DAYS = tuple(
    Column(name, c.NUMBER if name != "day" else c.DATE, writable=False)
    for name in ("day", *NutrientDay.VALUE_FIELDS)
)

NUTRIENT_TARGETS = (
    Column("nutrient", c.TEXT, writable=False),
    Column("unit", c.TEXT, writable=False),
    Column("intake_kind", c.TEXT, writable=False),
    Column("intake", c.OPT_NUMBER, writable=False),
    Column("upper_limit", c.OPT_NUMBER, writable=False),
    Column("source", c.TEXT, writable=False),
    Column("note", c.TEXT, writable=False),
)


NOTIFICATIONS = (
    *(
        Column(name, codec, writable=False)
        for name, codec in (
            ("kind", c.TEXT),
            ("period", c.TEXT),
            ("title", c.TEXT),
            ("body", c.TEXT),
            ("data", c.JSON_TEXT),
            ("created_at", c.EPOCH_MS),
        )
    ),
    Column("read_at", c.OPT_EPOCH_MS),  # the one thing the app changes: marked read
)


def ingredients_by_product(product_ids: list) -> dict:
    found: dict = defaultdict(list)
    rows = Ingredient.objects.filter(product_id__in=product_ids).values_list(
        "product_id", "nutrient__code", "amount", "form", "basis"
    )
    for product_id, nutrient, amount, form, basis in rows.order_by(
        "product_id", "nutrient__position"
    ):
        found[product_id].append(
            {"nutrient": nutrient, "amount": float(amount), "form": form, "basis": basis}
        )
    return found


def tables_for(schema_version: int) -> dict[str, Table]:
    """The tables a client of this schema version has."""
    return {name: t for name, t in TABLES.items() if t.since <= schema_version}


TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        Table("products", Product, "owner", PRODUCTS, writers.ProductWriter()),
        Table("regimens", Regimen, "member", REGIMENS, writers.RegimenWriter()),
        Table("intake_logs", IntakeLog, "member", INTAKE_LOGS, writers.IntakeLogWriter()),
        Table("profiles", Profile, "user", PROFILES, writers.ProfileWriter()),
        Table("flags", Flag, "member", FLAGS),
        Table("adherence_weeks", AdherenceSnapshot, "member", ADHERENCE_WEEKS),
        Table("nutrient_days", NutrientDay, "member", NUTRIENT_DAYS, since=3),
        Table("nutrient_targets", NutrientTarget, "member", NUTRIENT_TARGETS, since=3),
        Table("notifications", Notification, "member", NOTIFICATIONS, writers.InboxWriter()),
        Table(
            "stock_events", StockEvent, "member", STOCK_EVENTS, writers.StockEventWriter(), since=4
        ),
        Table("dose_reminders", DoseReminder, "member", DOSE_REMINDERS, since=4),
    )
}
