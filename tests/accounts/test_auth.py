"""Registration, login, token rotation, logout, the list of signed-in devices, Argon2
hashing and changing the password."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from rest_framework.test import APIClient

from accounts.models import LoginSession, User
from backend import settings as configured

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


def refresh(client, token: str):
    return client.post("/api/v1/auth/token/refresh", {"refresh": token})


def test_refresh_rotates_again_and_again_and_every_new_pair_works(anon_api, alice):
    tokens = login(anon_api, alice)
    seen = {tokens["refresh"]}

    for _ in range(3):
        response = refresh(anon_api, tokens["refresh"])
        assert response.status_code == 200, response.json()
        tokens = response.json()
        assert set(tokens) == {"access", "refresh"}
        assert tokens["refresh"] not in seen
        seen.add(tokens["refresh"])
        device = APIClient()
        device.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert device.get("/api/v1/me").json()["email"] == alice.email

    session = LoginSession.objects.get(user=alice)
    assert session.revoked_at is None


def test_logout_ends_the_session_even_with_a_refresh_token_already_used(anon_api, alice):
    tokens = login(anon_api, alice)
    rotated = refresh(anon_api, tokens["refresh"]).json()

    response = anon_api.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]})

    assert response.status_code == 204
    assert refresh(anon_api, rotated["refresh"]).json()["errors"][0]["code"] == "session_revoked"


def test_logout_refuses_a_token_that_is_not_ours(anon_api, alice):
    tokens = login(anon_api, alice)

    response = anon_api.post("/api/v1/auth/logout", {"refresh": tokens["refresh"][:-4] + "AAAA"})

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_not_valid"
    assert LoginSession.objects.get(user=alice).revoked_at is None


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


# --- Argon2 ---------------------------------------------------------------------------
@pytest.fixture
def real_hashers(settings):
    """The configured hashers instead of the tests' fast MD5 (tests/conftest.py), which
    stays last so that the named people's passwords still verify."""
    settings.PASSWORD_HASHERS = [*configured.PASSWORD_HASHERS, *settings.PASSWORD_HASHERS]
    return configured.PASSWORD_HASHERS


def test_argon2_hashes_new_passwords(anon_api, real_hashers):
    assert real_hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"

    register(anon_api)

    assert User.objects.get(email="carol@example.com").password.startswith("argon2$argon2id$")


def test_an_old_pbkdf2_hash_becomes_argon2_at_the_next_sign_in(anon_api, alice, real_hashers):
    # A PBKDF2 hash as Django made it before Argon2 (few iterations: the test stays fast).
    legacy = PBKDF2PasswordHasher().encode("correct horse battery", "legacysalt", iterations=1000)
    User.objects.filter(pk=alice.pk).update(password=legacy)

    wrong = anon_api.post("/api/v1/auth/token", {"email": alice.email, "password": "nope"})
    alice.refresh_from_db()
    assert wrong.status_code == 400
    assert alice.password == legacy

    right = anon_api.post(
        "/api/v1/auth/token", {"email": alice.email, "password": "correct horse battery"}
    )

    assert right.status_code == 200
    alice.refresh_from_db()
    assert alice.password.startswith("argon2$argon2id$")
    assert alice.check_password("correct horse battery")


# --- Changing the password ------------------------------------------------------------
NEW_PASSWORD = "a brand new passphrase 7"


def change_password(client, current="correct horse battery", new=NEW_PASSWORD):
    body = {"current_password": current, "new_password": new}
    return client.post("/api/v1/auth/password", body, format="json")


def test_changing_the_password_signs_out_every_other_device_at_once(
    anon_api, alice_api, alice, bob_api
):
    laptop = login(APIClient(), alice)
    tablet = login(APIClient(), alice)
    laptop_api = APIClient()
    laptop_api.credentials(HTTP_AUTHORIZATION=f"Bearer {laptop['access']}")
    assert laptop_api.get("/api/v1/me").status_code == 200

    response = change_password(alice_api)

    assert response.status_code == 204
    # The other devices: their access tokens fail now, not in 15 minutes, and so do their
    # refresh tokens.
    assert laptop_api.get("/api/v1/me").status_code == 401
    for device in (laptop, tablet):
        refused = refresh(anon_api, device["refresh"])
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["code"] == "session_revoked"
    # This device stays signed in; Bob is not affected.
    assert alice_api.get("/api/v1/me").status_code == 200
    assert bob_api.get("/api/v1/me").status_code == 200
    active = LoginSession.objects.filter(user=alice, revoked_at__isnull=True)
    assert list(active.values_list("id", flat=True)) == [alice_api.session_id]
    # The new password signs in, the old one no longer does.
    old = anon_api.post(
        "/api/v1/auth/token", {"email": alice.email, "password": "correct horse battery"}
    )
    new = anon_api.post("/api/v1/auth/token", {"email": alice.email, "password": NEW_PASSWORD})
    assert (old.status_code, new.status_code) == (400, 200)


def test_a_wrong_current_password_changes_nothing(alice_api, alice):
    laptop = login(APIClient(), alice)

    response = change_password(alice_api, current="not my password")

    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "wrong_password",
                "detail": "The password is not correct.",
                "attr": "current_password",
            }
        ],
    }
    alice.refresh_from_db()
    assert alice.check_password("correct horse battery")
    assert LoginSession.objects.get(id=laptop["session"]).revoked_at is None


@pytest.mark.parametrize(
    ("new", "code"),
    [
        ("short", "password_too_short"),
        ("password123", "password_too_common"),
        ("4815162342874563", "password_entirely_numeric"),
    ],
)
def test_the_new_password_must_pass_the_password_rules(alice_api, alice, new, code):
    response = change_password(alice_api, new=new)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["attr"] for e in errors} == {"new_password"}
    assert code in {e["code"] for e in errors}
    alice.refresh_from_db()
    assert alice.check_password("correct horse battery")


def test_the_admins_cookie_session_stays_signed_in_and_every_device_is_signed_out(alice):
    phone = login(APIClient(), alice)
    browser = APIClient()
    browser.force_login(alice)

    response = change_password(browser)

    assert response.status_code == 204
    assert browser.get("/api/v1/me").status_code == 200
    assert LoginSession.objects.get(id=phone["session"]).revoked_at is not None


def test_changing_the_password_needs_a_signed_in_member(anon_api):
    response = change_password(anon_api)

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"


def test_the_new_password_is_hashed_with_argon2(alice_api, alice, real_hashers):
    assert change_password(alice_api).status_code == 204

    alice.refresh_from_db()
    assert alice.password.startswith("argon2$argon2id$")


# --- Every request checks its session -------------------------------------------------
def test_a_deactivated_member_is_signed_out_at_once(alice_api, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    response = alice_api.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "session_revoked"


def test_a_token_naming_someone_elses_session_is_refused(alice, bob):
    """Even a correctly signed token must name a session of its own user."""
    from rest_framework_simplejwt.tokens import AccessToken

    bobs_session = LoginSession.objects.create(user=bob, device_name="bob's phone")
    token = AccessToken.for_user(alice)
    token["sid"] = str(bobs_session.id)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "session_revoked"


@pytest.mark.parametrize("sid", [None, "not-a-uuid", 42])
def test_a_token_without_a_usable_session_id_is_refused(alice, sid):
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(alice)
    if sid is not None:
        token["sid"] = sid
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_not_valid"


def test_the_signed_in_member_is_the_whole_account(alice_api, alice):
    """The session query loads the user itself: nothing is missing or stale."""
    response = alice_api.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["email"] == alice.email


# serialized_rollback: the catalogue and content types (data migrations) survive the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_createsuperuser_gives_the_operator_a_profile_and_clock_outside_any_transaction():
    """manage.py createsuperuser runs in autocommit: the member records must still be made."""
    from django.core.management import call_command

    from accounts.models import Profile, User

    call_command("createsuperuser", email="root@example.com", interactive=False, verbosity=0)

    root = User.objects.get(email="root@example.com")
    assert root.is_superuser and Profile.objects.filter(user=root).exists()
