"""A member's copy of everything Ossa holds about them (GET /api/v1/me/export).

One description of the tables (TABLES) serves both the JSON document and the zip of CSV
files (one per table, UTF-8, header row); accounts.fhir turns the medication history into
a FHIR R4 Bundle. Each table is read with one query whatever its size, so a member with
years of daily doses costs the same number of queries as a new one.

Included: the account, the profile, the member's own products with their ingredients,
plans (regimens) with every schedule version, dose logs, weekly adherence, flags (with who
acknowledged them), inbox notifications and their deliveries, push devices (endpoint only,
never the keys), sign-in sessions, care links (who had access, from when, until when) and
the access log (who viewed or exported what). Deleted rows still kept as sync tombstones
are included, with their `deleted_at`.

Not included: dietitians' private notes about the member (ClientNote). They are the
dietitian's own working notes, written for their practice, not data the member gave or
that records their use of Ossa; they are deleted with the account.

Other apps' tables are reached through the user's reverse relations or by app label,
because accounts does not import tracking or notifications.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.apps import apps
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.db.models.functions import Coalesce, Now, NullIf
from django.utils import timezone

from . import care, fhir
from .fhir import SCHEDULE_COLUMNS
from .models import Profile, User

FORMATS = ("json", "csv", "fhir")
FORMAT_VERSION = 1
# Recorded in the member's access log: the member looked at their own data.
OWN_EXPORT = "own_export"
CHUNK = 2000


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


@dataclass(frozen=True)
class Table:
    """One table of the export: its columns, in order, and the rows of one member."""

    name: str
    columns: tuple[str, ...]
    query: Callable[[User], QuerySet]
    description: str
    # Columns that are not plain fields of the queried model: name -> expression.
    expressions: dict[str, Any] = field(default_factory=dict)

    def rows(self, user: User) -> Iterable[dict[str, Any]]:
        plain = [c for c in self.columns if c not in self.expressions]
        values = self.query(user).values(*plain, **self.expressions)
        for row in values.iterator(chunk_size=CHUNK):
            yield {column: row[column] for column in self.columns}


def _model(label: str):
    return apps.get_model(label)


def _person(relation: str):
    """A person's name as the member knows them: display name, else e-mail address."""
    return Coalesce(
        NullIf(F(f"{relation}__display_name"), Value("")),
        F(f"{relation}__email"),
        output_field=CharField(),
    )


ACCOUNT_COLUMNS = (
    "id",
    "email",
    "display_name",
    "date_joined",
    "last_activity_at",
    "deletion_scheduled_for",
)
PROFILE_COLUMNS = (
    "date_of_birth",
    "sex",
    "menopause_status",
    "final_period_date",
    "pregnant",
    "lactating",
    "weight_kg",
    "timezone",
    "units",
    "reminder_weekday",
    "reminder_time",
    "remind_in_app",
    "remind_by_push",
    "remind_by_email",
    "quiet_hours_start",
    "quiet_hours_end",
    "created_at",
    "updated_at",
)
SYNC_STAMPS = ("created_at", "updated_at", "deleted_at")

TABLES: tuple[Table, ...] = (
    Table(
        "account",
        ACCOUNT_COLUMNS,
        lambda user: User.objects.filter(pk=user.pk),
        "The account: e-mail address, display name, when it was created.",
    ),
    Table(
        "profile",
        PROFILE_COLUMNS,
        lambda user: Profile.objects.filter(user=user),
        "What the rules know about the member and how they want to be reminded.",
    ),
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
        lambda user: (
            _model("tracking.Ingredient")
            .objects.filter(product__owner=user)
            .order_by("product__created_at", "product_id", "nutrient__position")
        ),
        "What one serving of each of the member's products holds.",
        {
            "nutrient_code": F("nutrient__code"),
            "nutrient_name": F("nutrient__name"),
            "unit": F("nutrient__unit"),
        },
    ),
    Table(
        "regimens",
        (
            "id",
            "product_id",
            "product_name",
            *SCHEDULE_COLUMNS,
            "start_date",
            "end_date",
            "note",
            *SYNC_STAMPS,
        ),
        lambda user: user.regimens.order_by("start_date", "created_at", "id"),
        "Plans: one product, how much, on which schedule, from when until when.",
        {"product_name": F("product__name")},
    ),
    Table(
        "regimen_schedules",
        ("regimen_id", "effective_from", *SCHEDULE_COLUMNS),
        lambda user: (
            _model("tracking.RegimenSchedule")
            .objects.filter(regimen__member=user)
            .order_by("regimen__start_date", "regimen__created_at", "regimen_id", "effective_from")
        ),
        "Every version of each plan's schedule, in force from its date until the next.",
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
        {"acknowledged_by_name": _person("acknowledged_by")},
    ),
    Table(
        "notifications",
        ("id", "kind", "period", "title", "body", "data", "read_at", *SYNC_STAMPS),
        lambda user: user.notifications.order_by("created_at", "id"),
        "The in-app inbox: weekly digests and dose reminders.",
    ),
    Table(
        "deliveries",
        (
            "notification_id",
            "channel",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "sent_at",
        ),
        lambda user: (
            _model("notifications.Delivery")
            .objects.filter(notification__member=user)
            .order_by("created_at", "id")
        ),
        "How each notification was sent on each channel.",
    ),
    Table(
        "push_subscriptions",
        ("id", "endpoint", "user_agent", "created_at", "deactivated_at", "last_error"),
        lambda user: user.push_subscriptions.order_by("created_at", "id"),
        "Devices registered for Web Push (endpoint only; the keys stay secret).",
    ),
    Table(
        "sign_in_sessions",
        ("id", "device_name", "user_agent", "created_at", "last_used_at", "revoked_at"),
        lambda user: user.login_sessions.order_by("created_at", "id"),
        "Every device that signed in, and when it was signed out.",
    ),
    Table(
        "care_links",
        (
            "id",
            "status",
            "dietitian_name",
            "dietitian_email",
            "invited_email",
            "scopes",
            "created_at",
            "expires_at",
            "granted_at",
            "revoked_at",
        ),
        lambda user: user.care_links.order_by("created_at", "id"),
        "Who the member gave access to, from when, and when it was revoked.",
        {
            "dietitian_name": _person("dietitian"),
            "dietitian_email": F("dietitian__email"),
            "status": Case(
                When(revoked_at__isnull=False, then=Value("revoked")),
                When(granted_at__isnull=False, then=Value("active")),
                When(expires_at__lte=Now(), then=Value("expired")),
                default=Value("pending"),
            ),
        },
    ),
    Table(
        "access_log",
        ("at", "actor_name", "action", "detail"),
        lambda user: user.access_log.order_by("at", "id"),
        "Every view or export of the member's data, by whom.",
    ),
)
# Single-row tables are objects in the JSON document; these are nested under their parent.
SINGLE = {"account", "profile"}
NESTED = {
    "ingredients": ("products", "product_id"),
    "regimen_schedules": ("regimens", "regimen_id"),
}
NESTED_AS = {"ingredients": "ingredients", "regimen_schedules": "schedule_versions"}


def export_for(user: User, kind: str) -> ExportFile:
    """The member's data in `kind` (one of FORMATS); the export is written to their access
    log as their own action."""
    care.log_access(user.pk, user, OWN_EXPORT, kind)
    today = timezone.localdate(timezone=user.profile.zone)
    stem = f"ossa-export-{today.isoformat()}"
    if kind == "csv":
        return ExportFile(csv_zip(user), "application/zip", f"{stem}.zip")
    if kind == "fhir":
        body = fhir.bundle(user, today)
        return ExportFile(_dumps(body), "application/fhir+json", f"{stem}.fhir.json")
    return ExportFile(_dumps(json_document(user)), "application/json", f"{stem}.json")


def json_document(user: User) -> dict[str, Any]:
    tables = {table.name: list(table.rows(user)) for table in TABLES}
    for child, (parent, key) in NESTED.items():
        by_parent: dict[UUID, list[dict]] = defaultdict(list)
        for row in tables.pop(child):
            by_parent[row.pop(key)].append(row)
        for row in tables[parent]:
            row[NESTED_AS[child]] = by_parent.get(row["id"], [])
    document: dict[str, Any] = {
        "format": "ossa-export",
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now(),
    }
    for name, rows in tables.items():
        document[name] = (rows[0] if rows else None) if name in SINGLE else rows
    return document


def csv_zip(user: User) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in TABLES:
            with io.TextIOWrapper(
                archive.open(f"{table.name}.csv", "w"), encoding="utf-8", newline=""
            ) as text:
                writer = csv.writer(text)
                writer.writerow(table.columns)
                for row in table.rows(user):
                    writer.writerow([_csv_cell(row[c]) for c in table.columns])
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, default=_json_default, ensure_ascii=False, indent=1).encode()
