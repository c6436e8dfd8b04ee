"""The app is installable: a manifest with icons and a service worker that caches the shell,
so it opens with no connection at all."""

from __future__ import annotations

import pytest

from .app_browser import app_is_built, browser, phone

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
        shown = page.wait_for_function(
            """() => navigator.serviceWorker.ready
                .then(r => r.getNotifications())
                .then(list => list.length ? list.map(n => [n.title, n.body, n.data.url]) : null)"""
        ).json_value()

        assert shown == [["Your week", "6 of 7 doses", "/app/#/inbox"]]
        context.close()
