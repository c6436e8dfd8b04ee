"""Logging doses: taken or skipped, back-dated, idempotent under retries."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from accounts import services as account_services
from accounts.models import LoginSession
from tracking.models import IntakeLog

from ..factories import IntakeLogFactory, RegimenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def regimen(alice):
    return RegimenFactory(member=alice)


def dose(plan, **fields):
    taken_at = timezone.now() - dt.timedelta(minutes=5)
    return {"regimen": str(plan.id), "taken_at": taken_at.isoformat(), **fields}


def test_a_member_logs_a_dose_of_their_plan(alice_api, regimen):
    response = alice_api.post("/api/v1/intakes", dose(regimen))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["product"] == str(regimen.product_id)
    assert body["status"] == "taken"
    assert body["servings"] == 1.0
    assert IntakeLog.objects.get(id=body["id"]).member == regimen.member


def test_a_skipped_dose_is_recorded_as_skipped(alice_api, regimen):
    response = alice_api.post("/api/v1/intakes", dose(regimen, status="skipped", note="felt sick"))

    assert response.json()["status"] == "skipped"
    assert response.json()["note"] == "felt sick"


def test_a_dose_can_be_back_dated(alice_api, regimen):
    last_month = timezone.now() - dt.timedelta(days=31)

    response = alice_api.post("/api/v1/intakes", dose(regimen, taken_at=last_month.isoformat()))

    assert response.status_code == 201
    assert IntakeLog.objects.get(id=response.json()["id"]).taken_at == last_month


def test_an_unplanned_dose_names_its_product(alice_api, regimen):
    response = alice_api.post(
        "/api/v1/intakes",
        {"product": str(regimen.product_id), "taken_at": timezone.now().isoformat(), "servings": 2},
    )

    assert response.status_code == 201
    assert response.json()["regimen"] is None


def test_resending_the_same_log_gives_one_row(alice_api, alice, regimen):
    body = dose(regimen, id=str(uuid.uuid4()))

    first = alice_api.post("/api/v1/intakes", body)
    retry = alice_api.post("/api/v1/intakes", body)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json() == retry.json()
    assert IntakeLog.objects.filter(member=alice).count() == 1


def test_the_same_id_with_other_content_is_a_conflict(alice_api, regimen):
    body = dose(regimen, id=str(uuid.uuid4()))
    alice_api.post("/api/v1/intakes", body)

    response = alice_api.post("/api/v1/intakes", {**body, "servings": 3})

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "id_conflict"
    assert IntakeLog.objects.get(id=body["id"]).servings == 1


def test_another_members_id_is_refused_and_reveals_nothing(alice_api, bob_api, bob, regimen):
    body = dose(regimen, id=str(uuid.uuid4()))
    alice_api.post("/api/v1/intakes", body)
    bobs_plan = RegimenFactory(member=bob)

    response = bob_api.post("/api/v1/intakes", dose(bobs_plan, id=body["id"]))

    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "id_conflict"
    assert str(regimen.id) not in response.content.decode()
    assert IntakeLog.objects.get(id=body["id"]).member.email == "alice@example.com"
    assert not IntakeLog.objects.filter(member=bob).exists()


def test_a_deleted_log_cannot_be_revived_by_resending_it(alice_api, regimen):
    body = dose(regimen, id=str(uuid.uuid4()))
    alice_api.post("/api/v1/intakes", body)
    alice_api.delete(f"/api/v1/intakes/{body['id']}")

    response = alice_api.post("/api/v1/intakes", body)

    assert response.status_code == 409
    assert IntakeLog.objects.get(id=body["id"]).deleted_at is not None


@pytest.mark.parametrize(
    ("fields", "attr"),
    [
        ({"servings": -1}, "servings"),
        ({"servings": 0}, "servings"),
        ({"servings": 101}, "servings"),
        ({"servings": "two"}, "servings"),
        ({"status": "maybe"}, "status"),
        ({"taken_at": "yesterday"}, "taken_at"),
        ({"id": "not-a-uuid"}, "id"),
        ({"regimen": "not-a-uuid"}, "regimen"),
        ({"regimen": str(uuid.uuid4())}, "regimen"),
        ({"product": str(uuid.uuid4())}, "product"),
        ({"note": "x" * 1001}, "note"),
    ],
)
def test_bad_doses_are_refused_and_nothing_is_written(alice_api, alice, regimen, fields, attr):
    response = alice_api.post("/api/v1/intakes", dose(regimen, **fields))

    assert response.status_code == 400, response.json()
    assert attr in {e["attr"] for e in response.json()["errors"]}, response.json()
    assert not IntakeLog.objects.filter(member=alice).exists()


def test_a_dose_more_than_a_day_ahead_is_refused(alice_api, alice, regimen):
    ahead = timezone.now() + dt.timedelta(days=1, minutes=5)

    response = alice_api.post("/api/v1/intakes", dose(regimen, taken_at=ahead.isoformat()))

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "taken_at"
    assert not IntakeLog.objects.filter(member=alice).exists()


def test_product_and_regimen_must_agree(alice_api, alice, regimen):
    other = RegimenFactory(member=alice)

    response = alice_api.post("/api/v1/intakes", dose(regimen, product=str(other.product_id)))

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "product"


def test_a_dose_needs_a_product_or_a_regimen(alice_api):
    response = alice_api.post("/api/v1/intakes", {"taken_at": timezone.now().isoformat()})

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "product"


def test_correcting_and_deleting_a_log(alice_api, alice):
    log = IntakeLogFactory(member=alice)

    patched = alice_api.patch(f"/api/v1/intakes/{log.id}", {"status": "skipped"})
    deleted = alice_api.delete(f"/api/v1/intakes/{log.id}")

    assert patched.json()["status"] == "skipped"
    assert deleted.status_code == 204
    assert alice_api.get("/api/v1/intakes").json()["results"] == []
    assert IntakeLog.objects.get(id=log.id).deleted_at is not None


def test_the_list_is_newest_first_and_filters_by_time(alice_api, alice, regimen):
    now = timezone.now()
    for days in (1, 2, 3):
        IntakeLogFactory(member=alice, regimen=regimen, taken_at=now - dt.timedelta(days=days))

    everything = alice_api.get("/api/v1/intakes").json()["results"]
    recent = alice_api.get(
        "/api/v1/intakes", {"taken_after": (now - dt.timedelta(days=2, hours=1)).isoformat()}
    ).json()["results"]

    assert [r["taken_at"] for r in everything] == sorted(
        (r["taken_at"] for r in everything), reverse=True
    )
    assert len(recent) == 2


def test_listing_intake_takes_a_constant_number_of_queries(
    alice_api, alice, regimen, django_assert_max_num_queries
):
    IntakeLog.objects.bulk_create(
        IntakeLog(
            member=alice,
            regimen=regimen,
            product=regimen.product,
            taken_at=timezone.now() - dt.timedelta(hours=h),
        )
        for h in range(120)
    )

    # One statement: the page, read only while the bearer's session is active.
    with django_assert_max_num_queries(1):
        response = alice_api.get("/api/v1/intakes", {"page_size": 100})
    with django_assert_max_num_queries(1):
        second = alice_api.get(response.json()["next"])

    assert len(response.json()["results"]) == 100
    assert len(second.json()["results"]) == 20


@pytest.mark.parametrize("logs", [0, 3])
def test_a_signed_out_device_gets_no_page_of_doses_with_or_without_any(
    alice_api, alice, regimen, logs
):
    IntakeLogFactory.create_batch(logs, member=alice, regimen=regimen)
    assert alice_api.get("/api/v1/intakes").status_code == 200

    account_services.revoke_session(LoginSession.objects.get(id=alice_api.session_id))
    response = alice_api.get("/api/v1/intakes")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "session_revoked"


def test_a_deactivated_member_gets_no_page_of_doses(alice_api, alice, regimen):
    IntakeLogFactory(member=alice, regimen=regimen)
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    response = alice_api.get("/api/v1/intakes")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "session_revoked"


def test_a_token_naming_another_members_session_lists_nothing(alice, bob, regimen):
    """The page's session check ties the session to the token's own member."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import AccessToken

    IntakeLogFactory(member=alice, regimen=regimen)
    bobs_session = LoginSession.objects.create(user=bob, device_name="bob's phone")
    token = AccessToken.for_user(alice)
    token["sid"] = str(bobs_session.id)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.get("/api/v1/intakes")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "session_revoked"


def test_a_list_page_shows_each_log_exactly_as_its_own_page_does(alice_api, alice, regimen):
    for hours in (1, 30, 200):
        IntakeLogFactory(
            member=alice, regimen=regimen, taken_at=timezone.now() - dt.timedelta(hours=hours)
        )
    IntakeLogFactory(member=alice, regimen=None, product=regimen.product, note="extra")

    listed = alice_api.get("/api/v1/intakes").json()["results"]

    assert len(listed) == 4
    for row in listed:
        assert row == alice_api.get(f"/api/v1/intakes/{row['id']}").json()
