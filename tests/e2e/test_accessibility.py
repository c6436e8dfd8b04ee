"""Every screen of the app passes axe-core's WCAG 2.1 A and AA checks with no serious or
critical violation, at phone size, signed out and signed in with a plan and history, and
a change the server refused (so the strip links to "Changes not sent", which lists it).
Signed in, Today shows a missed monthly ibandronate dose with its label's words and a dose
reminded by the server, with its snooze choices open, the Plan screen lays out the day as
planned and as suggested, Settings has the usual day, and the plan form asks to confirm a
weekly medicine planned daily."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import transaction

from notifications import dose_reminders
from notifications.models import DoseReminder
from sync.clock import stamp
from tracking import computation, services
from tracking.dose_moments import dose_moment
from tracking.models import Product, Regimen

from ..dietitians.conftest import give_plan
from ..factories import MemberFactory
from .app_browser import (
    PHONE,
    TIMEOUT_MS,
    app_is_built,
    browser,
    catch_database,
    plant_refused_dose,
)

AXE = Path(__file__).resolve().parents[2] / "app" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery"  # MemberFactory's
SCREENS = (
    "today",
    "week",
    "trends",
    "nutrients",
    "flags",
    "inbox",
    "plan",
    "plan/new",
    "sharing",
    "settings",
    "more",
    "welcome",
    "held",
)
RUN_AXE = """() => axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  resultTypes: ['violations'],
})"""

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
GIVE_PLAN_PRODUCTS = ("Warfarin 1 mg", "Vitamin K2 MK-7 90 mcg")  # both daily at 08:00


def miss_a_monthly_dose(member) -> None:
    """A monthly ibandronate plan whose dose three days ago was not logged (a missed-dose
    flag with the label's words on Today)."""
    today = member.profile.today()
    services.create_regimen(
        member,
        {
            "product": Product.objects.get(name="Ibandronate 150 mg (monthly)", owner=None),
            "schedule_kind": "monthly",
            "day_of_month": (today - dt.timedelta(days=3)).day,
            "times": ["07:00"],
            "start_date": today - dt.timedelta(days=40),
        },
    )
    computation.recompute([member.id])


def remind_of_todays_doses(member) -> None:
    """The server reminded the member of today's 08:00 doses (give_plan's; the planted
    refused dose logs one of them)."""
    due = dt.datetime.combine(member.profile.today(), dt.time(8), tzinfo=member.profile.zone)
    for plan in Regimen.objects.filter(member=member, product__name__in=GIVE_PLAN_PRODUCTS):
        moment = dose_moment(plan, due)
        reminder = DoseReminder(
            id=dose_reminders.dose_id(plan.pk, due),
            member=member,
            regimen=plan,
            due_at=due,
            counts_from=moment.counts_from,
            counts_until=moment.counts_until,
            sends=1,
        )
        with transaction.atomic():
            stamp(reminder)
            reminder.save()


# A snooze the server refused, as the app keeps it (data/snoozes.ts), for a dose not on Today.
PLANT_REFUSED_SNOOZE = """(email) => localStorage.setItem(`ossa.snoozes.${email}`, JSON.stringify({
  gone: {
    reminder: 'gone', choice: {minutes: 10}, askedAt: Date.now(), until: Date.now() + 600000,
    sent: false, refused: 'This dose is logged, or its reminders are over.',
  },
}))"""


def serious_violations(page, screen: str) -> list[str]:
    result = page.evaluate(RUN_AXE)
    return [
        f"{screen}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_screen_passes_axe(chromium_path, live_server):
    assert app_is_built(), "make test builds the app (npm run build in app/)"
    assert AXE.exists(), "axe-core comes with the app's dev dependencies (npm ci in app/)"
    alice = MemberFactory(email="alice@example.com", display_name="Alice")
    give_plan(alice)
    miss_a_monthly_dose(alice)
    remind_of_todays_doses(alice)
    found: list[str] = []
    with browser(chromium_path) as chromium:
        # The app's CSP rightly refuses an injected script; the audit's own is let in.
        context = chromium.new_context(viewport=PHONE, is_mobile=True, bypass_csp=True)
        context.set_default_timeout(TIMEOUT_MS)
        catch_database(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/app/")
        page.get_by_label("E-mail address").wait_for()
        page.add_script_tag(path=str(AXE))
        # The audit sees a planted fault (an image with no text), then the real page.
        page.evaluate("document.body.append(Object.assign(new Image(), {id: 'planted'}))")
        assert any("image-alt" in v for v in serious_violations(page, "planted"))
        page.evaluate("document.getElementById('planted').remove()")
        found += serious_violations(page, "sign-in")

        page.get_by_label("E-mail address").fill(alice.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Today").wait_for()
        page.wait_for_selector('.sync[data-state="ok"]')
        plant_refused_dose(page)
        page.wait_for_selector('.sync[data-held="1"]')
        for screen in SCREENS:
            page.evaluate(f"location.hash = '#/{screen}'")
            page.wait_for_load_state("networkidle")
            page.locator("main h1, main h2").first.wait_for()
            if screen == "held":
                page.locator("li.held-item").wait_for()
            if screen == "today":
                page.locator(".missed-dose").wait_for()
                page.locator('.dose-reminder[data-reminder="sent"]').first.wait_for()
            if screen == "plan":
                page.locator(".day-plan-suggested .day-moment").first.wait_for()
            if screen == "settings":
                page.locator("#day-form").wait_for()
            if screen == "nutrients":
                page.locator(".nutrient-bar").first.wait_for()
            found += serious_violations(page, screen)

        # Today with a dose's snooze choices open.
        page.evaluate("location.hash = '#/today'")
        page.locator(".dose-reminder").first.get_by_role("button", name="Snooze").click()
        page.locator(".snooze-choices").wait_for()
        found += serious_violations(page, "today (snooze choices)")
        # And a snooze the server refused, said with its one button.
        page.evaluate(PLANT_REFUSED_SNOOZE, alice.email)
        page.reload()
        page.locator(".refused-snoozes").wait_for()
        page.add_script_tag(path=str(AXE))
        found += serious_violations(page, "today (a snooze refused)")

        # The plan form's question before saving a weekly medicine planned every day.
        page.evaluate("location.hash = '#/plan/new'")
        page.get_by_label("Product", exact=True).select_option(label="Alendronate 70 mg (weekly)")
        page.get_by_role("button", name="Save plan").click()
        page.locator(".plan-confirm .finding").wait_for()
        found += serious_violations(page, "plan/new (confirm)")
        # And the usual day with a meal skipped (its time field disabled).
        page.evaluate("location.hash = '#/settings'")
        page.get_by_label("I skip lunch").check()
        found += serious_violations(page, "settings (a meal skipped)")
        context.close()

    assert found == [], "\n".join(found)
