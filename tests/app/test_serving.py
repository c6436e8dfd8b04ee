"""The built app is served under /app/: the page and its service worker revalidate on every
load so a new release reaches phones; hashed assets are cached for a year."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.skipif(
    not (settings.APP_DIST_DIR / "index.html").exists(),
    reason="the app is not built (make test builds it: npm run build in app/)",
)


@pytest.fixture
def web() -> Client:
    return Client()


def test_the_app_page_is_served_at_app_and_always_revalidated(web):
    response = web.get("/app/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    page = b"".join(response.streaming_content).decode()
    assert '<link rel="manifest" href="/app/manifest.webmanifest"' in page


def test_hashed_assets_are_immutable_and_the_service_worker_is_not(web):
    page = b"".join(web.get("/app/").streaming_content).decode()
    script = re.search(r'src="(/app/assets/[^"]+\.js)"', page).group(1)

    asset = web.get(script)
    worker = web.get("/app/sw.js")

    assert asset.status_code == 200
    assert "immutable" in asset["Cache-Control"]
    assert worker.status_code == 200
    assert worker["Cache-Control"] == "no-cache"
    assert worker["Content-Type"].startswith("text/javascript")


def test_every_script_the_page_loads_is_served_and_stored_for_offline(web):
    page = b"".join(web.get("/app/").streaming_content).decode()
    worker = b"".join(web.get("/app/sw.js").streaming_content).decode()
    scripts = re.findall(r'<script[^>]* src="(/app/[^"]+)"', page)

    assert "/app/idb-warm.js" in scripts  # the classic one in the head, outside Vite's bundle
    for script in scripts:
        assert web.get(script).status_code == 200
        assert f'"{script}"' in worker


def test_the_manifest_makes_the_app_installable(web):
    response = web.get("/app/manifest.webmanifest")

    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(b"".join(response.streaming_content))
    assert manifest["start_url"].startswith("/app/")
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert web.get(icon["src"]).status_code == 200


def test_the_app_is_sent_compressed_to_browsers_that_accept_it(web):
    page = b"".join(web.get("/app/").streaming_content).decode()
    script = re.search(r'src="(/app/assets/[^"]+\.js)"', page).group(1)

    plain = web.get(script)
    brotli = web.get(script, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    gzipped = web.get(script, HTTP_ACCEPT_ENCODING="gzip")

    assert "Content-Encoding" not in plain
    assert brotli["Content-Encoding"] == "br"
    assert gzipped["Content-Encoding"] == "gzip"
    # The whole first-load script compressed, against issue 7's 200 KB budget.
    assert int(brotli["Content-Length"]) < int(plain["Content-Length"]) / 3
