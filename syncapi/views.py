"""The two sync endpoints in the shape WatermelonDB's synchronize() expects."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse
from django.views.decorators.gzip import gzip_page
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from accounts.authentication import SessionCheckedByTheView
from backend import parsers
from backend.errors import error_body, error_response_serializer

from .protocol import PushConflict, PushRejected, ResyncRequired
from .pull import Migration, pull
from .push import push
from .registry import MIN_SCHEMA_VERSION, SCHEMA_VERSION, TABLES

CURSOR = OpenApiParameter(
    "last_pulled_at",
    OpenApiTypes.STR,
    description="The timestamp of the last pull; absent, null or 0 on a first sync.",
)
SCHEMA = OpenApiParameter("schema_version", OpenApiTypes.INT, description="The app's schema.")
MIGRATION = OpenApiParameter(
    "migration", OpenApiTypes.STR, description='JSON {"from", "tables", "columns"} or null.'
)


# The wire type of each codec (syncapi/codecs.py), so the schema names every pushed column.
WIRE_TYPES = {
    "text": {"type": "string"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "epoch_ms": {"type": "integer", "description": "Epoch milliseconds."},
    "date": {"type": "string", "format": "date"},
    "time": {"type": "string", "example": "08:00"},
    "json": {"type": "string", "description": "JSON text."},
    "id": {"type": "string", "format": "uuid"},
}


def _record_schema(table) -> dict:
    columns = {
        col.name: {**WIRE_TYPES[col.codec.name], "nullable": col.codec.nullable}
        for col in table.columns
    }
    return {
        "type": "object",
        "properties": {"id": {"type": "string", "format": "uuid"}, **columns},
        "required": ["id"],
    }


def _changes_schema(table) -> dict:
    records = {"type": "array", "items": _record_schema(table)}
    ids = {"type": "array", "items": {"type": "string", "format": "uuid"}}
    if table.read_only:  # computed by the server: refused with code read_only
        records, ids = {**records, "maxItems": 0}, {**ids, "maxItems": 0}
    return {
        "type": "object",
        "properties": {"created": records, "updated": records, "deleted": ids},
    }


PUSH_BODY = {
    "type": "object",
    "properties": {
        "changes": {
            "type": "object",
            "properties": {name: _changes_schema(table) for name, table in TABLES.items()},
            "description": "WatermelonDB's changes, in the wire format of syncapi/registry.py; "
            "the server's own tables (flags, adherence_weeks) take no records.",
        }
    },
    "required": ["changes"],
}
CONFLICT = OpenApiResponse(
    error_response_serializer("SyncConflict", ["sync_conflict"]),
    description="Records changed on the server after last_pulled_at (attr table.id): pull, "
    "then push again.",
)
RESYNC = OpenApiResponse(
    error_response_serializer("ResyncRequired", ["resync_required"]),
    description="The cursor predates purged tombstones or is ahead of the server's clock: "
    "reset the local database, pull from null.",
)
OUTDATED = OpenApiResponse(
    error_response_serializer("ClientOutdated", ["client_outdated"]),
    description="The app's schema_version is too old to sync: update the app.",
)


def json_response(body: Any, status: int = 200) -> HttpResponse:
    # orjson: a first pull of five years (2 MB) is written in 1 ms instead of 10.
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


class PullView(SessionCheckedByTheView, APIView):
    """Everything that changed for the member after `last_pulled_at`; live rows come as
    `updated`, deletions as ids; `timestamp` is the cursor for the next sync."""

    def session_checked_here(self, request) -> bool:
        # By the read of the member's clock every pull starts with; any other method
        # reaches no pull, so its session is checked as everywhere else.
        return request.method in ("GET", "HEAD")

    @extend_schema(
        parameters=[CURSOR, SCHEMA, MIGRATION],
        responses={200: OpenApiTypes.OBJECT, 410: RESYNC, 426: OUTDATED},
    )
    def get(self, request):
        query = request.query_params
        if outdated := _outdated(query.get("schema_version")):
            return outdated
        version = _whole_number(query.get("schema_version") or "") or SCHEMA_VERSION
        try:
            body = pull(request.user, _cursor(query), _migration(query.get("migration")), version)
        except ResyncRequired:
            return _resync_required()
        return json_response(body)


class PushView(APIView):
    """Apply the device's changes all or nothing: 200, 400 with per-record errors, or 409
    naming the records changed on the server since `last_pulled_at` (pull, then push)."""

    @extend_schema(
        parameters=[CURSOR, SCHEMA],
        request={"application/json": PUSH_BODY},
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="Applied: {}."),
            409: CONFLICT,
            410: RESYNC,
            426: OUTDATED,
        },
    )
    def post(self, request):
        if outdated := _outdated(request.query_params.get("schema_version")):
            return outdated
        if not isinstance(request.data, dict) or "changes" not in request.data:
            raise ValidationError({"changes": ['Send {"changes": {table: {...}}}.']})
        try:
            push(request.user, _cursor(request.query_params), request.data["changes"])
        except PushConflict as conflict:
            return _conflict(conflict)
        except PushRejected as rejected:
            return _rejected(rejected)
        except ResyncRequired:
            return _resync_required()
        return json_response({})


# Cursors are the member's sync clock, a bigint column.
MAX_CURSOR = 2**63 - 1


def _cursor(query) -> int:
    value = query.get("last_pulled_at")
    if value in (None, "", "null", "undefined"):
        return 0
    cursor = _whole_number(value)
    if cursor is None or not 0 <= cursor <= MAX_CURSOR:
        raise ValidationError({"last_pulled_at": ["Must be a sync timestamp or null."]})
    return cursor


def _whole_number(value: str) -> int | None:
    if not (value.isascii() and value.isdigit() and len(value) <= 19):
        return None
    return int(value)


def _migration(value: str | None) -> Migration | None:
    if value in (None, "", "null"):
        return None
    problem = ValidationError({"migration": ['JSON {"from", "tables", "columns"} or null.']})
    try:
        data = parsers.loads(value)
    except parsers.JSONError as exc:
        raise problem from exc
    if data is None:
        return None
    if not isinstance(data, dict):
        raise problem
    from_version = data.get("from")
    tables = data.get("tables") or []
    columns = data.get("columns") or []
    if not (
        isinstance(from_version, int)
        and not isinstance(from_version, bool)
        and isinstance(tables, list)
        and isinstance(columns, list)
        and all(isinstance(entry, dict) for entry in columns)
    ):
        raise problem
    named = [*tables, *(entry.get("table") for entry in columns)]
    if not all(isinstance(name, str) for name in named):
        raise problem
    if unknown := set(named) - TABLES.keys():
        shown = ", ".join(sorted(name[:40] for name in unknown)[:10])
        raise ValidationError({"migration": [f"Unknown tables: {shown}."]})
    return Migration(from_version, frozenset(named))


def _outdated(schema_version: str | None) -> HttpResponse | None:
    """426 for an app older than the server accepts; 400 for one newer than it speaks."""
    if schema_version in (None, ""):
        return None
    version = _whole_number(schema_version)
    if version is None:
        raise ValidationError({"schema_version": ["Must be a whole number."]})
    if version > SCHEMA_VERSION:
        detail = (
            f"This app (schema {version}) is newer than the server, which speaks schema "
            f"{MIN_SCHEMA_VERSION} to {SCHEMA_VERSION}. Reload the app to get the server's version."
        )
        raise ValidationError({"schema_version": [detail]}, code="schema_unsupported")
    if version >= MIN_SCHEMA_VERSION:
        return None
    detail = (
        f"This app is too old to sync (schema {version}; the server needs "
        f"{MIN_SCHEMA_VERSION} to {SCHEMA_VERSION}). Update the app."
    )
    return json_response(error_body("client_error", "client_outdated", detail), status=426)


def _resync_required() -> HttpResponse:
    detail = (
        "This device was away longer than deleted records are kept. Reset the local "
        "database and sync from scratch (last_pulled_at=null)."
    )
    return json_response(error_body("client_error", "resync_required", detail), status=410)


def _conflict(conflict: PushConflict) -> HttpResponse:
    detail = "Changed on the server after last_pulled_at: pull, then push again."
    errors = [
        {"code": "sync_conflict", "detail": detail, "attr": f"{table}.{record_id}"}
        for table, record_id in conflict.records
    ]
    return json_response({"type": "client_error", "errors": errors}, status=409)


def _rejected(rejected: PushRejected) -> HttpResponse:
    errors = [{"code": e.code, "detail": e.detail, "attr": e.attr} for e in rejected.errors]
    return json_response({"type": "validation_error", "errors": errors}, status=400)


pull_view = gzip_page(PullView.as_view())
push_view = PushView.as_view()
