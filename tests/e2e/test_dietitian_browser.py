"""The dietitian panel in a real browser (issue 6): Playwright for Python drives Debian's
chromium against `live_server`.

Dana, a dietitian, signs in through the admin login form, sees exactly her consenting
client (Alice, not Bob), opens Alice's page, finds the adherence chart drawn, acknowledges
the critical warfarin + K2 flag with a note and downloads the PDF report. Alice then revokes
her consent, and Dana's next page load no longer shows her: the list drops her and her page
is a 404.

Screenshots of each step land in test-artifacts/dietitian/ (git-ignored). Without
/usr/bin/chromium the test is skipped, except in CI (OSSA_REQUIRE_SERVICES=1), where it
fails. Never `playwright install`: the browser is the system's.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from pypdf import PdfReader

from accounts import care
from accounts.models import CareLink, ClientNote, User
from tracking.models import Flag

from ..dietitians.conftest import give_plan
from .conftest import outside_the_browser_loop

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dietitian"
CHANGELIST = "/admin/tracking/client/"
PASSWORD = "a dietitian's long passphrase"
FLAG = "vitamin_k_with_vka"
NOTE = "Discussed with Alice: K2 stopped until the INR check."
TIMEOUT_MS = 15_000

# serialized_rollback: the catalogue (a data migration) survives other transactional tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def dana(db) -> User:
    person = User.objects.create_user(
        "dana@clinic.example", PASSWORD, display_name="Dana", is_staff=True
    )
    person.groups.add(Group.objects.get(name=care.DIETITIANS_GROUP))
    return person


@pytest.fixture
def alice_link(alice, dana) -> CareLink:
    """Alice consents: Dana accepted her share code."""
    give_plan(alice)
    _, code = care.create_share_code(alice)
    return care.accept_code(dana, code)


@pytest.fixture
def bob_without_consent(bob):
    give_plan(bob)
    return bob


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS


def test_dietitian_follows_a_client_in_the_browser_until_consent_is_revoked(
    chromium_path,
    live_server,
    artifacts,
    dana,
    alice,
    alice_link,
    bob_without_consent,
):
    from playwright.sync_api import expect, sync_playwright

    bob = bob_without_consent
    alice_page = f"{live_server.url}{CHANGELIST}{alice.pk}/change/"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path, headless=True, args=["--no-sandbox"]
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()

            def shot(name: str) -> None:
                page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)

            try:
                # 1. Sign in through the admin login form.
                page.goto(f"{live_server.url}/admin/login/?next={CHANGELIST}")
                page.fill("input[name=username]", dana.email)
                page.fill("input[name=password]", PASSWORD)
                shot("01-login")
                page.locator("form [type=submit]").first.click()
                page.wait_for_url(f"**{CHANGELIST}")

                # 2. My clients: Alice, and only Alice.
                results = page.locator("#result_list")
                expect(results).to_contain_text("Alice")
                expect(results).to_contain_text("critical")
                rows = results.locator("tbody tr")
                expect(rows).to_have_count(1)
                assert "Bob" not in page.content()
                assert bob.email not in page.content()
                expect(page.locator("#accept-code")).to_have_attribute(
                    "href", f"{CHANGELIST}accept/"
                )
                shot("02-my-clients")

                # 3. Alice's page: the chart is drawn, with data.
                results.get_by_text("Alice").first.click()
                page.wait_for_url(alice_page)
                canvas = page.locator("canvas#adherence-chart")
                expect(canvas).to_have_attribute("data-series", "2")
                drawn = page.evaluate(
                    """() => {
                        const canvas = document.getElementById("adherence-chart");
                        const pixels = canvas.getContext("2d")
                            .getImageData(0, 0, canvas.width, canvas.height).data;
                        let painted = 0;
                        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
                        return {series: Number(canvas.dataset.series), painted: painted};
                    }"""
                )
                assert drawn["series"] >= 1, drawn
                assert drawn["painted"] > 1000, drawn
                # Intake times read in Alice's zone, as logged (08:05 in Amsterdam).
                history = page.locator("section[aria-labelledby=intake-title] tbody tr")
                expect(history.first).to_contain_text("08:05")
                shot("03-client-page")

                # 4. Acknowledge the critical flag, with a note.
                flag_row = page.locator(f'tr[data-flag="{FLAG}"]')
                expect(flag_row).to_contain_text("active")
                flag_row.locator("input[name=note]").fill(NOTE)
                flag_row.get_by_role("button", name="Acknowledge").click()
                page.wait_for_url(alice_page)
                page.reload()
                expect(flag_row).to_contain_text("acknowledged")
                expect(flag_row.get_by_role("button", name="Acknowledge")).to_have_count(0)
                shot("04-acknowledged")
                flag, noted = outside_the_browser_loop(
                    lambda: (
                        Flag.objects.get(member=alice, code=FLAG),
                        ClientNote.objects.filter(
                            member=alice, author=dana, body__contains=NOTE
                        ).exists(),
                    )
                )
                assert flag.acknowledged_by_id == dana.pk
                assert flag.acknowledged_at is not None
                assert noted

                # 5. The PDF report.
                with page.expect_download() as download_info:
                    page.click("#pdf-report")
                download = download_info.value
                assert download.suggested_filename == f"ossa-report-{alice.pk}.pdf"
                pdf = Path(download.path()).read_bytes()
                assert pdf.startswith(b"%PDF")
                text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
                assert "Ossa report" in text
                assert "Alice" in text

                # 6. Alice revokes: Dana's next page load no longer shows her.
                outside_the_browser_loop(lambda: care.revoke(alice_link))
                page.goto(f"{live_server.url}{CHANGELIST}")
                expect(page.locator("#result_list")).to_have_count(0)
                assert "Alice" not in page.locator("#changelist, main").first.inner_text()
                shot("05-after-revoke")

                response = page.goto(alice_page)
                assert response is not None
                assert response.status == 404
                shot("06-client-page-404")
            except Exception:
                with contextlib.suppress(Exception):  # keep the original error
                    shot("failure")
                raise
        finally:
            browser.close()
