"""What the service answers: every route of the URL resolver and every operation of the
OpenAPI schema, in one spelling ("GET /api/v1/products/{id}") so the two can be compared
and each can be looked up in the declared expectations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

API_PREFIX = "/api/v1/"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Every method a client could send; HEAD and OPTIONS follow GET and the metadata view.
SWEPT_METHODS = (*METHODS, "HEAD", "OPTIONS")

_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its path with {named} parameters, its name and its view."""

    path: str
    name: str | None
    callback: object

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def is_api(self) -> bool:
        return self.path.startswith(API_PREFIX)

    def methods(self) -> set[str]:
        """The methods the view answers other than HEAD/OPTIONS (405 for the rest)."""
        cls = self.view_class
        if cls is None:
            return set()
        allowed = {m.upper() for m in cls.http_method_names}
        actions = getattr(self.callback, "actions", None)
        if actions is not None:  # a viewset route: the router's mapping
            return {m.upper() for m in actions} & allowed
        handlers = {m.upper() for m in cls.http_method_names if hasattr(cls, m)}
        return handlers & allowed & set(METHODS)


def template(pattern: str) -> str:
    """'api/v1/^products/(?P<pk>[^/.]+)$' → '/api/v1/products/{pk}'."""
    path = _REGEX_GROUP.sub(r"{\1}", pattern)
    path = _CONVERTER.sub(r"{\1}", path)
    return "/" + path.replace("^", "").replace("$", "")


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield Route(template(route), entry.name, entry.callback)


@cache
def url_routes() -> tuple[Route, ...]:
    return tuple(_walk(get_resolver().url_patterns))


def api_routes() -> tuple[Route, ...]:
    return tuple(route for route in url_routes() if route.is_api)


def other_routes() -> tuple[Route, ...]:
    """Everything outside /api/v1 and the admin: schema, docs, healthz, unsubscribe."""
    return tuple(r for r in url_routes() if not r.is_api and not r.path.startswith("/admin/"))


def admin_routes() -> tuple[Route, ...]:
    return tuple(r for r in url_routes() if r.path.startswith("/admin/"))


def same_shape(path: str) -> str:
    """Parameter names differ between router ({pk}) and schema ({id}): compare shapes."""
    return re.sub(r"\{\w+\}", "{}", path)


@cache
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def schema_operations() -> dict[str, dict]:
    """'GET /api/v1/products/{id}' → the schema's operation object."""
    found = {}
    for path, item in schema()["paths"].items():
        for method, operation in item.items():
            if method.upper() in METHODS:
                found[f"{method.upper()} {path}"] = operation
    return found


def resolver_operations() -> dict[str, Route]:
    """The same spelling as the schema's, from the URL resolver."""
    schema_paths = {
        same_shape(op.split(" ", 1)[1]): op.split(" ", 1)[1] for op in schema_operations()
    }
    found = {}
    for route in api_routes():
        path = schema_paths.get(same_shape(route.path), route.path)
        for method in route.methods() & set(METHODS):
            found[f"{method} {path}"] = route
    return found


def requires_no_credentials(operation: dict) -> bool:
    """The schema's word on an operation: no security requirement, or an empty one."""
    security = operation.get("security")
    return security is None or {} in security
