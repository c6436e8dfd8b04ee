"""The sweep's engine: send one request as one person, in a transaction that is rolled
back afterwards (so every request meets the same world), and write down every way the
answer breaks the declarations:

- the status is not the declared one;
- a row that is not the caller's changed, a row changed owner, or someone's privileges
  changed (the database compared before and after, inside the transaction);
- the body holds the e-mail, tagged text or row ids of a member the caller may not see
  (ids the request itself named excepted), a field named like a secret (password,
  p256dh, code_digest…), a secret value from the database (password hashes, share-code
  digests, push keys, stored refresh tokens, server keys), or echoes a secret it was sent;
- a stranger's answer about the owner's ids differs from the answer about ids that exist
  nowhere (the existence oracle);
- the owner's answer lacks what it should show (so the scans above are known to see).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.cookies import SimpleCookie
from typing import Literal
from urllib.parse import urlencode

from django.db import transaction

from accounts.models import User

from . import admin_pages
from .expectations import (
    API,
    KNOWN_ORACLES,
    SIGN_IN,
    Case,
    Refs,
    admin_expected,
    admin_form,
)
from .inspection import (
    SECRET_KEYS,
    TOKEN_KEYS,
    UUID,
    Snapshot,
    exposed_keys,
    json_body,
    owner_changed,
    readable_text,
    writes_so_far,
)
from .world import PASSWORD, Holdings

Role = Literal["owner", "stranger", "anonymous"]
NOT_HER_PASSWORD = "not the owner's password"
NOT_A_TOKEN = "not-a-refresh-token"


@dataclass
class Person:
    name: str
    client: object  # an APIClient or a django.test.Client
    user: User | None  # whose rows this person may change (None: nobody's)
    role: Role = "stranger"
    sees: frozenset = frozenset()  # ids of the members whose data this person may see
    cookies: dict = field(default_factory=dict)  # restored before each request (admin)

    def __post_init__(self) -> None:
        if self.user is not None:
            self.sees = self.sees | {self.user.pk}
        self.cookies = {key: morsel.value for key, morsel in self.client.cookies.items()}


@dataclass
class Probe:
    """One request and what it may do."""

    person: Person
    method: str
    url: str
    body: object = None  # a dict: JSON for the API, form fields for the admin
    form: bool = False
    expected: frozenset[int] = frozenset({200})
    may_touch: frozenset = frozenset()  # owners (user ids) whose rows it may change
    own_privileges: frozenset[str] = frozenset()
    tokens: bool = False

    @property
    def where(self) -> str:
        return f"{self.method} {self.url}"

    @property
    def named(self) -> str:
        return self.url + json.dumps(self.body or {}, default=str)


@dataclass
class Sweep:
    world: object  # conftest.World
    violations: list[str] = field(default_factory=list)
    sent: Counter = field(default_factory=Counter)  # requests per person

    def __post_init__(self) -> None:
        self.secrets = self.world.secrets
        self.members = {h.member.pk: h for h in (self.world.alice, self.world.bob)}
        self.plan = self.world.plan
        self.markers = self.world.markers
        self._baseline: Snapshot | None = None
        self.changes: list = []

    # --- One request ------------------------------------------------------------------
    def baseline(self) -> Snapshot:
        """The state every request starts from: each one is rolled back, so it is taken
        once, before the first request (after the people signed in)."""
        if self._baseline is None:
            self._baseline = Snapshot(self.plan)
        return self._baseline

    @contextmanager
    def isolated(self):
        """Everything the request writes is rolled back; the snapshots see it first."""
        with transaction.atomic():
            yield
            transaction.set_rollback(True)

    def send(self, probe: Probe):
        person = probe.person
        # Each request starts from the sign-in cookies alone: a log-out clears them, and a
        # flash message left in a cookie would echo an earlier request's ids.
        person.client.cookies = SimpleCookie(person.cookies)
        self.sent[person.name] += 1
        if probe.form:
            return person.client.generic(
                probe.method,
                probe.url,
                urlencode(probe.body or {}, doseq=True),
                content_type="application/x-www-form-urlencoded",
            )
        data = json.dumps(probe.body) if probe.body is not None else ""
        return person.client.generic(probe.method, probe.url, data, content_type="application/json")

    def run(self, probe: Probe):
        """Send the probe and hold the answer to every rule; the response, or None."""
        before = self.baseline()
        with self.isolated():
            writes = writes_so_far()
            try:
                response = self.send(probe)
            except Exception as exc:  # a 500 is a finding, not the end of the sweep
                self.fail(probe.person, f"{probe.where} raised {exc!r}")
                return None
            wrote = writes_so_far() != writes
            self.changes = list(before.changes(Snapshot(self.plan))) if wrote else []
        if response.status_code not in probe.expected:
            wanted = " or ".join(str(s) for s in sorted(probe.expected))
            self.fail(probe.person, f"{probe.where} → {response.status_code}, declared {wanted}")
        self.check_writes(probe)
        response.readable = self.check_body(probe, response)
        return response

    def check_writes(self, probe: Probe) -> None:
        person = probe.person
        actor = str(person.user.pk) if person.user else None
        allowed = {actor} | {str(owner) for owner in probe.may_touch}
        for key, old, new in self.changes:
            owner = (old or new).owner
            if owner is None or owner not in allowed:
                self.fail(person, f"{probe.where} changed {key[0]} {key[1]} of {self.whose(owner)}")
            elif owner_changed(old, new, probe.own_privileges):
                self.fail(
                    person, f"{probe.where} changed the owner or privileges of {key[0]} {key[1]}"
                )

    def check_body(self, probe: Probe, response) -> str | None:
        person, where = probe.person, probe.where
        if probe.method == "HEAD":
            if response.content:
                self.fail(person, f"{where} answers HEAD with a body")
            return None
        try:
            text = readable_text(response)
        except Exception as exc:
            self.fail(person, f"{where}: unreadable {response.get('Content-Type')} ({exc!r})")
            return None
        for secret in self.secrets:
            if secret in text:
                self.fail(person, f"{where} shows a secret from the database ({secret[:8]}…)")
        for sent in _secrets_sent(probe.body):
            if sent in text:
                self.fail(person, f"{where} echoes a secret the request sent ({sent[:6]}…)")
        payload = json_body(response)
        if probe.url.startswith("/api/v1/") and response.status_code >= 400:
            shaped = isinstance(payload, dict) and isinstance(payload.get("errors"), list)
            if not (shaped and payload.get("type")):
                self.fail(person, f"{where}: a refusal not in the one error shape: {text[:80]}")
        # OPTIONS describes the request's fields (a password field, push keys): no values.
        if payload is not None and probe.method != "OPTIONS":
            for key in exposed_keys(payload, TOKEN_KEYS if probe.tokens else ()):
                self.fail(person, f"{where} exposes the field {key}")
        named = probe.named
        for member_id, found in self.markers.items():
            if member_id in person.sees:
                continue
            leaked = sorted(m for m in found if m in text and m not in named)
            if leaked:
                whose = self.members[member_id].member.email
                self.fail(person, f"{where} shows {whose}'s data: {', '.join(leaked[:3])}")
        return text

    # --- The member API ---------------------------------------------------------------
    def refs(self, holdings: Holdings, role: Role) -> Refs:
        owner = role == "owner"
        return Refs(
            ids=holdings.ids(),
            email=holdings.member.email,
            password=PASSWORD if owner else NOT_HER_PASSWORD,
            refresh=holdings.refresh if owner else NOT_A_TOKEN,
        )

    def decoy(self, refs: Refs, holdings: Holdings) -> Refs:
        """The same request about nobody: every private id and the e-mail replaced."""
        private = holdings.private_ids()
        ids = {k: (str(uuid.uuid4()) if k in private else v) for k, v in refs.ids.items()}
        return replace(refs, ids=ids, email=f"nobody-{uuid.uuid4().hex[:8]}@example.com")

    def api_probe(self, person: Person, method: str, path: str, case: Case, refs: Refs) -> Probe:
        url = fill(path, case, refs)
        if case.query:
            url += "?" + urlencode(case.query)
        body = case.body(refs) if case.body and method not in ("GET", "HEAD", "OPTIONS") else None
        return Probe(
            person,
            method,
            url,
            body,
            expected=frozenset({expected_status(case, person.role)}),
            own_privileges=case.own_privileges,
            tokens=case.tokens,
        )

    def check(self, person: Person, method: str, path: str, case: Case, owner: Holdings) -> None:
        """Send `case` as `person` about `owner`'s objects and hold it to the rules."""
        refs = self.refs(owner, person.role)
        probe = self.api_probe(person, method, path, case, refs)
        response = self.run(probe)
        if response is None:
            return
        text = response.readable
        if person.role == "owner" and case.shows and text is not None:
            shown = owner.tag if case.shows == "tag" else refs.ids[case.shows]
            if shown not in text:
                self.fail(person, f"{probe.where} does not show the owner's {case.shows}")
        if person.role == "stranger" and self.names(probe, owner, refs.email):
            decoy = self.decoy(refs, owner)
            self.compare_with_nobody(probe, response, refs, decoy, owner, path, case)

    def names(self, probe: Probe, owner: Holdings, *more: str) -> bool:
        values = [*owner.private_ids().values(), *more]
        return any(value in probe.named for value in values)

    def compare_with_nobody(self, probe, response, refs, decoy, owner, path, case) -> None:
        """The owner's ids must get the same answer as ids that exist nowhere."""
        other_probe = self.api_probe(probe.person, probe.method, path, case, decoy)
        with self.isolated():
            try:
                other = self.send(other_probe)
            except Exception as exc:
                self.fail(probe.person, f"{other_probe.where} raised {exc!r}")
                return
        self.same_answer(probe, response, other, _replacer(refs, owner), _replacer(decoy, owner))

    def same_answer(self, probe, mine, nobodys, mine_ids, nobodys_ids) -> None:
        where = probe.where
        if mine.status_code != nobodys.status_code:
            self.fail(
                probe.person,
                f"{where} → {mine.status_code}, but {nobodys.status_code} for an id that "
                "exists nowhere: the answer tells that it exists",
            )
            return
        location = mine.get("Location"), nobodys.get("Location")
        if location[0] and mine_ids(location[0]) != nobodys_ids(location[1]):
            self.fail(probe.person, f"{where} redirects elsewhere than for an id of nobody")
        if (
            mine.status_code >= 400
            and probe.method != "HEAD"
            and "json" in mine.get("Content-Type", "")
        ):
            text = mine_ids(readable_text(mine))
            if text != nobodys_ids(readable_text(nobodys)):
                self.fail(probe.person, f"{where}: the error differs from nobody's: {text}")

    # --- The admin --------------------------------------------------------------------
    def admin_check(self, person: Person, who: str, page, method: str, holdings, app: str = ""):
        """Open (or post to) an admin page about `holdings`' objects as `person`."""
        url = admin_pages.fill(page, holdings, app)
        if url is None:
            self.fail(person, f"no object to open {page.route.path} with")
            return
        member = holdings.member if holdings else None
        whose = holdings.tag.split("-")[0] if holdings else "shared"
        expected = admin_expected(page.kind, who, whose, method, app)
        sees = member is not None and member.pk in person.sees
        panel = page.kind.startswith("panel:") and sees and who in ("dana", "root")
        object_id = url.rstrip("/").split("/")[-1]
        form = admin_form(object_id, member.email if member else "") if method == "POST" else None
        probe = Probe(
            person,
            method,
            url,
            form,
            form=True,
            expected=frozenset(expected),
            may_touch=frozenset({member.pk}) if panel else frozenset(),
        )
        response = self.run(probe)
        if response is None:
            return
        if who == "visitor" and response.status_code == 302:
            target = "/admin/" if page.kind == "logout" else SIGN_IN
            if not response["Location"].startswith(target):
                self.fail(person, f"{probe.where} sends a visitor to {response['Location']}")
        if panel and response.status_code < 400 and _reads_client_data(page.kind, method):
            logged = [k for k, old, new in self.changes if k[0] == "accounts.AccessLog" and not old]
            if not logged:
                self.fail(person, f"{probe.where} read {whose}'s data without an access-log entry")
        denied = not panel and not any(200 <= status < 300 for status in expected)
        known_gap = page.kind in KNOWN_ORACLES
        has_ids = page.has_object or "{" in page.route.path
        if who in ("dana", "olga") and denied and has_ids and not known_gap:
            nobody_url = admin_pages.fill(page, holdings, app, nobody=True)
            self.admin_compare(probe, response, nobody_url)

    def admin_compare(self, probe: Probe, response, nobody_url: str) -> None:
        other_probe = replace(probe, url=nobody_url)
        with self.isolated():
            try:
                other = self.send(other_probe)
            except Exception as exc:
                self.fail(probe.person, f"{other_probe.where} raised {exc!r}")
                return
        pairs = zip(probe.url.split("/"), nobody_url.split("/"), strict=True)
        ids = [(real, fake) for real, fake in pairs if real != fake]

        def mine(text: str) -> str:
            for n, (real, _) in enumerate(ids):
                text = text.replace(real, f"<id{n}>")
            return text

        def nobodys(text: str) -> str:
            for n, (_, fake) in enumerate(ids):
                text = text.replace(fake, f"<id{n}>")
            return text

        self.same_answer(probe, response, other, mine, nobodys)

    # --- Bookkeeping ------------------------------------------------------------------
    def whose(self, owner: str | None) -> str:
        if owner is None:
            return "the operators (shared data)"
        person = User.objects.filter(pk=owner).values_list("email", flat=True).first()
        return person or owner

    def fail(self, person: Person, message: str) -> None:
        self.violations.append(f"[{person.name}] {message}")

    def report(self) -> str:
        return f"{len(self.violations)} violations:\n" + "\n".join(self.violations)


def fill(path: str, case: Case, refs: Refs) -> str:
    """The path with its {parameter} replaced by the case's target id."""
    if "{" not in path:
        return path
    value = refs.ids[case.target] if case.target else str(uuid.uuid4())
    head, _, rest = path.partition("{")
    return head + value + rest.partition("}")[2]


def _replacer(refs: Refs, owner: Holdings):
    """Text with the request's private ids and e-mail put as placeholders."""
    private = owner.private_ids()
    pairs = [(value, f"<{kind}>") for kind, value in refs.ids.items() if kind in private]
    pairs.append((refs.email, "<email>"))

    def replace_all(text: str) -> str:
        for value, placeholder in pairs:
            text = text.replace(value, placeholder)
        return text

    return replace_all


def _secrets_sent(body) -> Iterable[str]:
    if not isinstance(body, dict):
        return []
    found = []
    stack: list = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key.lower() in SECRET_KEYS | {"refresh"} and isinstance(value, str):
                    found.append(value)
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return [value for value in found if len(value) >= 8 and not UUID.match(value)]


def _reads_client_data(kind: str, method: str) -> bool:
    """The panel pages that show or change a client's data: each visit is logged."""
    if kind in ("panel:change", "panel:export"):
        return method == "GET"
    return kind == "panel:client_action" and method == "POST"


# --- What each person should get on the API --------------------------------------------
def route_target(path: str) -> str | None:
    for key, cases in API.items():
        if key.split(" ", 1)[1] == path:
            for case in cases:
                if case.target and not case.shared:
                    return case.target
    return None


def route_is_public(path: str) -> bool:
    return any(c.public for key, cs in API.items() if key.split(" ", 1)[1] == path for c in cs)


def cases_for(method: str, path: str) -> list[Case]:
    """The declared requests of `method` on `path`; for a method the route does not offer,
    a request every signed-in person gets 405 for (anonymous: 401, or 405 where public)."""
    declared = API.get(f"{method} {path}")
    if declared:
        return declared
    if method == "HEAD" and (gets := API.get(f"GET {path}")):
        return [replace(case, shows=None) for case in gets]
    public = "public route" if route_is_public(path) else ""
    status = 200 if method == "OPTIONS" else 405
    return [
        Case(
            ok=status,
            target=route_target(path),
            stranger=status,
            public=public,
            anonymous=status,
        )
    ]


def expected_status(case: Case, role: Role) -> int:
    if role == "owner":
        return case.ok
    if role == "anonymous":
        return case.anonymous if case.public else 401
    return case.for_stranger()
