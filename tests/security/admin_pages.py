"""The admin's URLs, sorted into the kinds expectations.py declares, with every parameter
filled with a real object: Alice's, Bob's, or the operators' shared one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from .expectations import PANEL_PAGES, SITE_PAGES
from .inspection import ownership_path
from .routes import Route, admin_routes

MODEL_SUFFIXES = ("changelist", "add", "change", "delete", "history")
NO_SUCH_PAGE = "no/such/page/"
BAD_INVITE = "not-a-valid-invitation"


@dataclass(frozen=True)
class AdminPage:
    route: Route
    kind: str  # a key of expectations.STAFF_SITE / PANEL / OPERATORS_MODELS, or "unknown"
    model: type | None = None

    @property
    def group(self) -> str:
        return self.model._meta.label if self.model else "site"

    @property
    def has_object(self) -> bool:
        return any(p in self.route.path for p in ("{object_id}", "{id}", "{pk}"))


def _model_of(path: str):
    parts = path.strip("/").split("/")
    if len(parts) < 3:
        return None
    try:
        return apps.get_model(parts[1], parts[2])
    except (LookupError, ValueError):
        return None


def classify(route: Route) -> AdminPage:
    name, path = route.name, route.path
    if name in SITE_PAGES:
        return AdminPage(route, SITE_PAGES[name])
    if path == "/admin/{url}":
        return AdminPage(route, "catch_all")
    model = _model_of(path)
    if name in PANEL_PAGES:
        return AdminPage(route, "panel:" + PANEL_PAGES[name], model)
    if model is None or model not in admin.site._registry:
        return AdminPage(route, "unknown", model)
    panel = "panel:" if model._meta.label == "tracking.Client" else ""
    if name == "auth_user_password_change":
        return AdminPage(route, panel + "password", model)
    if name is None and path.endswith("/{object_id}/"):
        return AdminPage(route, panel + "object", model)
    for suffix in MODEL_SUFFIXES:
        if name and name.endswith("_" + suffix):
            return AdminPage(route, panel + suffix, model)
    return AdminPage(route, "unknown", model)


@cache
def admin_pages() -> tuple[AdminPage, ...]:
    return tuple(classify(route) for route in admin_routes())


def app_labels() -> list[str]:
    return sorted({model._meta.app_label for model in admin.site._registry})


# --- Filling the URL --------------------------------------------------------------------
def object_of(model, member) -> object | None:
    """`member`'s object of `model` (None: the model's first shared row)."""
    user_model = get_user_model()
    manager = model._default_manager.order_by("pk")
    if issubclass(model, user_model):
        return manager.filter(pk=member.pk).first() if member else None
    path = ownership_path(model)
    if path is None:
        return manager.first()
    return manager.filter(**{path: member}).first() if member else None


def decoy_id(model) -> str:
    """An id of `model` that exists nowhere."""
    field = model._meta.pk
    if field.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"):
        return "987654321"
    if field.is_relation:  # a one-to-one primary key (MemberComputation, Client)
        return decoy_id(field.related_model)
    return str(uuid.uuid4())


def fill(page: AdminPage, holdings, app_label: str = "", nobody: bool = False) -> str | None:
    """The URL of `page` about `holdings`' objects (None: shared objects); `nobody` puts
    ids that exist nowhere in their place. None when the page has no object to show."""
    member = holdings.member if holdings else None
    path = page.route.path
    values = {"url": NO_SUCH_PAGE, "token": BAD_INVITE, "app_label": app_label}
    if page.kind == "view_on_site":
        user_type = ContentType.objects.get_for_model(get_user_model())
        values["content_type_id"] = str(user_type.pk)
        values["object_id"] = str(uuid.uuid4()) if nobody else str(member.pk)
    elif page.has_object:
        obj = object_of(page.model, member)
        if obj is None:
            return None
        value = decoy_id(page.model) if nobody else str(obj.pk)
        values |= {"object_id": value, "id": value, "pk": value}
    if "{flag_id}" in path:
        values["flag_id"] = str(uuid.uuid4()) if nobody else str(holdings.objects["flag"].pk)
    if "{note_id}" in path:
        note = holdings.objects.get("client_note")
        values["note_id"] = str(note.pk) if note and not nobody else str(uuid.uuid4())
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, path
    if page.kind == "search":  # every member's e-mail matches: any row found would show
        path += "?s=example.com&extended=1"
    return path
