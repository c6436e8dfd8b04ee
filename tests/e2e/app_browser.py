"""Driving the Ossa app (app/, served at /app/) in Debian's chromium at phone size."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 20_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "app"
# LokiJS reports a database deletion that waits for another tab's (or the reloaded page's)
# connection to close as an error, although the deletion then succeeds (its own comment in
# lokijs/src/incremental-indexeddb-adapter.js). WatermelonDB deletes when setting up anew.
BENIGN = ("Deleting database failed because it's blocked by another connection",)


def _is_error(message) -> bool:
    return message.type == "error" and not message.text.startswith(BENIGN)


def app_is_built() -> bool:
    return (Path(settings.APP_DIST_DIR) / "index.html").exists()


@contextmanager
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            launched.close()


def phone(browser_, *, errors: list[str] | None = None, timezone_id: str | None = None):
    """A new device: its own storage, IndexedDB and service worker."""
    context = browser_.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, timezone_id=timezone_id
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    if errors is not None:
        page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        page.on("console", lambda message: _is_error(message) and errors.append(message.text))
    return context, page


def synced(page) -> None:
    """Wait until the device has synced and has nothing waiting to be sent."""
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_selector('.sync[data-state="ok"][data-pending="0"]')


def access_token(page) -> str:
    return json.loads(page.evaluate("localStorage.getItem('ossa.tokens')"))["access"]


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
