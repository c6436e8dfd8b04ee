"""A sweep over the URL conf: nobody reaches another member's data.

Every API route with an object id is found automatically. Alice owns one object of each
kind; Bob asks for it by every method and gets 404, and the object is unchanged. A new
route whose model has no owner factory here fails the sweep until one is added.
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from pypdf import PdfReader
from rest_framework.viewsets import ViewSetMixin

from accounts import care
from accounts.models import CareLink, LoginSession
from notifications.models import Notification, PushSubscription
from tracking.models import Flag, IntakeLog, Product, Regimen

from .conftest import client_for
from .factories import FlagFactory, IntakeLogFactory, ProductFactory, RegimenFactory

OWNED = {
    Product: lambda alice: ProductFactory(owner=alice),
    Regimen: lambda alice: RegimenFactory(member=alice),
    IntakeLog: lambda alice: IntakeLogFactory(member=alice),
    LoginSession: lambda alice: LoginSession.objects.create(user=alice, device_name="alice phone"),
    Flag: lambda alice: FlagFactory(member=alice),
    CareLink: lambda alice: care.create_share_code(alice)[0],
    Notification: lambda alice: Notification.objects.create(
        member=alice, kind="weekly_digest", period="2026-W47", title="Your week", body="..."
    ),
    PushSubscription: lambda alice: PushSubscription.objects.create(
        member=alice, endpoint="https://push.example/alice", p256dh="key", auth="secret"
    ),
}


def api_routes(patterns=None, prefix: str = ""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from api_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/v1/"):
            yield route, entry.callback


def detail_routes():
    for route, view in api_routes():
        if "(?P<pk>" in route and issubclass(getattr(view, "cls", object), ViewSetMixin):
            yield pytest.param(route, view, id=route)


def model_of(view):
    serializer = view.cls.serializer_class
    return serializer.Meta.model


def readable_text(response) -> str:
    if response.get("Content-Type") == "application/pdf":
        pages = PdfReader(io.BytesIO(response.content)).pages
        return "".join(page.extract_text() for page in pages)
    return response.content.decode()


def url_for(route: str, pk) -> str:
    path = re.sub(r"\(\?P<pk>[^)]+\)", str(pk), route)
    return "/" + path.replace("^", "").replace("$", "")


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "view"), list(detail_routes()))
@pytest.mark.parametrize("method", ["get", "post", "patch", "put", "delete"])
def test_bob_gets_404_for_every_object_of_alice(alice, bob, route, view, method):
    model = model_of(view)
    assert model in OWNED, f"add an owner factory for {model.__name__} to OWNED"
    obj = OWNED[model](alice)
    before = model.objects.filter(pk=obj.pk).values().get()

    response = getattr(client_for(bob), method)(url_for(route, obj.pk), {"note": "mine"})

    allowed = set(view.actions) & set(view.cls.http_method_names)
    expected = 404 if method in allowed else 405
    assert response.status_code == expected, response.content
    assert response.json()["type"] == "client_error"
    assert model.objects.filter(pk=obj.pk).values().get() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route", sorted({r for r, v in api_routes() if "(?P<" not in r and "<" not in r}), ids=str
)
def test_no_list_or_singleton_shows_alice_to_bob(alice, bob, route):
    owned = [factory(alice) for factory in OWNED.values()]
    bob_api = client_for(bob)

    response = bob_api.get("/" + route.replace("^", "").replace("$", ""))

    text = readable_text(response)
    for obj in owned:
        assert str(obj.pk) not in text, f"{route} shows {type(obj).__name__} {obj.pk}"
    assert str(alice.pk) not in text
    assert alice.email not in text


@pytest.mark.django_db
def test_the_sweep_finds_every_viewset_route():
    found = {route for route, _ in (p.values for p in detail_routes())}
    assert len(found) >= 4
