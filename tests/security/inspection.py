"""What the sweep looks at: the database around each request, and each response's text.

- `Snapshot`: every row that belongs to one of the sweep's people (found through the
  models' foreign keys to the user model, then one level further down: ingredients of a
  product, deliveries of a notification…) plus the operator-owned shared tables. New
  models are covered without listing them here.
- `readable_text`: what a person could read in a response: JSON, HTML, a PDF's text, the
  files inside a zip.
- `exposed_keys` / `SECRET_KEYS`: field names that must never reach a client.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models import Q
from pypdf import PdfReader

from tracking.models import Ingredient, Nutrient, Product, ReferenceIntake

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Fields whose value changes on any authenticated request; not the person's data.
VOLATILE = {"last_used_at", "last_login", "last_activity_at"}
# FK names that say whose a row is, in order of preference.
OWNER_FIELDS = ("member", "owner", "user")
# The user columns that grant power; only operators change them (in the admin).
PRIVILEGES = ("email", "password", "is_staff", "is_superuser", "is_active")

# Field names that must never appear in any response body, to anyone.
SECRET_KEYS = {
    "password",
    "password_hash",
    "code_digest",
    "p256dh",
    "auth",
    "keys",
    "secret",
    "secret_key",
    "private_key",
    "vapid_private_key",
    "signing_key",
    "token_hash",
    "jti",
}
# Only the sign-in operations hand out tokens.
TOKEN_KEYS = {"access", "refresh", "token"}


# --- The database ---------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    owner: str | None  # the user id the row belongs to (None: shared/operator data)
    columns: tuple[str, ...]  # volatile columns left out
    values: tuple


@dataclass(frozen=True)
class Query:
    """One compiled SELECT: (owner, pk, *columns) of one table's rows."""

    label: str
    sql: str
    params: tuple
    columns: tuple[str, ...]
    shared: bool  # operators' data: nobody's to change


def _user_fks(model) -> list:
    user_model = get_user_model()
    return [
        f
        for f in model._meta.concrete_fields
        if f.is_relation
        and f.related_model is not None
        and f.related_model._meta.concrete_model is user_model
    ]


def _owner_field(fks: list):
    by_name = {f.name: f for f in fks}
    return next((by_name[n] for n in OWNER_FIELDS if n in by_name), fks[0])


@cache
def _ownership() -> tuple[list, list]:
    """[(model, path to the owning user)]: models with a FK to the user model, then models
    with a FK to one of those (ingredients of a product, deliveries of a notification)."""
    user_model = get_user_model()
    every = [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy]
    direct = {}
    for model in every:
        fks = _user_fks(model) if model is not user_model else []
        if fks:
            direct[model] = _owner_field(fks).name
    children = []
    for model in every:
        if model in direct or model is user_model:
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model in direct:
                children.append((model, f"{f.name}__{direct[f.related_model]}"))
                break
    return [(user_model, "pk"), *direct.items()], children


def ownership_path(model) -> str | None:
    """The lookup from `model` to the user it belongs to; None for shared tables."""
    concrete = model._meta.concrete_model
    direct, children = _ownership()
    return next((path for m, path in [*direct, *children] if m is concrete), None)


def _compiled(label: str, queryset, owner: str | None, columns: tuple[str, ...] = ()) -> Query:
    opts = queryset.model._meta
    columns = columns or tuple(f.attname for f in opts.concrete_fields if f.attname not in VOLATILE)
    owner_expr = owner or "pk"  # shared rows: the pk twice, the owner ignored
    values = queryset.values_list(owner_expr, "pk", *columns).order_by()
    sql, params = values.query.sql_with_params()
    if connection.vendor == "sqlite":  # what Django's cursor wrapper would do to run it
        sql = FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
    return Query(label, sql, tuple(params), columns, shared=owner is None)


def snapshot_plan(people: Iterable) -> list[Query]:
    """The SELECTs of one snapshot for these people, compiled once (the ORM's compiling
    costs far more than SQLite's answering)."""
    ids = [person.pk for person in people]
    direct, children = _ownership()
    plan = [
        _compiled(model._meta.label, model.objects.filter(**{f"{path}__in": ids}), path)
        for model, path in [*direct, *children]
    ]
    for label, queryset in _shared_querysets():
        plan.append(_compiled(label, queryset, None))
    powerful = get_user_model().objects.filter(Q(is_staff=True) | Q(is_superuser=True))
    plan.append(_compiled("staff", powerful, None, ("is_staff", "is_superuser")))
    return plan


def _shared_querysets():
    """The operators' data: the catalogue, nutrients, reference intakes, groups and beat
    schedules. (snapshot_plan adds who is staff at all: a new account must never be.)"""
    yield "catalogue.Product", Product.objects.filter(owner=None)
    yield "catalogue.Ingredient", Ingredient.objects.filter(product__owner=None)
    yield "tracking.Nutrient", Nutrient.objects.all()
    yield "tracking.ReferenceIntake", ReferenceIntake.objects.all()
    yield "auth.Group", Group.objects.all()
    yield "auth.Group_permissions", Group.permissions.through.objects.all()
    for label in (
        "django_celery_beat.PeriodicTask",
        "django_celery_beat.IntervalSchedule",
        "django_celery_beat.CrontabSchedule",
    ):
        yield label, apps.get_model(label).objects.all()


@lru_cache(maxsize=100_000)
def canonical(value) -> str:
    """An id as the API writes it, whatever the database returned (UUID hex on SQLite)."""
    text = str(value)
    if len(text) in (32, 36):
        try:
            return str(uuid.UUID(text))
        except ValueError:
            pass
    return text


def writes_so_far() -> int:
    """Rows this connection has inserted, updated or deleted so far: when a request leaves
    it unchanged, the request wrote nothing and the snapshot after it can be skipped."""
    if connection.vendor == "sqlite":
        return connection.connection.total_changes
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
            " FROM pg_stat_xact_all_tables"
        )
        return int(cursor.fetchone()[0])


class Snapshot:
    """Rows of the given people and the shared tables, keyed (table label, pk)."""

    def __init__(self, plan: list[Query]) -> None:
        self.rows: dict[tuple[str, str], Row] = {}
        connection.ensure_connection()
        # The driver's own cursor: Django's wrapper costs more than SQLite's answer here.
        cursor = connection.connection.cursor()
        try:
            for query in plan:
                cursor.execute(query.sql, query.params)
                label, columns, shared = query.label, query.columns, query.shared
                for row in cursor.fetchall():
                    owner = None if shared else canonical(row[0])
                    self.rows[(label, canonical(row[1]))] = Row(owner, columns, row[2:])
        finally:
            cursor.close()

    def changes(self, after: Snapshot) -> Iterator[tuple[tuple[str, str], Row | None, Row | None]]:
        for key in self.rows.keys() | after.rows.keys():
            before_row, after_row = self.rows.get(key), after.rows.get(key)
            if before_row != after_row:
                yield key, before_row, after_row


def owner_changed(before: Row | None, after: Row | None, allowed: Iterable[str] = ()) -> bool:
    """Whether a row moved to another person, or a person's privileges changed (other than
    the `allowed` ones: a member changes their own password)."""
    if before is None or after is None:
        return False
    old = dict(zip(before.columns, before.values, strict=True))
    new = dict(zip(after.columns, after.values, strict=True))
    moved = before.owner != after.owner
    return moved or any(old.get(p) != new.get(p) for p in set(PRIVILEGES) - set(allowed))


# --- Responses ------------------------------------------------------------------------
def readable_text(response) -> str:
    """What the person can read in the response, whatever its format."""
    content = _content(response)
    kind = response.get("Content-Type", "")
    if content.startswith(b"%PDF"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    if content.startswith(b"PK\x03\x04") or "zip" in kind:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(
                f"{name}\n{archive.read(name).decode('utf-8', 'replace')}"
                for name in archive.namelist()
            )
    return content.decode("utf-8", "replace")


def _content(response) -> bytes:
    if getattr(response, "streaming", False):
        response_content = b"".join(response.streaming_content)
        response.streaming_content = [response_content]
        return response_content
    content = response.content
    if response.get("Content-Encoding") == "gzip":
        import gzip

        return gzip.decompress(content)
    return content


def json_body(response):
    """The parsed JSON body, or None for anything else."""
    if "json" not in response.get("Content-Type", ""):
        return None
    try:
        return json.loads(_content(response))
    except ValueError:
        return None


def keys_of(payload) -> Iterator[tuple[str, str]]:
    """(path, key) for every object key in a JSON document, however deep."""
    stack = [("$", payload)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                yield path, key
                stack.append((f"{path}.{key}", value))
        elif isinstance(node, list):
            stack.extend((f"{path}[]", item) for item in node)
        elif isinstance(node, str) and node[:1] in "[{":
            with contextlib.suppress(ValueError):  # sync rows carry lists as JSON text
                stack.append((path, json.loads(node)))


def exposed_keys(payload, allowed: Iterable[str] = ()) -> list[str]:
    forbidden = (SECRET_KEYS | TOKEN_KEYS) - set(allowed)
    return sorted({f"{path}.{key}" for path, key in keys_of(payload) if key.lower() in forbidden})


def markers(texts: Iterable[str], ids: Iterable[str]) -> set[str]:
    """What gives a person's data away: their tagged texts and their rows' UUIDs."""
    return {t for t in texts if t} | {i for i in ids if UUID.match(i)}
