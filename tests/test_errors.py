"""Bad input of any kind gets one JSON error shape, never HTML or a 500."""

from __future__ import annotations

import pytest

from tracking.models import IntakeLog

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"type", "errors"}
    assert body["errors"] and all(set(e) == {"code", "detail", "attr"} for e in body["errors"])
    if code:
        assert body["errors"][0]["code"] == code


def test_malformed_json(alice_api):
    response = alice_api.post("/api/v1/intakes", data="{not json", content_type="application/json")
    assert_error_shape(response, 400, "parse_error")


def test_wrong_body_type(alice_api):
    response = alice_api.post("/api/v1/intakes", data="[1, 2]", content_type="application/json")
    assert_error_shape(response, 400)


def test_form_encoded_body_is_unsupported(alice_api):
    response = alice_api.post(
        "/api/v1/intakes", data="a=1", content_type="application/x-www-form-urlencoded"
    )
    assert_error_shape(response, 415, "unsupported_media_type")


def test_oversized_body_is_refused_before_parsing(alice_api, alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = '{"note": "' + "x" * 20_000 + '"}'

    response = alice_api.post("/api/v1/intakes", data=body, content_type="application/json")

    assert_error_shape(response, 413, "payload_too_large")
    assert not IntakeLog.objects.filter(member=alice).exists()


def test_malformed_uuid_in_the_path_is_404(alice_api):
    assert_error_shape(alice_api.get("/api/v1/intakes/not-a-uuid"), 404, "not_found")


def test_unknown_api_route_is_404_json(alice_api):
    assert_error_shape(alice_api.get("/api/v1/nothing-here"), 404, "not_found")


def test_unknown_method_is_405(alice_api):
    assert_error_shape(alice_api.put("/api/v1/profile", {}), 405, "method_not_allowed")


def test_bad_page_is_404(alice_api):
    assert_error_shape(alice_api.get("/api/v1/regimens?page=999"), 404)


def test_a_forged_cursor_is_404(alice_api):
    assert_error_shape(alice_api.get("/api/v1/intakes?cursor=not-a-cursor"), 404)


def test_bad_filter_value_is_400(alice_api):
    assert_error_shape(alice_api.get("/api/v1/intakes?taken_after=soon"), 400)


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/sync/pull"])
def test_a_bad_token_is_one_error_not_one_per_key(anon_api, path):
    """Found by the fuzzer: simplejwt's {"detail", "code"} came out as two errors with attr
    "detail" and "code", which the app showed as "detail: Token is invalid"."""
    anon_api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = anon_api.get(path)

    assert_error_shape(response, 401, "token_not_valid")
    assert response.json()["errors"] == [
        {"code": "token_not_valid", "detail": response.json()["errors"][0]["detail"], "attr": None}
    ]
