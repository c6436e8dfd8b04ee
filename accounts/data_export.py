"""A member's copy of everything Ossa holds about them (GET /api/v1/me/export).

One description of the tables (TABLES) serves both the JSON document and the zip of CSV
files (one per table, UTF-8, header row); tracking.fhir turns the medication history into
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

Accounts owns the export and its own tables; the apps built on it register theirs (and
tracking the FHIR format) in their AppConfig.ready, so accounts imports neither tracking
nor notifications.
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

from . import care
from .models import Profile, User

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
    # In the JSON document: one object instead of a list, or nested in a parent's rows as
    # `nested_as`, matched by the key column (parent table, key).
    single: bool = False
    nested_in: tuple[str, str] | None = None
    nested_as: str = ""

    def rows(self, user: User) -> Iterable[dict[str, Any]]:
        plain = [c for c in self.columns if c not in self.expressions]
        values = self.query(user).values(*plain, **self.expressions)
        for row in values.iterator(chunk_size=CHUNK):
            yield {column: row[column] for column in self.columns}


@dataclass(frozen=True)
class Format:
    """An export format another app provides: a JSON document built from the member."""

    name: str
    content_type: str
    suffix: str
    document: Callable[[User, date], dict[str, Any]]


_tables: list[Table] = []
_formats: dict[str, Format] = {}


def register(*tables: Table, formats: tuple[Format, ...] = ()) -> None:
    """Add an app's tables (and formats) to every member's export; from AppConfig.ready."""
    known = {table.name for table in _tables}
    _tables.extend(table for table in tables if table.name not in known)
    _formats.update({f.name: f for f in formats})


def tables() -> tuple[Table, ...]:
    _require_ready()
    return tuple(_tables)


def format_names() -> tuple[str, ...]:
    _require_ready()
    return ("json", "csv", *_formats)


def _require_ready() -> None:
    # Apps register in their ready(); read before that, an export would silently lack them.
    if not apps.ready:
        raise RuntimeError("the export's tables are complete only once every app is ready")


def person_name(relation: str):
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
    "wake_time",
    "breakfast_time",
    "lunch_time",
    "dinner_time",
    "bed_time",
    "follow_up_minutes",
    "reminder_zone",
    "phone_timezone",
    "dose_reminders_by_email",
    "created_at",
    "updated_at",
)
SYNC_STAMPS = ("created_at", "updated_at", "deleted_at")

register(
    Table(
        "account",
        ACCOUNT_COLUMNS,
        lambda user: User.objects.filter(pk=user.pk),
        "The account: e-mail address, display name, when it was created.",
        single=True,
    ),
    Table(
        "profile",
        PROFILE_COLUMNS,
        lambda user: Profile.objects.filter(user=user),
        "What the rules know about the member and how they want to be reminded.",
        single=True,
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
            "dietitian_name": person_name("dietitian"),
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


def export_for(user: User, kind: str) -> ExportFile:
    """The member's data in `kind` (one of FORMATS); the export is written to their access
    log as their own action."""
    care.log_access(user.pk, user, OWN_EXPORT, kind)
    today = timezone.localdate(timezone=user.profile.zone)
    stem = f"ossa-export-{today.isoformat()}"
    if kind == "csv":
        return ExportFile(csv_zip(user), "application/zip", f"{stem}.zip")
    if other := _formats.get(kind):
        body = other.document(user, today)
        return ExportFile(_dumps(body), other.content_type, f"{stem}{other.suffix}")
    return ExportFile(_dumps(json_document(user)), "application/json", f"{stem}.json")


def json_document(user: User) -> dict[str, Any]:
    rows = {table.name: list(table.rows(user)) for table in tables()}
    for child in tables():
        if child.nested_in is None:
            continue
        parent, key = child.nested_in
        by_parent: dict[UUID, list[dict]] = defaultdict(list)
        for row in rows.pop(child.name):
            by_parent[row.pop(key)].append(row)
        for row in rows[parent]:
            row[child.nested_as] = by_parent.get(row["id"], [])
    document: dict[str, Any] = {
        "format": "ossa-export",
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now(),
    }
    for table in tables():
        if table.name in rows:
            found = rows[table.name]
            document[table.name] = (found[0] if found else None) if table.single else found
    return document


def csv_zip(user: User) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables():
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
