"""Sign-up, sign-in, token refresh and every password check are rate-limited per client
address and per account, in the shared Redis, with a 429 a person can read and a
Retry-After a client can obey. Counters start from zero in each test (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest
import redis
import time_machine
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from accounts.models import LoginSession
from backend import settings as configured
from backend import throttling
from backend.throttling import Rate, client_ip, parse_rate

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

PASSWORD = "correct horse battery"  # tests.factories.MemberFactory's
# 15 seconds into a minute: a per-minute limit reached now resets in 45 seconds.
NOW = dt.datetime(2026, 3, 2, 10, 0, 15, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def counted_in_redis(redis_url):
    """Real Redis, as in production (skipped without one, failing in CI)."""
    return redis_url


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rates(settings):
    """Small limits, so a test needs few requests; the defaults are tested on their own."""
    settings.RATE_LIMITS = {
        "register_ip": "3/hour",
        "login_ip": "6/min",
        "login_account": "3/min",
        "refresh_ip": "3/min",
        "refresh_user": "4/min",
    }
    return settings.RATE_LIMITS


def api(ip: str = "203.0.113.10", **headers) -> APIClient:
    return APIClient(REMOTE_ADDR=ip, **headers)


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/token", {"email": email, "password": password})


def assert_throttled(response, wait: int) -> None:
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(wait)
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "throttled",
                "detail": f"Too many attempts. Try again in {wait} seconds.",
                "attr": None,
            }
        ],
    }


# --- Signing in -------------------------------------------------------------------------
def test_the_defaults_are_the_documented_ones():
    assert configured.RATE_LIMITS == {
        "register_ip": "10/hour",
        "login_ip": "30/min",
        "login_account": "10/min",
        "refresh_ip": "60/min",
        "refresh_user": "30/min",
    }
    assert configured.TRUSTED_PROXY_COUNT == 0


def test_ten_wrong_passwords_lock_the_account_until_the_minute_ends(alice, frozen_clock):
    # Each from its own address: the account's limit holds whatever the address.
    for n in range(10):
        assert sign_in(api(f"198.51.100.{n}"), alice.email, "guess").status_code == 400

    assert_throttled(sign_in(api("198.51.100.99"), alice.email, "guess"), wait=45)
    # While locked, even the right password is refused: otherwise the lock would only tell
    # a guesser which guess was right.
    assert_throttled(sign_in(api("192.0.2.1"), alice.email), wait=45)
    # The e-mail's case and spaces do not make a new account to count.
    assert_throttled(sign_in(api("192.0.2.2"), "  ALICE@example.com "), wait=45)

    frozen_clock.move_to(NOW + dt.timedelta(seconds=45))
    assert sign_in(api("192.0.2.1"), alice.email).status_code == 200


def test_signing_in_successfully_never_locks_anyone_out(alice, rates):
    for n in range(8):  # more than login_account's 3, from several addresses
        assert sign_in(api(f"198.51.100.{n % 2}"), alice.email).status_code == 200
    assert LoginSession.objects.filter(user=alice).count() == 8


def test_a_locked_account_leaves_other_accounts_and_signed_in_devices_alone(
    alice, bob, alice_api, rates
):
    device = sign_in(api("192.0.2.7"), alice.email).json()
    for _ in range(3):
        sign_in(api("198.51.100.1"), alice.email, "guess")
    assert sign_in(api("198.51.100.2"), alice.email).status_code == 429

    assert sign_in(api("198.51.100.2"), bob.email).status_code == 200
    refreshed = api("192.0.2.7").post("/api/v1/auth/token/refresh", {"refresh": device["refresh"]})
    assert refreshed.status_code == 200
    assert alice_api.get("/api/v1/me").status_code == 200


def test_one_address_is_limited_across_accounts(alice, bob, rates):
    spray = api("198.51.100.5")
    for n in range(6):
        assert sign_in(spray, f"someone{n}@example.com", "guess").status_code == 400

    assert_throttled(sign_in(spray, bob.email), wait=45)
    assert sign_in(api("198.51.100.6"), bob.email).status_code == 200


def test_attempts_refused_for_their_address_do_not_count_against_the_account(alice, rates):
    attacker = api("198.51.100.5")
    for n in range(6):
        sign_in(attacker, f"someone{n}@example.com", "guess")
    for _ in range(5):  # more than login_account's 3, but no password is checked
        assert sign_in(attacker, alice.email, "guess").status_code == 429

    assert sign_in(api("192.0.2.1"), alice.email).status_code == 200


def test_a_forged_x_forwarded_for_does_not_make_a_new_client(alice, rates):
    for n in range(6):
        client = api("198.51.100.5", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        assert sign_in(client, f"someone{n}@example.com", "guess").status_code == 400

    forged = api("198.51.100.5", HTTP_X_FORWARDED_FOR="10.9.9.9, 10.8.8.8")
    assert sign_in(forged, alice.email).status_code == 429


def test_behind_a_trusted_proxy_the_address_it_saw_is_counted(alice, bob, rates, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    balancer = "10.0.0.2"  # every request arrives from the load balancer
    for n in range(6):
        # The client forges the left part; the balancer appends the address it saw.
        client = api(balancer, HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 198.51.100.5")
        assert sign_in(client, f"someone{n}@example.com", "guess").status_code == 400

    assert sign_in(api(balancer, HTTP_X_FORWARDED_FOR="198.51.100.5"), bob.email).status_code == 429
    other = api(balancer, HTTP_X_FORWARDED_FOR="198.51.100.6")
    assert sign_in(other, bob.email).status_code == 200


def test_client_addresses(settings):
    factory = RequestFactory()

    def ip(remote: str, forwarded: str | None = None, proxies: int = 0) -> str:
        settings.TRUSTED_PROXY_COUNT = proxies
        meta = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            meta["HTTP_X_FORWARDED_FOR"] = forwarded
        return client_ip(factory.get("/", **meta))

    assert ip("192.0.2.1") == "192.0.2.1"
    assert ip("192.0.2.1", "198.51.100.1") == "192.0.2.1"  # no proxy trusted: header ignored
    assert ip("10.0.0.2", "203.0.113.9, 198.51.100.1", proxies=1) == "198.51.100.1"
    assert ip("10.0.0.2", "203.0.113.9, 198.51.100.1, 10.0.0.1", proxies=2) == "198.51.100.1"
    # Fewer entries than proxies, or junk where the proxy writes: the direct peer counts.
    assert ip("10.0.0.2", "", proxies=1) == "10.0.0.2"
    assert ip("10.0.0.2", "198.51.100.1", proxies=2) == "10.0.0.2"
    assert ip("10.0.0.2", "not-an-address", proxies=1) == "10.0.0.2"
    # IPv6: one subscriber's /64 is one client; IPv4-mapped addresses are IPv4.
    assert ip("2001:db8:1:2:aaaa::1") == ip("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert ip("::ffff:192.0.2.7") == "192.0.2.7"


# --- Signing up -------------------------------------------------------------------------
def test_sign_ups_are_limited_per_address(rates, frozen_clock):
    def sign_up(client, n: int):
        body = {"email": f"new{n}@example.com", "password": "a long enough passphrase"}
        return client.post("/api/v1/auth/register", body)

    for n in range(3):
        assert sign_up(api("198.51.100.8"), n).status_code == 201

    # At 10:00:15 the hour's window has 59 minutes 45 seconds to go.
    assert_throttled(sign_up(api("198.51.100.8"), 3), wait=59 * 60 + 45)
    assert sign_up(api("198.51.100.9"), 4).status_code == 201


# --- Refreshing ---------------------------------------------------------------------------
def test_junk_refresh_tokens_are_limited_per_address_but_good_ones_are_not(alice, rates):
    good = sign_in(api(), alice.email).json()["refresh"]
    client = api("198.51.100.3")
    for _ in range(3):  # more good refreshes than refresh_ip allows: they are not counted
        response = client.post("/api/v1/auth/token/refresh", {"refresh": good})
        good = response.json()["refresh"]
    for _ in range(3):
        assert client.post("/api/v1/auth/token/refresh", {"refresh": "junk"}).status_code == 401

    assert_throttled(client.post("/api/v1/auth/token/refresh", {"refresh": good}), wait=45)


def test_refreshes_are_limited_per_member(alice, bob, rates):
    tokens = {n: sign_in(api(), alice.email).json()["refresh"] for n in range(5)}
    for n in range(4):
        assert api().post("/api/v1/auth/token/refresh", {"refresh": tokens[n]}).status_code == 200

    assert_throttled(api().post("/api/v1/auth/token/refresh", {"refresh": tokens[4]}), wait=45)
    bobs = sign_in(api(), bob.email).json()["refresh"]
    assert api().post("/api/v1/auth/token/refresh", {"refresh": bobs}).status_code == 200


# --- Other password checks: password change, account deletion, the admin ------------------
def test_password_checks_of_signed_in_members_share_the_accounts_limit(alice, alice_api, rates):
    alice_api.defaults["REMOTE_ADDR"] = "192.0.2.50"
    wrong_change = {"current_password": "guess", "new_password": "a brand new passphrase 7"}
    assert alice_api.post("/api/v1/auth/password", wrong_change).status_code == 400
    assert alice_api.post("/api/v1/me/deletion", {"password": "guess"}).status_code == 400
    assert sign_in(api("198.51.100.1"), alice.email, "guess").status_code == 400

    assert_throttled(alice_api.post("/api/v1/me/deletion", {"password": PASSWORD}), wait=45)
    right_change = {"current_password": PASSWORD, "new_password": "a brand new passphrase 7"}
    assert_throttled(alice_api.post("/api/v1/auth/password", right_change), wait=45)
    alice.refresh_from_db()
    assert alice.deletion_scheduled_for is None
    assert alice.check_password(PASSWORD)


def test_a_refused_new_password_is_not_a_failed_password_check(alice, alice_api, rates):
    weak = {"current_password": PASSWORD, "new_password": "short"}
    for _ in range(4):
        assert alice_api.post("/api/v1/auth/password", weak).status_code == 400

    good = {"current_password": PASSWORD, "new_password": "a brand new passphrase 7"}
    assert alice_api.post("/api/v1/auth/password", good).status_code == 204


def test_the_admin_sign_in_is_limited_too(alice, rates, frozen_clock):
    alice.is_staff = True
    alice.save()
    browser = Client(REMOTE_ADDR="198.51.100.4")
    for _ in range(3):
        page = browser.post("/admin/login/", {"username": alice.email, "password": "guess"})
        assert page.status_code == 200
        assert "Too many attempts" not in page.content.decode()

    page = browser.post("/admin/login/", {"username": alice.email, "password": PASSWORD})

    assert "Too many attempts. Try again in 45 seconds." in page.content.decode()
    assert "_auth_user_id" not in browser.session
    # The API's sign-in shares the account's counter.
    assert sign_in(api("192.0.2.9"), alice.email).status_code == 429

    frozen_clock.move_to(NOW + dt.timedelta(seconds=45))
    page = browser.post("/admin/login/", {"username": alice.email, "password": PASSWORD})
    assert page.status_code == 302
    assert browser.session["_auth_user_id"] == str(alice.pk)


def test_the_admins_own_password_change_is_limited_too(alice, rates):
    alice.is_staff = True
    alice.save()
    browser = Client(REMOTE_ADDR="198.51.100.5")
    browser.force_login(alice)
    page = "/admin/password_change/"
    new = {"new_password1": "a brand new passphrase 7", "new_password2": "a brand new passphrase 7"}
    assert browser.get(page).status_code == 200
    for _ in range(3):
        answer = browser.post(page, {"old_password": "guess", **new})
        assert answer.status_code == 200
        assert "Too many attempts" not in answer.content.decode()

    answer = browser.post(page, {"old_password": PASSWORD, **new})

    assert "Too many attempts. Try again in 45 seconds." in answer.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert sign_in(api("192.0.2.10"), alice.email).status_code == 429  # the account's counter


def test_the_admins_own_password_change_works(alice, rates):
    alice.is_staff = True
    alice.save()
    browser = Client(REMOTE_ADDR="198.51.100.6")
    browser.force_login(alice)
    new = {"new_password1": "a brand new passphrase 7", "new_password2": "a brand new passphrase 7"}

    answer = browser.post("/admin/password_change/", {"old_password": PASSWORD, **new})

    assert answer.status_code == 302 and answer["Location"].endswith("/password_change/done/")
    alice.refresh_from_db()
    assert alice.check_password("a brand new passphrase 7")


# --- Where and how it is counted ----------------------------------------------------------
def test_the_counters_live_in_redis_for_every_worker_to_see(alice, rates, settings, redis_url):
    sign_in(api(), alice.email, "guess")

    keys = redis.Redis.from_url(redis_url).keys(f"*{settings.RATE_LIMIT_KEY_PREFIX}*")

    assert len(keys) == 2  # the address and the account
    assert not any(b"alice" in key for key in keys)  # subjects are hashed


def test_without_redis_signing_in_still_works_and_a_warning_is_logged(
    alice, settings, caplog, rates
):
    dead = f"redis://127.0.0.1:1/{int(time.time_ns()) % 16}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    throttling.cache_outage.forget(dead)
    caplog.set_level(logging.WARNING, logger="backend.throttling")

    for _ in range(5):  # more than login_account allows: nothing is counted
        assert sign_in(api(), alice.email, "guess").status_code == 400
    response = sign_in(api(), alice.email)

    assert response.status_code == 200
    warnings = [r for r in caplog.records if r.name == "backend.throttling"]
    assert len(warnings) == 1  # then the cache is left alone for a while
    assert "rate limits are not enforced" in warnings[0].getMessage()


def test_rates_parse_and_a_bad_one_stops_the_server_from_starting(settings):
    assert parse_rate("10/min") == Rate(10, 60)
    assert parse_rate("30/minute") == Rate(30, 60)
    assert parse_rate("5/15min") == Rate(5, 900)
    assert parse_rate(" 20 / hour ") == Rate(20, 3600)
    assert parse_rate("100/days") == Rate(100, 86400)
    assert parse_rate("3/s") == Rate(3, 1)
    assert parse_rate("off") is None
    for bad in ("ten/min", "10/ms", "10", "0/min", "10/0min"):
        with pytest.raises(ValueError):
            parse_rate(bad)

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_ip": "30 a minute"}
    with pytest.raises(SystemCheckError, match=r"ossa\.E101"):
        call_command("check")


def test_a_limit_can_be_turned_off(alice, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": "off", "login_ip": "off"}

    for _ in range(12):
        assert sign_in(api(), alice.email, "guess").status_code == 400
    assert sign_in(api(), alice.email).status_code == 200


def test_the_schema_documents_the_429_and_the_password_change(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]

    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/token",
        "/api/v1/auth/token/refresh",
        "/api/v1/auth/password",
        "/api/v1/me/deletion",
    ):
        throttled = paths[path]["post"]["responses"]["429"]
        assert "Retry-After" in throttled["headers"], path
    change = paths["/api/v1/auth/password"]["post"]
    assert set(change["responses"]) >= {"204", "400", "401", "429"}
    body = change["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][body.rsplit("/", 1)[1]]["properties"]
    assert set(fields) == {"current_password", "new_password"}
