"""Registration, login, token rotation, logout and the list of signed-in devices."""

from __future__ import annotations

import pytest

from accounts.models import LoginSession, User

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase"


def register(client, email="carol@example.com", **extra):
    body = {"email": email, "password": PASSWORD, "timezone": "Europe/Amsterdam", **extra}
    return client.post("/api/v1/auth/register", body, format="json")


def test_a_new_member_registers_and_gets_a_token_pair(anon_api):
    response = register(anon_api, device_name="Carol's phone")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"access", "refresh", "session"}
    carol = User.objects.get(email="carol@example.com")
    assert carol.profile.timezone == "Europe/Amsterdam"
    assert carol.sync_clock.value >= 1
    anon_api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert anon_api.get("/api/v1/me").json()["email"] == "carol@example.com"


def test_e_mail_is_unique_whatever_its_case(anon_api):
    register(anon_api)
    response = register(anon_api, email="Carol@Example.COM")

    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "email_taken",
        "detail": "An account with this e-mail address already exists.",
        "attr": "email",
    }
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "attr"),
    [
        ("password", "123", "password"),
        ("timezone", "Mars/Olympus", "timezone"),
        ("email", "nope", "email"),
    ],
)
def test_registration_refuses_bad_input_and_creates_nothing(anon_api, field, value, attr):
    response = register(anon_api, **{field: value})

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert attr in {e["attr"] for e in response.json()["errors"]} or field == "password"
    assert not User.objects.exists()


def test_login_with_the_right_password_only(anon_api, alice):
    wrong = anon_api.post("/api/v1/auth/token", {"email": alice.email, "password": "nope"})
    right = anon_api.post(
        "/api/v1/auth/token", {"email": "ALICE@example.com", "password": "correct horse battery"}
    )

    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["code"] == "invalid_credentials"
    assert right.status_code == 200
    assert LoginSession.objects.filter(user=alice).count() == 1


def login(client, user):
    response = client.post(
        "/api/v1/auth/token", {"email": user.email, "password": "correct horse battery"}
    )
    return response.json()


def test_refresh_rotates_and_the_old_refresh_token_stops_working(anon_api, alice):
    tokens = login(anon_api, alice)

    rotated = anon_api.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]})
    replayed = anon_api.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]})

    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != tokens["refresh"]
    assert replayed.status_code == 401
    again = anon_api.post("/api/v1/auth/token/refresh", {"refresh": rotated.json()["refresh"]})
    assert again.status_code == 200


def test_logout_blacklists_the_refresh_token_and_ends_the_session(anon_api, alice):
    tokens = login(anon_api, alice)

    response = anon_api.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]})

    assert response.status_code == 204
    assert (
        anon_api.post("/api/v1/auth/token/refresh", {"refresh": tokens["refresh"]}).status_code
        == 401
    )
    anon_api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert anon_api.get("/api/v1/me").status_code == 401


def test_a_member_lists_and_revokes_their_devices(anon_api, alice_api, alice):
    other_device = login(anon_api, alice)

    listed = alice_api.get("/api/v1/auth/sessions").json()["results"]
    assert len(listed) == 2
    assert [s["current"] for s in listed].count(True) == 1

    response = alice_api.delete(f"/api/v1/auth/sessions/{other_device['session']}")

    assert response.status_code == 204
    anon_api.credentials(HTTP_AUTHORIZATION=f"Bearer {other_device['access']}")
    assert anon_api.get("/api/v1/me").status_code == 401
    refresh = anon_api.post("/api/v1/auth/token/refresh", {"refresh": other_device["refresh"]})
    assert refresh.status_code == 401
    assert refresh.json()["errors"][0]["code"] == "session_revoked"
    assert alice_api.get("/api/v1/me").status_code == 200


def test_bob_cannot_revoke_alices_device(alice_api, bob_api):
    response = bob_api.delete(f"/api/v1/auth/sessions/{alice_api.session_id}")

    assert response.status_code == 404
    assert alice_api.get("/api/v1/me").status_code == 200


def test_anonymous_requests_get_401_in_the_error_shape(anon_api):
    response = anon_api.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["type"] == "client_error"
    assert response.json()["errors"][0]["code"] == "not_authenticated"
