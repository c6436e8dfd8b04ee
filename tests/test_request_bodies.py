"""Request bodies a phone sends after a long time offline: gzip-encoded, and for sync push
larger than MAX_BODY_BYTES. Limits hold after decompression; refusals share the shape."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import uuid

import pytest
from django.utils import timezone

from tracking import services
from tracking.models import IntakeLog, Product

from .fuzz.snapshot import database_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(alice):
    product = Product.objects.get(name="Vitamin K2 MK-7 90 mcg", owner__isnull=True)
    fields = {"product": product, "schedule_kind": "daily", "times": ["08:00"]}
    return services.create_regimen(alice, {**fields, "start_date": dt.date(2026, 1, 1)})


def doses(plan, count: int) -> dict:
    start = timezone.now() - dt.timedelta(days=count)
    rows = [
        {
            "id": str(uuid.uuid4()),
            "regimen_id": str(plan.id),
            "product_id": str(plan.product_id),
            "servings": 1,
            "taken_at": int((start + dt.timedelta(days=i)).timestamp()) * 1000,
            "status": "taken",
            "note": "with breakfast, as usual " * 4,
            "source": "app",
        }
        for i in range(count)
    ]
    return {"changes": {"intake_logs": {"created": rows, "updated": [], "deleted": []}}}


def post(api, path: str, body: bytes, **headers):
    return api.generic("POST", path, body, content_type="application/json", **headers)


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    [error] = response.json()["errors"]
    assert error["code"] == code


def test_a_backlog_larger_than_max_body_bytes_is_accepted_by_sync_push(alice_api, plan, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    body = json.dumps(doses(plan, 800)).encode()
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = post(alice_api, "/api/v1/sync/push?last_pulled_at=0", body)

    assert response.status_code == 200, response.content
    assert IntakeLog.objects.count() == 800


def test_other_endpoints_keep_max_body_bytes(alice_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = post(alice_api, "/api/v1/products", json.dumps({"notes": "x" * 5_000}).encode())

    assert_refused(response, 413, "payload_too_large")


def test_a_gzip_encoded_push_is_decoded(alice_api, plan):
    body = gzip.compress(json.dumps(doses(plan, 50)).encode())

    response = post(
        alice_api, "/api/v1/sync/push?last_pulled_at=0", body, HTTP_CONTENT_ENCODING="gzip"
    )

    assert response.status_code == 200, response.content
    assert IntakeLog.objects.count() == 50


def test_a_gzip_encoded_rest_body_is_decoded(alice_api, plan):
    body = {"regimen": str(plan.id), "taken_at": timezone.now().isoformat()}

    response = post(
        alice_api,
        "/api/v1/intakes",
        gzip.compress(json.dumps(body).encode()),
        HTTP_CONTENT_ENCODING="gzip",
    )

    assert response.status_code == 201, response.content


def test_the_limit_applies_after_decompression(alice_api, settings):
    settings.LARGE_BODY_PATHS = {"/api/v1/sync/push": 50_000}
    bomb = gzip.compress(b'{"changes": {}, "pad": "' + b"0" * 10_000_000 + b'"}')
    assert len(bomb) < 50_000
    before = database_snapshot()

    response = post(
        alice_api, "/api/v1/sync/push?last_pulled_at=0", bomb, HTTP_CONTENT_ENCODING="gzip"
    )

    assert_refused(response, 413, "payload_too_large")
    assert database_snapshot() == before


def test_a_body_over_the_sync_limit_is_refused_before_it_is_read(alice_api, settings):
    settings.LARGE_BODY_PATHS = {"/api/v1/sync/push": 1_000}

    response = post(alice_api, "/api/v1/sync/push?last_pulled_at=0", b"{" + b" " * 2_000 + b"}")

    assert_refused(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    "body",
    [b"not gzip at all", gzip.compress(b'{"changes": {}}')[:-6], gzip.compress(b"{}") + b"x"],
)
def test_a_broken_gzip_body_is_a_parse_error(alice_api, body):
    response = post(
        alice_api, "/api/v1/sync/push?last_pulled_at=0", body, HTTP_CONTENT_ENCODING="gzip"
    )

    assert_refused(response, 400, "parse_error")


def test_an_encoding_the_server_does_not_speak_is_a_415(alice_api):
    response = post(alice_api, "/api/v1/products", b"{}", HTTP_CONTENT_ENCODING="br")

    assert_refused(response, 415, "unsupported_media_type")


def test_a_json_body_in_another_charset_is_read_in_it(alice_api):
    body = json.dumps({"name": "Vitamine D, été", "kind": "supplement"}, ensure_ascii=False)

    response = alice_api.generic(
        "POST",
        "/api/v1/products",
        body.encode("utf-16"),
        content_type="application/json; charset=utf-16",
    )

    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Vitamine D, été"
