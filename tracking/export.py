"""tracking's part of a member's data export (accounts.data_export): products with their
ingredients, plans with every schedule version, doses, weekly adherence and flags, and the
FHIR R4 format of the medication history (tracking/fhir.py)."""

from __future__ import annotations

from django.db.models import F

from accounts.data_export import SYNC_STAMPS, Format, Table, person_name

from . import fhir
from .models import Ingredient, NutrientDay, NutrientTarget, RegimenSchedule

TABLES = (
    Table(
        "products",
        (
            "id",
            "name",
            "brand",
            "kind",
            "drug_class",
            "drug",
            "release",
            "strength_mg",
            "serving_unit",
            "notes",
            *SYNC_STAMPS,
        ),
        lambda user: user.products.order_by("created_at", "id"),
        "Products the member added (catalogue products are named where they are used).",
    ),
    Table(
        "ingredients",
        ("product_id", "nutrient_code", "nutrient_name", "amount", "unit", "form"),
        lambda user: Ingredient.objects.filter(product__owner=user).order_by(
            "product__created_at", "product_id", "nutrient__position"
        ),
        "What one serving of each of the member's products holds.",
        {
            "nutrient_code": F("nutrient__code"),
            "nutrient_name": F("nutrient__name"),
            "unit": F("nutrient__unit"),
        },
        nested_in=("products", "product_id"),
        nested_as="ingredients",
    ),
    Table(
        "regimens",
        (
            "id",
            "product_id",
            "product_name",
            *RegimenSchedule.VERSIONED_FIELDS,
            "start_date",
            "end_date",
            "note",
            "remind",
            "follow_up_minutes",
            "pack_size",
            "refill_days",
            *SYNC_STAMPS,
        ),
        lambda user: user.regimens.order_by("start_date", "created_at", "id"),
        "Plans: one product, how much, on which schedule, from when until when.",
        {"product_name": F("product__name")},
    ),
    Table(
        "regimen_schedules",
        ("regimen_id", "effective_from", *RegimenSchedule.VERSIONED_FIELDS),
        lambda user: RegimenSchedule.objects.filter(regimen__member=user).order_by(
            "regimen__start_date", "regimen__created_at", "regimen_id", "effective_from"
        ),
        "Every version of each plan's schedule, in force from its date until the next.",
        nested_in=("regimens", "regimen_id"),
        nested_as="schedule_versions",
    ),
    Table(
        "stock_events",
        ("id", "regimen_id", "kind", "servings", "at", "note", *SYNC_STAMPS),
        lambda user: user.stock_events.order_by("at", "id"),
        "Counts of what was on hand, and refills, for each plan.",
    ),
    Table(
        "intake_logs",
        (
            "id",
            "regimen_id",
            "product_id",
            "product_name",
            "servings",
            "taken_at",
            "status",
            "note",
            "source",
            *SYNC_STAMPS,
        ),
        lambda user: user.intake_logs.order_by("taken_at", "id"),
        "Every dose logged as taken or skipped.",
        {"product_name": F("product__name")},
    ),
    Table(
        "adherence_weeks",
        (
            "regimen_id",
            "week_start",
            "scheduled",
            "taken",
            "on_time",
            "skipped",
            "days_covered",
            "days_in_period",
            "dose_taking_pct",
            "timing_pct",
            "pdc_pct",
            "streak_days",
            *SYNC_STAMPS,
        ),
        lambda user: user.adherence.order_by("week_start", F("regimen_id").asc(nulls_first=True)),
        "Computed adherence per ISO week, per plan and overall (no regimen_id).",
    ),
    Table(
        "flags",
        (
            "id",
            "code",
            "subject",
            "severity",
            "title",
            "explanation",
            "evidence",
            "source",
            "audience",
            "first_seen_at",
            "resolved_at",
            "acknowledged_by_name",
            "acknowledged_at",
            *SYNC_STAMPS,
        ),
        lambda user: user.flags.order_by("first_seen_at", "id"),
        "Computed context about the member, and who acknowledged it when.",
        {"acknowledged_by_name": person_name("acknowledged_by")},
    ),
)

TABLES = (
    *TABLES,
    Table(
        "nutrient_days",
        ("day", *NutrientDay.VALUE_FIELDS, *SYNC_STAMPS),
        lambda user: NutrientDay.objects.filter(member=user).order_by("day"),
        "What each day added up to, nutrient by nutrient: taken, and as planned (planned_*).",
    ),
    Table(
        "nutrient_targets",
        ("nutrient", *NutrientTarget.VALUE_FIELDS),
        lambda user: NutrientTarget.objects.filter(member=user).order_by("nutrient"),
        "Reference intakes for the life stage: RDA or AI, and the upper limit.",
    ),
)

FORMATS = (Format("fhir", "application/fhir+json", ".fhir.json", fhir.bundle),)
