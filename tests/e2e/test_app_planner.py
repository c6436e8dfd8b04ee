"""Plan safety and the day planner in the app, at phone size (issue 15).

A new member enters four plans, as many do on their first day: "Alendronate 70 mg (weekly)"
every day at 08:00, two tablets of "Calcium carbonate 500 mg" at 08:00, and vitamins K2 and
D3 at 08:00. Before the alendronate plan is saved the app says, in the label's terms, that
this is a once-a-week dose planned every day, with its source; the member confirms and the
confirmation travels with the plan. The Plan screen then suggests the day from the labels
and fact sheets: alendronate on waking (07:00), breakfast after its 30 minutes (07:30),
calcium split over two meals (07:30 and 18:30, one tablet each), D3 and K2 at breakfast.
"Use this day", tapped offline, applies it to the local plans; back online they sync, the
server holds those times with the schedule history kept, and the suggestion has nothing
left to change.

A member whose monthly ibandronate dose was missed sees on Today what the label says about
it, quoted and attributed to the label, not as Ossa's advice.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accounts import services as account_services
from accounts.models import User
from tracking import computation, services
from tracking.models import Product, Regimen

from ..factories import MemberFactory
from .app_browser import app_is_built, browser, phone, shoot, synced
from .conftest import outside_the_browser_loop

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not app_is_built(), reason="the app is not built (make test builds it)"),
]

EMAIL = "ines@example.com"
PASSWORD = "a weekly tablet, not a daily one"
ZONE = "Europe/Amsterdam"
ALENDRONATE = "Alendronate 70 mg (weekly)"
CALCIUM = "Calcium carbonate 500 mg"
K2 = "Vitamin K2 MK-7 90 mcg"
D3 = "Vitamin D3 25 mcg (1000 IU)"
FREQUENCY_TITLE = "This is a once-a-week dose; your plan takes it every day"
FREQUENCY_WORDS = (
    f"The label of {ALENDRONATE} says it is taken once a week. Your plan takes it every day: "
    "7 times as many doses as the label describes."
)
ALENDRONATE_LABEL = "US prescribing information and medication guide for alendronate"


def local_today() -> dt.date:
    return dt.datetime.now(ZoneInfo(ZONE)).date()


def sign_up(page, url: str) -> None:
    page.goto(f"{url}/app/")
    page.get_by_role("button", name="Create an account").click()
    page.get_by_label("Your name").fill("Inés")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="About you").wait_for()
    page.get_by_label("Date of birth").fill("1956-09-02")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Menopause").select_option("post")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Your plan").wait_for()


def enter_plan(page, product: str, servings: str = "1") -> None:
    """Fill the plan form: daily at 08:00, started a week ago (so applying a new day later
    starts a new schedule version and the week lived keeps its own)."""
    page.locator("#plan-product option", has_text=product).first.wait_for(state="attached")
    page.get_by_label("Product", exact=True).select_option(label=product)
    page.get_by_label("Schedule").select_option("daily")
    page.get_by_label("Time 1", exact=True).fill("08:00")
    page.get_by_label("Servings per dose").fill(servings)
    page.get_by_label("Start date").fill((local_today() - dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Save plan").click()


def saved(page, count: int) -> None:
    """Wait until the first-run step lists `count` saved plans."""
    page.wait_for_function(
        "count => document.querySelectorAll('.added-plans li').length === count", arg=count
    )


def suggested_day(page) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """The suggested day as the Plan screen shows it: time → (label, [(product, servings)])."""
    found = {}
    for moment in page.locator(".day-plan-suggested .day-moment").all():
        label = moment.locator(".day-moment-label")
        doses = [
            (dose.locator("strong").inner_text(), dose.get_attribute("data-servings"))
            for dose in moment.locator(".day-dose").all()
        ]
        found[moment.get_attribute("data-at")] = (
            label.inner_text() if label.count() else "",
            sorted(doses),
        )
    return found


def server_plans() -> dict[str, dict]:
    def read():
        plans = Regimen.objects.filter(member__email=EMAIL).select_related("product")
        return {
            plan.product.name: {
                "times": sorted(plan.times),
                "servings": float(plan.servings_per_dose),
                "confirmed": plan.confirmed_findings,
                "versions": [
                    (v.effective_from, sorted(v.times), float(v.servings_per_dose))
                    for v in plan.schedules.order_by("effective_from")
                ],
            }
            for plan in plans
        }

    return outside_the_browser_loop(read)


def test_four_first_day_plans_are_checked_then_laid_out_and_applied_offline(
    chromium_path, live_server
):
    errors: list[str] = []
    with browser(chromium_path) as chromium:
        context, page = phone(chromium, errors=errors, timezone_id=ZONE)
        sign_up(page, live_server.url)

        # The weekly medicine planned daily: the app asks before saving, in the label's terms.
        enter_plan(page, ALENDRONATE)
        confirm = page.locator(".plan-confirm")
        confirm.get_by_role("heading", name="Please confirm before saving").wait_for()
        finding = confirm.locator('.finding[data-code="labelled_frequency"]')
        assert finding.locator(".finding-title").inner_text() == FREQUENCY_TITLE
        assert FREQUENCY_WORDS in finding.inner_text()
        assert finding.locator(".finding-source").inner_text() == f"Source: {ALENDRONATE_LABEL}"
        assert page.locator("#added-title").count() == 0  # not saved yet
        shoot(page, "plan-confirm-frequency")
        confirm.get_by_role("button", name="Confirm and save").click()
        saved(page, 1)

        # The rest bring warnings (the window, 1,000 mg at once), which do not block.
        enter_plan(page, CALCIUM, servings="2")
        saved(page, 2)
        enter_plan(page, K2)
        saved(page, 3)
        enter_plan(page, D3)
        saved(page, 4)
        assert page.locator(".plan-confirm").count() == 0
        page.get_by_role("button", name="Done").click()
        page.get_by_role("heading", name="Today").wait_for()
        synced(page)
        assert server_plans()[ALENDRONATE]["confirmed"] == ["labelled_frequency"]

        # The usual day the planner works from: the server's defaults, in Settings.
        page.goto(f"{live_server.url}/app/#/settings")
        day = page.locator("#day-form")
        day.get_by_label("Wake up").wait_for()
        assert [
            day.get_by_label(name, exact=True).input_value()
            for name in ("Wake up", "Breakfast", "Lunch", "Dinner", "Bedtime")
        ] == ["07:00", "07:30", "12:30", "18:30", "22:30"]
        day.get_by_label("Breakfast", exact=True).fill("06:30")
        day.get_by_role("button", name="Save your day").click()
        assert day.locator(".field-error").inner_text() == "Meals fall between waking and bedtime."
        day.get_by_label("Breakfast", exact=True).fill("07:30")
        page.locator("#day-title").scroll_into_view_if_needed()
        shoot(page, "settings-usual-day")

        # The Plan screen: the day as planned, with what Ossa notices, and the suggestion.
        page.goto(f"{live_server.url}/app/#/plan")
        page.get_by_role("heading", name="Your day").wait_for()
        noticed = page.locator(".day-plan-column").first.locator(".finding")
        assert {noticed.nth(i).get_attribute("data-code") for i in range(noticed.count())} >= {
            "labelled_frequency",
            "bisphosphonate_window",
            "calcium_per_moment",
        }
        assert suggested_day(page) == {
            "07:00": ("On waking", [(ALENDRONATE, "1")]),
            "07:30": ("Breakfast", sorted([(CALCIUM, "1"), (D3, "1"), (K2, "1")])),
            "18:30": ("Dinner", [(CALCIUM, "1")]),
        }
        waking = page.locator('.day-plan-suggested .day-moment[data-at="07:00"] .day-why')
        assert (
            "On waking, with a full glass of plain water; nothing else for 30 minutes, until "
            f"07:30. Source: {ALENDRONATE_LABEL}." in waking.inner_text()
        )
        vitamin = page.locator(".day-plan-suggested .day-dose", has_text=D3).locator(".day-why")
        assert "(Ossa's suggestion, not a source's rule)" in vitamin.inner_text()
        shoot(page, "plan-day")

        # "Use this day", offline: applied to the local plans at once.
        context.set_offline(True)
        page.wait_for_selector('.sync[data-state="offline"]')
        page.get_by_role("button", name="Use this day").click()
        page.get_by_role("heading", name="Nothing to change").wait_for()
        assert page.get_by_role("button", name="Use this day").count() == 0
        shoot(page, "plan-day-applied")

        # Back online: the server holds the suggested times, each plan's history kept.
        context.set_offline(False)
        page.wait_for_selector('.sync[data-state="ok"][data-pending="0"]')
        plans = server_plans()
        started, today = local_today() - dt.timedelta(days=7), local_today()
        assert {name: (p["times"], p["servings"]) for name, p in plans.items()} == {
            ALENDRONATE: (["07:00"], 1.0),
            CALCIUM: (["07:30", "18:30"], 1.0),
            K2: (["07:30"], 1.0),
            D3: (["07:30"], 1.0),
        }
        assert plans[CALCIUM]["versions"] == [
            (started, ["08:00"], 2.0),
            (today, ["07:30", "18:30"], 1.0),
        ]
        assert plans[ALENDRONATE]["confirmed"] == ["labelled_frequency"]

        # What the server sends back leaves nothing to change either.
        page.reload()
        page.get_by_role("heading", name="Your day").wait_for()
        page.get_by_role("heading", name="Nothing to change").wait_for()
        assert list(suggested_day(page)) == ["07:00", "07:30", "18:30"]
        assert errors == []
        context.close()


def ibandronate_missed(email: str) -> None:
    """A member whose monthly ibandronate dose, three days ago, was not logged: the next one
    is about a month away."""
    member = MemberFactory(email=email)
    account_services.update_profile(
        member.profile,
        {"date_of_birth": dt.date(1955, 2, 1), "sex": "female", "timezone": ZONE},
    )
    today = member.profile.today()
    missed = today - dt.timedelta(days=3)
    services.create_regimen(
        member,
        {
            "product": Product.objects.get(name="Ibandronate 150 mg (monthly)", owner=None),
            "schedule_kind": "monthly",
            "day_of_month": missed.day,
            "times": ["07:00"],
            "start_date": today - dt.timedelta(days=40),
        },
    )
    computation.recompute([member.id])


def test_a_missed_monthly_ibandronate_dose_shows_what_the_label_says(chromium_path, live_server):
    email = "hanna@example.com"
    outside_the_browser_loop(lambda: ibandronate_missed(email))
    errors: list[str] = []
    with browser(chromium_path) as chromium:
        context, page = phone(chromium, errors=errors, timezone_id=ZONE)
        page.goto(f"{live_server.url}/app/")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill("correct horse battery")  # MemberFactory's
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Today").wait_for()

        card = page.locator(".missed-dose")
        card.get_by_role("heading", name="Missed ibandronate dose").wait_for()
        assert "Your next dose is more than 7 days away." in card.inner_text()
        label = card.locator(".missed-dose-label")
        assert label.locator("figcaption").inner_text() == (
            "What the label says (US prescribing information and medication guide for ibandronate):"
        )
        assert label.locator("blockquote").inner_text() == (
            "Take it the morning after you remember, then go back to your usual day of the month."
        )
        assert "it does not advise" in card.inner_text()
        shoot(page, "today-missed-ibandronate")
        assert errors == []
        context.close()

    assert outside_the_browser_loop(lambda: User.objects.filter(email=email).exists())
