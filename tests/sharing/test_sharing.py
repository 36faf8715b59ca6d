"""Manager links, sharing goal by goal, comments and the log."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select, update

from journal.goals import services as goals
from journal.models import CheckIn, Comment, Goal, ManagerLink, Share, SharedNote, SharingEvent
from journal.sharing import services

pytestmark = pytest.mark.both_engines  # the database engine matters here


@pytest.fixture
def people(make_user):
    return {
        "leader": make_user(name="Lone Leder"),
        "manager": make_user(name="Mads Chef"),
        "other": make_user(name="Ole Anden"),
    }


def browser(app, login, user):
    client = app.test_client()
    login(client, user)
    return client


def linked(people):
    link = services.request_link(people["leader"], people["manager"].email)
    services.respond(people["manager"], link, accept=True)
    return link


def test_the_link_lifecycle_through_the_pages(app, login, people, db):
    leader = browser(app, login, people["leader"])
    manager = browser(app, login, people["manager"])
    assert "Mine ledere" not in manager.get("/").get_data(as_text=True)

    # A mistyped address: sent all the same (no one learns whether it has an account), and
    # withdrawn.
    nobody = "MADS@" + people["manager"].email.split("@")[1]
    sent = leader.submit("/sharing/request", {"email": nobody}, page="/sharing/")
    assert sent.status_code == 302
    assert f"til {nobody.lower()} venter på svar" in leader.get("/sharing/").get_data(as_text=True)
    mistyped = db.session.scalars(select(ManagerLink)).one()
    leader.submit(f"/sharing/links/{mistyped.id}/end", page="/sharing/")
    leader.submit("/sharing/request", {"email": people["manager"].email}, page="/sharing/")
    link = db.session.scalars(select(ManagerLink).where(ManagerLink.status == "pending")).one()
    assert "venter på svar" in leader.get("/sharing/").get_data(as_text=True)

    team = manager.get("/team/").get_data(as_text=True)
    assert "Mine ledere" in manager.get("/").get_data(as_text=True)
    assert "Lone Leder" in team and "har bedt om at få dig som leder" in team
    manager.submit(f"/team/requests/{link.id}/accept", page="/team/")
    db.session.expire_all()
    assert db.session.get(ManagerLink, link.id).status == "accepted"
    assert "Du er knyttet til Mads Chef" in leader.get("/sharing/").get_data(as_text=True)

    leader.submit(f"/sharing/links/{link.id}/end", page="/sharing/")
    db.session.expire_all()
    assert db.session.get(ManagerLink, link.id).status == "ended"


def test_decline_and_end_by_the_manager(app, login, people, db):
    link = services.request_link(people["leader"], people["manager"].email)
    manager = browser(app, login, people["manager"])
    manager.submit(f"/team/requests/{link.id}/decline", page="/team/")
    db.session.expire_all()
    assert db.session.get(ManagerLink, link.id).status == "declined"
    second = linked(people)
    manager.submit(f"/team/links/{second.id}/end", page="/team/")
    db.session.expire_all()
    assert db.session.get(ManagerLink, second.id).status == "ended"


def test_one_open_link_per_leader_and_never_oneself(app, people):
    services.request_link(people["leader"], people["manager"].email)
    with pytest.raises(services.SharingError, match="already_linked"):
        services.request_link(people["leader"], people["other"].email)
    with pytest.raises(services.SharingError, match="self"):
        services.request_link(people["other"], people["other"].email)


def test_an_administrators_self_link_is_refused_without_ending_the_current_link(app, people):
    current = linked(people)
    with pytest.raises(services.SharingError, match="self"):
        services.set_link_by_admin(people["leader"], people["leader"])
    assert services.open_link_of(people["leader"]).id == current.id


def test_the_database_refuses_a_second_open_link(app, people, db):
    from sqlalchemy.exc import IntegrityError

    services.request_link(people["leader"], people["manager"].email)
    db.session.add(ManagerLink(leader_id=people["leader"].id, manager_id=people["other"].id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_an_administrator_sets_and_ends_links_without_seeing_content(
    app, login, people, make_user, db, make_goal
):
    admin = browser(app, login, make_user(name="Admin Anne", is_admin=True))
    goal = make_goal(people["leader"], title="HEMMELIGT")
    response = admin.submit(
        "/admin/links",
        {"leader_email": people["leader"].email, "manager_email": people["manager"].email},
        page="/admin/links",
    )
    assert response.status_code == 302
    link = services.open_link_of(people["leader"])
    assert link.status == "accepted" and link.manager_id == people["manager"].id
    services.share(people["leader"], goal, include_notes=False)
    page = admin.get("/admin/links").get_data(as_text=True)
    assert "Lone Leder" in page and "HEMMELIGT" not in page
    admin.submit(f"/admin/links/{link.id}/end", page="/admin/links")
    db.session.expire_all()
    assert services.open_link_of(people["leader"]) is None


def test_share_preview_and_unshare_take_effect_at_once(app, login, people, db, make_goal):
    link = linked(people)
    goal = make_goal(people["leader"])
    goals.add_check_in(people["leader"], goal, day=date(2026, 2, 2), rating=4, note="MIN NOTE")
    leader = browser(app, login, people["leader"])
    manager = browser(app, login, people["manager"])
    url = f"/team/{people['leader'].id}/goals/{goal.id}"
    assert manager.get(url).status_code == 404  # not shared yet

    preview = leader.get(f"/goals/{goal.id}/share").get_data(as_text=True)
    assert "Præcis dette kan Mads Chef se" in preview and "MIN NOTE" not in preview
    assert "MIN NOTE" in leader.get(f"/goals/{goal.id}/share?notes=1").get_data(as_text=True)

    leader.submit(f"/goals/{goal.id}/share", {}, page=f"/goals/{goal.id}/share")
    page = manager.get(url).get_data(as_text=True)
    assert "lytte før jeg svarer" in page and "4 – For det meste" in page
    assert "MIN NOTE" not in page  # notes only when the leader ticks them

    leader.submit(f"/goals/{goal.id}/share", {"include_notes": "y"}, page=f"/goals/{goal.id}/share")
    assert "MIN NOTE" in manager.get(url).get_data(as_text=True)

    # The manager holds the page open; the leader unshares; the next request is refused.
    token = manager.csrf_token(url)
    leader.submit(f"/goals/{goal.id}/unshare", page=f"/goals/{goal.id}")
    assert manager.get(url).status_code == 404
    refused = manager.post(f"{url}/comments", data={"csrf_token": token, "body": "Hej"})
    assert refused.status_code == 404
    assert db.session.scalar(select(Comment)) is None
    assert link.id  # the link itself is untouched


def test_ending_the_link_ends_access_and_a_new_manager_sees_nothing_old(
    app, login, people, db, make_goal
):
    link = linked(people)
    goal = make_goal(people["leader"])
    services.share(people["leader"], goal, include_notes=False)
    manager = browser(app, login, people["manager"])
    url = f"/team/{people['leader'].id}/goals/{goal.id}"
    assert manager.get(url).status_code == 200
    services.end_link(link)
    assert manager.get(url).status_code == 404
    new_link = services.request_link(people["leader"], people["other"].email)
    services.respond(people["other"], new_link, accept=True)
    newcomer = browser(app, login, people["other"])
    assert newcomer.get(url).status_code == 404
    assert "lytte" not in newcomer.get("/team/").get_data(as_text=True)


def test_comments_reply_delete_and_survive_unsharing_with_the_leader(
    app, login, people, db, make_goal
):
    linked(people)
    goal = make_goal(people["leader"])
    services.share(people["leader"], goal, include_notes=False)
    leader = browser(app, login, people["leader"])
    manager = browser(app, login, people["manager"])
    url = f"/team/{people['leader'].id}/goals/{goal.id}"
    manager.submit(f"{url}/comments", {"body": "Flot, at du spørger mere"}, page=url)
    page = leader.get(f"/goals/{goal.id}").get_data(as_text=True)
    assert "Flot, at du spørger mere" in page and "Mads Chef" in page
    leader.submit(
        f"/goals/{goal.id}/comments", {"body": "Tak, jeg prøver"}, page=f"/goals/{goal.id}"
    )
    assert "Tak, jeg prøver" in manager.get(url).get_data(as_text=True)

    mine = db.session.scalar(select(Comment).where(Comment.body == "Tak, jeg prøver"))
    theirs = db.session.scalar(select(Comment).where(Comment.body == "Flot, at du spørger mere"))
    assert manager.submit(f"/comments/{mine.id}/delete", page=url).status_code == 404
    leader.submit(f"/comments/{mine.id}/delete", page=f"/goals/{goal.id}")

    services.unshare(people["leader"], goal)
    assert manager.get(url).status_code == 404
    assert "Flot, at du spørger mere" in leader.get(f"/goals/{goal.id}").get_data(as_text=True)
    db.session.expire_all()
    assert [c.id for c in db.session.scalars(select(Comment))] == [theirs.id]


def test_an_empty_comment_is_refused_with_a_message(app, login, people, db, make_goal):
    linked(people)
    goal = make_goal(people["leader"])
    services.share(people["leader"], goal, include_notes=False)
    manager = browser(app, login, people["manager"])
    url = f"/team/{people['leader'].id}/goals/{goal.id}"
    response = manager.submit(f"{url}/comments", {"body": "  "}, page=url)
    assert response.status_code == 200 and "Skriv en kommentar først." in response.get_data(
        as_text=True
    )
    assert db.session.scalar(select(Comment)) is None


def test_the_log_records_links_shares_and_views(app, login, people, db, make_goal):
    linked(people)
    goal = make_goal(people["leader"])
    services.share(people["leader"], goal, include_notes=False)
    manager = browser(app, login, people["manager"])
    manager.get(f"/team/{people['leader'].id}/goals/{goal.id}")
    services.unshare(people["leader"], goal)
    kinds = db.session.scalars(
        select(SharingEvent.kind)
        .where(SharingEvent.leader_id == people["leader"].id)
        .order_by(SharingEvent.id)
    ).all()
    assert kinds == ["link_requested", "link_accepted", "shared", "viewed", "unshared"]
    page = browser(app, login, people["leader"]).get("/sharing/").get_data(as_text=True)
    assert "Mads Chef åbnede »Jeg øver mig på at lytte før jeg svarer«." in page
    assert "Du stoppede delingen af" in page


def test_the_log_records_comments_and_replies_within_the_link(app, login, people, db, make_goal):
    linked(people)
    leader, manager = people["leader"], people["manager"]
    goal = make_goal(leader)
    services.share(leader, goal, include_notes=False)
    services.add_comment(manager, goal, "Hvad hjælper dig?")
    services.add_comment(leader, goal, "At skrive det ned.")
    services.unshare(leader, goal)
    services.add_comment(leader, goal, "En note til mig selv.")  # within no link: no line
    events = db.session.execute(
        select(SharingEvent.kind, SharingEvent.goal_id, SharingEvent.manager_id)
        .where(SharingEvent.kind.in_(("commented", "replied")))
        .order_by(SharingEvent.id)
    ).all()
    assert events == [("commented", goal.id, manager.id), ("replied", goal.id, manager.id)]
    page = browser(app, login, leader).get("/sharing/").get_data(as_text=True)
    assert "Mads Chef kommenterede »Jeg øver mig på at lytte før jeg svarer«." in page
    assert "Du svarede på en kommentar til »Jeg øver mig på at lytte før jeg svarer«." in page
    assert "Hvad hjælper dig?" not in page and "At skrive det ned." not in page


def test_the_manager_never_sees_counts_or_journal_traces(
    app, login, people, make_entry, db, make_goal
):
    from journal.entries import services as entries

    linked(people)
    goal = make_goal(people["leader"])
    entries.create_entry(
        people["leader"],
        entry_date=date(2026, 2, 2),
        title="Min refleksion",
        body="x",
        task_keys=[],
        goal_ids=[goal.id],
    )
    services.share(people["leader"], goal, include_notes=False)
    page = (
        browser(app, login, people["manager"])
        .get(f"/team/{people['leader'].id}/goals/{goal.id}")
        .get_data(as_text=True)
    )
    assert "Min refleksion" not in page
    assert "refleksion" not in page.lower().replace("ny refleksion", "")  # no counts, no markers
    assert "chart-evidence" not in page and "arbejdsdag" not in page


def test_the_team_page_query_count_does_not_grow_with_leaders(app, login, make_user, db, make_goal):
    from tests.entries.test_journal_list import counting_queries

    manager = make_user(name="Mads Chef")

    def add_leader(name):
        leader = make_user(name=name)
        link = services.request_link(leader, manager.email)
        services.respond(manager, link, accept=True)
        for title in ("en", "to"):
            services.share(leader, make_goal(leader, title=title), include_notes=False)

    add_leader("Første")
    client = browser(app, login, manager)
    with counting_queries(db.engine) as few:
        assert client.get("/team/").status_code == 200
    for number in range(5):
        add_leader(f"Leder {number}")
    with counting_queries(db.engine) as many:
        page = client.get("/team/").get_data(as_text=True)
    assert page.count("Jeg øver mig på at en") == 6
    assert len(many) == len(few)


def test_a_manager_sees_only_the_comments_made_within_their_own_link(
    app, login, people, db, make_goal
):
    """Issue 17, item 5: a new manager does not see the previous manager's comments, nor the
    leader's replies to them; the leader sees every comment, each saying whose time it was."""
    leader_user, earlier, current = people["leader"], people["manager"], people["other"]
    goal = make_goal(leader_user)
    leader = browser(app, login, leader_user)
    page = f"/goals/{goal.id}"
    url = f"/team/{leader_user.id}/goals/{goal.id}"

    first = linked(people)
    services.share(leader_user, goal, include_notes=False)
    browser(app, login, earlier).submit(f"{url}/comments", {"body": "Fra Mads tid"}, page=url)
    leader.submit(f"{page}/comments", {"body": "Svar til Mads"}, page=page)
    services.end_link(first)
    leader.submit(f"{page}/comments", {"body": "Skrevet uden deling"}, page=page)

    second = services.request_link(leader_user, current.email)
    services.respond(current, second, accept=True)
    preview = leader.get(f"{page}/share").get_data(as_text=True)
    assert "Ingen kommentarer endnu." in preview
    assert "Fra Mads tid" not in preview and "Svar til Mads" not in preview
    services.share(leader_user, goal, include_notes=False)
    newcomer = browser(app, login, current)
    seen = newcomer.get(url).get_data(as_text=True)
    for old in ("Fra Mads tid", "Svar til Mads", "Skrevet uden deling"):
        assert old not in seen
    newcomer.submit(f"{url}/comments", {"body": "Fra Oles tid"}, page=url)
    leader.submit(f"{page}/comments", {"body": "Svar til Ole"}, page=page)
    seen = newcomer.get(url).get_data(as_text=True)
    assert "Fra Oles tid" in seen and "Svar til Ole" in seen and "Fra Mads tid" not in seen
    # The preview shows exactly the comments the manager sees, read only.
    preview = leader.get(f"{page}/share").get_data(as_text=True)
    assert "Fra Oles tid" in preview and "Svar til Ole" in preview
    assert "Fra Mads tid" not in preview and "Slet min kommentar" not in preview

    own = leader.get(page).get_data(as_text=True)
    marks = {
        "Fra Mads tid": "Skrevet, da Mads Chef var din leder. Ingen leder kan se den nu.",
        "Svar til Mads": "Skrevet, da Mads Chef var din leder. Ingen leder kan se den nu.",
        "Skrevet uden deling": "Ikke delt med en leder: Ingen leder kan se den.",
        "Fra Oles tid": "Skrevet, mens Ole Anden er din leder. Vedkommende kan se den.",
        "Svar til Ole": "Skrevet, mens Ole Anden er din leder. Vedkommende kan se den.",
    }
    for body, mark in marks.items():
        comment = own[: own.index(body)]
        assert comment[comment.rindex('class="comment card') :].count(mark) == 1, body
    db.session.expire_all()
    links = dict(db.session.execute(select(Comment.body, Comment.link_id)).all())
    assert links == {
        "Fra Mads tid": first.id,
        "Svar til Mads": first.id,
        "Skrevet uden deling": None,
        "Fra Oles tid": second.id,
        "Svar til Ole": second.id,
    }


def test_the_manager_reads_the_shares_copy_which_follows_the_leaders_changes(
    app, login, people, db, make_goal
):
    """Issue 17, item 6: the goal's own text is sealed with the leader's key; the manager's
    page reads the share's copy, written in the leader's requests while it is shared."""
    linked(people)
    goal = make_goal(
        people["leader"], title="lytte før jeg svarer", why="Fordi A", start_date=date(2026, 1, 5)
    )
    leader = browser(app, login, people["leader"])
    manager = browser(app, login, people["manager"])
    page, url = f"/goals/{goal.id}", f"/team/{people['leader'].id}/goals/{goal.id}"
    leader.submit(f"{page}/check-ins", {"day": "2026-02-02", "rating": "3", "note": "Note 1"})
    leader.submit(f"{page}/share", {"include_notes": "y"})

    # Edits while shared reach the copy: the goal, a new check-in, a corrected one.
    edited = {
        "title": "lytte længere",
        "why": "Fordi B",
        "how_i_know": "",
        "tasks": ["vision"],
        "start_date": goal.start_date.isoformat(),
    }
    assert leader.submit(f"{page}/edit", edited).status_code == 302
    leader.submit(f"{page}/check-ins", {"day": "2026-02-03", "rating": "4", "note": "Note 2"})
    (first_id,) = db.session.scalars(select(CheckIn.id).where(CheckIn.day == date(2026, 2, 2)))
    leader.submit(
        f"/goals/check-ins/{first_id}/edit", {"day": "2026-02-02", "rating": "3", "note": "Ny 1"}
    )
    seen = manager.get(url).get_data(as_text=True)
    assert "lytte længere" in seen and "Fordi B" in seen and "Fordi A" not in seen
    assert "Ny 1" in seen and "Note 2" in seen and "Note 1" not in seen

    # The manager never opens the goal itself: a goal whose seal is damaged still shows.
    db.session.execute(update(Goal).where(Goal.id == goal.id).values(sealed=b"\x01damaged"))
    db.session.commit()
    assert "lytte længere" in manager.get(url).get_data(as_text=True)
    db.session.execute(update(Goal).where(Goal.id == goal.id).values(sealed=goal.sealed))
    db.session.commit()

    # Notes no longer included: their copy goes; unshared: the whole copy goes.
    leader.submit(f"{page}/share", {})
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SharedNote)) == 0
    assert "Ny 1" not in manager.get(url).get_data(as_text=True)
    leader.submit(f"{page}/unshare", page=page)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Share)) == 0


def test_a_check_in_that_fails_keeps_its_note(app, login, people, make_goal):
    """Nothing lost: a check-in form with an error shows the note again, new or corrected."""
    goal = make_goal(people["leader"], start_date=date(2026, 1, 5))
    leader = browser(app, login, people["leader"])
    page = f"/goals/{goal.id}"
    failed = leader.submit(f"{page}/check-ins", {"day": "2026-02-02", "note": "Min lange note"})
    assert failed.status_code == 200 and "Min lange note" in failed.get_data(as_text=True)
    saved = goals.add_check_in(people["leader"], goal, day=date(2026, 2, 2), rating=3, note="")
    url = f"/goals/check-ins/{saved.id}/edit"
    failed = leader.submit(url, {"day": "2099-01-01", "rating": "3", "note": "Rettet note"})
    assert failed.status_code == 200 and "Rettet note" in failed.get_data(as_text=True)


def manager_section(page: str, *addresses: str) -> str:
    """The page's "My manager" part, with the addresses, ids and tokens in it made alike."""
    section = re.search(
        r'<section class="card" aria-labelledby="link-title">.*?</section>', page, re.S
    )
    text = re.sub(r'value="[^"]+"|/links/\d+/', "…", section.group(0))
    for address in addresses:
        text = text.replace(address, "ADDRESS")
    return text


def test_naming_an_address_tells_no_one_whether_it_has_an_account(app, make_user, log_in_as):
    """Two leaders name their manager: one an address with an account, one without. Each
    sees the same answer, the same waiting request and the same log line."""
    manager = make_user(name="Mads Chef")
    seen = []
    for address in (manager.email, "ingen.konto@esbjerg.example"):
        leader = make_user(name="Lone Leder")
        browser = log_in_as(app.test_client(), leader)
        sent = browser.submit("/sharing/request", {"email": address}, page="/sharing/")
        page = browser.get(sent.headers["Location"]).get_data(as_text=True)
        assert "Mads Chef" not in page
        seen.append((sent.status_code, manager_section(page, address)))
    assert seen[0] == seen[1]


def test_a_request_waits_for_the_account_an_administrator_makes_later(
    app, db, make_user, log_in_as, people
):
    leader = log_in_as(app.test_client(), people["leader"])
    leader.submit("/sharing/request", {"email": "Ny.Chef@esbjerg.example"}, page="/sharing/")
    newcomer = make_user(name="Nina Chef", email="ny.chef@esbjerg.example")
    team = log_in_as(app.test_client(), newcomer)
    assert "Mine ledere" in team.get("/").get_data(as_text=True)  # the Team menu shows
    page = team.get("/team/").get_data(as_text=True)
    assert "Lone Leder" in page and "har bedt om at få dig som leder" in page
    link = db.session.scalars(select(ManagerLink)).one()
    assert link.manager_id is None and link.manager_email == "ny.chef@esbjerg.example"
    assert team.submit(f"/team/requests/{link.id}/accept", page="/team/").status_code == 302
    db.session.expire_all()
    link = db.session.get(ManagerLink, link.id)
    assert (link.status, link.manager_id) == ("accepted", newcomer.id)
    assert "Du er knyttet til Nina Chef" in leader.get("/sharing/").get_data(as_text=True)
    # Nobody else with another address can answer it.
    stranger = log_in_as(app.test_client(), people["other"])
    assert stranger.post(f"/team/requests/{link.id}/accept").status_code in (400, 404)


def test_a_check_in_without_a_note_shows_the_manager_what_the_preview_shows(
    app, login, people, make_goal
):
    """Notes included, a check-in without a note has no copied note: its cell is empty for
    the manager as in the leader's preview (not the word "None")."""
    linked(people)
    goal = make_goal(people["leader"], start_date=date(2026, 1, 5))
    leader = browser(app, login, people["leader"])
    page = f"/goals/{goal.id}"
    leader.submit(f"{page}/check-ins", {"day": "2026-02-02", "rating": "3", "note": ""})
    leader.submit(f"{page}/check-ins", {"day": "2026-02-03", "rating": "4", "note": "En note"})
    leader.submit(f"{page}/share", {"include_notes": "y"})
    preview = leader.get(f"{page}/share?notes=1").get_data(as_text=True)
    manager = browser(app, login, people["manager"])
    seen = manager.get(f"/team/{people['leader'].id}/goals/{goal.id}").get_data(as_text=True)
    cells = re.compile(r'<td class="prewrap">(.*?)</td>', re.S)
    assert cells.findall(seen) == cells.findall(preview) == ["En note", ""]


def test_the_request_form_promises_a_mail_only_where_mail_is_sent(app, login, people):
    """Asking for a manager records the request in the app; a mail goes only where mail is
    set up, so only there does the page say so, and the button never says "send"."""
    leader = browser(app, login, people["leader"])
    mail = "Din leder får også en mail om det"
    page = leader.get("/sharing/").get_data(as_text=True)
    assert "Spørg min leder" in page and "Send" not in page and mail not in page
    assert "Din leder ser din forespørgsel, når vedkommende logger ind" in page
    app.config["MAIL_HOST"] = "smtp.esbjerg.example"
    assert mail in leader.get("/sharing/").get_data(as_text=True)
