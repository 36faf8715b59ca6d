"""New since last time: the right news for the right person, titles only as that person may
read them, read when opened, and the badges on the goals and the team menu."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from journal.goals import services as goals
from journal.i18n import today_for
from journal.models import Notification, Share
from journal.models.user import utcnow
from journal.notifications import in_app, kinds
from journal.notifications.services import notify
from journal.sharing import services as sharing

pytestmark = pytest.mark.both_engines  # the database engine matters here

NEWS = "Nyt siden sidst"
GOAL = "lytte færdigt, før jeg svarer"
TEAM_DOT = 'class="news-dot"'


@pytest.fixture
def people(make_user):
    return {
        "leader": make_user(name="Lone Leder"),
        "manager": make_user(name="Mads Chef"),
        "other": make_user(name="Ole Anden"),
    }


@pytest.fixture
def browsers(app, people, log_in_as):
    """A logged-in client per person."""
    return {name: log_in_as(app.test_client(), user) for name, user in people.items()}


@pytest.fixture
def shared(people, make_goal):
    """The leader linked to the manager (that news read), one goal shared (the notes left
    out): the manager's news."""
    leader, manager = people["leader"], people["manager"]
    sharing.respond(manager, sharing.request_link(leader, manager.email), accept=True)
    in_app.mark_read(leader)
    in_app.mark_read(manager)
    goal = make_goal(leader, title=GOAL)
    sharing.share(leader, goal, include_notes=False)
    return goal


def news_section(page: str) -> str:
    """The "New since last time" section of a dashboard, or "" if it is not there."""
    found = re.search(r'<section class="news card".*?</section>', page, re.S)
    return found.group(0) if found else ""


def dashboard(client) -> str:
    return client.get("/").get_data(as_text=True)


def unread(db, user) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.id)
        )
    )


def test_a_comment_is_news_to_the_leader_with_a_badge_on_the_goal(people, browsers, shared, db):
    sharing.add_comment(people["manager"], shared, "Det lægger jeg mærke til.")
    news = news_section(dashboard(browsers["leader"]))
    assert f"Mads Chef har kommenteret dit mål »{GOAL}«" in news
    assert f'href="/goals/{shared.id}#comments"' in news
    assert "Markér alle som læst" in news
    assert "Det lægger jeg mærke til" not in news  # what was written is on the goal's page
    card = re.search(
        rf'<li class="goal-card card" id="goal-{shared.id}">.*?</h3>',
        dashboard(browsers["leader"]),
        re.S,
    ).group(0)
    assert '<span class="badge new">Nyt</span>' in card
    listed = browsers["leader"].get("/goals/").get_data(as_text=True)
    assert '<span class="badge new">Nyt</span>' in listed
    # Nobody else hears of it.
    assert "kommenteret" not in dashboard(browsers["manager"])
    assert news_section(dashboard(browsers["other"])) == ""


def test_opening_the_goal_reads_its_news_and_only_the_viewers(people, browsers, shared, db):
    leader, manager = people["leader"], people["manager"]
    sharing.add_comment(manager, shared, "Hvad hjælper dig?")
    sharing.add_comment(leader, shared, "At skrive det ned.")
    assert unread(db, leader) == ["comment"] and unread(db, manager) == ["goal_shared", "reply"]

    assert browsers["leader"].get(f"/goals/{shared.id}").status_code == 200
    assert unread(db, leader) == []
    assert news_section(dashboard(browsers["leader"])) == ""
    assert '<span class="badge new">' not in browsers["leader"].get("/goals/").get_data(
        as_text=True
    )
    assert unread(db, manager) == ["goal_shared", "reply"]  # the manager's are the manager's
    # Opening someone else's goal (a 404) reads nothing of theirs either.
    assert browsers["other"].get(f"/goals/{shared.id}").status_code == 404
    assert browsers["other"].get(f"/team/{leader.id}/goals/{shared.id}").status_code == 404
    assert unread(db, manager) == ["goal_shared", "reply"]


def test_the_manager_reads_the_shares_copy_never_the_sealed_title(people, browsers, shared, db):
    leader, manager = people["leader"], people["manager"]
    # The copy says what the manager may see; the sealed title is the leader's alone.
    db.session.execute(update(Share).values(title="KOPIENS titel"))
    db.session.commit()
    sharing.add_comment(leader, shared, "Et svar.")
    page = dashboard(browsers["manager"])
    news = news_section(page)
    team_goal = f"/team/{leader.id}/goals/{shared.id}"
    assert "Lone Leder har delt målet »KOPIENS titel« med dig" in news
    assert "Lone Leder har svaret på din kommentar til »KOPIENS titel«" in news
    assert f'href="{team_goal}"' in news and f'href="{team_goal}#comments"' in news
    assert GOAL not in page
    for row in in_app.latest(manager, 20):
        assert row.sealed is None and row.plain_title is None
    # The team menu and the goal on the team page are marked.
    assert TEAM_DOT in page and "nyt siden sidst" in page
    team = browsers["manager"].get("/team/").get_data(as_text=True)
    assert '<span class="badge new">Nyt</span>' in team

    assert browsers["manager"].get(team_goal).status_code == 200
    assert unread(db, manager) == []
    page = dashboard(browsers["manager"])
    assert news_section(page) == "" and TEAM_DOT not in page
    assert '<span class="badge new">' not in browsers["manager"].get("/team/").get_data(
        as_text=True
    )


def test_a_goal_no_longer_shared_is_no_news_to_the_manager(people, browsers, shared, db):
    leader, manager = people["leader"], people["manager"]
    sharing.add_comment(leader, shared, "Et svar.")
    assert len(in_app.latest(manager, 20)) == 2
    sharing.unshare(leader, shared)
    page = dashboard(browsers["manager"])
    assert news_section(page) == "" and TEAM_DOT not in page
    assert not in_app.has_news(manager, in_app.TEAM)
    assert in_app.goals_with_news(manager) == set()
    # Shared again: what is shared may be news again; the link's end ends that too.
    sharing.share(leader, shared, include_notes=False)
    assert GOAL in news_section(dashboard(browsers["manager"]))
    sharing.end_link(sharing.open_link_of(leader), leader)
    page = dashboard(browsers["manager"])
    assert news_section(page) == "" and GOAL not in page


def test_another_leaders_manager_hears_nothing_of_this_leader(people, browsers, shared, db):
    other, manager = people["other"], people["manager"]
    sharing.respond(manager, sharing.request_link(other, manager.email), accept=True)
    theirs = goals.create_goal(
        other,
        title="uddelegere mere",
        why="",
        how_i_know="",
        task_keys=["delegation"],
        start_date=today_for(other),
        review_date=None,
    )
    sharing.share(other, theirs, include_notes=False)
    sharing.add_comment(manager, theirs, "Flot.")
    # Another leader's news is theirs: a comment from the manager they share with.
    news = news_section(dashboard(browsers["other"]))
    assert "Mads Chef har kommenteret dit mål »uddelegere mere«" in news
    assert GOAL not in news
    leader_news = news_section(dashboard(browsers["leader"]))
    assert "uddelegere" not in leader_news


def test_requests_and_answers_lead_to_the_team_and_sharing_pages(people, browsers, db):
    leader, manager = people["leader"], people["manager"]
    link = sharing.request_link(leader, manager.email)
    page = dashboard(browsers["manager"])
    assert 'href="/team/"' in news_section(page)
    assert "Lone Leder har bedt om at få dig som leder" in news_section(page)
    assert TEAM_DOT in page
    browsers["manager"].get("/team/")
    assert unread(db, manager) == []
    assert TEAM_DOT not in dashboard(browsers["manager"])

    sharing.respond(manager, link, accept=True)
    news = news_section(dashboard(browsers["leader"]))
    assert "Mads Chef har sagt ja til at være din leder" in news
    assert 'href="/sharing/"' in news
    browsers["leader"].get("/sharing/")
    assert news_section(dashboard(browsers["leader"])) == ""

    sharing.end_link(sharing.open_link_of(leader), manager)
    assert "Mads Chef har afsluttet forbindelsen mellem jer" in news_section(
        dashboard(browsers["leader"])
    )


def test_a_withdrawn_request_is_no_news(people, browsers, db):
    leader, manager = people["leader"], people["manager"]
    link = sharing.request_link(leader, manager.email)
    sharing.end_link(link, leader)
    assert news_section(dashboard(browsers["manager"])) == ""
    assert not in_app.has_news(manager, in_app.TEAM)


def test_the_appraisal_is_read_on_the_review(people, browsers, db):
    leader = people["leader"]
    notify(leader, kinds.APPRAISAL)
    db.session.commit()
    news = news_section(dashboard(browsers["leader"]))
    assert "Din lederudviklingssamtale nærmer sig: forbered den" in news
    assert 'href="/review/"' in news
    browsers["leader"].get("/review/")
    assert news_section(dashboard(browsers["leader"])) == ""


def test_check_ins_due_are_worked_out_from_the_goals(people, browsers, make_goal, db):
    leader = people["leader"]
    start = today_for(leader) - timedelta(days=20)
    goal = make_goal(leader, title=GOAL, start_date=start)
    make_goal(leader, title="noget nyt", start_date=today_for(leader))  # not due
    news = news_section(dashboard(browsers["leader"]))
    assert f"Tid til opfølgning på »{GOAL}«" in news
    assert f'href="#goal-{goal.id}"' in news
    assert "Markér alle som læst" not in news  # a check-in answers it, not a button
    # A reminder's notification adds nothing: the goal is marked once.
    notify(leader, kinds.CHECK_IN_DUE, goal_id=goal.id)
    db.session.commit()
    assert news_section(dashboard(browsers["leader"])).count("Tid til opfølgning") == 1
    make_goal(leader, title="give feedback", start_date=start)
    assert "Tid til opfølgning på 2 af dine mål" in news_section(dashboard(browsers["leader"]))
    for each in goals.goals_of(leader):
        goals.add_check_in(leader, each, day=today_for(leader), rating=3, note="")
    assert news_section(dashboard(browsers["leader"])) == ""


def test_a_quiet_day_shows_no_news_section(browsers):
    page = dashboard(browsers["leader"])
    assert NEWS not in page and news_section(page) == ""


def test_marking_all_read_empties_the_section_for_the_viewer_only(people, browsers, shared, db):
    leader, manager = people["leader"], people["manager"]
    sharing.add_comment(manager, shared, "Godt.")
    sharing.add_comment(leader, shared, "Tak.")
    answer = browsers["leader"].submit("/news/read", page="/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    page = dashboard(browsers["leader"])
    assert "Alt er markeret som læst." in page and news_section(page) == ""
    assert unread(db, leader) == [] and unread(db, manager) == ["goal_shared", "reply"]


def test_twenty_are_listed_and_the_rest_counted(people, browsers, shared, db):
    manager = people["manager"]
    moment = utcnow()
    for minutes in range(23):
        notify(
            people["leader"],
            kinds.COMMENT,
            actor=manager,
            goal_id=shared.id,
            link_id=sharing.open_link_of(people["leader"]).id,
            at=moment - timedelta(minutes=minutes),
        )
    db.session.commit()
    news = news_section(dashboard(browsers["leader"]))
    assert news.count("har kommenteret dit mål") == 20
    assert "3 ældre vises ikke her" in news


def test_a_deleted_actor_is_someone(people, browsers, shared, db):
    sharing.add_comment(people["manager"], shared, "Godt.")
    db.session.execute(update(Notification).values(actor_id=None))
    db.session.commit()
    assert f"Nogen har kommenteret dit mål »{GOAL}«" in news_section(dashboard(browsers["leader"]))


def test_every_kind_the_app_shows_has_a_line_or_is_worked_out_live():
    shown = {kind.name for kind in in_app.SHOWN + in_app.LIVE}
    assert shown == {kind.name for kind in kinds.KINDS.values() if kind.in_app}
