"""The PWA (app/, built by Vite into app/dist) served by whitenoise under /app/.

Vite names every asset after its content hash, so those files are cached for a year; the
page itself, the service worker and the manifest must be revalidated on every load, or a
phone would keep an old release (and its old precache list) forever.
"""

from __future__ import annotations

import re

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware

APP_PREFIX = "app/"
HASHED_ASSET = re.compile(r"^/app/assets/.+-[A-Za-z0-9_-]{8,}\.\w+$")
ALWAYS_REVALIDATE = ("/app/", "/app/index.html", "/app/sw.js", "/app/manifest.webmanifest")


class AppWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """Whitenoise for /static/ plus the built app under /app/ (index.html at /app/)."""

    def __init__(self, get_response=None):
        super().__init__(get_response)
        # Whitenoise stores its settings' hook on the instance; ours wraps it for /app/.
        self._static_headers = self.add_headers_function
        self.add_headers_function = self._headers
        self.add_files(str(settings.APP_DIST_DIR), prefix=APP_PREFIX)

    def immutable_file_test(self, path: str, url: str) -> bool:
        if url.startswith("/" + APP_PREFIX):
            return bool(HASHED_ASSET.match(url))
        return super().immutable_file_test(path, url)

    def _headers(self, headers, path: str, url: str) -> None:
        if self._static_headers:
            self._static_headers(headers, path, url)
        if url in ALWAYS_REVALIDATE:
            headers["Cache-Control"] = "no-cache"
        if url == "/app/manifest.webmanifest":
            headers["Content-Type"] = "application/manifest+json"
