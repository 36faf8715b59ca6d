"""The journal can be put on a home screen: a manifest that opens on the write page, icons,
and a service worker that keeps only the static files and the offline page."""

import json
import re
import struct

from journal.config import PACKAGE_ROOT
from journal.installable.worker import STATIC_FILES

STATIC = PACKAGE_ROOT / "static"


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_every_page_links_the_manifest_and_the_theme_colour(app, leader_client):
    for browser, url in ((leader_client, "/journal/new"), (app.test_client(), "/login")):
        page = browser.get(url).get_data(as_text=True)
        assert re.search(r'<link rel="manifest" href="/static/manifest.webmanifest"', page)
        assert 'data-service-worker="/service-worker.js"' in page
        assert '<meta name="theme-color" content="#1f5f73">' in page
        assert '<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png">' in page


def test_the_manifest_opens_on_the_write_page_with_icons_that_exist(client):
    with client.get("/static/manifest.webmanifest") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/manifest+json"
        manifest = json.loads(response.get_data())
    assert manifest["name"] == "Ledelsesjournal" and manifest["lang"] == "da"
    assert manifest["start_url"] == "/journal/new" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    style = (STATIC / "style.css").read_text()
    assert f"--accent: {manifest['theme_color']};" in style
    assert f"--paper: {manifest['background_color']};" in style
    sizes = {}
    for icon in manifest["icons"]:
        with client.get(f"/static/{icon['src']}") as response:
            assert response.status_code == 200 and response.mimetype == "image/png"
            width, height = png_size(response.get_data())
        assert icon["sizes"] == f"{width}x{height}"
        sizes.setdefault(icon.get("purpose", "any"), set()).add(width)
    assert {192, 512} <= sizes["any"] and 512 in sizes["maskable"]
    assert png_size((STATIC / "icons" / "apple-touch-icon.png").read_bytes()) == (180, 180)


def test_the_worker_is_served_from_the_root_and_asked_for_again_each_time(client):
    with client.get("/service-worker.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == "no-cache"
        script = response.get_data(as_text=True)
    kept = json.loads(re.search(r"var STATIC_URLS = (\[.*?\]);", script).group(1))
    assert kept == [f"/static/{name}" for name in STATIC_FILES]
    assert '"/static/offline.html"' in script


def test_a_changed_static_file_makes_a_new_worker(app, client, tmp_path):
    """Browsers install a worker whose text changed: the cache's name follows the files."""
    before = client.get("/service-worker.js").get_data(as_text=True)
    for name in STATIC_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes((STATIC / name).read_bytes())
    (tmp_path / "style.css").write_text("body { color: red; }")
    app.static_folder = str(tmp_path)
    after = client.get("/service-worker.js").get_data(as_text=True)
    assert before != after


def test_the_offline_page_says_nothing_was_lost_in_danish_and_english(client):
    with client.get("/static/offline.html") as response:
        page = response.get_data(as_text=True)
    assert '<html lang="da">' in page and "Intet er gået tabt" in page
    assert 'lang="en"' in page and "Nothing was lost" in page
    assert "<script" not in page
