"""Danish by default, English one click away, and no untranslated text."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from journal.models import User

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "journal/translations/da/LC_MESSAGES/messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def extracted_messages() -> set[str]:
    """Every translatable string in the code and templates, as `make extract-messages` finds."""
    method_map = [("journal/**.py", "python"), ("journal/templates/**.html", "jinja2")]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def translated(message) -> bool:
    """Translated, and not marked fuzzy; a plural in every form (an empty form is a tuple,
    which is not empty)."""
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(forms) and not message.fuzzy


def test_every_user_visible_string_has_a_danish_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="da")
    extracted = extracted_messages()
    assert len(extracted) > 50
    missing = sorted(
        message
        for message in extracted
        if message not in catalogue or not translated(catalogue[message])
    )
    assert not missing, "Not translated into Danish (run make update-messages):\n" + "\n".join(
        missing
    )


def test_danish_is_the_default(client, leader):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="da">' in page
    assert "Log ind" in page


def test_the_switch_works_before_login_and_is_remembered_in_a_cookie(client, leader):
    response = client.submit("/language", {"language": "en", "next": "/login"}, page="/login")
    assert response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page


def test_the_language_cookie_is_as_guarded_as_the_session_cookie(app, client, leader):
    """Secure (HTTPS only) when sessions are, and out of the page's scripts' reach."""
    response = client.submit("/language", {"language": "en", "next": "/login"}, page="/login")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en") and "Secure" in cookie and "HttpOnly" in cookie
    app.config["SESSION_COOKIE_SECURE"] = False  # `make run` on http://127.0.0.1
    response = client.submit("/language", {"language": "da", "next": "/login"}, page="/login")
    assert "Secure" not in response.headers["Set-Cookie"]


def test_the_switch_is_remembered_for_the_user(app, leader_client, leader, db, login):
    leader_client.submit("/language", {"language": "en", "next": "/"}, page="/")
    db.session.expire_all()
    assert db.session.get(User, leader.id).language == "en"
    other_browser = app.test_client()
    login(other_browser, leader)
    assert '<html lang="en">' in other_browser.get("/").get_data(as_text=True)


def test_a_bad_language_is_refused_without_harm(client, leader):
    response = client.submit("/language", {"language": "xx"}, page="/login")
    assert response.status_code == 400
    assert '<html lang="da">' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "title"), [("da", "Siden blev ikke fundet"), ("en", "Page not found")]
)
def test_error_pages_speak_the_users_language(client, leader, language, title):
    client.submit("/language", {"language": language}, page="/login")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", None])
def test_the_switch_returns_only_to_this_site(client, leader, target):
    data = {"language": "en"} | ({"next": target} if target else {})
    response = client.submit("/language", data, page="/login")
    assert response.headers["Location"] == "/"
