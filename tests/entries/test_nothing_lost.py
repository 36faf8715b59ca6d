"""An expired session or form never costs the leader a word, and never lets others in."""

import re
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from journal.entries import services
from tests.conftest import TEST_PASSWORD, stored_entries

TEXT = "Tyve minutters refleksion over dagens svære samtale med æ, ø og å."
ENTRY_FORM = re.compile(
    r'<form method="post" class="card entry-form".*?name="csrf_token" value="([^"]+)"', re.S
)


def entry_form_token(page: str) -> str:
    """The CSRF token inside the writing form itself (not the header's language switch)."""
    match = ENTRY_FORM.search(page)
    assert match, "no writing form with a CSRF token on the page"
    return match.group(1)


def fields(**changes):
    return {
        "entry_date": "2026-03-02",
        "title": "Lang dag",
        "body": TEXT,
        "tasks": ["reflective-leadership"],
        **changes,
    }


def post_after_expiry(app, url, **changes):
    """A browser whose session has gone (expired, server restarted) posts the form."""
    browser = app.test_client()
    data = fields(csrf_token="a token from the session that expired", **changes)
    return browser, browser.post(url, data=data)


def rescue(browser, user, password=TEST_PASSWORD, **changes):
    token = browser.csrf_token("/no-such-page")  # any page: logged in or not
    return browser.post(
        "/rescue",
        data=fields(
            csrf_token=token,
            email=user.email,
            password=password,
            rescue_for="entries.new",
            **changes,
        ),
    )


def entries(db):
    return stored_entries(db)


def test_after_an_expired_session_the_text_is_kept_through_login_and_saved(app, leader, db):
    browser, response = post_after_expiry(app, "/journal/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TEXT in page and "Lang dag" in page
    assert 'name="tasks" value="reflective-leadership"' in page
    assert entries(db) == []

    back = rescue(browser, leader)
    page = back.get_data(as_text=True)
    assert back.status_code == 200 and TEXT in page
    assert re.search(r'value="reflective-leadership" checked', page)
    assert entries(db) == []  # nothing saved behind the leader's back

    saved = browser.post(
        "/journal/new", data=fields(csrf_token=entry_form_token(page), action="save")
    )
    assert saved.status_code == 302
    (entry,) = entries(db)
    assert (entry.owner_id, entry.body, entry.task_keys) == (
        leader.id,
        TEXT,
        ["reflective-leadership"],
    )


def test_a_wrong_password_at_rescue_keeps_the_text(app, leader, db):
    browser, _ = post_after_expiry(app, "/journal/new")
    response = rescue(browser, leader, password="not my password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TEXT in page and "E-mail eller adgangskode er forkert." in page
    assert entries(db) == []


def test_rescue_logs_in_whoever_types_their_password_not_whoever_was_logged_in(
    app, leader, make_user, login, db
):
    other = make_user(name="Ole Anden")
    browser = app.test_client()
    login(browser, other)
    refused = rescue(browser, leader, password="wrong")
    assert "E-mail eller adgangskode er forkert." in refused.get_data(as_text=True)
    switched = rescue(browser, leader)
    assert switched.status_code == 200
    with browser.session_transaction() as session:
        assert session["_user_id"] == str(leader.id)


def test_rescuing_an_edit_needs_the_owner_and_meets_the_version_check(
    app, leader, make_user, make_entry, db
):
    entry = make_entry(leader, body="Gemt udgave")
    browser, response = post_after_expiry(app, f"/journal/{entry.id}/edit", version="1")
    assert TEXT in response.get_data(as_text=True)

    stranger = app.test_client()
    assert rescue(stranger, make_user(), entry_id=entry.id, version="1").status_code == 404

    page = rescue(browser, leader, entry_id=entry.id, version="1").get_data(as_text=True)
    assert TEXT in page and 'name="version" type="hidden" value="1"' in page
    # Meanwhile the phone saved a newer version: the rescued text must not replace it silently.
    services.update_entry(
        leader,
        entry,
        version=1,
        entry_date=entry.entry_date,
        title="",
        body="Fra telefonen",
        task_keys=[],
        starred=False,
    )
    conflict = browser.post(
        f"/journal/{entry.id}/edit",
        data=fields(csrf_token=entry_form_token(page), version="1", action="save"),
    )
    assert conflict.status_code == 200
    assert "Fra telefonen" in conflict.get_data(as_text=True)
    assert [e.body for e in entries(db)] == ["Fra telefonen"]


def test_an_expired_form_while_logged_in_comes_back_with_a_working_token(leader_client, db):
    response = leader_client.post("/journal/new", data=fields(csrf_token="expired", action="save"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TEXT in page and "Gem igen" in page
    saved = leader_client.post(
        "/journal/new", data=fields(csrf_token=entry_form_token(page), action="save")
    )
    assert saved.status_code == 302
    assert [e.body for e in entries(db)] == [TEXT]


def test_text_posted_from_another_site_is_not_offered_back(app, leader, db):
    browser = app.test_client()
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        response = browser.post(
            "/journal/new", data=fields(csrf_token="x", body="Planted text"), headers=headers
        )
        assert response.status_code == 400
        assert "Planted text" not in response.get_data(as_text=True)


def test_an_edit_of_an_entry_trashed_meanwhile_is_kept_as_a_new_entry(
    leader_client, leader, make_entry, db
):
    entry = make_entry(leader, body="Gammel tekst")
    page = leader_client.get(f"/journal/{entry.id}/edit").get_data(as_text=True)
    services.trash_entry(leader, entry)  # from the phone
    response = leader_client.post(
        f"/journal/{entry.id}/edit",
        data=fields(csrf_token=entry_form_token(page), version="1", action="save"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and TEXT in page and "papirkurven" in page
    assert 'action="/journal/new"' in page
    leader_client.post(
        "/journal/new", data=fields(csrf_token=entry_form_token(page), action="save")
    )
    assert sorted(e.body for e in entries(db)) == ["Gammel tekst", TEXT]


def test_the_saved_page_clears_exactly_this_pages_draft(leader_client, leader):
    page = leader_client.get("/journal/new").get_data(as_text=True)
    draft = re.search(r'name="draft" value="([0-9a-f]{16})"', page).group(1)
    assert f'data-draft-key="ledelsesjournal:draft:{leader.id}:new:{draft}"' in page
    response = leader_client.post(
        "/journal/new",
        data=fields(csrf_token=entry_form_token(page), draft=draft, action="save"),
        follow_redirects=True,
    )
    assert f'data-clear-draft="ledelsesjournal:draft:{leader.id}:new:{draft}"' in response.get_data(
        as_text=True
    )


def test_enter_in_a_field_saves(leader_client):
    page = leader_client.get("/journal/new").get_data(as_text=True)
    form = page[page.index('class="card entry-form"') :]
    first_button = re.search(r"<button[^>]*>", form).group(0)
    assert 'value="save"' in first_button


def test_an_oversized_post_explains_that_the_draft_is_in_the_browser(leader_client):
    response = leader_client.submit(
        "/journal/new", {"entry_date": "2026-03-02", "body": "x" * (5 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert "kladde i denne browser" in response.get_data(as_text=True)


class Inputs(HTMLParser):
    """The rescue form's fields as a browser would post them: hidden inputs and the text."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") != "password":
            if attrs.get("type") != "email":
                self.fields.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.fields.append((self._textarea, ""))

    def handle_data(self, data):
        if self._textarea is not None:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "textarea":  # as browsers do, the line break right after <textarea> goes
            name, text = self.fields[-1]
            self.fields[-1] = (name, text.removeprefix("\r\n").removeprefix("\n"))
            self._textarea = None


def rescue_form(page: str) -> list[tuple[str, str]]:
    """The fields of the rescue page's form (the one that posts to /rescue)."""
    form = page[page.index('action="/rescue"') :]
    parser = Inputs()
    parser.feed(form[: form.index("</form>")])
    return parser.fields


def test_the_rescue_page_carries_every_field_it_does_not_show(
    app, leader, make_entry, make_goal, db
):
    """An edit posted after the session ended: the page keeps what it does not show (the
    entry's id from the address, its version, the date, tags, goal links, the draft slot),
    and posting it as the browser does brings the same edit back, then saves it."""
    entry = make_entry(leader, body="Gemt udgave")
    goal = make_goal(leader)
    changes = {"version": "1", "draft": "0123456789abcdef", "goals": [str(goal.id)]}
    changes["starred"] = "y"
    browser, response = post_after_expiry(app, f"/journal/{entry.id}/edit", **changes)
    kept = rescue_form(response.get_data(as_text=True))
    assert dict(kept)["rescue_for"] == "entries.edit"
    assert ("entry_id", str(entry.id)) in kept and ("version", "1") in kept
    assert ("tasks", "reflective-leadership") in kept and ("goals", str(goal.id)) in kept
    assert ("draft", "0123456789abcdef") in kept and ("entry_date", "2026-03-02") in kept
    assert ("body", TEXT) in kept and ("starred", "y") in kept
    posted = MultiDict([*kept, ("email", leader.email), ("password", TEST_PASSWORD)])
    back = browser.post("/rescue", data=posted)
    page = back.get_data(as_text=True)
    assert back.status_code == 200 and TEXT in page
    assert f'action="/journal/{entry.id}/edit"' in page  # the same entry, not a new one
    saved = browser.post(
        f"/journal/{entry.id}/edit",
        data=fields(csrf_token=entry_form_token(page), action="save", **changes),
    )
    assert saved.status_code == 302
    (stored,) = entries(db)
    assert (stored.id, stored.body, stored.goal_ids, stored.starred) == (
        entry.id,
        TEXT,
        [goal.id],
        True,
    )


@pytest.mark.parametrize(
    ("address", "field", "text"),
    [
        ("/journal/rescue", "body", TEXT),
        ("/goals/rescue", "why", "Tyve minutters begrundelse"),
        ("/review/rescue", "proud", "Tyve minutters stolthed"),
    ],
)
def test_a_rescue_page_left_open_over_an_upgrade_still_brings_the_text_back(
    app, leader, address, field, text
):
    """Rescue pages of the release before posted to one address per form, without naming
    it: those addresses still log in and show the text in its form."""
    browser = app.test_client()
    data = {
        "csrf_token": browser.csrf_token("/login"),
        "email": leader.email,
        "password": TEST_PASSWORD,
        field: text,
        "title": "lytte",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
    }
    response = browser.post(address, data=data)
    assert response.status_code == 200 and text in response.get_data(as_text=True)
