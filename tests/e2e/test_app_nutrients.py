"""Nutrient totals in the app, at phone size (issue 16).

A member takes the catalogue's "D3 + K2 + Magnesium" trio (25 µg of D3, 90 µg of MK-7,
100 mg of magnesium) every morning and a separate "Vitamin D3 25 mcg (1000 IU)" every evening.
She ticks the trio on Today and the Nutrients screen says 25 µg of vitamin D; then, offline,
she ticks the D3 and it says 50 µg (2,000 IU) at once, against her reference intake (15 µg,
upper limit 100 µg, synced from the server's nutrient_targets), in words for a screen reader
too, with both products named as what gave it. Back online, the doses reach the server and
its totals for the day say the same 50 µg. Yesterday she took the D3 only: that day comes from
the server (nutrient_days, synced to the phone) and counts in the weekly averages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts import services as account_services
from tracking import computation, services
from tracking.models import NutrientDay, Product

from ..factories import MemberFactory
from .app_browser import app_is_built, browser, phone, shoot, synced
from .conftest import outside_the_browser_loop

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not app_is_built(), reason="the app is not built (make test builds it)"),
]

EMAIL = "greta@example.com"
ZONE = "Europe/Amsterdam"
TRIO = "D3 + K2 + Magnesium"
D3 = "Vitamin D3 25 mcg (1000 IU)"


def trio_and_d3() -> None:
    """A 66-year-old woman with the trio at 08:00 and a separate D3 at 20:00, both daily."""
    member = MemberFactory(email=EMAIL)
    account_services.update_profile(
        member.profile,
        {"date_of_birth": dt.date(1960, 3, 14), "sex": "female", "timezone": ZONE},
    )
    today = member.profile.today()
    plans = {}
    for name, at in ((TRIO, "08:00"), (D3, "20:00")):
        plans[name] = services.create_regimen(
            member,
            {
                "product": Product.objects.get(name=name, owner=None),
                "schedule_kind": "daily",
                "times": [at],
                "start_date": today - dt.timedelta(days=7),
            },
        )
    yesterday = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(20), ZoneInfo(ZONE))
    d3 = plans[D3]
    services.log_intake(
        member,
        {"regimen": d3, "product": d3.product, "taken_at": yesterday, "servings": 1},
    )
    computation.recompute([member.id])


def week_average(today: dt.date) -> list[str]:
    """The vitamin D cells the weeks' table should end with: yesterday's 25 µg and today's
    50 µg, averaged over each week's days so far."""

    def cell(mcg: float) -> str:
        def number(value: float) -> str:
            return f"{value:,.2f}".rstrip("0").rstrip(".")

        return f"{number(mcg)} µg ({number(mcg * 40)} IU) ({round(mcg / 15 * 100)}%)"

    if today.weekday() == 0:  # yesterday was last week's Sunday
        return [cell(25 / 7), cell(50)]
    return [cell(75 / (today.weekday() + 1))]


def server_vitamin_d_today() -> Decimal:
    def read():
        member = MemberFactory._meta.model.objects.get(email=EMAIL)
        computation.recompute([member.id])
        row = NutrientDay.objects.get(member=member, day=member.profile.today())
        return row.d2 + row.d3

    return outside_the_browser_loop(read)


def vitamin_d(page) -> str:
    return page.get_by_test_id("nutrient-amount-vitamin_d").inner_text()


def test_a_trio_and_a_separate_d3_make_50_micrograms_of_vitamin_d_offline_too(
    chromium_path, live_server
):
    outside_the_browser_loop(trio_and_d3)
    errors: list[str] = []
    with browser(chromium_path) as chromium:
        context, page = phone(chromium, errors=errors, timezone_id=ZONE)
        page.goto(f"{live_server.url}/app/")
        page.get_by_label("E-mail address").fill(EMAIL)
        page.get_by_label("Password").fill("correct horse battery")  # MemberFactory's
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Today").wait_for()
        synced(page)

        # Nothing ticked yet: the screen is reached from More, and says 0.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
        page.get_by_role("link", name="Nutrients").click()
        page.get_by_role("heading", name="Nutrients").wait_for()
        words = page.get_by_test_id("nutrient-words-vitamin_d")
        page.wait_for_function(
            "() => document.querySelector('[data-testid=nutrient-words-vitamin_d]')"
            "?.textContent.includes('recommended')"
        )
        assert vitamin_d(page) == "0 µg (0 IU)"

        # The trio, ticked on Today.
        page.goto(f"{live_server.url}/app/#/today")
        page.locator(".dose", has_text=TRIO).get_by_role("button", name="Taken").click()
        page.locator(".dose", has_text=TRIO).get_by_role("button", name="Undo").wait_for()
        page.goto(f"{live_server.url}/app/#/nutrients")
        page.get_by_test_id("nutrient-amount-vitamin_d").wait_for()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=nutrient-amount-vitamin_d]')"
            "?.textContent === '25 µg (1,000 IU)'"
        )
        assert page.get_by_test_id("nutrient-amount-vitamin_k").inner_text() == "90 µg"
        assert page.get_by_test_id("nutrient-amount-magnesium").inner_text() == "100 mg"

        # Offline: the separate D3, and the total moves at once, on the phone.
        context.set_offline(True)
        page.wait_for_selector('.sync[data-state="offline"]')
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
        page.locator(".dose", has_text=D3).get_by_role("button", name="Taken").click()
        page.locator(".dose", has_text=D3).get_by_role("button", name="Undo").wait_for()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
        page.get_by_role("link", name="Nutrients").click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=nutrient-amount-vitamin_d]')"
            "?.textContent === '50 µg (2,000 IU)'"
        )
        assert words.text_content() == (
            "Vitamin D today: 50 micrograms (2,000 international units) of 15 micrograms "
            "(600 international units) recommended; upper limit 100 micrograms (4,000 "
            "international units). Reference intake reached. As planned today: 50 micrograms "
            "(2,000 international units). D2 (ergocalciferol) 0 micrograms (0 international "
            "units), D3 (cholecalciferol) 50 micrograms (2,000 international units)."
        )
        products = page.locator(".nutrient-products li")
        assert sorted(products.all_inner_texts()) == sorted(
            [
                f"{TRIO}\nVitamin K 90 µg, vitamin D 25 µg (1,000 IU), magnesium 100 mg",
                f"{D3}\nVitamin D 25 µg (1,000 IU)",
            ]
        )
        # The weeks: yesterday from the server's days, today from the phone.
        cells = page.locator(".nutrient-table-scroll tbody tr td:nth-of-type(2)")
        expected = week_average(dt.datetime.now(ZoneInfo(ZONE)).date())
        assert cells.all_text_contents()[-len(expected) :] == expected
        shoot(page, "nutrients-offline")

        # Back online: the server's totals for the day are the same.
        context.set_offline(False)
        page.wait_for_selector('.sync[data-state="ok"][data-pending="0"]')
        assert server_vitamin_d_today() == Decimal("50")
        assert vitamin_d(page) == "50 µg (2,000 IU)"
        assert errors == []
        context.close()
