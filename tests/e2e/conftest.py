"""Shared by the browser tests: the system chromium (never `playwright install`) and a way
to use the ORM while Playwright's event loop runs; and by the sync conformance tests: the
real WatermelonDB client and the member it signs in as."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from django.db import connections

from accounts import services as account_services

from .watermelon import CLIENT_DIR, PASSWORD, client_missing

CHROMIUM = Path("/usr/bin/chromium")

T = TypeVar("T")


@pytest.fixture
def chromium_path() -> str:
    """Skip without the system chromium or Playwright, except in CI where it fails."""
    missing = None
    if not os.access(CHROMIUM, os.X_OK):
        missing = f"{CHROMIUM} is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed"
    if missing:
        message = f"browser tests unavailable: {missing}"
        if os.environ.get("OSSA_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " (OSSA_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return str(CHROMIUM)


@pytest.fixture
def sync_client():
    """Skip without Node or the installed client, except in CI (OSSA_REQUIRE_SERVICES=1)."""
    missing = client_missing()
    if missing:
        message = f"WatermelonDB sync client unavailable: {missing}"
        if os.environ.get("OSSA_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " (OSSA_REQUIRE_SERVICES=1)")
        pytest.skip(message)
    return CLIENT_DIR


@pytest.fixture
def member():
    return account_services.register_member(
        email="e2e-sync@example.com", password=PASSWORD, timezone_name="Europe/Amsterdam"
    )


def outside_the_browser_loop(work: Callable[[], T]) -> T:
    """Run ORM work in a short-lived thread that closes its connection.

    Playwright's sync API keeps an asyncio loop running in the test's thread. There Django
    refuses the ORM (SynchronousOnlyOperation), and if forced (DJANGO_ALLOW_ASYNC_UNSAFE)
    it opens a second connection in a context-local slot that nothing closes: on PostgreSQL
    that session then blocks dropping the test database.
    """

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
