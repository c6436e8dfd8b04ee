"""`manage.py check --deploy` is clean with the production environment, and production
refuses what would be unsafe. Each case runs manage.py in a process of its own, since the
settings read the environment once, at import."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production(**overrides: str) -> dict[str, str]:
    environment = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "LOG_FORMAT"}},
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "ossa.example",
        "VAPID_PUBLIC_KEY": secrets.token_urlsafe(65),
        "VAPID_PRIVATE_KEY": secrets.token_urlsafe(32),
        "VAPID_SUBJECT": "mailto:ops@ossa.example",
    }
    return {**environment, **overrides}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_finds_nothing_at_all_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production())

    assert result.returncode == 0, result.stdout + result.stderr
    # No warning, and none silenced: SILENCED_SYSTEM_CHECKS stays empty.
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNING" not in result.stderr


def test_production_settings_are_the_hardened_ones():
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k)"
        " for k in ('DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS',"
        " 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE',"
        " 'CSRF_COOKIE_SECURE', 'SECURE_REFERRER_POLICY', 'X_FRAME_OPTIONS',"
        " 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_CROSS_ORIGIN_OPENER_POLICY', 'LOG_FORMAT',"
        " 'SECURE_REDIRECT_EXEMPT', 'SILENCED_SYSTEM_CHECKS')}))"
    )
    result = manage("shell", "-c", script, env=production())

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "LOG_FORMAT": "json",
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
        "SILENCED_SYSTEM_CHECKS": [],
    }


def test_production_refuses_debug():
    result = manage("check", env=production(DEBUG="true"))

    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = manage("check", env=production(SECRET_KEY="too-short-" * 3))

    assert result.returncode != 0
    assert "at least 50 random characters" in result.stderr
