"""Security headers on every surface: the API, the admin, the API docs, the app and the
static files (backend/security.py).

Whitenoise answers /app/ and /static/ before the rest of the middleware runs, so those
responses get only what the middleware above it adds: the tests check they are really
whitenoise's responses and still carry every header. The production run (HSTS, the HTTPS
redirect) is a subprocess with DJANGO_ENV=production, as the deploy check is.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from whitenoise.middleware import WhiteNoiseFileResponse

from backend import security

ROOT = Path(__file__).resolve().parent.parent
APP_BUILT = (Path(settings.APP_DIST_DIR) / "index.html").exists()
needs_app = pytest.mark.skipif(not APP_BUILT, reason="the app is not built (npm run build)")

STATIC_FILE = "/static/unfold/js/alpine/alpine.js"

EVERY_RESPONSE = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csp(response) -> dict[str, set[str]]:
    """The Content-Security-Policy as {directive: {sources}}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} given twice"
        directives[name] = set(sources)
    return directives


def assert_common_headers(response) -> None:
    for name, value in EVERY_RESPONSE.items():
        assert response.get(name) == value, f"{name} on {response}"
    permissions = {p.strip() for p in response["Permissions-Policy"].split(",")}
    assert {"camera=()", "microphone=()", "geolocation=()"} <= permissions
    policy = csp(response)
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["base-uri"] == {"'none'"}
    assert policy["object-src"] == {"'none'"}


@pytest.fixture
def web() -> Client:
    return Client()


@pytest.fixture
def static_web(settings) -> Client:
    """A client whose whitenoise serves the static files from the apps, as after
    collectstatic (the middleware reads this setting when a new client first loads it)."""
    settings.WHITENOISE_USE_FINDERS = True
    return Client()


@needs_app
@pytest.mark.parametrize(
    "path", ["/app/", "/app/sw.js", "/app/manifest.webmanifest", "/app/icons/icon-192.png"]
)
def test_the_app_and_its_service_worker_get_the_strict_policy(web, path):
    response = web.get(path)

    assert response.status_code == 200
    assert isinstance(response, WhiteNoiseFileResponse)  # answered before the rest
    assert_common_headers(response)
    assert csp(response) == {
        "default-src": {"'self'"},
        "script-src": {"'self'"},
        "style-src": {"'self'"},
        "connect-src": {"'self'"},
        "img-src": {"'self'"},
        "font-src": {"'self'"},
        "worker-src": {"'self'"},
        "manifest-src": {"'self'"},
        "form-action": {"'self'"},
        "frame-ancestors": {"'none'"},
        "base-uri": {"'none'"},
        "object-src": {"'none'"},
    }
    assert "unsafe" not in response["Content-Security-Policy"]


@needs_app
def test_the_apps_hashed_assets_get_the_headers_too(web):
    page = b"".join(web.get("/app/").streaming_content).decode()
    script = page.split('src="', 1)[1].split('"', 1)[0]

    response = web.get(script)

    assert isinstance(response, WhiteNoiseFileResponse)
    assert_common_headers(response)
    assert response["Content-Security-Policy"] == security.APP_POLICY


def test_static_files_served_by_whitenoise_get_the_headers(static_web):
    response = static_web.get(STATIC_FILE)

    assert response.status_code == 200
    assert isinstance(response, WhiteNoiseFileResponse)
    assert_common_headers(response)
    assert csp(response)["default-src"] == {"'none'"}


@pytest.mark.django_db
def test_the_admin_allows_what_unfold_needs_and_no_inline_script(web):
    response = web.get("/admin/login/")

    assert response.status_code == 200
    assert_common_headers(response)
    policy = csp(response)
    # Alpine.js (unfold) evaluates its attributes: 'unsafe-eval'; scripts only from here.
    assert policy["script-src"] == {"'self'", "'unsafe-eval'"}
    assert policy["style-src"] == {"'self'", "'unsafe-inline'"}
    assert policy["default-src"] == {"'self'"}
    assert policy["form-action"] == {"'self'"}
    assert b"<script>" not in response.content  # inline scripts would be refused


@pytest.mark.django_db
def test_the_api_answers_with_a_policy_that_allows_nothing(web, alice_api):
    for response in (
        web.get("/api/v1/me"),  # 401
        alice_api.get("/api/v1/me"),  # 200
        web.post("/api/v1/auth/token", {}, content_type="application/json"),  # 400
        web.get("/api/v1/no-such-thing"),  # 404
    ):
        assert_common_headers(response)
        policy = csp(response)
        assert policy["default-src"] == {"'none'"}
        assert "script-src" not in policy  # so default-src 'none' applies


@pytest.mark.django_db
def test_the_api_docs_load_swagger_from_our_own_static_files(web):
    response = web.get("/api/docs/")

    assert response.status_code == 200
    assert_common_headers(response)
    assert csp(response)["script-src"] == {"'self'"}
    page = response.content.decode()
    assert "cdn.jsdelivr.net" not in page
    assert "<script>" not in page  # the start-up script is a URL of its own (split view)


@pytest.mark.django_db
def test_pages_outside_admin_and_app_may_run_no_script(web):
    response = web.get("/unsubscribe/not-a-valid-token")

    assert response.status_code == 400
    assert_common_headers(response)
    policy = csp(response)
    assert policy["default-src"] == {"'none'"}
    assert policy["style-src"] == {"'unsafe-inline'"}  # the page's style attributes
    assert policy["form-action"] == {"'self'"}  # its button posts to itself


def test_the_security_headers_come_before_whitenoise_in_the_middleware():
    order = settings.MIDDLEWARE
    whitenoise = order.index("backend.appfiles.AppWhiteNoiseMiddleware")
    for name in (
        "backend.security.SecurityHeadersMiddleware",
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ):
        assert order.index(name) < whitenoise, name


def test_a_view_may_set_its_own_policy():
    from django.http import HttpResponse
    from django.test import RequestFactory

    def view(request):
        response = HttpResponse("ok")
        response["Content-Security-Policy"] = "default-src 'self'"
        return response

    response = security.SecurityHeadersMiddleware(view)(RequestFactory().get("/api/v1/x"))

    assert response["Content-Security-Policy"] == "default-src 'self'"
    assert response["Permissions-Policy"] == security.PERMISSIONS_POLICY


# --- Production -------------------------------------------------------------------------
# Run with production settings: collectstatic into a temporary STATIC_ROOT first (the
# manifest storage needs it to render the admin, and whitenoise serves from it).
PRODUCTION_PROBE = r"""
import json, sys
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

WANTED = ("Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options",
          "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy",
          "Permissions-Policy", "Location")

def seen(response):
    headers = {name: response[name] for name in WANTED if response.has_header(name)}
    return {"status": response.status_code, "headers": headers,
            "whitenoise": type(response).__name__ == "WhiteNoiseFileResponse"}

paths, static_file, static_root = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
# Production's manifest storage without its compression step (slow with brotli installed,
# and no concern of the headers).
storages = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
out = {}
with override_settings(STATIC_ROOT=static_root, STORAGES=storages):
    call_command("collectstatic", "--noinput", verbosity=0)
    https = Client(HTTP_HOST="ossa.example")
    for path in paths:
        out[path] = seen(https.get(path, secure=True))
    out["static"] = seen(https.get(static_file, secure=True))
    out["plain http"] = seen(https.get("/api/v1/me"))
# Whether plain HTTP to /healthz is redirected (asked of the middleware: the check itself
# would reach the database, cache and broker).
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
redirect = SecurityMiddleware(lambda request: None).process_request
probe = RequestFactory(HTTP_HOST="ossa.example")
out["plain http healthz redirected"] = redirect(probe.get("/healthz")) is not None
out["plain http login redirected"] = redirect(probe.get("/admin/login/")) is not None
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production_headers(tmp_path_factory) -> dict:
    paths = ["/api/v1/me", "/admin/login/", "/api/docs/", "/unsubscribe/x"]
    if APP_BUILT:
        paths += ["/app/", "/app/sw.js"]
    workspace = tmp_path_factory.mktemp("production")
    database = workspace / "empty.sqlite3"
    environment = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "ossa.example",
        "DATABASE_URL": f"sqlite:///{database}",
        "OSSA_APP_DIST": str(settings.APP_DIST_DIR),
    }
    environment.pop("DEBUG", None)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PRODUCTION_PROBE,
            ",".join(paths),
            STATIC_FILE,
            str(workspace / "static"),
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_hsts_and_every_header_on_every_surface(production_headers):
    https_surfaces = {k: v for k, v in production_headers.items() if not k.startswith("plain")}
    assert len(https_surfaces) >= 5
    assert {"/api/v1/me", "/admin/login/", "/api/docs/", "static"} <= set(https_surfaces)
    for surface, seen in https_surfaces.items():
        headers = seen["headers"]
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        ), surface
        for name, value in EVERY_RESPONSE.items():
            assert headers[name] == value, (surface, name)
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], surface
        assert "camera=()" in headers["Permissions-Policy"], surface
    assert production_headers["static"]["whitenoise"]
    assert production_headers["/admin/login/"]["status"] == 200
    if APP_BUILT:
        assert production_headers["/app/"]["whitenoise"]
        assert production_headers["/app/"]["headers"]["Content-Security-Policy"] == (
            security.APP_POLICY
        )


def test_production_redirects_plain_http_with_the_headers_but_not_the_health_check(
    production_headers,
):
    redirect = production_headers["plain http"]
    assert redirect["status"] == 301
    assert redirect["headers"]["Location"] == "https://ossa.example/api/v1/me"
    assert "Content-Security-Policy" in redirect["headers"]
    assert "Strict-Transport-Security" not in redirect["headers"]  # only sent over HTTPS
    # The load balancer's probe over plain HTTP reaches the health check.
    assert production_headers["plain http healthz redirected"] is False
    assert production_headers["plain http login redirected"] is True
