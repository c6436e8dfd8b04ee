"""Security headers on every response: the API, the admin, the app and static files.

Who sets what:
- `SecurityHeadersMiddleware` (here, first in MIDDLEWARE, so it also wraps the files that
  whitenoise answers before the rest of the stack runs, and SecurityMiddleware's redirects):
  Content-Security-Policy, chosen by path (see `POLICIES`), and Permissions-Policy.
- Django's SecurityMiddleware (second): Strict-Transport-Security on HTTPS requests in
  production, Referrer-Policy (`SECURE_REFERRER_POLICY`), X-Content-Type-Options: nosniff
  and Cross-Origin-Opener-Policy (`SECURE_CROSS_ORIGIN_OPENER_POLICY`).
- Django's XFrameOptionsMiddleware (third, also before whitenoise): X-Frame-Options: DENY.

A view may set its own Content-Security-Policy; this middleware then leaves it alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def policy(**directives: str) -> str:
    """A CSP header value from keyword directives (`default_src="'self'"`)."""
    return "; ".join(f"{name.replace('_', '-')} {value}" for name, value in directives.items())


# Everywhere: no framing, no <base> tricks, no plugins.
_LOCKED = {"frame_ancestors": "'none'", "base_uri": "'none'", "object_src": "'none'"}

# The PWA: its own scripts, styles, API (/api/v1, same origin), service worker and manifest.
# Preact sets `style={…}` through the CSSOM (element.style), which CSP does not govern, so no
# 'unsafe-inline' is needed; the app shows no data: images, so none are allowed.
APP_POLICY = policy(
    default_src="'self'",
    script_src="'self'",
    style_src="'self'",
    connect_src="'self'",
    img_src="'self'",
    font_src="'self'",
    worker_src="'self'",
    manifest_src="'self'",
    form_action="'self'",
    **_LOCKED,
)

# The admin (django-unfold): Alpine.js, which unfold ships in its standard build, compiles
# its x-data/x-init attributes with the AsyncFunction constructor ('unsafe-eval'), and
# unfold writes its theme colours in an inline <style> and sizes in style attributes
# ('unsafe-inline' for styles only). No inline script runs: scripts load from /static/.
# Its CSS draws icons from data: images.
ADMIN_POLICY = policy(
    default_src="'self'",
    script_src="'self' 'unsafe-eval'",
    style_src="'self' 'unsafe-inline'",
    img_src="'self' data:",
    font_src="'self'",
    connect_src="'self'",
    form_action="'self'",
    **_LOCKED,
)

# Swagger UI at /api/docs/: served from our static files (drf-spectacular-sidecar) with its
# start-up script at a URL (the split view), so no script is inline; the page has an inline
# <style> and Swagger UI draws data: images.
DOCS_POLICY = policy(
    default_src="'self'",
    script_src="'self'",
    style_src="'self' 'unsafe-inline'",
    img_src="'self' data:",
    connect_src="'self'",
    form_action="'self'",
    **_LOCKED,
)

# Everything else: JSON, static files, the health check, the e-mail unsubscribe page (its
# only markup is style attributes and a form posting to itself). Nothing may load or run.
DEFAULT_POLICY = policy(
    default_src="'none'",
    style_src="'unsafe-inline'",
    form_action="'self'",
    **_LOCKED,
)

# Longest prefix first.
POLICIES: tuple[tuple[str, str], ...] = (
    ("/app/", APP_POLICY),
    ("/admin/", ADMIN_POLICY),
    ("/api/docs/", DOCS_POLICY),
)

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def policy_for(path: str) -> str:
    for prefix, value in POLICIES:
        if path.startswith(prefix):
            return value
    return DEFAULT_POLICY


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", policy_for(request.path))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
