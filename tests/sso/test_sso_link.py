"""An account that already has a journal is linked to the municipal sign-in only after its
leader proves, once, to hold it: the old password or the recovery key. Wrong ones count
as failed log-ins; afterwards the sign-in goes straight in."""

from sqlalchemy import func, select

from journal.auth import keys, throttle
from journal.auth import services as accounts
from journal.models import LoginFailure, SignInIdentity
from journal.sso import pending
from tests.conftest import TEST_PASSWORD
from tests.sso.conftest import entra_claims
from tests.sso.test_sso_sign_in import (
    UNLOCK,
    assert_waits_for_the_journal,
    identities,
    journal_is_open,
    signed_in_user_id,
)


def link_page(client, make_user, sign_in, **user):
    """A leader with a journal signs in with the municipal account for the first time:
    (the leader, the callback's answer)."""
    leader = make_user(email="lone@esbjerg.example", name="Lone Leder", **user)
    answer = sign_in(client, "lone", entra_claims("oid-lone", "lone@esbjerg.example"))
    return leader, answer


def confirm(client, **form):
    """Post one of the link page's forms."""
    return client.submit("/login/sso/link", form)


def test_a_password_account_asks_for_proof_before_linking(client, db, make_user, sign_in):
    _leader, answer = link_page(client, make_user, sign_in)
    assert answer.status_code == 302 and answer.headers["Location"] == "/login/sso/link"
    assert signed_in_user_id(client) is None and identities(db) == []
    page = client.get("/login/sso/link").get_data(as_text=True)
    assert "Bekræft, at det er din konto" in page
    assert "gendannelsesnøgle" in page and 'name="password"' in page


def test_the_password_links_and_opens_the_journal(client, db, make_user, sign_in, mock_provider):
    leader, _answer = link_page(client, make_user, sign_in)
    answer = confirm(client, way="password", password=TEST_PASSWORD)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert identities(db) == [(leader.id, mock_provider, f"{entra_claims('', '')['tid']}:oid-lone")]
    assert signed_in_user_id(client) == str(leader.id)
    assert journal_is_open(client)
    assert client.get("/").status_code == 200  # the journal itself, at once
    with client.session_transaction() as session:
        assert pending.PENDING not in session


def test_the_recovery_key_links_too(client, db, make_user, sign_in):
    leader, _answer = link_page(client, make_user, sign_in)
    recovery = make_user.recovery_keys[leader.id]
    answer = confirm(client, way="recovery", recovery_key=recovery.lower())
    assert answer.status_code == 302
    assert [row[0] for row in identities(db)] == [leader.id]
    assert journal_is_open(client)


def test_a_wrong_password_is_refused_and_counted(client, db, make_user, sign_in):
    leader, _answer = link_page(client, make_user, sign_in)
    answer = confirm(client, way="password", password="not the password at all")
    assert answer.status_code == 200
    assert "Adgangskoden er forkert." in answer.get_data(as_text=True)
    assert identities(db) == [] and signed_in_user_id(client) is None
    bucket = throttle.account_bucket(leader.email)
    assert (
        db.session.scalar(
            select(func.count()).select_from(LoginFailure).where(LoginFailure.bucket == bucket)
        )
        == 1
    )
    wrong_key = confirm(client, way="recovery", recovery_key="AAAA-BBBB-CCCC-DDDD")
    assert "gendannelsesnøgle åbner ikke" in wrong_key.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count()).select_from(LoginFailure).where(LoginFailure.bucket == bucket)
        )
        == 2
    )


def test_past_the_log_in_limit_the_link_page_pauses(client, app, db, make_user, sign_in):
    _leader, _answer = link_page(client, make_user, sign_in)
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"]):
        confirm(client, way="password", password="not the password at all")
    answer = confirm(client, way="password", password=TEST_PASSWORD)
    assert answer.status_code == 429
    assert identities(db) == []


def test_once_linked_later_sign_ins_go_straight_in(client, app, db, make_user, sign_in):
    leader, _answer = link_page(client, make_user, sign_in)
    confirm(client, way="password", password=TEST_PASSWORD)
    later = app.test_client()
    answer = sign_in(later, "lone", entra_claims("oid-lone", "lone@esbjerg.example"))
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert signed_in_user_id(later) == str(leader.id)
    assert not journal_is_open(later)  # signed in: who, not the key
    assert_waits_for_the_journal(later, UNLOCK)
    last_used = db.session.scalar(select(SignInIdentity.last_used_at))
    assert last_used is not None


def test_the_link_page_without_a_sign_in_waiting_says_to_start_again(client, make_user):
    make_user()
    answer = client.get("/login/sso/link")
    assert answer.status_code == 400
    assert "Prøv igen" in answer.get_data(as_text=True)


def test_a_forged_or_stale_waiting_sign_in_is_refused(client, app, make_user, sign_in, db):
    _leader, _answer = link_page(client, make_user, sign_in)
    with client.session_transaction() as session:
        session[pending.PENDING] = session[pending.PENDING][:-4] + "AAAA"
    assert confirm(client, way="password", password=TEST_PASSWORD).status_code == 400
    assert identities(db) == [] and signed_in_user_id(client) is None


def test_a_journal_opened_by_linking_is_the_leaders_own(client, db, make_user, sign_in, make_entry):
    leader, _answer = link_page(client, make_user, sign_in)
    make_entry(leader, body="Min egen refleksion om tillid")
    db.session.commit()
    confirm(client, way="password", password=TEST_PASSWORD)
    assert "Min egen refleksion om tillid" in client.get("/journal/").get_data(as_text=True)


def test_an_account_that_opens_with_a_passphrase_links_with_it(client, db, make_user, sign_in):
    """The provider changed (a new issuer): a leader whose journal opens with a journal
    passphrase, not a password, links the new sign-in with the passphrase."""
    leader = accounts.create_user(
        "lone@esbjerg.example", "Lone Leder", "a temporary password 1", must_change_password=False
    )
    keys.set_up_keys_with_passphrase(leader, "min lange kodesætning til journalen")
    db.session.commit()
    answer = sign_in(client, "lone", entra_claims("oid-lone", "lone@esbjerg.example"))
    assert answer.headers["Location"] == "/login/sso/link"
    page = client.get("/login/sso/link").get_data(as_text=True)
    assert "Med journalens kodesætning" in page
    wrong = confirm(client, way="password", password="a temporary password 1")
    assert "Journalens kodesætning er forkert." in wrong.get_data(as_text=True)
    right = confirm(client, way="password", password="min lange kodesætning til journalen")
    assert right.status_code == 302
    assert [row[0] for row in identities(db)] == [leader.id] and journal_is_open(client)
