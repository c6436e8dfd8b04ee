"""Dose reminders in the app, at phone size (issue 17).

A member takes levothyroxine (a medicine: reminded by default) a few minutes ago, and the
server's planner has reminded her. Today says so, with the follow-up to come, and snoozes it
offline: the snooze waits on the phone and reaches the server when she is back online, and
Today then shows the server's snooze. A snooze the server refuses (the dose was logged on
another device meanwhile) is said in its words and cleared with one tap.

From the notification: the server's push is delivered to the app's service worker through
the DevTools protocol (ServiceWorker.deliverPushMessage), exactly as the server builds it;
Snooze on it snoozes the dose on the server, the reminder comes again and then its
follow-up, and Taken on the follow-up logs the dose under the reminder's id: tapped twice,
and once more later, the server holds one dose. Offline, Taken on another dose's
notification is kept on the phone and reaches the server after reconnecting.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from zoneinfo import ZoneInfo, available_timezones

import pytest

from accounts import services as account_services
from backend.celery import app as celery_app
from notifications import tasks
from notifications.models import DoseReminder, Notification, ReminderState
from notifications.transports import push_payload
from tracking import services
from tracking.models import IntakeLog, Product, Regimen

from ..factories import MemberFactory
from .app_browser import app_is_built, browser, phone, shoot, synced
from .conftest import outside_the_browser_loop

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not app_is_built(), reason="the app is not built (make test builds it)"),
]

EMAIL = "hanna@example.com"
PASSWORD = "correct horse battery"  # MemberFactory's
MEDICINE = "Levothyroxine 50 mcg"
SUPPLEMENT = "Vitamin D3 25 mcg (1000 IU)"


def daytime_zone() -> str:
    """A zone where it is between 09:00 and 16:00 now: a dose a few minutes ago is today's,
    and dinner (18:30) is still to come."""
    now = dt.datetime.now(dt.UTC)
    for name in sorted(available_timezones()):
        if name.startswith(("Etc/", "SystemV/")) or "/" not in name:
            continue
        if 9 <= now.astimezone(ZoneInfo(name)).hour < 16:
            return name
    raise AssertionError("no zone in the daytime")


def reminded_member(zone: str) -> tuple[str, str]:
    """Hanna, with levothyroxine due a few minutes ago, reminded by the planner: (the plan's
    id, the dose's local time)."""
    member = MemberFactory(email=EMAIL, display_name="Hanna")
    account_services.update_profile(
        member.profile, {"date_of_birth": dt.date(1958, 6, 2), "sex": "female", "timezone": zone}
    )
    return remind(member, MEDICINE, minutes_ago=3)


def remind(member, product: str, minutes_ago: int, **fields) -> tuple[str, str]:
    """A daily plan with a dose `minutes_ago`, reminded by the planner: (the plan's id, the
    dose's local time)."""
    local = dt.datetime.now(member.profile.zone).replace(second=0, microsecond=0)
    due = local - dt.timedelta(minutes=minutes_ago)
    plan = services.create_regimen(
        member,
        {
            "product": Product.objects.get(name=product, owner=None),
            "schedule_kind": "daily",
            "times": [f"{due:%H:%M}"],
            "start_date": local.date() - dt.timedelta(days=7),
            **fields,
        },
    )
    # The planner's minute came: this dose's moment is claimed and its reminder sent.
    Regimen.objects.filter(pk=plan.pk).update(next_dose_reminder_at=due)
    beat()
    return str(plan.pk), f"{due:%H:%M}"


def beat() -> None:
    """One run of the every-minute dose planner, its tasks run in line as a worker would."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        tasks.plan_dose_reminders()
    finally:
        celery_app.conf.task_always_eager = saved


def reminder_of(plan_id: str) -> DoseReminder:
    return outside_the_browser_loop(lambda: DoseReminder.objects.get(regimen_id=plan_id))


def sign_in(page, url: str) -> None:
    page.goto(f"{url}/app/")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Today").wait_for()


def dose(page, time: str):
    return page.locator("li.dose", has=page.locator(".dose-time", has_text=time))


def test_a_snooze_made_offline_reaches_the_server_and_a_refused_one_is_cleared(
    chromium_path, live_server
):
    zone = daytime_zone()
    plan_id, time = outside_the_browser_loop(lambda: reminded_member(zone))
    with browser(chromium_path) as chromium:
        context, page = phone(chromium, timezone_id=zone)
        sign_in(page, live_server.url)
        item = dose(page, time)
        item.locator('.dose-reminder[data-reminder="sent"]').wait_for()
        assert "once more at" in item.locator(".dose-reminder").inner_text()

        # Offline: snooze for 10 minutes. The phone says so and keeps it.
        context.set_offline(True)
        page.wait_for_selector('.sync[data-state="offline"]')
        item.get_by_role("button", name="Snooze").click()
        item.get_by_role("button", name="10 minutes").click()
        words = item.locator(".dose-reminder-words")
        assert "(sent when online)" in words.inner_text()
        shoot(page, "today-snoozed-offline")
        assert reminder_of(plan_id).state == ReminderState.SENT

        # Back online: the snooze goes first, and the pull brings the server's row.
        context.set_offline(False)
        item.locator('.dose-reminder[data-reminder="snoozed"]').wait_for()
        page.wait_for_function(
            "() => !document.querySelector('.dose-reminder-words')"
            ".textContent.includes('sent when online')"
        )
        reminder = reminder_of(plan_id)
        assert reminder.state == ReminderState.SNOOZED
        local_until = reminder.snoozed_until.astimezone(ZoneInfo(zone))
        assert words.inner_text() == f"Snoozed until {local_until:%H:%M}"

        # Offline again, snoozed once more; meanwhile the dose is logged on another device.
        context.set_offline(True)
        page.wait_for_selector('.sync[data-state="offline"]')
        item.get_by_role("button", name="Snooze").click()
        item.get_by_role("button", name="1 hour").click()
        outside_the_browser_loop(lambda: log_on_another_device(plan_id))
        context.set_offline(False)

        # The server refused it: said in its words, with one button that clears it.
        refused = page.locator(".refused-snoozes")
        refused.wait_for()
        assert "logged" in refused.inner_text()
        page.locator('li.dose[data-state="taken"]').wait_for()
        shoot(page, "today-snooze-refused")
        refused.get_by_role("button", name="OK").click()
        refused.wait_for(state="detached")
        synced(page)
        assert reminder_of(plan_id).state == ReminderState.SNOOZED
        context.close()


def log_on_another_device(plan_id: str) -> None:
    plan = Regimen.objects.select_related("member", "product").get(pk=plan_id)
    fields = {"regimen": plan, "product": plan.product, "taken_at": dt.datetime.now(dt.UTC)}
    services.log_intake(plan.member, fields)


# --- From the notification ------------------------------------------------------------------
# Taps an action of the service worker's latest notification `times` times, as the browser
# does when the member taps it: a notificationclick event (its waitUntil collected here, since
# a dispatched event cannot extend itself). The notification is kept for a later tap.
TAP = """async ([action, times]) => {
  const [shown] = await self.registration.getNotifications()
  const notification = shown || self.__ossaTapped
  self.__ossaTapped = notification
  for (let i = 0; i < times; i++) {
    const event = new NotificationEvent('notificationclick', { notification, action })
    const waits = []
    Object.defineProperty(event, 'waitUntil', { value: (promise) => waits.push(promise) })
    self.dispatchEvent(event)
    await Promise.all(waits)
  }
}"""
SHOWN = """() => self.registration.getNotifications().then((all) => all.map((n) => ({
  title: n.title, body: n.body, tag: n.tag, actions: n.actions.map((a) => a.action),
  renotify: n.renotify,
})))"""


class PushService:
    """Delivers the server's pushes to the phone's service worker over the DevTools protocol."""

    def __init__(self, context, page, origin: str):
        self.origin = origin
        self.registrations: list[dict] = []
        self.cdp = context.new_cdp_session(page)
        self.cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: self.registrations.extend(event["registrations"]),
        )
        self.cdp.send("ServiceWorker.enable")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        self.worker = context.service_workers[0] if context.service_workers else None
        self.worker = self.worker or context.wait_for_event("serviceworker")
        self.registration = self._registration(page)

    def _registration(self, page) -> str:
        for _ in range(100):
            found = [r for r in self.registrations if r["scopeURL"].endswith("/app/")]
            if found and not found[-1].get("isDeleted"):
                return found[-1]["registrationId"]
            page.wait_for_timeout(100)
        raise AssertionError(f"no service worker registration for /app/: {self.registrations}")

    def deliver(self, notification_id) -> None:
        payload = push_payload(
            outside_the_browser_loop(lambda: Notification.objects.get(pk=notification_id))
        )
        self.cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": self.origin,
                "registrationId": self.registration,
                "data": json.dumps(payload),
            },
        )

    def shown(self, title_part: str, **wanted) -> dict:
        """The notification the service worker shows whose title has `title_part` (and the
        `wanted` values)."""
        for _ in range(100):
            found = [
                n
                for n in self.worker.evaluate(SHOWN)
                if title_part in n["title"] and wanted.items() <= n.items()
            ]
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no notification with {title_part!r}: {self.worker.evaluate(SHOWN)}")

    def tap(self, action: str, times: int = 1) -> None:
        self.worker.evaluate(TAP, [action, times])


def latest_notification(plan_id: str):
    def find():
        return Notification.objects.filter(kind="dose_reminder", data__regimen=plan_id).latest(
            "created_at", "period"
        )

    return outside_the_browser_loop(find)


def come_due(plan_id: str) -> None:
    """The reminder's next step's moment came (moved to now instead of waiting for it), and
    the planner's minute with it."""

    def run():
        DoseReminder.objects.filter(regimen_id=plan_id).update(next_at=dt.datetime.now(dt.UTC))
        beat()

    outside_the_browser_loop(run)


def wait_for(check, what: str, page) -> None:
    for _ in range(150):
        if outside_the_browser_loop(check):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"the server never had {what}")


def test_snooze_the_follow_up_and_taken_from_the_notification(chromium_path, live_server):
    zone = daytime_zone()
    plan_id, time_ = outside_the_browser_loop(lambda: reminded_member(zone))
    with browser(chromium_path) as chromium:
        context, page = phone(chromium, timezone_id=zone)
        context.grant_permissions(["notifications"], origin=live_server.url)
        sign_in(page, live_server.url)
        synced(page)
        push = PushService(context, page, live_server.url)

        # The reminder arrives, with Taken, Skip and Snooze.
        push.deliver(latest_notification(plan_id).pk)
        shown = push.shown(MEDICINE)
        assert shown["actions"] == ["taken", "snooze"]  # Chromium shows two at most
        assert shown["tag"] == f"dose-{reminder_of(plan_id).pk}"
        assert shown["renotify"]
        # The same message again (a sender that died before recording it sent it twice): one
        # notification, and no second alert.
        push.deliver(latest_notification(plan_id).pk)
        push.shown(MEDICINE, renotify=False)
        assert len([n for n in push.worker.evaluate(SHOWN) if MEDICINE in n["title"]]) == 1

        # Snooze on the notification: the server snoozes the dose for 10 minutes.
        push.tap("snooze")
        wait_for(
            lambda: DoseReminder.objects.get(regimen_id=plan_id).state == ReminderState.SNOOZED,
            "the snooze",
            page,
        )
        dose(page, time_).locator('.dose-reminder[data-reminder="snoozed"]').wait_for()

        # The snooze ends: the reminder comes again; nothing logged, then the follow-up.
        come_due(plan_id)
        push.deliver(latest_notification(plan_id).pk)
        push.shown(MEDICINE, renotify=True)  # a new message for the dose alerts again
        come_due(plan_id)
        follow_up = latest_notification(plan_id)
        assert follow_up.title.startswith("Not logged yet")
        push.deliver(follow_up.pk)
        assert push.shown("Not logged yet")["actions"] == ["taken", "snooze"]

        # Taken on it, twice: one dose, under the reminder's id.
        push.tap("taken", times=2)
        dose_id = reminder_of(plan_id).pk
        wait_for(lambda: IntakeLog.objects.filter(pk=dose_id).exists(), "the dose", page)
        page.locator(f'li.dose[data-log="{dose_id}"][data-state="taken"]').wait_for()
        push.tap("taken")
        synced(page)
        logs = outside_the_browser_loop(lambda: list(IntakeLog.objects.filter(regimen_id=plan_id)))
        assert [(log.pk, log.status) for log in logs] == [(dose_id, "taken")]
        shoot(page, "today-taken-from-the-notification")

        # Offline, Taken on another dose's reminder: kept, then sent after reconnecting.
        d3_id, _ = outside_the_browser_loop(
            lambda: remind(
                Regimen.objects.get(pk=plan_id).member, SUPPLEMENT, minutes_ago=1, remind=True
            )
        )
        synced(page)
        context.set_offline(True)
        page.wait_for_selector('.sync[data-state="offline"]')
        push.deliver(latest_notification(d3_id).pk)
        push.shown(SUPPLEMENT)
        push.tap("taken")
        d3_dose = reminder_of(d3_id).pk
        page.locator(f'li.dose[data-log="{d3_dose}"][data-state="taken"]').wait_for()
        page.wait_for_selector('.sync[data-state="offline"][data-pending="1"]')
        assert not outside_the_browser_loop(lambda: IntakeLog.objects.filter(pk=d3_dose).exists())
        context.set_offline(False)
        page.wait_for_selector('.sync[data-state="ok"][data-pending="0"]')
        assert outside_the_browser_loop(lambda: IntakeLog.objects.get(pk=d3_dose).status) == "taken"
        context.close()


# --- Settings and the plan form -------------------------------------------------------------
def stock_of(plan_id: str) -> dict:
    """The plan's stock as the server works it out (what REST shows)."""

    def read():
        from tracking import stock_levels

        plans = stock_levels.stocked_plans([Regimen.objects.get(pk=plan_id).member_id])
        level = stock_levels.levels(plans, dt.datetime.now(dt.UTC)).get(plan_id)
        return (
            None if level is None else {"on_hand": level.on_hand, "runs_out_on": level.runs_out_on}
        )

    return outside_the_browser_loop(read)


def test_reminder_and_stock_settings_reach_the_server_as_the_app_shows_them(
    chromium_path, live_server
):
    zone = daytime_zone()
    outside_the_browser_loop(lambda: reminded_member(zone))
    with browser(chromium_path) as chromium:
        context, page = phone(chromium, timezone_id=zone)
        sign_in(page, live_server.url)
        synced(page)

        # A supplement plan: reminders are a choice (off), a medicine's are on.
        page.goto(f"{live_server.url}/app/#/plan/new")
        product = page.get_by_label("Product", exact=True)
        remind = page.get_by_label("Remind me at each time")
        product.select_option(label=MEDICINE)
        assert remind.is_checked()
        product.select_option(label="Calcium citrate 315 mg")
        assert not remind.is_checked()
        page.get_by_label("Time 1", exact=True).fill("08:00")
        page.get_by_role("button", name="Add a time").click()
        page.get_by_label("Time 2", exact=True).fill("20:00")
        remind.check()
        page.get_by_label("Follow-up after (minutes)").fill("241")
        page.get_by_label("Pack size (tablets)").fill("60")
        page.get_by_label("On hand now (tablets)").fill("10000")
        page.get_by_role("button", name="Save plan").click()
        # The server's limits, said at the fields; nothing saved.
        page.get_by_text("Give the minutes from 5 to 240").wait_for()
        page.get_by_text("Give the count from 0 to 9,999.").wait_for()
        page.get_by_label("Follow-up after (minutes)").fill("20")
        page.get_by_label("On hand now (tablets)").fill("10")
        shoot(page, "plan-form-reminders-and-stock")
        page.get_by_role("button", name="Save plan").click()
        page.get_by_role("heading", name="Plan", exact=True).wait_for()
        calcium = page.locator("li.plan-item", has_text="Calcium citrate")
        words = calcium.locator(".plan-stock-words")
        assert words.inner_text().startswith("About 10 tablets left; they run out on ")
        synced(page)
        plan = outside_the_browser_loop(
            lambda: Regimen.objects.get(member__email=EMAIL, product__name__startswith="Calcium")
        )
        assert (plan.remind, plan.follow_up_minutes, plan.pack_size, plan.refill_days) == (
            True,
            20,
            60,
            7,
        )
        on_server = stock_of(str(plan.pk))
        assert on_server["on_hand"] == 10
        assert (
            f"{on_server['runs_out_on']:%A} {on_server['runs_out_on'].day} " in words.inner_text()
        )

        # Offline: a refill of one pack; it reaches the server after reconnecting.
        context.set_offline(True)
        page.wait_for_selector('.sync[data-state="offline"]')
        calcium.get_by_role("link").click()
        page.get_by_role("button", name="Add one pack (60)").click()
        page.get_by_role("button", name="Save plan").click()
        page.get_by_role("heading", name="Plan", exact=True).wait_for()
        assert words.inner_text().startswith("About 70 tablets left")
        context.set_offline(False)
        page.wait_for_selector('.sync[data-state="ok"][data-pending="0"]')
        assert stock_of(str(plan.pk))["on_hand"] == 70

        # Settings: the dose reminders' defaults, with the server's limits.
        page.goto(f"{live_server.url}/app/#/settings")
        section = page.locator("#doses-form")
        section.get_by_label("Follow-up after (minutes)").fill("4")
        section.get_by_role("button", name="Save dose reminders").click()
        section.get_by_text("Give the minutes from 5 to 240.").wait_for()
        section.get_by_label("Follow-up after (minutes)").fill("45")
        section.get_by_label("E-mail me dose reminders too").check()
        section.get_by_label("When travelling").select_option("phone")
        section.get_by_label("Refill reminder (days before running out)").fill("10")
        section.get_by_role("button", name="Save dose reminders").click()
        section.get_by_text("Saved.").wait_for()
        shoot(page, "settings-dose-reminders")
        synced(page)

        def settings():
            member = Regimen.objects.get(pk=plan.pk).member
            profile = member.profile
            days = sorted(
                set(Regimen.objects.filter(member=member).values_list("refill_days", flat=True))
            )
            return (
                profile.follow_up_minutes,
                profile.dose_reminders_by_email,
                profile.reminder_zone,
                profile.phone_timezone,
                days,
            )

        assert outside_the_browser_loop(settings) == (45, True, "phone", zone, [10])
        context.close()
