"""Driving the Ossa app (app/, served at /app/) in Debian's chromium at phone size."""

from __future__ import annotations

import json
import time
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
# The app keeps its local database to itself. To plant records the way an older version of
# the app might have written them, the tests catch WatermelonDB's Database as the app builds
# it: its constructor's first fields are _workQueue, then _resetCount.
CATCH_DATABASE = """
Object.defineProperty(Object.prototype, '_resetCount', {
  configurable: true,
  set(value) {
    const own = { value, writable: true, configurable: true, enumerable: true }
    Object.defineProperty(this, '_resetCount', own)
    if ('_workQueue' in this) window.__ossaDatabase = this
  },
})
"""


# Every record id in the local database's IndexedDB store, by table.
STORED_IDS_JS = """() => new Promise((resolve) => {
  const open = indexedDB.open('ossa')
  open.onsuccess = () => {
    const rows = open.result.transaction('LokiIncrementalData')
      .objectStore('LokiIncrementalData').getAll()
    rows.onsuccess = () => {
      open.result.close()
      const ids = {}
      for (const row of rows.result) {
        const table = /^(.+)\\.chunk\\.\\d+$/.exec(row.key)?.[1]
        if (table) (ids[table] ??= []).push(...JSON.parse(row.value).map((r) => r.id))
      }
      resolve(ids)
    }
  }
})"""


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


def wait_until(page, script: str, arg=None, timeout_ms: int = TIMEOUT_MS):
    """Wait until `script` (a JavaScript function, maybe async) returns something truthy, and
    return it. Playwright's wait_for_function takes a returned Promise itself as truthy, so a
    predicate that has to await (IndexedDB, the service worker) would not wait at all."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not (value := page.evaluate(script, arg)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still {value!r} after {timeout_ms} ms: {script}")
        page.wait_for_timeout(50)
    return value


def catch_database(context) -> None:
    """Every page of this context keeps the app's local database in window.__ossaDatabase."""
    context.add_init_script(CATCH_DATABASE)


def in_database(page, script: str, arg=None):
    """Run `script`, a JavaScript function of (database, arg), on the app's local database."""
    page.wait_for_function("() => !!window.__ossaDatabase")
    return page.evaluate(f"([arg]) => ({script})(window.__ossaDatabase, arg)", [arg])


# A local dose's note, written straight into the database as an older app might have.
WRITE_NOTE = """async (db, [id, note]) => db.write(async () => {
  const record = await db.get('intake_logs').find(id)
  await record.update((r) => {
    r._setRaw('note', note)
    r._setRaw('updated_at', Date.now())
  })
})"""


# A dose of the member's first plan with a NUL in its note: the server refuses it.
PLANT_REFUSED_DOSE = """async (db) => {
  const [plan] = await db.get('regimens').query().fetch()
  const now = Date.now()
  const values = {
    regimen_id: plan.id, product_id: plan._raw.product_id, servings: 1, taken_at: now,
    status: 'taken', note: 'after\\u0000breakfast', source: 'app', created_at: now, updated_at: now,
  }
  await db.write(() => db.get('intake_logs').create((r) => {
    for (const [column, value] of Object.entries(values)) r._setRaw(column, value)
  }))
}"""


def plant_refused_dose(page) -> None:
    in_database(page, PLANT_REFUSED_DOSE)


def write_note(page, log_id: str, note: str) -> None:
    in_database(page, WRITE_NOTE, [log_id, note])


def local_note(page, log_id: str) -> str:
    script = "async (db, id) => (await db.get('intake_logs').find(id))._raw.note"
    return in_database(page, script, log_id)


def synced(page) -> None:
    """Wait until the device has synced and has nothing waiting to be sent."""
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_selector('.sync[data-state="ok"][data-pending="0"]')


def access_token(page) -> str:
    return json.loads(page.evaluate("localStorage.getItem('ossa.tokens')"))["access"]


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
