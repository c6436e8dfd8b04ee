"""Access control, swept over every route (issue 8; OWASP API Top 10: BOLA, BFLA, excessive
data exposure).

Every route of the URL resolver and every operation of the OpenAPI schema is found
automatically; each must have a declared expectation in expectations.py, so a new route
fails here until someone decides who may use it. Each request is sent for real (Django's
test client, no mocking) as each person and rolled back afterwards; sweep.py lists what
is checked of every answer.
"""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.test import Client as BrowserClient
from rest_framework.test import APIClient

from accounts import care
from accounts.models import User
from syncapi.registry import TABLES

from ..conftest import client_for
from .admin_pages import admin_pages, app_labels
from .conftest import cookie_client, signed_out_client
from .expectations import (
    API,
    FORGED_TOKEN,
    GET_ONLY_PAGES,
    KNOWN_DEFECTS,
    KNOWN_ORACLES,
    PAGES,
    STATIC_PAGES,
)
from .inspection import SECRET_KEYS, TOKEN_KEYS, ownership_path
from .routes import (
    SWEPT_METHODS,
    other_routes,
    requires_no_credentials,
    resolver_operations,
    same_shape,
    schema_operations,
)
from .routes import schema as routes_schema
from .sweep import Person, Probe, Sweep, cases_for

pytestmark = pytest.mark.django_db


def _api_paths() -> list[str]:
    operations = {*API, *schema_operations(), *resolver_operations()}
    return sorted({operation.split(" ", 1)[1] for operation in operations})


# --- The lists agree ------------------------------------------------------------------
def test_every_api_route_is_documented_and_every_documented_operation_exists():
    documented = set(schema_operations())
    routed = set(resolver_operations())

    assert routed - documented == set(), "routes missing from the OpenAPI schema"
    assert documented - routed == set(), "documented operations with no route"
    assert len(routed) >= 40


def test_every_operation_has_declared_expectations():
    operations = set(schema_operations()) | set(resolver_operations())

    assert operations - set(API) == set(), "declare these in tests/security/expectations.py"
    assert set(API) - operations == set(), "declared operations that no longer exist"


def test_the_schema_says_which_operations_need_no_sign_in():
    """The public list is the schema's own: what it documents without security is exactly
    what the sweep lets anonymous callers use."""
    public = {
        op for op, operation in schema_operations().items() if requires_no_credentials(operation)
    }
    declared = {op for op, cases in API.items() if any(case.public for case in cases)}

    assert public == declared


def test_every_other_route_is_declared():
    found = {
        f"{method} {route.path}"
        for route in other_routes()
        for method in (route.methods() or {"GET"})
    }
    shapes = {same_shape(page) for page in PAGES}

    assert {same_shape(f) for f in found} == shapes


@pytest.mark.parametrize("path", sorted({page.split(" ", 1)[1] for page in PAGES}))
def test_public_pages_show_no_one_s_data(world, path):
    sweep = Sweep(world)
    people = [
        Person("anonymous", BrowserClient(), None),
        Person("bob", client_for(world.bob.member), world.bob.member),
        Person("dana (admin cookie)", cookie_client(world.dana, api=False), world.dana),
    ]
    url = path.replace("{token}", FORGED_TOKEN)

    for person in people:
        # Every method from the anonymous caller; the signed-in ones read the page.
        for method in SWEPT_METHODS if person.user is None else ("GET",):
            page = PAGES.get(f"{method} {path}") or PAGES.get(f"GET {path}")
            status = page.status if f"{method} {path}" in PAGES or method == "HEAD" else 405
            if method == "OPTIONS":
                # Django's and DRF's views answer OPTIONS with the allowed methods.
                status = 405 if path in GET_ONLY_PAGES else 200
            if f"{method} {path}" not in KNOWN_DEFECTS:
                sweep.run(Probe(person, method, url, expected=frozenset({status})))

    assert not sweep.violations, sweep.report()


def test_options_on_the_api_docs_is_refused_rather_than_a_500(client):
    assert client.options("/api/docs/").status_code == 405


@pytest.mark.parametrize("path", sorted(STATIC_PAGES))
def test_the_app_is_static_and_public(world, path):
    sweep = Sweep(world)
    anonymous = Person("anonymous", BrowserClient(), None)

    response = sweep.run(Probe(anonymous, "GET", path, expected=frozenset({200})))

    assert not sweep.violations, sweep.report()
    assert response["Content-Type"].startswith("text/html")


# --- The member API -------------------------------------------------------------------
def api_people(world) -> list[Person]:
    alice, bob, dana = world.alice.member, world.bob.member, world.dana
    return [
        Person("anonymous", APIClient(), None, "anonymous"),
        Person("alice's signed-out phone", signed_out_client(alice), None, "anonymous"),
        Person("bob", client_for(bob), bob, "stranger"),
        Person("dana (token)", client_for(dana), dana, "stranger"),
        Person("dana (admin cookie)", cookie_client(dana), dana, "stranger"),
        Person("root (token)", client_for(world.root), world.root, "stranger"),
        Person("alice", client_for(alice), alice, "owner"),
    ]


@pytest.mark.parametrize("path", _api_paths())
def test_nobody_reaches_what_is_not_theirs_on(world, path):
    sweep = Sweep(world)
    people = api_people(world)

    for method in SWEPT_METHODS:
        for case in cases_for(method, path):
            for person in people:
                sweep.check(person, method, path, case, world.alice)

    assert not sweep.violations, sweep.report()


# --- The admin ------------------------------------------------------------------------
def admin_people(world) -> list[tuple[str, Person]]:
    """(who, person): `who` names the row of expectations.py's admin tables."""
    alice, bob, dana, olga, root = (
        world.alice.member,
        world.bob.member,
        world.dana,
        world.olga,
        world.root,
    )

    def browser(user: User) -> BrowserClient:
        return cookie_client(user, api=False)

    return [
        ("visitor", Person("anonymous", BrowserClient(), None)),
        ("visitor", Person("bob (member)", browser(bob), bob)),
        # The admin takes no API token, not even an operator's.
        ("visitor", Person("root's API token", client_for(root), root)),
        ("dana", Person("dana", browser(dana), dana, sees=frozenset({alice.pk}))),
        ("olga", Person("olga (staff, no role)", browser(olga), olga)),
        ("root", Person("root", browser(root), root, sees=frozenset({alice.pk, bob.pk}))),
    ]


def _admin_groups() -> list[str]:
    return sorted({page.group for page in admin_pages()})


def test_every_admin_page_is_of_a_declared_kind():
    unknown = [page.route.path for page in admin_pages() if page.kind == "unknown"]

    assert unknown == [], "declare these kinds in expectations.py (the admin section)"
    assert len(admin_pages()) >= 150


@pytest.mark.parametrize("group", _admin_groups())
def test_the_admin_shows_each_person_only_their_own_on(world, group):
    sweep = Sweep(world)
    for who, person in admin_people(world):
        for page in (p for p in admin_pages() if p.group == group):
            owners = _owners(world, page, who)
            apps = app_labels() if page.kind == "app_list" else [""]
            methods = ("GET",) if who == "root" else ("GET", "POST")
            for holdings, app, method in itertools.product(owners, apps, methods):
                sweep.admin_check(person, who, page, method, holdings, app)

    assert not sweep.violations, sweep.report()


def _owners(world, page, who: str) -> list:
    """Whose objects fill the page: nobody's on a list or a shared table's page; Alice's
    where it shows a member's object; Bob's as well in the dietitian panel (Dana's 404)."""
    shows_one = page.has_object or page.kind == "view_on_site" or page.kind.startswith("panel:")
    model = page.model
    shared = model is not None and not issubclass(model, User) and ownership_path(model) is None
    if not shows_one or shared:
        return [None]
    both = who != "visitor" and (page.kind.startswith("panel:") or page.kind == "view_on_site")
    return [world.alice, world.bob] if both else [world.alice]


def test_an_admin_history_page_does_not_tell_staff_that_an_id_exists(world):
    session = world.alice.objects["session"]
    browser = cookie_client(world.dana, api=False)

    exists = browser.get(f"/admin/accounts/loginsession/{session.pk}/history/")
    missing = browser.get(f"/admin/accounts/loginsession/{uuid.uuid4()}/history/")

    assert exists.status_code == missing.status_code


@pytest.mark.xfail(strict=True, reason=KNOWN_ORACLES["register"])
def test_known_gap_sign_up_tells_that_an_email_has_an_account(world):
    def sign_up(email: str):
        body = {"email": email, "password": "a long new passphrase 42"}
        return APIClient().post("/api/v1/auth/register", body, format="json")

    taken = sign_up(world.alice.member.email)
    free = sign_up("nobody-at-all@example.com")

    assert taken.status_code == free.status_code


# --- Beyond the sweep: ids a client chooses, links that are credentials, the schema -----
def test_a_push_naming_another_members_records_is_refused_without_revealing_them(world):
    """Sync ids are chosen by the device, so a push with Alice's ids cannot be answered
    like one with unknown ids (those would be created): it is refused, for every table
    and kind, with a code that says nothing of whose the id is, and nothing changes."""
    sweep = Sweep(world)
    bob = Person("bob", client_for(world.bob.member), world.bob.member)
    alice_id = world.alice.member.pk
    for name, table in TABLES.items():
        ids = [str(pk) for pk in table.rows_for(alice_id).values_list("pk", flat=True)[:2]]
        assert ids, f"Alice has no {name} rows to try"
        for kind in ("created", "updated", "deleted"):
            records = ids if kind == "deleted" else [{"id": pk} for pk in ids]
            changes = {name: {"created": [], "updated": [], "deleted": [], kind: records}}
            refused = table.read_only or kind != "deleted"
            probe = Probe(
                bob,
                "POST",
                "/api/v1/sync/push?last_pulled_at=0",
                {"changes": changes},
                expected=frozenset({400 if refused else 200}),
            )
            response = sweep.run(probe)
            if refused and response is not None and response.status_code == 400:
                codes = {error["code"] for error in response.json()["errors"]}
                assert codes <= {"id_unavailable", "read_only"}, (name, kind, codes)

    assert not sweep.violations, sweep.report()


def test_pull_as_anyone_else_returns_none_of_alices_rows(world):
    alice_ids = {str(i) for i in world.markers[world.alice.member.pk] if len(i) == 36}
    for user in (world.bob.member, world.dana, world.root):
        body = client_for(user).get("/api/v1/sync/pull", {"last_pulled_at": "null"}).json()
        pulled = {
            row["id"]
            for table in body["changes"].values()
            for row in table["updated"] + [{"id": pk} for pk in table["deleted"]]
        }
        assert pulled and not pulled & alice_ids, user.email


def test_a_dose_id_of_alices_gets_the_same_conflict_as_a_reused_id_of_ones_own(world):
    """POST /intakes takes the device's id: Bob reusing Alice's id learns no more than
    reusing his own with other content. Alice's dose is unchanged."""
    sweep = Sweep(world)
    bob = Person("bob", client_for(world.bob.member), world.bob.member)
    plan = str(world.bob.objects["regimen"].pk)
    answers = []
    for taken in (world.alice.objects["intake"], world.bob.objects["intake"]):
        body = {"id": str(taken.pk), "regimen": plan, "taken_at": "2026-01-01T08:00:00Z"}
        probe = Probe(bob, "POST", "/api/v1/intakes", body, expected=frozenset({409}))
        response = sweep.run(probe)
        answers.append(response.content.replace(str(taken.pk).encode(), b"<id>"))

    assert not sweep.violations, sweep.report()
    assert answers[0] == answers[1]


def test_an_unsubscribe_link_works_for_its_member_only(world):
    """The link's signed token is the credential: it turns off Alice's e-mails and nobody
    else's; a token signed for something else, or with another id, is refused."""
    sweep = Sweep(world)
    anonymous = Person("anonymous", BrowserClient(), None, sees=frozenset({world.alice.member.pk}))
    alice, bob = world.alice, world.bob
    signature = alice.unsubscribe.partition(":")[2]
    forged = f"{bob.member.pk}:{signature}"
    invite = care.invite_token(alice.objects["followed_link"])

    for token in (forged, invite):
        for method in ("GET", "POST"):
            sweep.run(Probe(anonymous, method, f"/unsubscribe/{token}", expected=frozenset({400})))
    shown = sweep.run(Probe(anonymous, "GET", f"/unsubscribe/{alice.unsubscribe}"))
    done = sweep.run(
        Probe(
            anonymous,
            "POST",
            f"/unsubscribe/{alice.unsubscribe}",
            may_touch=frozenset({alice.member.pk}),
        )
    )

    assert not sweep.violations, sweep.report()
    assert alice.member.email in shown.readable and alice.member.email in done.readable
    changed = {key[0] for key, _, _ in sweep.changes}
    assert "accounts.Profile" in changed
    assert changed <= {"accounts.Profile", "sync.SyncClock"}, changed


def test_no_documented_response_carries_a_secret_field():
    """The schema's word on every answer: no password, key, digest or token field, except
    the tokens the sign-in operations hand out."""
    operations = schema_operations()
    found = []
    for key, operation in operations.items():
        allowed = TOKEN_KEYS if any(case.tokens for case in API.get(key, [])) else set()
        for name in _response_fields(operation):
            if name.lower() in (SECRET_KEYS | TOKEN_KEYS) - allowed:
                found.append(f"{key}: {name}")

    assert found == []
    assert {"access", "refresh"} <= _response_fields(operations["POST /api/v1/auth/token"])


def _response_fields(operation: dict) -> set[str]:
    """Every property name of every response schema of the operation, however nested."""
    components = routes_schema()["components"]["schemas"]
    seen: set[str] = set()
    names: set[str] = set()
    stack: list = [operation.get("responses", {})]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and ref not in seen:
                seen.add(ref)
                stack.append(components[ref.rsplit("/", 1)[1]])
            properties = node.get("properties")
            if isinstance(properties, dict):
                names |= set(properties)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return names
