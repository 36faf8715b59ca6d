"""Text of every kind is saved and shown back as written; too much never costs a word."""

import pytest

from tests.conftest import stored_entries

pytestmark = pytest.mark.both_engines  # the database engine matters here

# Emoji (with skin tone and a flag), Arabic and Hebrew (right to left), combining marks.
TEXTS = [
    "I dag 🙂👩🏽‍💼🇩🇰 gik det godt",
    "مرحبا، اليوم تدربت على الاستماع",
    "שלום, היום תרגלתי הקשבה",
    "Zoë e\u0301\u0308 og a\u030a",
]
HUGE = 5 * 1024 * 1024  # more than MAX_CONTENT_LENGTH (4 MiB)


def entry_data(**changes):
    return {
        "entry_date": "2026-03-02",
        "title": "",
        "body": "En refleksion.",
        "tasks": ["reflective-leadership"],
        "action": "save",
        **changes,
    }


@pytest.mark.parametrize("text", TEXTS)
def test_unicode_is_saved_and_shown_back_as_written(leader_client, db, text):
    response = leader_client.submit("/journal/new", entry_data(title=text[:50], body=text))
    assert response.status_code == 302
    (entry,) = stored_entries(db)
    assert (entry.title, entry.body) == (text[:50], text)
    page = leader_client.get(response.headers["Location"]).get_data(as_text=True)
    assert text in page


def test_a_line_of_100000_characters_is_saved_whole(leader_client, db):
    line = ("Jeg øver mig på at lytte 🙂 " * 4000)[:100_000]
    assert leader_client.submit("/journal/new", entry_data(body=line)).status_code == 302
    (entry,) = stored_entries(db)
    assert entry.body == line


def test_nul_and_control_characters_are_removed_not_stored(leader_client, db):
    # PostgreSQL refuses NUL in text; nobody types one, so it is dropped before saving.
    response = leader_client.submit(
        "/journal/new", entry_data(title="Tit\x00el\x07", body="Før\x00 efter\x1b 🙂")
    )
    assert response.status_code == 302
    (entry,) = stored_entries(db)
    assert (entry.title, entry.body) == ("Titel", "Før efter 🙂")


def test_only_nul_is_refused_with_a_message_not_an_error(leader_client, db):
    response = leader_client.submit("/journal/new", entry_data(body="\x00\x00"))
    assert response.status_code == 200
    assert "Skriv noget, før du gemmer" in response.get_data(as_text=True)
    assert stored_entries(db) == []


def test_a_title_too_long_comes_back_with_the_text_kept(leader_client, db):
    title, body = "🙂" * 201, "שלום " * 1000
    response = leader_client.submit("/journal/new", entry_data(title=title, body=body))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert title in page and body.strip() in page
    assert stored_entries(db) == []


def test_a_post_over_4_mib_gets_a_page_back_to_the_form_where_the_draft_waits(
    leader_client, leader, db
):
    response = leader_client.submit("/journal/new", entry_data(body="ø" * HUGE))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "For meget på én gang" in page and "kladde i denne browser" in page
    assert 'href="/journal/new"' in page  # the writing page, which offers the draft again
    # Only a successful save clears a draft in the browser: this page must not.
    assert "data-clear-draft" not in page
    assert stored_entries(db) == []
    form = leader_client.get("/journal/new").get_data(as_text=True)
    assert f'data-draft-prefix="ledelsesjournal:draft:{leader.id}:new"' in form


def test_an_oversized_edit_leads_back_to_the_edit_page_and_changes_nothing(
    leader_client, leader, make_entry, db
):
    entry = make_entry(leader, body="Som før.")
    url = f"/journal/{entry.id}/edit"
    response = leader_client.submit(url, entry_data(body="x" * HUGE, version="1"))
    assert response.status_code == 413
    assert f'href="{url}"' in response.get_data(as_text=True)
    (stored,) = stored_entries(db)
    assert stored.body == "Som før."


def test_the_oversized_page_speaks_english_to_an_english_leader(client, make_user, login):
    login(client, make_user(language="en"))
    response = client.submit("/journal/new", entry_data(body="x" * HUGE))
    page = response.get_data(as_text=True)
    assert "Too much at once" in page
    assert "choose “Restore it” to get your text back" in page
    assert "Back to the form" in page


@pytest.mark.parametrize(
    ("referrer", "back"),
    [("http://localhost/journal/new?goal=3", 'href="/journal/new?goal=3"'), (None, 'href="/"')],
)
def test_an_oversized_rescue_leads_back_to_the_page_it_came_from(client, referrer, back):
    headers = {"Referer": referrer} if referrer else {}
    response = client.post("/rescue", data={"body": "x" * HUGE, "csrf_token": "x"}, headers=headers)
    assert response.status_code == 413
    assert back in response.get_data(as_text=True)


def test_a_foreign_referrer_is_not_offered_as_the_way_back(client):
    response = client.post(
        "/rescue",
        data={"body": "x" * HUGE},
        headers={"Referer": "https://evil.example/journal/new"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "evil.example" not in page
