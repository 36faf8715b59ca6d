"""Drafts kept in the browser are sealed there, and open only on the server, for their leader.

The browser's sealing (journal.js, `draftSealer`) is written here once more in Python, from
the same description: a fresh ECDH P-256 key pair per save, HKDF-SHA256 salted with that
key, AES-256-GCM bound to the place the draft is kept. The browser test
(tests/browser/test_drafts.py) checks that what Chromium seals opens here too.
"""

import json
import re
import secrets

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import update

from journal import crypto, journal_key
from journal.auth import keys, services, sessions
from journal.entries import drafts
from journal.i18n import LANGUAGE_COOKIE
from journal.models import User
from journal.models.user import utcnow
from journal.my_data import services as my_data
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "en helt ny og lang adgangskode"
FIELDS = {
    "title": "Efter mødet",
    "body": "Jeg lyttede færdigt, før jeg svarede – og det virkede.",
    "entry_date": "2026-03-02",
    "version": "",
    "tasks": ["clear-and-present-leadership"],
    "saved_at": "2026-03-02T08:15:00.000Z",
}
PUBLIC_KEY = re.compile(r'data-draft-public-key="([^"]+)"')


def seal_as_the_browser_does(public_key: str, slot: str, fields: dict) -> dict:
    """A draft as journal.js keeps it in localStorage, sealed to `public_key` for `slot`."""
    curve = ec.SECP256R1()
    leader = ec.EllipticCurvePublicKey.from_encoded_point(curve, crypto.unb64(public_key))
    ephemeral = ec.generate_private_key(curve)
    epk = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    aes = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=epk, info=b"ledelsesjournal draft v1"
    ).derive(ephemeral.exchange(ec.ECDH(), leader))
    iv = secrets.token_bytes(12)
    sealed = AESGCM(aes).encrypt(iv, json.dumps(fields).encode(), slot.encode())
    b64 = crypto.b64
    return {"v": 1, "epk": b64(epk), "iv": b64(iv), "ct": b64(sealed), "saved_at": "…"}


def posted(draft: dict, slot: str) -> dict:
    """What the writing page posts to have a kept draft opened."""
    return {"slot": slot, "epk": draft["epk"], "iv": draft["iv"], "ct": draft["ct"]}


def public_key_on_writing_page(client, path="/journal/new") -> str:
    """The public draft key the writing page hands its script."""
    match = PUBLIC_KEY.search(client.get(path).get_data(as_text=True))
    assert match, "no public draft key on the writing page"
    return match.group(1)


def tampered(text: str) -> str:
    """`text` (base64) with one bit of its bytes flipped."""
    data = bytearray(crypto.unb64(text))
    data[len(data) // 2] ^= 0x01
    return crypto.b64(bytes(data))


@pytest.fixture
def slot(leader):
    return drafts.draft_prefix(leader)


@pytest.fixture
def sealed(db, leader, leader_client, slot):
    """A draft of a new entry, sealed by the leader's browser to the key its page gave."""
    draft = seal_as_the_browser_does(public_key_on_writing_page(leader_client), slot, FIELDS)
    db.session.refresh(leader)  # as the next request reads the account
    return draft


def test_the_draft_key_is_made_once_and_its_private_half_kept_only_sealed(
    db, leader, leader_client
):
    assert leader.draft_public_key is None  # made on first need, not before
    public = public_key_on_writing_page(leader_client)
    db.session.refresh(leader)
    assert leader.draft_public_key == public
    assert public_key_on_writing_page(leader_client) == public  # the same pair next time
    entry = leader_client.submit("/journal/new", {"entry_date": "2026-03-02", "body": "Tekst."})
    assert public_key_on_writing_page(leader_client, entry.headers["Location"] + "/edit") == public

    private = journal_key.journal_key(leader).open_draft_key(leader.draft_private_key_sealed)
    assert private not in leader.draft_private_key_sealed
    assert crypto.b64(crypto.draft_public_key(private)) == public
    with pytest.raises(crypto.CannotOpen):  # sealed for this leader's key only
        journal_key.JournalKey(leader.id, crypto.new_key()).open_draft_key(
            leader.draft_private_key_sealed
        )


def test_a_draft_sealed_as_the_browser_does_opens_for_its_leader(leader, sealed, slot):
    assert drafts.open_draft(leader, posted(sealed, slot)) == FIELDS


def test_the_writing_domain_answers_a_draft_as_json_never_cached(leader_client, sealed, slot):
    response = leader_client.submit("/journal/drafts/open", posted(sealed, slot), page="/")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == FIELDS


def test_a_draft_does_not_open_for_another_leader(
    app, db, leader, make_user, log_in_as, sealed, slot
):
    other = make_user(name="Ole Anden")
    browser = log_in_as(app.test_client(), other)
    public_key_on_writing_page(browser)  # the other leader has a draft key of their own
    for place in (slot, drafts.draft_prefix(other)):
        response = browser.submit("/journal/drafts/open", posted(sealed, place), page="/")
        assert response.status_code == 404
        assert FIELDS["body"] not in response.get_data(as_text=True)
        db.session.refresh(other)
        assert drafts.open_draft(other, posted(sealed, place)) is None


def test_a_draft_sealed_to_another_leaders_key_does_not_open(
    app, db, leader, make_user, log_in_as, slot
):
    other = make_user(name="Ole Anden")
    their_key = public_key_on_writing_page(log_in_as(app.test_client(), other))
    leader_browser = log_in_as(app.test_client(), leader)
    public_key_on_writing_page(leader_browser)
    draft = seal_as_the_browser_does(their_key, slot, FIELDS)
    response = leader_browser.submit("/journal/drafts/open", posted(draft, slot), page="/")
    assert response.status_code == 404


@pytest.mark.parametrize("part", ["epk", "iv", "ct"])
def test_an_altered_draft_does_not_open(leader_client, sealed, slot, part):
    altered = posted(sealed, slot) | {part: tampered(sealed[part])}
    response = leader_client.submit("/journal/drafts/open", altered, page="/")
    assert response.status_code == 404


def test_a_draft_moved_to_another_entry_does_not_open(leader, sealed, slot):
    assert drafts.open_draft(leader, posted(sealed, drafts.draft_prefix(leader, 7))) is None
    assert drafts.open_draft(leader, posted(sealed, slot + "x")) is None


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"epk": "not base64!"},
        {"iv": ""},
        {"iv": crypto.b64(b"short")},
        {"epk": crypto.b64(b"\x04" + b"\x00" * 64)},  # not a point on the curve
        {"slot": "ledelsesjournal:draft:x:new"},
    ],
)
def test_a_broken_post_is_not_found(leader_client, sealed, slot, broken):
    data = posted(sealed, slot) | broken if broken else {}
    response = leader_client.submit("/journal/drafts/open", data, page="/")
    assert response.status_code == 404


def test_what_opens_is_only_the_writing_forms_fields(db, leader, leader_client, slot):
    key = public_key_on_writing_page(leader_client)
    db.session.refresh(leader)
    draft = seal_as_the_browser_does(
        key, slot, {"title": 3, "body": "Tekst", "tasks": ["vision", {"x": 1}], "other": "x"}
    )
    assert drafts.open_draft(leader, posted(draft, slot)) == {"body": "Tekst", "tasks": ["vision"]}


def test_after_starting_over_drafts_sealed_before_no_longer_open(
    app, db, leader, log_in_as, sealed, slot
):
    db.session.refresh(leader)
    old_public = leader.draft_public_key
    services.reset_password(leader, "temporary password from it")
    new_key, _recovery = my_data.start_over(leader, NEW_PASSWORD)
    journal_key.use_for_request(new_key)
    leader.recovery_key_confirmed_at = utcnow()  # kept, as the leader is asked to
    db.session.commit()
    browser = log_in_as(app.test_client(), leader, password=NEW_PASSWORD)
    db.session.refresh(leader)
    assert leader.draft_public_key is None  # dropped with the old keys
    assert drafts.open_draft(leader, posted(sealed, slot)) is None
    assert public_key_on_writing_page(browser) not in (None, old_public)
    response = browser.submit("/journal/drafts/open", posted(sealed, slot), page="/")
    assert response.status_code == 404


def test_after_a_reset_opened_with_the_recovery_key_old_drafts_no_longer_open(
    db, leader, make_user, sealed, slot
):
    services.reset_password(leader, "temporary password from it")
    key, _recovery = keys.choose_password(
        leader, NEW_PASSWORD, recovery_key=make_user.recovery_keys[leader.id]
    )
    journal_key.use_for_request(key)
    db.session.refresh(leader)
    assert drafts.open_draft(leader, posted(sealed, slot)) is None
    assert drafts.draft_public_key(leader) is not None  # a new pair for the next drafts


def test_a_password_change_keeps_the_drafts_key(db, leader, leader_client, sealed, slot):
    changed = leader_client.submit(
        "/account/password",
        {"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    db.session.refresh(leader)
    assert drafts.open_draft(leader, posted(sealed, slot)) == FIELDS


@pytest.mark.both_engines  # IS on SQLite, IS NOT DISTINCT FROM on PostgreSQL
def test_two_first_writing_pages_at_once_hand_out_one_key(db, leader):
    """The pair another request made a moment ago wins; it is never overwritten."""
    assert leader.draft_public_key is None  # as this request read the account
    key = journal_key.journal_key(leader)
    private, public = crypto.new_draft_key_pair()
    with db.engine.begin() as another_request:
        another_request.execute(
            update(User)
            .where(User.id == leader.id)
            .values(
                draft_public_key=crypto.b64(public),
                draft_private_key_sealed=key.seal_draft_key(private),
            )
        )
    assert leader.draft_public_key is None
    assert drafts.draft_public_key(leader) == crypto.b64(public)
    db.session.refresh(leader)
    assert leader.draft_public_key == crypto.b64(public)


@pytest.mark.both_engines
def test_a_draft_key_that_does_not_go_with_the_data_key_is_made_anew(db, leader):
    """Say an older release or a restored backup left a pair sealed under another data key."""
    stranger = journal_key.JournalKey(leader.id, crypto.new_key())
    private, public = crypto.new_draft_key_pair()
    leader.draft_public_key = crypto.b64(public)
    leader.draft_private_key_sealed = stranger.seal_draft_key(private)
    db.session.commit()
    made = drafts.draft_public_key(leader)
    assert made not in (None, crypto.b64(public))
    db.session.refresh(leader)
    assert leader.draft_public_key == made
    assert journal_key.journal_key(leader).open_draft_key(leader.draft_private_key_sealed)


# --- Forgetting drafts: the page after a logout says whose drafts the browser forgets ------

FORGET = re.compile(r'<span hidden data-forget-drafts-of="(\d+)"></span>')


def test_the_page_after_logout_has_the_browser_forget_the_leaders_drafts(leader, leader_client):
    assert FORGET.findall(leader_client.get("/").get_data(as_text=True)) == []
    response = leader_client.submit("/logout", page="/", follow_redirects=True)
    assert FORGET.findall(response.get_data(as_text=True)) == [str(leader.id)]
    assert FORGET.findall(leader_client.get("/login").get_data(as_text=True)) == []  # once


def test_a_session_ended_elsewhere_has_the_browser_forget_the_drafts(app, leader, login):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, leader)
    login(phone, leader)
    phone.submit("/logout", page="/")
    page = laptop.get("/journal/new", follow_redirects=True).get_data(as_text=True)
    assert 'name="password"' in page  # the log-in page
    assert FORGET.findall(page) == [str(leader.id)]


def test_a_session_that_ran_out_keeps_the_drafts_to_offer_after_login(
    app, leader, leader_client, monkeypatch
):
    later = sessions.now() + app.config["SESSION_IDLE_MINUTES"] * 60 + 60
    monkeypatch.setattr(sessions, "now", lambda: later)
    page = leader_client.get("/journal/new", follow_redirects=True).get_data(as_text=True)
    assert "uden aktivitet" in page  # logged out for being idle
    assert FORGET.findall(page) == []


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("da", ["finder ikke ét ord af det, du skrev", "når du logger ud", "efter 7 dage"]),
        ("en", ["finds not one word you wrote", "when you log out", "after 7 days"]),
    ],
)
def test_the_privacy_page_says_what_the_browser_keeps(client, language, said):
    client.set_cookie(LANGUAGE_COOKIE, language)
    page = client.get("/privacy").get_data(as_text=True)
    for words in said:
        assert words in page
