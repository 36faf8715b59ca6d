"""Security headers on every response; pages never cached; cookies locked down."""

import re
from pathlib import Path

import pytest

from journal import create_app
from journal.config import PACKAGE_ROOT

TEMPLATES = PACKAGE_ROOT / "templates"


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().partition(" ")[::2] for part in header.split(";"))


@pytest.mark.parametrize("url", ["/login", "/privacy", "/no-such-page", "/static/style.css"])
def test_every_response_carries_the_security_headers(client, leader, url):
    response = client.get(url)
    response.close()
    csp = policy(response)
    assert (
        csp["script-src"] == "'self'"
        and "unsafe" not in response.headers["Content-Security-Policy"]
    )
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    # The service worker and the manifest (home screen) come from this site only.
    assert csp["worker-src"] == csp["manifest-src"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: not ours to pin


@pytest.mark.parametrize("url", ["/", "/journal/", "/goals/", "/review/", "/account"])
def test_logged_in_pages_are_never_stored(leader_client, url):
    response = leader_client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers["Vary"]


def test_static_files_may_be_cached(client):
    with client.get("/static/journal.js") as response:
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_hsts_over_https(client):
    response = client.get("/login", base_url="https://journal.example.dk")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(response.headers["Strict-Transport-Security"].split("=")[1]) >= 31536000


def test_session_cookie_is_httponly_lax_and_secure_in_production(
    backend, database_url, tmp_path, monkeypatch
):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app(
        {
            "SECRET_KEY": "production-like-secret-" + "x" * 32,
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["REMEMBER_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    browser = app.test_client()
    with browser.session_transaction(base_url="https://journal.example.dk") as session:
        session["x"] = 1
    cookie = browser.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="journal.example.dk")
    assert cookie.http_only and cookie.secure and cookie.same_site == "Lax"


def test_a_logged_in_session_cookie_has_the_flags(app, leader, login, client):
    response = login(client, leader)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_no_template_needs_inline_script_or_style(template: Path):
    """The policy refuses inline scripts, event handlers and style attributes: a template
    with one would silently lose it in the browser."""
    text = template.read_text()
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to static/journal.js"
    assert not EVENT_HANDLER.search(text), "inline event handler: use addEventListener"
    assert not STYLE_ATTRIBUTE.search(text), "style attribute: use a class in style.css"
