"""Dose reminders in the app, at phone size (issue 17).

A member takes levothyroxine (a medicine: reminded by default) a few minutes ago, and the
server's planner has reminded her. Today says so, with the follow-up to come, and snoozes it
offline: the snooze waits on the phone and reaches the server when she is back online, and
Today then shows the server's snooze. A snooze the server refuses (the dose was logged on
another device meanwhile) is said in its words and cleared with one tap.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

import pytest

from accounts import services as account_services
from backend.celery import app as celery_app
from notifications import tasks
from notifications.models import DoseReminder, ReminderState
from tracking import services
from tracking.models import Product, Regimen

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
    local = dt.datetime.now(ZoneInfo(zone)).replace(second=0, microsecond=0)
    due = local - dt.timedelta(minutes=3)
    plan = services.create_regimen(
        member,
        {
            "product": Product.objects.get(name=MEDICINE, owner=None),
            "schedule_kind": "daily",
            "times": [f"{due:%H:%M}"],
            "start_date": local.date() - dt.timedelta(days=7),
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
