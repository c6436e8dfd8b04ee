"""A member with more than a year of doses signs in on a new phone. The first sync keeps
the last months in the app's local database and the older doses in its archive beside it
(app/src/data/history.ts), so later starts read only the recent window; every dose is on the
phone once. With no connection, Week shows a month of ten months ago from the archive, each
day with its dose taken, the Inbox lists the old weekly digests too, and the plan's stock,
counted before the first dose, is what the server says: the archived doses are taken off."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accounts import services as account_services
from notifications import services as notification_services
from notifications.models import Notification
from tracking import services
from tracking.models import IntakeLog, Product

from ..factories import MemberFactory
from .app_browser import app_is_built, browser, phone, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not app_is_built(), reason="the app is not built (make test builds it)"),
]

ZONE = "Europe/Amsterdam"
DAYS = 400
DIGESTS = 40
KEEP_DAYS = 120  # app/src/data/history.ts
COUNTED = 1000  # servings on hand the day before the first dose

# Records per table in the local database (LokiJS's chunks) and in its archive (a store per
# table of month records), as they are in IndexedDB.
STORED_JS = """async () => {
  const done = (r) => new Promise((ok, fail) => {
    r.onsuccess = () => ok(r.result)
    r.onerror = () => fail(r.error)
  })
  const names = (await indexedDB.databases()).map((d) => d.name)
  const counts = {}
  for (const name of names.filter((n) => n.startsWith('ossa'))) {
    const db = await done(indexedDB.open(name))
    const tables = (counts[name] = {})
    for (const store of db.objectStoreNames) {
      const rows = await done(db.transaction(store).objectStore(store).getAll())
      if (store !== 'LokiIncrementalData') {
        // The archive: a month of rows per record (and its index of ids, a count of writes).
        const months = rows.filter((r) => typeof r === 'string' && r.startsWith('['))
        tables[store] = months.reduce((n, month) => n + JSON.parse(month).length, 0)
        continue
      }
      for (const row of rows) {
        const m = /^(.+)\\.chunk\\.\\d+$/.exec(row.key)
        if (m) tables[m[1]] = (tables[m[1]] || 0) + JSON.parse(row.value).length
      }
    }
    db.close()
  }
  return counts
}"""


MONTH_CHANGED_JS = "(shown) => document.getElementById('month-title').textContent !== shown"


def member_with_history():
    """A daily 08:00 dose taken at 08:05 on each of the last DAYS days, and a weekly digest
    every Monday, read; written as a sync push would write them."""
    member = MemberFactory(email="ida@example.com")
    account_services.update_profile(
        member.profile, {"date_of_birth": dt.date(1955, 9, 1), "timezone": ZONE}
    )
    today = member.profile.today()
    start = today - dt.timedelta(days=DAYS - 1)
    plan = services.create_regimen(
        member,
        {
            "product": Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner=None),
            "schedule_kind": "daily",
            "times": ["08:00"],
            "start_date": start,
        },
    )
    zone = ZoneInfo(ZONE)
    logs = [
        IntakeLog(
            member=member,
            regimen=plan,
            product=plan.product,
            servings=plan.servings_per_dose,
            taken_at=dt.datetime.combine(start + dt.timedelta(days=n), dt.time(8, 5), zone),
            status="taken",
            source="app",
        )
        for n in range(DAYS)
        if dt.datetime.combine(start + dt.timedelta(days=n), dt.time(8, 5), zone)
        < dt.datetime.now(zone)
    ]
    services.write_intakes(member.id, new=logs)
    counted = dt.datetime.combine(start, dt.time(7), zone)
    services.record_stock(
        member, {"regimen": plan, "kind": "count", "servings": COUNTED, "at": counted}
    )
    for week in range(DIGESTS):
        sent = dt.datetime.combine(today - dt.timedelta(weeks=week, days=1), dt.time(7), zone)
        content = {"title": f"Your week {week}", "body": "7 of 7 doses taken.", "data": {}}
        note = notification_services.create_once(member, "weekly_digest", f"w{week}", content)
        Notification.objects.filter(id=note.id).update(
            created_at=sent, read_at=sent + dt.timedelta(hours=5)
        )
    return member, len(logs)


def server_stock(member) -> int:
    from tracking import stock_levels

    plans = stock_levels.stocked_plans([member.id])
    (level,) = stock_levels.levels(plans, dt.datetime.now(dt.UTC)).values()
    return int(level.on_hand)  # whole servings here


def test_old_months_come_from_the_archive_with_no_connection(chromium_path, live_server):
    member, logged = member_with_history()
    on_hand = server_stock(member)
    assert on_hand == COUNTED - logged  # one serving a dose
    errors: list[str] = []
    with browser(chromium_path) as chromium:
        context, page = phone(chromium, errors=errors, timezone_id=ZONE)
        page.goto(f"{live_server.url}/app/")
        page.get_by_label("E-mail address").fill(member.email)
        page.get_by_label("Password").fill("correct horse battery")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector('.sync[data-state="ok"]')
        page.evaluate("navigator.serviceWorker.ready")
        wait_until(
            page,
            f"""() => ({STORED_JS})().then((c) =>
                (c.ossa?.intake_logs ?? 0) + (c['ossa-archive']?.intake_logs ?? 0) === {logged})""",
        )
        stored = page.evaluate(STORED_JS)

        context.set_offline(True)
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.reload()
        page.get_by_role("heading", name="Today").wait_for()
        page.get_by_role("link", name="Week").click()
        for _ in range(10):
            shown = page.locator("#month-title").inner_text()
            page.get_by_role("button", name="Previous month").click()
            page.wait_for_function(MONTH_CHANGED_JS, arg=shown)
        month = page.locator("#month-title").inner_text()
        days_in_month = page.locator("table.calendar button.day").count()
        page.locator("table.calendar button.day-good").nth(days_in_month - 1).wait_for()

        in_window = stored["ossa"]["intake_logs"]
        assert KEEP_DAYS - 2 <= in_window <= KEEP_DAYS + 1
        assert stored["ossa-archive"]["intake_logs"] == logged - in_window
        # Every day of that month shows its dose taken, read from the archive offline.
        assert page.locator("table.calendar button.day-good").count() == days_in_month, month
        page.locator("table.calendar button.day").nth(14).click()
        assert page.locator(".day-doses").get_by_text("Taken at 08:05").is_visible()

        # The Inbox lists the old digests (read, so archived) with the recent ones.
        page.evaluate("location.hash = '#/inbox'")
        page.locator("ul.inbox > li").nth(DIGESTS - 1).wait_for()
        assert page.locator("ul.inbox > li").count() == DIGESTS
        assert 0 < stored["ossa-archive"]["notifications"] < DIGESTS
        # The stock counted 400 days ago: the phone takes off every dose since, archived too.
        page.evaluate("location.hash = '#/plan'")
        page.locator(".plan-stock-words").get_by_text(f"About {on_hand} ").wait_for()
        # Offline, only the API is out of reach (the catalogue is kept from the last refresh).
        assert all("/api/" in url for url in failed), failed
        assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
        context.close()
