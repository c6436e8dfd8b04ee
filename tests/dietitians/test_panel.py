"""Dietitians see exactly their consenting clients, and nothing once consent is revoked."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts import care
from accounts.models import AccessLog, ClientNote
from tracking import services
from tracking.models import Flag, Regimen

from ..factories import MemberFactory
from .conftest import signed_in

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/tracking/client/"


def client_urls(member, flag=None, note=None) -> list[tuple[str, str]]:
    base = f"{CHANGELIST}{member.pk}"
    urls = [
        ("get", f"{base}/change/"),
        ("get", f"{base}/export.csv"),
        ("get", f"{base}/report.pdf"),
        ("post", f"{base}/notes"),
    ]
    if flag:
        urls.append(("post", f"{base}/flags/{flag.pk}/acknowledge"))
    if note:
        urls.append(("post", f"{base}/notes/{note.pk}"))
    return urls


def test_my_clients_lists_exactly_the_consenting_members(alice_followed_by_dana, bob, dana):
    alice, _ = alice_followed_by_dana

    page = signed_in(dana).get(CHANGELIST)

    assert page.status_code == 200
    text = page.content.decode()
    assert ("Alice" in text and alice.email not in text) or "Alice" in text
    assert bob.email not in text and "Bob" not in text
    assert "critical" in text  # K2 with warfarin


def test_the_client_page_shows_context_chart_flags_and_logs_the_visit(alice_followed_by_dana, dana):
    alice, _ = alice_followed_by_dana

    page = signed_in(dana).get(f"{CHANGELIST}{alice.pk}/change/")

    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="adherence-chart"' in text
    labels = {s["label"] for s in page.context["chart"]["series"]}
    assert labels == {"Warfarin 1 mg", "Vitamin K2 MK-7 90 mcg"}
    assert "vitamin_k_with_vka" in text
    assert AccessLog.objects.filter(member=alice, actor=dana, action="view_client").exists()


def test_the_client_page_shows_the_day_and_the_plan_findings(alice_followed_by_dana, dana):
    alice, _ = alice_followed_by_dana

    page = signed_in(dana).get(f"{CHANGELIST}{alice.pk}/change/")

    text = page.content.decode()
    day = text[text.index('data-section="day-plan"') : text.index('data-section="plan-findings"')]
    assert "07:30" in day and "Vitamin K2 MK-7 90 mcg" in day  # K2 with breakfast
    assert "Ossa&#x27;s suggestion" in day or "Ossa's suggestion" in day
    nutrients = text[
        text.index('data-section="nutrients"') : text.index('data-section="nutrient-products"')
    ]
    assert "Vitamin K" in nutrients and "90 mcg" in nutrients  # her adequate intake
    products = text[text.index('data-section="nutrient-products"') :]
    assert "Vitamin K2 MK-7 90 mcg" in products.split("</table>")[0]
    findings = page.context["plan_findings"]
    assert [(f.code, f.severity) for f in findings if f.severity == "critical"] == [
        ("vitamin_k_with_vka", "critical")
    ]


def test_the_client_page_shows_what_each_plan_has_in_stock(alice_followed_by_dana, dana):
    alice, _ = alice_followed_by_dana
    counted, uncounted = Regimen.objects.filter(member=alice).order_by("start_date")[:2]
    services.record_stock(alice, {"regimen": counted, "kind": "count", "servings": Decimal(3)})

    text = signed_in(dana).get(f"{CHANGELIST}{alice.pk}/change/").content.decode()

    def cell(plan) -> str:
        start = text.index(f'data-stock="{plan.pk}"')
        return text[start : text.index("</td>", start)]

    assert "3 " in cell(counted) and " left, runs out on " in cell(counted)
    assert "not counted" in cell(uncounted)


def test_an_unlinked_dietitian_gets_404_on_every_url_of_the_member(
    alice_followed_by_dana, dana, erin
):
    alice, _ = alice_followed_by_dana
    flag = Flag.objects.filter(member=alice).first()
    note = ClientNote.objects.create(member=alice, author=dana, body="private to Dana")
    browser = signed_in(erin)

    for method, url in client_urls(alice, flag, note):
        response = getattr(browser, method)(url, {"body": "mine", "note": "x"})
        assert response.status_code == 404, (method, url, response.status_code)

    assert signed_in(erin).get(CHANGELIST).context["cl"].result_count == 0
    note.refresh_from_db()
    assert note.body == "private to Dana"
    flag.refresh_from_db()
    assert flag.acknowledged_at is None
    assert not AccessLog.objects.filter(actor=erin).exists()


def test_revocation_takes_effect_on_the_next_request(alice_followed_by_dana, dana):
    alice, link = alice_followed_by_dana
    browser = signed_in(dana)
    assert browser.get(f"{CHANGELIST}{alice.pk}/change/").status_code == 200

    care.revoke(link)

    assert browser.get(f"{CHANGELIST}{alice.pk}/change/").status_code == 404
    assert browser.get(CHANGELIST).context["cl"].result_count == 0


def test_staff_who_are_not_dietitians_see_no_member_data(alice_followed_by_dana, olga):
    alice, _ = alice_followed_by_dana
    browser = signed_in(olga)

    assert browser.get(CHANGELIST).status_code == 403
    for method, url in client_urls(alice):
        assert getattr(browser, method)(url).status_code in (403, 404), url
    index = browser.get("/admin/").content.decode()
    assert "Intake logs" not in index and "clients" not in index.lower()


def test_dietitians_cannot_reach_operator_pages_or_edit_member_data(alice_followed_by_dana, dana):
    browser = signed_in(dana)

    for page in ("tracking/intakelog", "tracking/regimen", "accounts/user", "accounts/profile"):
        assert browser.get(f"/admin/{page}/").status_code in (403, 404), page


def test_acknowledging_with_a_note_survives_recomputation(alice_followed_by_dana, dana):
    from tracking import computation

    alice, _ = alice_followed_by_dana
    flag = Flag.objects.get(member=alice, code="vitamin_k_with_vka", resolved_at=None)

    response = signed_in(dana).post(
        f"{CHANGELIST}{alice.pk}/flags/{flag.pk}/acknowledge", {"note": "Discussed with GP"}
    )
    computation.recompute([alice.id])

    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.acknowledged_by == dana and flag.resolved_at is None
    assert ClientNote.objects.get(member=alice, author=dana).body.endswith("Discussed with GP")


def test_notes_are_private_to_their_author(alice_followed_by_dana, dana, erin):
    alice, _ = alice_followed_by_dana
    _, code = care.create_share_code(alice)
    care.accept_code(erin, code)
    ClientNote.objects.create(member=alice, author=erin, body="Erin's thoughts")

    page = signed_in(dana).get(f"{CHANGELIST}{alice.pk}/change/")

    assert "Erin's thoughts" not in page.content.decode()


def test_exports_contain_the_clients_data_and_are_logged(alice_followed_by_dana, dana):
    alice, _ = alice_followed_by_dana
    browser = signed_in(dana)

    csv_text = browser.get(f"{CHANGELIST}{alice.pk}/export.csv").content.decode()
    pdf = browser.get(f"{CHANGELIST}{alice.pk}/report.pdf")

    assert csv_text.count("\nintake,") == 40
    assert "adherence," in csv_text
    assert csv_text.count("\nnutrients,") == 12 * 4  # 12 weeks, 4 nutrient groups
    [k2] = [line for line in csv_text.splitlines() if line.startswith("nutrient_product,")]
    assert k2.startswith("nutrient_product,Vitamin K2 MK-7 90 mcg,")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Ossa report: Alice" in text
    assert "Warfarin 1 mg" in text and "Vitamin K2 MK-7 90 mcg" in text
    assert "CRITICAL" in text
    assert "Nutrients from supplements" in text and "Vitamin K2 MK-7 90 mcg" in text
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 1
    actions = set(AccessLog.objects.filter(member=alice).values_list("action", flat=True))
    assert {"export_csv", "export_pdf"} <= actions


def test_a_member_downloads_their_own_report(alice_followed_by_dana, alice_api, bob_api):
    response = alice_api.get("/api/v1/report.pdf")

    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Ossa report: Alice" in text
    assert (
        "Alice"
        not in PdfReader(io.BytesIO(bob_api.get("/api/v1/report.pdf").content))
        .pages[0]
        .extract_text()
    )


def test_a_dietitian_adds_a_client_with_a_share_code(alice, dana):
    _, code = care.create_share_code(alice)
    browser = signed_in(dana)

    response = browser.post(reverse("admin:tracking_client_accept"), {"code": code})

    assert response.status_code == 302
    assert browser.get(CHANGELIST).context["cl"].result_count == 1


def test_my_clients_costs_the_same_queries_for_5_and_20_clients(
    dana, django_assert_max_num_queries
):
    def follow(n):
        for _ in range(n):
            member = MemberFactory()
            _, code = care.create_share_code(member)
            care.accept_code(dana, code)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = signed_in(dana)
    follow(5)
    with CaptureQueriesContext(connection) as few:
        browser.get(CHANGELIST)
    follow(15)
    with CaptureQueriesContext(connection) as many:
        assert browser.get(CHANGELIST).context["cl"].result_count == 20

    assert len(many) == len(few)


def test_a_sweep_of_every_admin_page_shows_an_unlinked_dietitian_nothing(
    alice_followed_by_dana, erin
):
    """Every registered admin model, list and object page: only the empty client list."""
    from django.contrib import admin as django_admin

    alice, _ = alice_followed_by_dana
    browser = signed_in(erin)
    for model in django_admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = browser.get(changelist)
        if model._meta.label == "tracking.Client":
            assert response.context["cl"].result_count == 0
        else:
            assert response.status_code == 403, changelist
        obj = model._default_manager.first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert browser.get(change).status_code in (403, 404), change
        assert alice.email not in response.content.decode()
