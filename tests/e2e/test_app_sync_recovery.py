"""No phone is stuck for good (issue 13), in the browser at phone size.

A refused record no longer blocks the phone: Maria's dose carries a NUL character in its
note (written straight into the local database, as an older app might have), the server
refuses it, and the app holds it back while her next dose still reaches the server. The
strip says one change could not be sent; the screen it links to says which and why, and
"Discard my change" puts back the server's copy, after which nothing is pending.

A backlog larger than the server's body limit (8,000 doses planted locally, about 2.4 MB
of JSON: refused whole with 413 before) reaches the server in chunks of 1,000 records, one
request each, and nothing is left pending.
"""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from tracking.models import IntakeLog

from .app_browser import (
    app_is_built,
    browser,
    catch_database,
    in_database,
    local_note,
    phone,
    shoot,
    synced,
    write_note,
)
from .conftest import outside_the_browser_loop
from .test_app_offline import EMAIL, TIMES, afternoon_zone, dose, first_run, sign_up

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not app_is_built(), reason="the app is not built (make test builds it)"),
]

BACKLOG = 8000
MAX_BODY_BYTES = 2 * 1024 * 1024  # the server's default
PUSH = re.compile(r"/api/v1/sync/push\b")
REFUSED_PUSH = "Failed to load resource: the server responded with a status of 400 (Bad Request)"

# Doses of the member's plan, one an hour back from now, in one local write.
PLANT_DOSES = """async (db, count) => {
  const [plan] = await db.get('regimens').query().fetch()
  const now = Date.now()
  const logs = db.get('intake_logs')
  await db.write(() => db.batch(Array.from({ length: count }, (_, n) => logs.prepareCreate((r) => {
    const values = {
      regimen_id: plan.id, product_id: plan._raw.product_id, servings: 1,
      taken_at: now - (n + 1) * 3600 * 1000, status: 'taken', note: '', source: 'app',
      created_at: now, updated_at: now,
    }
    for (const [column, value] of Object.entries(values)) r._setRaw(column, value)
  }))))
}"""


# How large the local doses are as JSON: what one push of them all would carry.
DOSES_JSON_BYTES = """async (db) => {
  const logs = await db.get('intake_logs').query().fetch()
  return new TextEncoder().encode(JSON.stringify(logs.map((log) => log._raw))).length
}"""


def server_logs() -> dict[str, tuple[str, str]]:
    def read():
        member = User.objects.get(email=EMAIL)
        logs = IntakeLog.objects.filter(member=member, deleted_at__isnull=True)
        return {str(log.id): (log.status, log.note) for log in logs}

    return outside_the_browser_loop(read)


def settled(page, held: int = 0) -> None:
    page.wait_for_selector(f'.sync[data-state="ok"][data-pending="0"][data-held="{held}"]')


def test_a_refused_dose_is_held_back_shown_in_words_and_discarded(chromium_path, live_server):
    errors: list[str] = []
    with browser(chromium_path) as chromium:
        context, page = phone(chromium, errors=errors, timezone_id=afternoon_zone())
        catch_database(context)
        sign_up(page, live_server.url)
        first_run(page)
        dose(page, TIMES[2]).get_by_role("button", name="Taken").click()
        synced(page)
        refused = dose(page, TIMES[2]).get_attribute("data-log")

        # An older app wrote a NUL into the synced dose's note; then a second dose is taken.
        write_note(page, refused, "after\x00breakfast")
        dose(page, TIMES[1]).get_by_role("button", name="Taken").click()
        second = dose(page, TIMES[1])
        second.get_by_role("button", name="Undo").wait_for()
        second_id = second.get_attribute("data-log")
        page.get_by_role("button", name="Sync now").click()
        settled(page, held=1)

        strip = page.locator(".sync")
        assert "1 change could not be sent" in strip.inner_text()
        assert server_logs() == {refused: ("taken", ""), second_id: ("taken", "")}

        strip.get_by_role("link", name="1 change could not be sent").click()
        page.get_by_role("heading", name="Changes not sent", level=1).wait_for()
        item = page.locator("li.held-item")
        item.first.wait_for()  # the held rows are read from the local database after the heading
        assert item.count() == 1
        words = item.inner_text()
        assert re.search(r"Dose of .*K2.* on \d{1,2} \w{3} at \d\d:\d\d", words), words
        assert "Changed on this phone" in words
        assert "note must not contain NUL characters." in words
        assert item.get_by_role("link", name="Edit on Today").get_attribute("href") == "#/today"
        shoot(page, "held")

        item.get_by_role("button", name="Discard my change").click()
        page.get_by_role("status").filter(has_text="Your change is discarded").wait_for()
        # Discarding asks for the server's copy with the next pull, which then comes at once.
        page.wait_for_function("() => localStorage.getItem('ossa.replaceOnNextPull') === null")
        settled(page)
        page.get_by_text("Nothing is held back").wait_for()
        assert local_note(page, refused) == ""

        synced(page)
        assert server_logs() == {refused: ("taken", ""), second_id: ("taken", "")}
        # The browser logs the one refused push, and nothing else: it was not sent again.
        assert errors == [REFUSED_PUSH]
        context.close()


def test_a_backlog_bigger_than_the_body_limit_reaches_the_server_in_several_requests(
    chromium_path, live_server
):
    with browser(chromium_path) as chromium:
        context, page = phone(chromium, timezone_id=afternoon_zone())
        catch_database(context)
        sign_up(page, live_server.url)
        first_run(page)
        synced(page)
        pushes: list[str] = []

        def count_push(request) -> None:
            if PUSH.search(request.url):
                pushes.append(request.url)

        page.on("request", count_push)

        in_database(page, PLANT_DOSES, BACKLOG)
        assert in_database(page, DOSES_JSON_BYTES) > MAX_BODY_BYTES
        # The app syncs by itself after a local write.
        page.wait_for_selector('.sync:not([data-pending="0"])')
        page.wait_for_selector('.sync[data-state="ok"][data-pending="0"]', timeout=120_000)

        assert len(server_logs()) == BACKLOG
        assert len(pushes) == BACKLOG // 1000
        synced(page)
        context.close()
