"""Named people for every test: alice and bob are members; each has an API client."""

from __future__ import annotations

import os
import uuid

import pytest
from rest_framework.test import APIClient

from accounts import services as account_services

from .factories import MemberFactory


@pytest.fixture(autouse=True)
def broker_reachable_again():
    """Each test starts trusting the broker (an earlier test may have seen an outage)."""
    from backend.celery import broker_outage

    broker_outage.forget()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    """Every test counts sign-ins from zero: the counters live in the shared Redis."""
    settings.RATE_LIMIT_KEY_PREFIX = f"ratelimit-test-{uuid.uuid4().hex}"


def client_for(user) -> APIClient:
    session = account_services.start_session(user, device_name="test phone")
    tokens = account_services.issue_tokens(session)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    client.session_id = session.id
    return client


@pytest.fixture
def alice(db):
    return MemberFactory(email="alice@example.com", display_name="Alice")


@pytest.fixture
def bob(db):
    return MemberFactory(email="bob@example.com", display_name="Bob")


@pytest.fixture
def alice_api(alice) -> APIClient:
    return client_for(alice)


@pytest.fixture
def bob_api(bob) -> APIClient:
    return client_for(bob)


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url(settings) -> str:
    """The configured Redis; without one the test is skipped, except in CI where it fails."""
    if not redis_reachable(settings.REDIS_URL):
        message = f"no Redis reachable at {settings.REDIS_URL}"
        if os.environ.get("OSSA_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " (OSSA_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return settings.REDIS_URL


@pytest.fixture
def empty_queue(redis_url):
    """Tests that start a worker begin with an empty queue: messages an earlier, failed run
    left in the real broker must not run here."""
    from backend.celery import app

    app.control.purge()
    return redis_url
