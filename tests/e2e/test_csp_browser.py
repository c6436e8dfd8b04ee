"""The Content-Security-Policy breaks nothing (backend/security.py): Debian's chromium walks
the admin as a dietitian and as an operator (unfold's Alpine.js, htmx, inline styles; the
client page's chart), the API docs (Swagger UI) and every screen of the app, and the
browser reports no violation: neither a `securitypolicyviolation` event nor a console
message about the policy."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django_celery_beat.models import CrontabSchedule

from accounts import care
from accounts.models import User

from ..dietitians.conftest import give_plan
from ..factories import MemberFactory
from .app_browser import app_is_built, browser

PASSWORD = "correct horse battery"  # MemberFactory's
TIMEOUT_MS = 20_000
CLIENTS = "/admin/tracking/client/"

# Installed before any page script, in every page and frame: each violation is reported to
# the console, where the test's listener (which lives across navigations) collects it.
REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI} `
    + `at ${event.sourceFile}:${event.lineNumber} (${event.sample})`);
});
"""
ABOUT_THE_POLICY = ("CSP violation", "Content Security Policy", "Content-Security-Policy")

# serialized_rollback: the catalogue (a data migration) survives other transactional tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def people(db) -> dict[str, User]:
    alice = MemberFactory(email="alice@example.com", display_name="Alice")
    give_plan(alice)
    dana = MemberFactory(email="dana@clinic.example", display_name="Dana", is_staff=True)
    dana.groups.add(Group.objects.get(name=care.DIETITIANS_GROUP))
    _, code = care.create_share_code(alice)
    care.accept_code(dana, code)
    root = User.objects.create_superuser("root@ossa.example", PASSWORD)
    CrontabSchedule.objects.create(minute="30", hour="2")
    return {"alice": alice, "dana": dana, "root": root}


def watched_page(chromium, reports: list[str], **context_options):
    context = chromium.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(REPORTER)
    page = context.new_page()

    def on_console(message) -> None:
        if any(marker in message.text for marker in ABOUT_THE_POLICY):
            reports.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: reports.append(f"{page.url}: page error: {error}"))
    return context, page


def admin_sign_in(page, base: str, user: User, then: str) -> None:
    page.goto(f"{base}/admin/login/?next={then}")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").first.click()
    page.wait_for_url(f"**{then}")


def test_no_page_of_the_admin_docs_or_app_violates_the_policy(chromium_path, live_server, people):
    from playwright.sync_api import expect

    base = live_server.url
    alice = people["alice"]
    reports: list[str] = []
    visited: list[str] = []
    with browser(chromium_path) as chromium:
        # The dietitian: login page, clients, a client's page with its chart.
        context, page = watched_page(chromium, reports, viewport={"width": 1280, "height": 900})
        admin_sign_in(page, base, people["dana"], CLIENTS)
        expect(page.locator("#result_list")).to_contain_text("Alice")
        page.goto(f"{base}{CLIENTS}{alice.pk}/change/")
        expect(page.locator("canvas#adherence-chart")).to_have_attribute("data-series", "2")
        page.goto(f"{base}{CLIENTS}accept/")
        visited += ["admin login", "clients", "client page", "accept code"]
        context.close()

        # The operator: unfold's dashboard, lists, forms with widgets, Celery beat.
        context, page = watched_page(chromium, reports, viewport={"width": 1280, "height": 900})
        admin_sign_in(page, base, people["root"], "/admin/")
        for path in (
            "/admin/tracking/product/",
            "/admin/tracking/product/add/",
            "/admin/accounts/user/",
            f"/admin/accounts/user/{alice.pk}/change/",
            "/admin/django_celery_beat/periodictask/add/",
        ):
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("networkidle")
            visited.append(path)
        # Alpine.js runs: unfold's widgets work.
        assert page.evaluate("typeof window.Alpine === 'object'")
        page.select_option("#id_crontab", index=1)
        context.close()

        # The API docs: Swagger UI renders the schema.
        context, page = watched_page(chromium, reports)
        page.goto(f"{base}/api/docs/")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Ossa API")
        expect(page.locator(".opblock").first).to_be_visible()
        visited.append("api docs")
        context.close()

        # The app: sign in, sync, every screen (Trends draws with style={…}).
        if app_is_built():
            context, page = watched_page(
                chromium, reports, viewport={"width": 360, "height": 740}, is_mobile=True
            )
            page.goto(f"{base}/app/")
            page.get_by_label("E-mail address").fill(alice.email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("heading", name="Today").wait_for()
            page.wait_for_selector('.sync[data-state="ok"]')
            page.evaluate("navigator.serviceWorker.ready.then(() => true)")
            for screen in ("week", "trends", "flags", "inbox", "plan", "sharing", "settings"):
                page.evaluate(f"location.hash = '#/{screen}'")
                page.wait_for_load_state("networkidle")
                page.locator("main h1, main h2").first.wait_for()
                if screen == "trends":
                    # Preact sets style={…} through the CSSOM, which style-src 'self' allows.
                    styled = page.locator("main svg [style*='stroke'], main svg [style*='fill']")
                    expect(styled.first).to_be_attached()
                visited.append(f"app {screen}")
            context.close()

    assert reports == [], "\n".join(reports)
    assert len(visited) >= 10
