"""The app is installable: a manifest with icons and a service worker that caches the shell,
so it opens with no connection at all."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts import services as account_services

from ..factories import MemberFactory
from .app_browser import STORED_IDS_JS, app_is_built, browser, phone, wait_until

# Each screen other than Today, by its route and its heading: each is a chunk of its own.
LAZY_SCREENS = (
    ("week", "Week"),
    ("trends", "Trends"),
    ("flags", "Flags"),
    ("nutrients", "Nutrients"),
    ("plan", "Plan"),
    ("plan/new", "Add a plan"),
    ("inbox", "Inbox"),
    ("sharing", "Sharing"),
    ("settings", "Settings"),
    ("held", "Changes not sent"),
    ("welcome", "About you"),
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not app_is_built(), reason="the app is not built (make test builds it)"),
]


def test_the_app_installs_and_then_opens_offline(chromium_path, live_server):
    errors: list[str] = []
    with browser(chromium_path) as chromium:
        context, page = phone(chromium, errors=errors)
        page.goto(f"{live_server.url}/app/")

        manifest = page.evaluate(
            "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
        )
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        page.reload()
        controlled = page.evaluate("!!navigator.serviceWorker.controller")

        context.set_offline(True)
        page.reload()

        assert manifest["display"] == "standalone"
        assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
        assert scope == f"{live_server.url}/app/"
        assert controlled
        # Offline, the shell comes from the service worker's cache and the app runs.
        assert page.get_by_role("heading", name="Sign in to Ossa").is_visible()
        assert errors == []
        context.close()


def test_every_screen_opens_offline_from_chunks_the_service_worker_stored(
    chromium_path, live_server
):
    """Only Today is in the first load; each other screen loads from a chunk of its own the
    first time it is opened. The service worker stores every chunk when it installs, so a
    phone that never opened those screens still opens each of them with no connection."""
    member = MemberFactory(email="noor@example.com")
    # Past the first run, so the app opens Today, not #/welcome.
    account_services.update_profile(member.profile, {"date_of_birth": dt.date(1958, 2, 3)})
    errors: list[str] = []
    with browser(chromium_path) as chromium:
        context, page = phone(chromium, errors=errors)
        page.goto(f"{live_server.url}/app/")
        page.get_by_label("E-mail address").fill(member.email)
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_function(FIRST_SYNC_DONE_JS)
        wait_until(page, PROFILE_STORED_JS)  # what the reload will read (#/welcome shows it)
        page.evaluate("navigator.serviceWorker.ready")

        context.set_offline(True)
        page.reload()
        page.get_by_role("heading", name="Today").wait_for()
        started_with = page.evaluate(SCRIPTS_JS)
        fetched, failed = [], []
        page.on("response", lambda r: "/app/assets/" in r.url and fetched.append(r))
        page.on("requestfailed", lambda r: failed.append(r.url))
        # Each screen once, then each again (from the chunk already loaded).
        for route, heading in LAZY_SCREENS + LAZY_SCREENS:
            page.evaluate(f"location.hash = '#/{route}'")
            page.get_by_role("heading", name=heading, exact=True).wait_for()
        chunks = {r.url for r in fetched if r.url.endswith(".js")}

        assert len(chunks) >= len(LAZY_SCREENS) - 2  # a few share a chunk with a neighbour
        assert not chunks & set(started_with)
        assert all(r.from_service_worker and r.ok for r in fetched)
        assert page.get_by_role("heading", name="Not loaded").count() == 0
        # Only the API is out of reach (the screens that ask it say so in words).
        assert all("/api/" in url for url in failed), failed
        assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
        context.close()


FIRST_SYNC_DONE_JS = (
    "() => document.querySelector('.sync .sync-words')?.textContent.startsWith('Synced')"
)
# The profile in LokiJS's IndexedDB store (it saves after a sync).
PROFILE_STORED_JS = f"() => ({STORED_IDS_JS})().then((ids) => !!ids.profiles?.length)"
# The scripts the page has run so far, by URL.
SCRIPTS_JS = """() => performance.getEntriesByType('resource')
  .filter((e) => e.name.endsWith('.js')).map((e) => e.name)"""


def test_a_push_message_shows_a_notification_that_opens_the_inbox(chromium_path, live_server):
    """The service worker turns a Web Push payload (notifications/transports.py
    push_payload) into a notification whose click target is the screen it names."""
    with browser(chromium_path) as chromium:
        context, page = phone(chromium)
        context.grant_permissions(["notifications"], origin=live_server.url)
        page.goto(f"{live_server.url}/app/")
        page.evaluate("navigator.serviceWorker.ready")

        cdp = context.new_cdp_session(page)
        registrations = []
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda e: registrations.extend(
                r["registrationId"] for r in e["registrations"] if r["scopeURL"].endswith("/app/")
            ),
        )
        cdp.send("ServiceWorker.enable")
        for _ in range(200):  # at most 10 s
            if registrations:
                break
            page.wait_for_timeout(50)
        registration_id = registrations[0]
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": live_server.url,
                "registrationId": registration_id,
                "data": '{"title": "Your week", "body": "6 of 7 doses", "url": "/app/#/inbox"}',
            },
        )
        shown = wait_until(
            page,
            """() => navigator.serviceWorker.ready
                .then(r => r.getNotifications())
                .then(list => list.length ? list.map(n => [n.title, n.body, n.data.url]) : null)""",
        )

        assert shown == [["Your week", "6 of 7 doses", "/app/#/inbox"]]
        context.close()
