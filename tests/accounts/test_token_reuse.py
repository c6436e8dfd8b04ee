"""Refresh tokens work once. A used one presented again means two parties hold the same
session: the whole session (the family of tokens from one sign-in) ends, for the thief and
the owner alike, and no other session of the member is touched.

There is no grace period for a second use (see SECURITY.md): the app sends one refresh at a
time (app/src/data/api.ts, refreshTokens), so only a copied token is ever presented twice.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connections
from rest_framework.test import APIClient

from accounts.models import LoginSession

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.MemberFactory's


def sign_in(user) -> dict:
    response = APIClient().post("/api/v1/auth/token", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.json()
    return response.json()


def refresh(token: str):
    return APIClient().post("/api/v1/auth/token/refresh", {"refresh": token})


def me(access: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/v1/me").status_code


def error_code(response) -> str:
    return response.json()["errors"][0]["code"]


def test_a_reused_refresh_token_ends_the_whole_session(alice):
    stolen = sign_in(alice)
    owner = refresh(stolen["refresh"]).json()  # the owner's app rotated; the thief kept a copy
    assert me(owner["access"]) == 200

    replay = refresh(stolen["refresh"])

    assert replay.status_code == 401
    assert replay.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "refresh_token_reused",
                "detail": "This refresh token was already used, so this sign-in has been ended "
                "on every device that shared it. Sign in again.",
                "attr": None,
            }
        ],
    }
    assert replay.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    # Every token of the family stops working: the newest refresh token and the access
    # tokens handed out with it.
    assert me(owner["access"]) == 401
    assert error_code(refresh(owner["refresh"])) == "session_revoked"
    assert LoginSession.objects.get(id=stolen["session"]).revoked_at is not None


def test_it_does_not_matter_who_refreshes_first(alice):
    """The thief rotates first; the owner's next refresh is the reuse, and ends the thief's
    session too."""
    copied = sign_in(alice)
    thief = refresh(copied["refresh"]).json()

    owner_refresh = refresh(copied["refresh"])

    assert error_code(owner_refresh) == "refresh_token_reused"
    assert me(thief["access"]) == 401
    assert error_code(refresh(thief["refresh"])) == "session_revoked"


def test_an_older_token_of_the_family_counts_as_reuse_too(alice):
    first = sign_in(alice)
    second = refresh(first["refresh"]).json()
    third = refresh(second["refresh"]).json()

    assert error_code(refresh(first["refresh"])) == "refresh_token_reused"
    assert me(third["access"]) == 401


def test_other_sessions_of_the_member_and_other_members_are_untouched(alice, bob):
    phone = sign_in(alice)
    laptop = sign_in(alice)
    bobs = sign_in(bob)
    refresh(phone["refresh"])

    assert error_code(refresh(phone["refresh"])) == "refresh_token_reused"

    assert me(laptop["access"]) == 200
    assert me(bobs["access"]) == 200
    assert refresh(laptop["refresh"]).status_code == 200
    assert refresh(bobs["refresh"]).status_code == 200
    assert LoginSession.objects.filter(revoked_at__isnull=True).count() == 2


def test_no_grace_period_a_replay_a_second_later_is_still_reuse(alice):
    tokens = sign_in(alice)
    moment = dt.datetime.now(dt.UTC)
    with time_machine.travel(moment, tick=False):
        assert refresh(tokens["refresh"]).status_code == 200
    with time_machine.travel(moment + dt.timedelta(seconds=1), tick=False):
        assert error_code(refresh(tokens["refresh"])) == "refresh_token_reused"


def test_a_token_we_did_not_sign_ends_nothing(alice):
    tokens = sign_in(alice)
    header, payload, signature = tokens["refresh"].split(".")

    forged = refresh(f"{header}.{payload}.{signature[::-1]}")

    assert forged.status_code == 401
    assert error_code(forged) == "token_not_valid"
    assert me(tokens["access"]) == 200
    assert refresh(tokens["refresh"]).status_code == 200


def test_an_expired_refresh_token_is_refused_without_ending_anything(alice, settings):
    tokens = sign_in(alice)
    later = dt.datetime.now(dt.UTC) + settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]

    with time_machine.travel(later + dt.timedelta(minutes=1), tick=False):
        expired = refresh(tokens["refresh"])

    assert expired.status_code == 401
    assert error_code(expired) == "token_not_valid"
    assert LoginSession.objects.get(id=tokens["session"]).revoked_at is None


def test_an_access_token_is_not_a_refresh_token(alice):
    tokens = sign_in(alice)

    response = refresh(tokens["access"])

    assert error_code(response) == "token_not_valid"
    assert LoginSession.objects.get(id=tokens["session"]).revoked_at is None


# serialized_rollback: the catalogue (a data migration) survives, as in the other
# transactional tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_refreshes_racing_with_one_token_get_one_new_pair_and_end_the_session(alice):
    """Exactly one of two simultaneous uses wins (the used mark is a unique insert); the
    other is reuse, as it would be a moment later. The app never sends two at once."""
    tokens = sign_in(alice)
    start = threading.Barrier(2)
    answers: list[int] = []

    def use_it() -> None:
        try:
            start.wait()
            answers.append(refresh(tokens["refresh"]).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=use_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [200, 401]
    assert LoginSession.objects.get(id=tokens["session"]).revoked_at is not None
