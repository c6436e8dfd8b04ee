"""Two people on one phone, one after the other: signing out leaves nothing of the first on the
device, and the second's data, brought by their first sync, is kept across a reload offline."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts import services as account_services

from ..factories import MemberFactory, ProductFactory, RegimenFactory
from .app_browser import STORED_IDS_JS, app_is_built, browser, phone, wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not app_is_built(), reason="the app is not built (npm run build in app/)"),
]


def member_with_plan(email: str, product: str):
    member = MemberFactory(email=email)
    plan = RegimenFactory(member=member, product=ProductFactory(owner=member, name=product))
    # Past the first run, so the app opens Today, not #/welcome.
    account_services.update_profile(plan.member.profile, {"date_of_birth": dt.date(1958, 2, 3)})
    return plan


def sign_in(page, email: str) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()


def stored_plans(page) -> list[str]:
    return page.evaluate(STORED_IDS_JS).get("regimens", [])


def test_signing_out_forgets_the_member_and_the_next_one_is_kept(chromium_path, live_server):
    first = member_with_plan("noor@example.com", "Noor's K2")
    second = member_with_plan("ines@example.com", "Ines's D3")
    with browser(chromium_path) as chromium:
        context, page = phone(chromium)
        page.goto(f"{live_server.url}/app/")
        sign_in(page, first.member.email)
        page.get_by_text("Noor's K2").first.wait_for()
        wait_until(page, f"() => ({STORED_IDS_JS})().then((ids) => ids.regimens?.length)")
        assert stored_plans(page) == [str(first.id)]

        page.evaluate("location.hash = '#/settings'")
        page.get_by_role("button", name="Sign out of this device").click()
        page.get_by_role("button", name="Sign in").wait_for()
        assert stored_plans(page) == []

        sign_in(page, second.member.email)
        page.get_by_text("Ines's D3").first.wait_for()
        wait_until(page, f"() => ({STORED_IDS_JS})().then((ids) => ids.regimens?.length)")
        assert stored_plans(page) == [str(second.id)]

        context.set_offline(True)
        page.reload()
        page.get_by_text("Ines's D3").first.wait_for()
        assert page.get_by_text("Noor's K2").count() == 0
        context.close()
