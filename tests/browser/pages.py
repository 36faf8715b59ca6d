"""One realistic journal, and the list of the app's main pages, for the page-walking tests.

`seed_dataset(server)` writes a leader's months of tagged entries, goals with check-ins, a
manager who comments on a shared goal, a saved review, an administrator, two accounts
half-way through their first log-in, and a leader whose manager an import proposed.
`main_pages(data)` lists every main page as who sees it; `profiles(...)` gives a logged-in
tab per person, and `visit` opens a page in its state.
"""

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count

from flask import session
from flask_login import login_user
from sqlalchemy import update

from journal.agenda import services as agenda
from journal.auth import keys
from journal.auth import services as accounts
from journal.entries import services as entries
from journal.extensions import db
from journal.goals import services as goals
from journal.i18n import today_for
from journal.models import OutgoingMail, User
from journal.models.user import utcnow
from journal.notifications.unsubscribe import new_token
from journal.review import services as reviews
from journal.review.routes import review_context
from journal.sharing import services as sharing
from journal.sso import pending
from journal.sso.services import SignIn
from tests.browser.conftest import log_in, watch
from tests.conftest import TEST_PASSWORD, locked_session

LEADER = "lone@esbjerg.example"
MANAGER = "mads@esbjerg.example"
ADMIN = "anne@esbjerg.example"
NEWCOMER = "nina@esbjerg.example"  # an administrator made the account: choose a password
PROPOSED = "per@esbjerg.example"  # an administrator's import proposed Mads as his manager
SEARCH_WORD = "medarbejder"

# Short reflections as a team leader in a municipality would write them, with their tasks.
REFLECTIONS = (
    (
        "Personalemøde om vagtplanen",
        "Jeg gav teamet beslutningen om vagtplanen i stedet for at tage den selv. Det var "
        "svært at holde mund, men de fandt en bedre løsning, end jeg havde.",
        ["delegation", "reflective-leadership"],
    ),
    (
        "",
        "En medarbejder kom forbi mit kontor i eftermiddag og var ked af en borgersag. Jeg "
        "lyttede færdigt, før jeg svarede. Hun gik derfra med sin egen plan.",
        ["clear-and-present-leadership", "citizen-at-the-centre"],
    ),
    (
        "Opfølgning på kvartalets mål",
        "Vi fulgte op på målene fra sidste kvartal, og to af dem halter.\n\n"
        "- sygefraværet er faldet\n- ventetiden er **ikke** faldet\n\n"
        "Næste gang vil jeg spørge, hvad de har brug for fra mig.",
        ["follow-up"],
    ),
    (
        "Svær samtale",
        "Formiddagen gik med en svær samtale om samarbejdet i teamet. Jeg sagde åbent, at jeg "
        "selv øver mig i at give feedback tidligere.",
        ["feedback-and-facilitation", "authenticity-and-transparency"],
    ),
    (
        "",
        "Flere spurgte, hvad meningen er med den nye organisering, og jeg manglede et klart "
        "svar. Jeg vil koble det til det, borgerne mærker.",
        ["vision"],
    ),
    (
        "Borgeren i centrum",
        "Vi tog udgangspunkt i borgerens egne ønsker frem for vores procedurer, og hun sagde "
        "bagefter, at hun for første gang følte sig hørt.",
        ["citizen-at-the-centre"],
    ),
)
GOALS = (
    (
        "lytte færdigt, før jeg svarer",
        "Mine medarbejdere skal opleve, at jeg hører hele deres pointe.",
        "De taler længere på møderne, og jeg afbryder ikke.",
        ["clear-and-present-leadership", "reflective-leadership"],
        [2, 2, 3, 3, 2, 4, 3, 4],
    ),
    (
        "give opgaver fra mig med tydelige rammer",
        "Teamet kan mere, end jeg giver dem lov til.",
        "",
        ["delegation"],
        [3, 2, 3],
    ),
)


@dataclass
class Dataset:
    """The ids the pages need, and a mail's unsubscribe token."""

    leader_id: int = 0
    entry_id: int = 0
    trashed_id: int = 0
    goal_id: int = 0
    shared_goal_id: int = 0
    check_in_id: int = 0
    review_id: int = 0
    point_id: int = 0
    meeting_id: int = 0
    unsubscribe_token: str = ""
    # A visitor's session cookie holding a municipal sign-in waiting to be linked to the
    # leader's account (the page that asks for the password or the recovery key once).
    link_cookie: str = ""
    locked_cookie: str = ""
    set_up_cookie: str = ""


def seed_dataset(server) -> Dataset:
    """Fill `server`'s database with one leader's journal and the people around it."""
    data = Dataset()
    leader_id, leader_key = server.make_user("Lone Leder", LEADER)
    if server.app.config["OIDC_ISSUER"]:
        data.link_cookie = waiting_link_cookie(server, leader_id)
    manager_id, manager_key = server.make_user("Mads Chef", MANAGER)
    server.make_user("Anne Admin", ADMIN, is_admin=True)
    requester_id, _ = server.make_user("Rita Holm", "rita@esbjerg.example")
    proposed_id, _ = server.make_user("Per Holm", PROPOSED)
    data.leader_id = leader_id
    data.locked_cookie, data.set_up_cookie = signed_in_by_sso(server)

    def journal():
        leader = db.session.get(User, leader_id)
        manager = db.session.get(User, manager_id)
        today = today_for(leader)
        made = []
        for number, (title, why, how, tasks, ratings) in enumerate(GOALS):
            goal = goals.create_goal(
                leader,
                title=title,
                why=why,
                how_i_know=how,
                task_keys=tasks,
                start_date=today - timedelta(days=7 * len(ratings) + 3),
                review_date=today + timedelta(days=60),
            )
            for week, rating in enumerate(ratings):
                day = today - timedelta(days=7 * (len(ratings) - week) - number * 5)
                note = "Bedre i dag: jeg ventede med at svare." if rating >= 4 else ""
                check_in = goals.add_check_in(leader, goal, day=day, rating=rating, note=note)
            made.append((goal, check_in))
        achieved = goals.create_goal(
            leader,
            title="holde ugentlige 1:1-samtaler",
            why="",
            how_i_know="",
            task_keys=["follow-up"],
            start_date=today - timedelta(days=200),
            review_date=None,
        )
        goals.set_status(leader, achieved, "achieved")
        days = count()
        for round_ in range(4):
            for number, (title, body, tasks) in enumerate(REFLECTIONS):
                entry = entries.create_entry(
                    leader,
                    entry_date=today - timedelta(days=next(days) * 2 + round_ % 2),
                    title=title,
                    body=body,
                    task_keys=tasks,
                    starred=number == 3 and round_ < 2,
                    goal_ids=[made[0][0].id] if "clear-and-present-leadership" in tasks else [],
                )
                if round_ == 0 and number == 1:
                    data.entry_id = entry.id
        trashed = entries.create_entry(
            leader,
            entry_date=today - timedelta(days=3),
            title="Kladde, jeg ikke vil gemme",
            body="Skrevet i vrede efter mødet. Skal ikke gemmes.",
            task_keys=[],
        )
        entries.trash_entry(leader, trashed)
        data.trashed_id = trashed.id
        data.goal_id, data.check_in_id = made[0][0].id, made[0][1].id
        data.shared_goal_id = made[0][0].id
        link = sharing.request_link(leader, manager.email)
        sharing.respond(manager, link, accept=True)
        sharing.share(leader, made[0][0], include_notes=True)
        sharing.add_comment(
            manager, made[0][0], "Det kan jeg mærke på ledermøderne. Hvad hjælper dig mest?"
        )
        sharing.add_comment(leader, made[0][0], "At jeg skriver det ned samme dag.")
        sharing.request_link(db.session.get(User, requester_id), manager.email)  # awaits an answer
        sharing.propose_link(db.session.get(User, proposed_id), manager.email, None)
        data.review_id = save_review(server, leader, today)
        # The agenda for the conversation: one held, a point carried over, one shared, the
        # manager's own, and each side's notes.
        point = agenda.add_point(leader, "Hvordan jeg får mere tid til sparring med teamet.")
        shared_point = agenda.add_point(leader, "Sparring om den nye organisering.")
        agenda.share_point(leader, shared_point)
        agenda.tick(leader, shared_point, True)
        meeting = agenda.hold_meeting(leader, leader.id, link, today - timedelta(days=90))
        agenda.save_note(leader, meeting, "Aftalt: sparring hver anden måned.")
        agenda.save_note(manager, meeting, "Følg op på organiseringen i marts.")
        agenda.share_point(leader, agenda.add_point(leader, "Min rolle i budgetprocessen."))
        agenda.add_manager_point(manager, link, "Lad os tale om sygefraværet i dit team.")
        data.point_id, data.meeting_id = point.id, meeting.id
        # A mail the leader got about the comment, whose unsubscribe link she opens.
        data.unsubscribe_token, digest = new_token()
        db.session.add(
            OutgoingMail(
                recipient_id=leader.id,
                sent_at=utcnow(),
                unsubscribe_hash=digest,
                settings="comments",
            )
        )
        accounts.create_user(NEWCOMER, "Nina Ny", TEST_PASSWORD, must_change_password=True)

    server.seed(journal, leader_key, manager_key)  # the manager's key: his own notes
    return data


def save_review(server, leader: User, today: date) -> int:
    """A review of the last six months saved with the snapshot the page itself would keep."""
    period = reviews.resolve_period(leader, "6", None, None, today)
    with server.app.test_request_context("/review/"):  # the page's code reads current_user
        login_user(leader)
        snapshot = review_context(period)["snapshot"]
    review = reviews.save_review(
        leader,
        period,
        proud="Jeg afbryder sjældnere, og teamet tager flere beslutninger selv.",
        next_practice="At give feedback, mens situationen stadig er frisk.",
        need_from_manager="Sparring om den nye organisering, før den præsenteres.",
        snapshot=snapshot,
    )
    return review.id


def set_language(server, language: str) -> None:
    """Every account's language (the app remembers it per user, not per browser)."""
    server.seed(lambda: db.session.execute(update(User).values(language=language)))


_new_accounts = count(1)


def first_login_account(server) -> str:
    """A new account without a journal key yet: its first log-in shows the recovery key."""
    number = next(_new_accounts)
    email = f"ny{number}@esbjerg.example"

    def make():
        accounts.create_user(email, f"Ny Leder {number}", TEST_PASSWORD, must_change_password=False)

    server.seed(make)
    return email


# What to do on a page after it loads, to show it in another state: submit invalid input.
Action = Callable[[object], None]

# A file to import: a new leader with a proposed manager, one already there, one refused.
ACCOUNTS_FILE = (
    "navn;e-mail;leders e-mail;administrator\r\n"
    f"Sofie Lund;sofie@esbjerg.example;{MANAGER};nej\r\n"
    f"Lone Leder;{LEADER};;\r\n"
    "Fejl i adressen;sofie@;;\r\n"
).encode()


def upload_accounts(page) -> None:
    """Choose the file of accounts and show the import's preview."""
    file = {"name": "ledere.csv", "mimeType": "text/csv", "buffer": ACCOUNTS_FILE}
    page.set_input_files("main input[type=file]", files=[file])
    with page.expect_navigation():
        page.click("main form button.primary")


def import_accounts(page) -> None:
    """Import the file of accounts: its report (in a second walk, all of it already there)."""
    upload_accounts(page)
    with page.expect_navigation():
        page.click("main form button.primary")


def submit(form: str, fill: dict[str, str] | None = None, button: str = "button.primary") -> Action:
    """Fill fields of the form matched by `form` (CSS), then press its `button`."""

    def act(page) -> None:
        for selector, value in (fill or {}).items():
            page.fill(f"{form} {selector}", value)
        with page.expect_navigation():
            page.click(f"{form} {button}")

    return act


def waiting_link_cookie(server, user_id: int) -> str:
    """A session cookie as the municipal sign-in leaves it for an account with a journal."""
    app = server.app
    with app.test_request_context():
        sign_in = SignIn(app.config["OIDC_ISSUER"], "tid:oid-lone", LEADER, "Lone Leder")
        pending.keep(sign_in, user_id, "/")
        return app.session_interface.get_signing_serializer(app).dumps(dict(session))


def signed_in_by_sso(server) -> tuple[str, str]:
    """Session cookies as the municipal sign-in leaves them, the journal locked: for a leader
    whose journal opens with a passphrase and a passkey, and for one without a journal yet."""
    with server.app.app_context():
        sara = accounts.create_user(
            "sara@esbjerg.example",
            "Sara Sund",
            secrets.token_urlsafe(24),
            must_change_password=False,
        )
        key, _recovery = keys.set_up_keys_with_passphrase(sara, "en lang saetning til journalen")
        keys.add_passkey(
            sara,
            key,
            keys.NewPasskey(
                name="Min telefon",
                credential_id=secrets.token_bytes(32),
                public_key=secrets.token_bytes(77),
                sign_count=0,
                transports="internal",
                prf_salt=secrets.token_bytes(32),
                prf_output=secrets.token_bytes(32),
            ),
        )
        sara.recovery_key_confirmed_at = utcnow()
        nina = accounts.create_user(
            "ny@esbjerg.example", "Niels Ny", secrets.token_urlsafe(24), must_change_password=False
        )
        db.session.commit()
        return locked_session(server.app, sara)[0], locked_session(server.app, nina)[0]


def open_signed_in(cookie: str, path: str) -> Action:
    """Come back from the municipal sign-in (`cookie`) to `path`."""

    def act(page) -> None:
        page.context.add_cookies([{"name": "session", "value": cookie, "url": page.url}])
        page.goto(path)

    return act


def open_link_page(cookie: str) -> Action:
    """Come back from the municipal sign-in to the page that links it to the account."""

    def act(page) -> None:
        page.context.add_cookies([{"name": "session", "value": cookie, "url": page.url}])
        page.goto("/login/sso/link")

    return act


def then(*actions: Action) -> Action:
    """Several actions, one after another."""

    def act(page) -> None:
        for action in actions:
            action(page)

    return act


@dataclass(frozen=True)
class Page:
    """A page as one person sees it: `actor` is an email, or None for a visitor."""

    name: str
    url: str
    actor: str | None
    action: Action | None = None
    status: int = 200
    # The part of the page the action changed, for checks of that part alone: the page's
    # other parts were checked in its plain state.
    part: str | None = None
    # A page in this language whatever the person chose (the offline page: the browser cannot
    # ask the server which language that is, so it is Danish with English below).
    language: str | None = None


def open_account_menu(page) -> None:
    """Open the account menu (a `details` element), to check it open too; and the phone's
    Menu, which holds it there (each is shown at its own width)."""
    page.evaluate(
        "document.querySelectorAll('.account-menu, .phone-menu').forEach(d => d.open = true)"
    )
    page.wait_for_selector(".account-menu[open] ul a", state="attached")


def choose_guided_reflection(page) -> None:
    """Take a guided reflection (its questions in the text), and open the date."""
    page.click(".guided summary")
    with page.expect_navigation():
        page.click(".guided-choices button >> nth=0")
    page.click(".entry-date summary")


def open_check_in_history(page) -> None:
    """Open the goal's folded check-in history (a `details` element), to check its table."""
    page.click(".check-in-history summary")
    page.wait_for_selector(".check-in-history[open] table")


def open_review_notes(page) -> None:
    """Open a review goal's folded check-in notes (a `details` element), to check them."""
    page.click(".review-notes summary")
    page.wait_for_selector(".review-notes[open] li")


def main_pages(data: Dataset) -> list[Page]:
    """Every main page, in an order in which no page changes what a later one shows.

    A name ending in `-errors` is its page after invalid input was submitted.
    """
    goal, entry = data.goal_id, data.entry_id
    team_goal = f"/team/{data.leader_id}/goals/{data.shared_goal_id}"
    return [
        Page("dashboard", "/", LEADER),
        # The open menu covers part of the page, as a menu does; the page under it is
        # checked as "dashboard" (covered links would count as too small to hit).
        Page("account-menu", "/", LEADER, open_account_menu, part=".site-header"),
        # Anne writes no journal yet: her dashboard invites her to get started.
        Page("dashboard-first-day", "/", ADMIN),
        Page("journal", "/journal/", LEADER),
        Page("journal-filtered", "/journal/?task=delegation&starred=y", LEADER),
        Page("journal-filter-errors", "/journal/?date_from=2026-13-45", LEADER),
        Page("search", f"/journal/?q={SEARCH_WORD}", LEADER),
        Page("entry", f"/journal/{entry}", LEADER),
        Page("new-entry", "/journal/new", LEADER),
        Page("new-entry-question", "/journal/new?prompt=delegation:0", LEADER),
        Page(
            "new-entry-guided", "/journal/new", LEADER, choose_guided_reflection, part=".entry-form"
        ),
        Page("new-entry-errors", "/journal/new", LEADER, submit(".entry-form")),
        Page("edit-entry", f"/journal/{entry}/edit", LEADER),
        Page("trash", "/journal/trash", LEADER),
        Page("delete-forever", f"/journal/trash/{data.trashed_id}/delete", LEADER),
        Page("goals", "/goals/", LEADER),
        Page("goal", f"/goals/{goal}", LEADER),
        Page(
            "goal-check-in-history",
            f"/goals/{goal}",
            LEADER,
            open_check_in_history,
            part=".check-in-history",
        ),
        Page("goal-check-in-errors", f"/goals/{goal}", LEADER, submit(".check-in-form")),
        Page("new-goal", "/goals/new", LEADER),
        Page("new-goal-errors", "/goals/new", LEADER, submit("main form")),
        Page("edit-goal", f"/goals/{goal}/edit", LEADER),
        Page("edit-check-in", f"/goals/check-ins/{data.check_in_id}/edit", LEADER),
        Page("delete-goal", f"/goals/{goal}/delete", LEADER),
        Page("share-goal", f"/goals/{goal}/share", LEADER),
        Page("sharing", "/sharing/", LEADER),
        Page(
            "sharing-errors",
            "/sharing/",
            ADMIN,  # the leader has a manager; the form to ask for one is for those without
            submit("form[action$='/sharing/request']", {"input[name=email]": "ikke-en-adresse"}),
        ),
        Page("review", "/review/", LEADER),
        Page("saved-review", f"/review/{data.review_id}", LEADER),
        Page("review-goal-notes", "/review/", LEADER, open_review_notes, part=".review-notes"),
        Page("new-goal-from-review", f"/review/{data.review_id}/new-goal", LEADER),
        Page("agenda", "/agenda/", LEADER),
        Page("agenda-errors", "/agenda/", LEADER, submit(".agenda-add")),
        Page("edit-point", f"/agenda/points/{data.point_id}/edit", LEADER),
        Page("share-point", f"/agenda/points/{data.point_id}/share", LEADER),
        Page("agenda-meeting", f"/agenda/meetings/{data.meeting_id}", LEADER),
        Page("my-data", "/account/my-data", LEADER),
        Page("framework", "/framework/", LEADER),
        Page("account", "/account", LEADER),
        Page("account-errors", "/account", LEADER, submit("main form", {"input[name=name]": ""})),
        Page("notifications", "/account/notifications", LEADER),
        Page(
            "notifications-errors",
            "/account/notifications",
            LEADER,
            submit("main form", {"input[name=appraisal_date]": "2020-01-01"}),
        ),
        Page("password", "/account/password", LEADER),
        Page("password-errors", "/account/password", LEADER, submit("main form")),
        Page("recovery-key-replace", "/account/recovery-key", LEADER),
        Page("erase", "/account/erase", LEADER),
        Page("erase-errors", "/account/erase", LEADER, submit("main form", button="button")),
        Page("privacy", "/privacy", LEADER),
        Page("unlock-factors", "/account/unlock-factors", LEADER),
        Page("not-found", "/journal/999999", LEADER, status=404),
        Page("team", "/team/", MANAGER),
        Page("team-goal", team_goal, MANAGER),
        Page("team-goal-errors", team_goal, MANAGER, submit(".comment-form", button="button")),
        Page("team-agenda", f"/team/{data.leader_id}/agenda", MANAGER),
        Page(
            "team-agenda-errors", f"/team/{data.leader_id}/agenda", MANAGER, submit(".agenda-add")
        ),
        Page(
            "team-agenda-meeting",
            f"/team/{data.leader_id}/agenda/meetings/{data.meeting_id}",
            MANAGER,
        ),
        Page("admin-users", "/admin/users", ADMIN),
        Page("admin-user", f"/admin/users/{data.leader_id}", ADMIN),
        Page("admin-new-user", "/admin/users/new", ADMIN),
        Page("admin-new-user-errors", "/admin/users/new", ADMIN, submit("main form")),
        Page("admin-reset-password", f"/admin/users/{data.leader_id}/reset-password", ADMIN),
        Page("admin-deactivate", f"/admin/users/{data.leader_id}/deactivate", ADMIN),
        Page("admin-links", "/admin/links", ADMIN),
        Page("admin-audit", "/admin/audit", ADMIN),
        Page("admin-import", "/admin/import", ADMIN),
        Page("admin-import-errors", "/admin/import", ADMIN, submit("main form")),
        Page("admin-import-preview", "/admin/import", ADMIN, upload_accounts),
        Page("admin-import-report", "/admin/import", ADMIN, import_accounts),
        Page("sharing-proposed", "/sharing/", PROPOSED),
        Page("choose-password", "/account/choose-password", NEWCOMER),
        Page("choose-password-errors", "/account/choose-password", NEWCOMER, submit("main form")),
        Page("login", "/login", None),
        Page(
            "login-errors",
            "/login",
            None,
            submit("main form", {"input[name=email]": "ingen@esbjerg.example"}),
        ),
        Page("not-found-visitor", "/no/such/page", None, status=404),
        Page("unsubscribe", f"/unsubscribe/{data.unsubscribe_token}", None),
        # What the service worker shows when a page cannot be fetched (test_installable.py).
        Page("offline", "/static/offline.html", None, language="da"),
        # Single sign-on: a callback with no sign-in begun here is refused, clearly.
        Page("sso-refused", "/login/sso/callback", None, status=400),
        Page("sso-link", "/login", None, open_link_page(data.link_cookie)),
        Page(
            "sso-link-errors",
            "/login",
            None,
            then(open_link_page(data.link_cookie), submit("main form:has([value=password])")),
        ),
        # Last: these leave the visitor's tab signed in by the municipal sign-in.
        Page("unlock", "/login", None, open_signed_in(data.locked_cookie, "/unlock")),
        Page(
            "unlock-errors",
            "/login",
            None,
            then(
                open_signed_in(data.locked_cookie, "/unlock"),
                submit("main form:has([value=passphrase])"),
            ),
        ),
        Page("set-up", "/login", None, open_signed_in(data.set_up_cookie, "/account/set-up")),
    ]


def first_login_pages(email: str) -> list[Page]:
    """The recovery key as a new account sees it once, at its first log-in (`email`)."""
    return [
        Page("recovery-key", "/account/recovery-key", email),
        Page(
            "recovery-key-errors",
            "/account/recovery-key",
            email,
            submit("form[action$='/recovery-key/confirm']"),
        ),
    ]


# The first page of an installation without accounts (a server of its own).
SETUP_PAGES = [
    Page("setup", "/setup", None),
    Page("setup-errors", "/setup", None, submit("main form")),
]


@contextmanager
def profiles(
    browser, server, viewport: dict, language: str, init_script: str | None = None
) -> Iterator[Callable]:
    """`open_as(actor)`: a logged-in tab per person (one profile each, made on first use),
    with `init_script` run in every page it opens."""
    tabs: dict[str | None, object] = {}
    contexts = []

    def open_as(actor: str | None):
        if actor not in tabs:
            context = browser.new_context(
                base_url=server.url, viewport=viewport, locale=f"{language}-DK"
            )
            context.set_default_timeout(10_000)
            if init_script:
                context.add_init_script(script=init_script)
            context.add_cookies([{"name": "lang", "value": language, "url": server.url}])
            contexts.append(context)
            tab = context.new_page()
            tab.problems = watch(tab)
            if actor is not None:
                log_in(tab, actor)
            tabs[actor] = tab
        return tabs[actor]

    try:
        yield open_as
    finally:
        for context in contexts:
            context.close()


def visit(open_as, page_spec: Page):
    """Open `page_spec` as its person, bring it into its state, and return the tab."""
    tab = open_as(page_spec.actor)
    response = tab.goto(page_spec.url)
    assert response is not None and response.status == page_spec.status, (
        f"{page_spec.name}: {page_spec.url} answered "
        f"{response.status if response else 'nothing'}, expected {page_spec.status}"
    )
    if page_spec.action:
        page_spec.action(tab)
    return tab
