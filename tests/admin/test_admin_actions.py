"""Administrators deactivate, reactivate and reset accounts, give roles and set links;
every action is in the audit log, and no page shows anything a leader wrote."""

import contextlib
import re
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from journal.admin import audit, services
from journal.goals import services as goals
from journal.models import AuditEvent, User
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.both_engines  # the database engine matters here

# What only the leader may ever read; grepped for on every administration page.
SENTENCE = "Jeg lyttede ikke til Birgitte på mødet om budgettet"
GOAL = "Jeg øver mig på at give Kasper plads"
NOTE = "Svært i dag med Mette"
NEW_PASSWORD = "a quiet boat in the fjord at dawn"
TEMPORARY = re.compile(r'class="temporary-password"[^>]*>([a-z0-9-]+)<')


@pytest.fixture
def people(app, make_user, make_entry, make_goal):
    """An administrator and a leader with an entry, a goal and a check-in."""
    # In English: the Danish of new text arrives with the catalogue (tests/test_i18n.py).
    admin = make_user(name="Admin Anne", email="anne@esbjerg.example", is_admin=True, language="en")
    leader = make_user(name="Lone Leder", email="lone@esbjerg.example")
    entry = make_entry(leader, body=SENTENCE)
    goal = make_goal(leader, title=GOAL, why=NOTE, start_date=entry.entry_date)
    goals.add_check_in(leader, goal, day=entry.entry_date, rating=3, note=NOTE)
    return {"admin": admin, "leader": leader, "entry": entry}


@pytest.fixture
def admin_browser(app, people, login):
    browser = app.test_client()
    login(browser, people["admin"])
    return browser


def events(db, action: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def test_deactivation_ends_the_session_at_once_and_refuses_log_ins(
    app, db, people, admin_browser, login
):
    leader = people["leader"]
    browser = app.test_client()
    login(browser, leader)
    assert browser.get("/journal/").status_code == 200

    page = admin_browser.get(f"/admin/users/{leader.id}/deactivate").get_data(as_text=True)
    assert "logged out at once" in page and "Nothing is deleted" in page
    response = admin_browser.submit(f"/admin/users/{leader.id}/deactivate")
    assert response.status_code == 302

    refused = browser.get("/journal/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert login(app.test_client(), leader).status_code == 200  # the form again, no session
    db.session.expire_all()
    assert not db.session.get(User, leader.id).is_active
    (event,) = events(db, audit.DEACTIVATED)
    assert (event.actor_id, event.actor_name) == (people["admin"].id, "Admin Anne")
    assert (event.subject_id, event.subject_name) == (leader.id, "Lone Leder")


def test_a_reactivated_account_logs_in_with_its_password(app, db, people, admin_browser, login):
    leader = people["leader"]
    services.deactivate(people["admin"], leader)
    response = admin_browser.submit(
        f"/admin/users/{leader.id}/reactivate", page=f"/admin/users/{leader.id}"
    )
    assert response.status_code == 302
    browser = app.test_client()
    assert login(browser, leader).status_code == 302
    assert SENTENCE in browser.get(f"/journal/{people['entry'].id}").get_data(as_text=True)
    assert [e.action for e in events(db)] == [audit.DEACTIVATED, audit.REACTIVATED]


def test_an_administrator_cannot_deactivate_themselves(db, people, admin_browser):
    admin = people["admin"]
    response = admin_browser.submit(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_active
    assert events(db) == []


def test_the_last_active_administrator_stays(db, people, make_user):
    admin = people["admin"]
    with pytest.raises(services.AdminError, match="last_admin"):
        services.deactivate(None, admin)
    with pytest.raises(services.AdminError, match="last_admin"):
        services.set_administrator(None, admin, False)
    # A deactivated administrator does not count.
    other = make_user(name="Bo Boss", is_admin=True)
    services.deactivate(admin, other)
    with pytest.raises(services.AdminError, match="last_admin"):
        services.deactivate(None, admin)
    services.reactivate(admin, other)
    services.deactivate(other, admin)  # now one remains
    db.session.expire_all()
    assert not admin.is_active and other.is_active
    assert [e.action for e in events(db)] == [
        audit.DEACTIVATED,
        audit.REACTIVATED,
        audit.DEACTIVATED,
    ]


def test_the_administrator_role_is_given_and_taken_but_not_from_oneself(db, people, admin_browser):
    admin, leader = people["admin"], people["leader"]
    page = f"/admin/users/{leader.id}"
    admin_browser.submit(f"{page}/administrator", {"role": "give"}, page=page)
    db.session.expire_all()
    assert db.session.get(User, leader.id).is_admin
    admin_browser.submit(f"{page}/administrator", {"role": "take"}, page=page)
    own = f"/admin/users/{admin.id}"
    admin_browser.submit(f"{own}/administrator", {"role": "take"}, page=own)
    db.session.expire_all()
    assert not db.session.get(User, leader.id).is_admin
    assert db.session.get(User, admin.id).is_admin
    assert [e.action for e in events(db)] == [audit.ADMIN_GIVEN, audit.ADMIN_TAKEN]
    bad = admin_browser.submit(f"{page}/administrator", {"role": "owner"}, page=page)
    assert bad.status_code == 400


def test_a_reset_warns_first_then_shows_a_password_once_and_the_recovery_key_opens(
    app, db, people, admin_browser, login, make_user
):
    leader = people["leader"]
    old_session = app.test_client()
    login(old_session, leader)
    url = f"/admin/users/{leader.id}/reset-password"
    warning = admin_browser.get(url).get_data(as_text=True)
    # Said plainly before the administrator confirms.
    assert "must enter their recovery key" in warning and "stays locked" in warning
    response = admin_browser.submit(url)
    assert response.status_code == 200
    temporary = TEMPORARY.search(response.get_data(as_text=True)).group(1)
    assert len(temporary) == 19
    assert temporary not in admin_browser.get(f"/admin/users/{leader.id}").get_data(as_text=True)
    assert temporary not in admin_browser.get("/admin/audit").get_data(as_text=True)

    # The leader's session ended; the journal is locked until the recovery key.
    assert old_session.get("/journal/").headers["Location"].startswith("/login")
    browser = app.test_client()
    assert login(browser, leader, password=temporary).status_code == 302
    assert browser.get("/journal/").headers["Location"] == "/account/choose-password"
    opened = browser.submit(
        "/account/choose-password",
        {
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "recovery_key": make_user.recovery_keys[leader.id],
        },
    )
    assert opened.headers["Location"] == "/account/recovery-key"
    browser.submit("/account/recovery-key/confirm", {"kept": "y"}, page="/account/recovery-key")
    assert SENTENCE in browser.get(f"/journal/{people['entry'].id}").get_data(as_text=True)

    (event,) = events(db, audit.PASSWORD_RESET)
    assert event.subject_id == leader.id and temporary not in event.detail


def test_an_administrator_resets_their_own_password_elsewhere(db, people, admin_browser):
    admin = people["admin"]
    response = admin_browser.submit(f"/admin/users/{admin.id}/reset-password")
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, admin.id).must_change_password
    assert events(db) == []


def test_creating_an_account_is_recorded_with_its_id(db, people, admin_browser):
    data = {
        "name": "Karin Kok",
        "email": "Karin@esbjerg.example",
        "password": TEST_PASSWORD,
        "confirm": TEST_PASSWORD,
        "language": "da",
        "is_admin": "y",
    }
    assert admin_browser.submit("/admin/users/new", data).status_code == 302
    karin = db.session.scalar(select(User).where(User.email == "karin@esbjerg.example"))
    (event,) = events(db)
    assert (event.action, event.subject_id, event.subject_name) == (
        audit.ACCOUNT_CREATED,
        karin.id,
        "Karin Kok",
    )
    assert event.detail == "administrator" and TEST_PASSWORD not in event.detail
    # An address in use creates nothing, and records nothing.
    assert admin_browser.submit("/admin/users/new", data).status_code == 200
    assert len(events(db)) == 1


def test_links_set_and_ended_are_recorded(db, people, admin_browser, make_user):
    leader = people["leader"]
    first = make_user(name="Mads Chef", email="mads@esbjerg.example")
    second = make_user(name="Pia Chef", email="pia@esbjerg.example")
    for manager in (first, second):
        form = {"leader_email": leader.email, "manager_email": manager.email}
        assert admin_browser.submit("/admin/links", form).status_code == 302
    link = services.sharing.open_link_of(leader)
    assert link.manager_id == second.id
    admin_browser.submit(f"/admin/links/{link.id}/end", page="/admin/links")
    assert [(e.action, e.subject_id, e.detail) for e in events(db)] == [
        (audit.LINK_SET, leader.id, "Mads Chef <mads@esbjerg.example>"),
        (audit.LINK_ENDED, leader.id, "Mads Chef <mads@esbjerg.example>"),
        (audit.LINK_SET, leader.id, "Pia Chef <pia@esbjerg.example>"),
        (audit.LINK_ENDED, leader.id, "Pia Chef <pia@esbjerg.example>"),
    ]


def test_a_new_link_that_fails_to_open_leaves_the_old_one_as_it_was(
    db, people, make_user, make_goal, monkeypatch
):
    """Linking a leader to a new manager is one action: ending the old link, the audit line
    and opening the new link succeed together or not at all."""
    leader, admin = people["leader"], people["admin"]
    first, second = make_user(name="Mads Chef"), make_user(name="Pia Chef")
    services.set_link(admin, leader, first)
    shared = make_goal(leader, title="dele mine mål")
    services.sharing.share(leader, shared, include_notes=True)
    before = [(e.action, e.detail) for e in events(db)]
    log_before = len(services.sharing.sharing_log(leader))

    def fail(*_args, **_kwargs):
        raise RuntimeError("the database went away while opening the new link")

    monkeypatch.setattr(services.sharing, "_open", fail)
    with pytest.raises(RuntimeError):
        services.set_link(admin, leader, second)

    db.session.expire_all()
    link = services.sharing.open_link_of(leader)
    assert (link.manager_id, link.status) == (first.id, "accepted")
    assert services.sharing.share_of(shared).link_id == link.id
    assert [(e.action, e.detail) for e in events(db)] == before
    assert len(services.sharing.sharing_log(leader)) == log_before


def test_a_leader_linked_to_themselves_keeps_their_link(db, people, admin_browser, make_user):
    leader = people["leader"]
    manager = make_user(name="Mads Chef")
    services.set_link(people["admin"], leader, manager)
    form = {"leader_email": leader.email, "manager_email": leader.email}
    response = admin_browser.submit("/admin/links", form)
    assert response.status_code == 200
    assert services.sharing.open_link_of(leader).manager_id == manager.id
    assert [e.action for e in events(db)] == [audit.LINK_SET]


def test_an_administrator_cannot_make_themselves_a_leaders_manager(db, people, admin_browser):
    """Goals the leader shares would go to whoever set the link: the leader must ask."""
    leader, admin = people["leader"], people["admin"]
    form = {"leader_email": leader.email, "manager_email": admin.email}
    response = admin_browser.submit("/admin/links", form)
    assert response.status_code == 200
    assert "the leader asks you from their Sharing page" in response.get_data(as_text=True)
    assert services.sharing.open_link_of(leader) is None
    assert events(db) == []


def test_the_audit_log_pages_newest_first_in_the_viewers_time_zone(db, people, app, login):
    admin = people["admin"]
    admin.language, admin.timezone = "en", "America/New_York"
    for number in range(55):
        db.session.add(
            AuditEvent(
                at=datetime(2024, 1, 15, 12, 0, tzinfo=UTC),
                actor_name="Admin Anne",
                action=audit.DEACTIVATED,
                subject_name=f"Person {number}",
            )
        )
    db.session.commit()
    browser = app.test_client()
    login(browser, admin)
    first = browser.get("/admin/audit").get_data(as_text=True)
    assert "Person 54" in first and "Person 5<" in first and "Person 4<" not in first
    assert first.index("Person 54") < first.index("Person 53")
    assert "7:00" in first and "12:00" not in first  # noon in UTC, morning in New York
    older = re.search(r'href="(/admin/audit\?before=\d+)"', first).group(1)
    second = browser.get(older).get_data(as_text=True)
    assert "Person 4<" in second and "Person 0<" in second and "Person 5<" not in second
    assert 'rel="next"' not in second
    assert browser.get("/admin/audit?before=abc").status_code == 200
    assert browser.get("/admin/audit?before=99999999999999999999").status_code == 200


def test_no_administration_page_shows_what_a_leader_wrote(
    app, db, people, admin_browser, make_user
):
    leader = people["leader"]
    manager = make_user(name="Mads Chef")
    services.set_link(people["admin"], leader, manager)
    base = f"/admin/users/{leader.id}"
    pages = [
        admin_browser.get(url)
        for url in (
            "/admin/users",
            base,
            f"{base}/deactivate",
            f"{base}/reset-password",
            "/admin/links",
            "/admin/users/new",
        )
    ]
    pages.append(admin_browser.submit(f"{base}/reset-password"))
    pages.append(admin_browser.submit(f"{base}/deactivate", follow_redirects=True))
    pages.append(admin_browser.get("/admin/audit"))
    for response in pages:
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        for secret in (SENTENCE, GOAL, NOTE, "Birgitte", "budgettet", "Kasper"):
            assert secret not in text, (response.request.path, secret)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/999999",
        "/admin/users/0",
        "/admin/users/-1",
        "/admin/users/abc",
        "/admin/users/99999999999999999999",
        "/admin/users/999999/deactivate",
        "/admin/users/999999/reset-password",
    ],
)
def test_a_bad_id_is_not_found(admin_browser, path):
    assert admin_browser.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/999999/deactivate",
        "/admin/users/999999/reactivate",
        "/admin/users/999999/administrator",
        "/admin/users/999999/reset-password",
        "/admin/users/1e3/deactivate",
        "/admin/links/999999/end",
    ],
)
def test_a_post_to_a_bad_id_is_not_found(admin_browser, path):
    token = admin_browser.csrf_token("/admin/users")
    response = admin_browser.post(path, data={"csrf_token": token, "role": "give"})
    assert response.status_code == 404


def test_two_administrators_deactivating_each_other_at_once_leave_one(
    app, db, make_user, login, monkeypatch
):
    """Both check "another administrator remains" before either writes; one must lose."""
    first = make_user(name="A", email="a@esbjerg.example", is_admin=True, language="en")
    second = make_user(name="B", email="b@esbjerg.example", is_admin=True, language="en")
    browsers = {first.id: app.test_client(), second.id: app.test_client()}
    for user in (first, second):
        login(browsers[user.id], user)
    tokens = {
        first.id: browsers[first.id].csrf_token(f"/admin/users/{second.id}/deactivate"),
        second.id: browsers[second.id].csrf_token(f"/admin/users/{first.id}/deactivate"),
    }
    # On PostgreSQL the second check waits for the first one's row lock, by design: the first
    # then waits here in vain, and a second is long enough for that.
    both_checked = threading.Barrier(2, timeout=1 if db.engine.dialect.name == "postgresql" else 10)
    check = services._refuse_losing_an_administrator

    def check_then_wait(actor, user):
        check(actor, user)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait()

    monkeypatch.setattr(services, "_refuse_losing_an_administrator", check_then_wait)
    statuses = {}

    def deactivate(actor, target):
        url = f"/admin/users/{target.id}/deactivate"
        response = browsers[actor.id].post(url, data={"csrf_token": tokens[actor.id]})
        statuses[actor.id] = response.status_code

    threads = [
        threading.Thread(target=deactivate, args=(first, second)),
        threading.Thread(target=deactivate, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    active = db.session.scalar(
        select(func.count()).select_from(User).where(User.is_admin, User.is_active)
    )
    assert active == 1, statuses
    assert sorted(statuses.values()) == [302, 302]  # one done, one refused: both say so
