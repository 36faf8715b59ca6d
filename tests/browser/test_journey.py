"""A leader's journey through the real UI, from an empty installation to the review's PDF.

The first person creates the administrator account and keeps the recovery key, writes a
reflection tagged with a framework task and finds it again by search, starts a goal and
checks in, creates an account for their manager and links to her, and shares the goal. The
manager, in her own browser, chooses her password, accepts, sees the shared goal (and
nothing else: the leader's entry is a 404 to her) and comments; the leader reads the
comment, prepares the 12-month review, and prints it to a PDF.
"""

import re
from urllib.parse import urlencode

from playwright.sync_api import Page, expect
from sqlalchemy import select

from journal.auth import keys
from journal.extensions import db
from journal.models import User
from tests.browser.conftest import DESKTOP, artifacts_dir
from tests.browser.e2e import Tab, log_in_with_labels, open_account_menu, pdf_pages, words

LEADER, LEADER_EMAIL, LEADER_PASSWORD = (
    "Anna Holm",
    "anna.holm@esbjerg.dk",
    "Tillid er fundamentet 2026",
)
MANAGER, MANAGER_EMAIL = "Mette Lund", "mette.lund@esbjerg.dk"
FIRST_PASSWORD, MANAGER_PASSWORD = "Midlertidig kode 4821", "Mettes egen lange sætning 77"

TITLE = "Feedback på borgermødet"
BODY = (
    "I dag gav jeg medarbejderne feedback på deres oplæg til borgermødet.\n\n"
    "Jeg lyttede færdigt, før jeg svarede – det gav en bedre samtale end sidst."
)
TASK = "Feedback og facilitering"
GOAL = "lytte færdigt, før jeg svarer"
GOAL_HEADING = f"Jeg øver mig på at {GOAL}"
WHY = "Mine medarbejdere skal opleve, at deres idéer bliver hørt."
PRIVATE_NOTE = "Lykkedes på teammødet, men ikke i telefonen med Jonas."
COMMENT = "Jeg har også lagt mærke til det på ledermødet. Bliv ved!"
PROUD = "Jeg lytter mere, og teamet tager flere initiativer selv."
NEXT = "At give feedback tidligere, ikke først ved årets afslutning."
NEED = "Sparring om de svære samtaler."
RECOVERY_KEY = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$")


def flash(page: Page, text: str) -> None:
    """The status message a page shows after an action."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def account(email: str) -> User:
    """The account with this email, from the database."""
    return db.session.scalar(select(User).where(User.email == email))


def create_first_account(page: Page, live_server) -> None:
    """An empty installation sends its first visitor to /setup; the recovery key must be
    confirmed as kept before the journal opens, and it is the key that opens it."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.get_by_role("heading", name="Velkommen til Ledelsesjournal")).to_be_visible()
    page.get_by_label("Navn").fill(LEADER)
    page.get_by_label("E-mail").fill(LEADER_EMAIL)
    page.get_by_label("Adgangskode", exact=True).fill(LEADER_PASSWORD)
    page.get_by_label("Gentag adgangskoden").fill(LEADER_PASSWORD)
    page.get_by_role("button", name="Opret konto").click()

    expect(page.get_by_role("heading", name="Din gendannelsesnøgle")).to_be_visible()
    key = page.get_by_text(RECOVERY_KEY)
    expect(key).to_be_visible()
    shown = key.inner_text()
    page.get_by_role("button", name="Fortsæt til min journal").click()  # without the tick
    expect(page.get_by_text("Sæt kryds, når din gendannelsesnøgle er gemt")).to_be_visible()
    expect(page.get_by_text(RECOVERY_KEY)).to_have_text(shown)  # the same key, still shown
    page.get_by_label("Jeg har printet min gendannelsesnøgle").check()
    page.get_by_role("button", name="Fortsæt til min journal").click()

    expect(page.get_by_role("heading", name=f"Hej {LEADER.split()[0]}")).to_be_visible()
    flash(page, "Din gendannelsesnøgle er gemt. Din journal er klar.")
    assert page.request.get("/setup").status == 404  # the first-account page is gone
    assert live_server.seed(lambda: keys.open_with_recovery_key(account(LEADER_EMAIL), shown))


def write_tagged_entry(page: Page) -> str:
    """Write a starred reflection tagged with a task; returns the entry's path."""
    page.get_by_role("banner").get_by_role("link", name="Skriv", exact=True).click()
    expect(page.get_by_role("heading", name="Ny refleksion")).to_be_visible()
    page.get_by_label("Titel (valgfri)").fill(TITLE)
    page.get_by_label("Din refleksion").fill(BODY)
    page.get_by_role("checkbox", name=TASK).check()
    page.get_by_label("Vigtig refleksion").check()
    page.get_by_role("button", name="Gem", exact=True).click()

    expect(page).to_have_url(re.compile(r"/journal/\d+$"))
    flash(page, "Din refleksion er gemt.")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.get_by_text("I dag gav jeg medarbejderne feedback")).to_be_visible()
    expect(page.get_by_role("list", name="Ledelsesopgaver")).to_have_text(TASK)
    return page.url.removeprefix(page.url.split("/journal/")[0])


def search(page: Page, query: str) -> None:
    """Type `query` in the journal's search box and show the results."""
    page.get_by_role("searchbox", name="Søg").fill(query)
    page.get_by_role("button", name="Søg", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(urlencode({"q": query}))))


def find_by_search(page: Page) -> None:
    """Another form of a word in the text finds the entry; a word not in it does not."""
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Journal").click()
    expect(page.get_by_role("heading", name="Journal", level=1)).to_be_visible()
    # The search box is always there; the other filters wait under "Flere filtre".
    search(page, "medarbejder")
    expect(page.get_by_role("status")).to_have_text("1 refleksion fundet.")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    search(page, "budgetopfølgning")
    expect(page.get_by_text("Ingen refleksioner fundet.")).to_be_visible()
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)


def create_goal_and_check_in(page: Page) -> str:
    """A goal with a task, and a check-in with a note; returns the goal's path."""
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Mål").click()
    page.get_by_role("link", name="Nyt mål").click()
    page.get_by_label("Jeg øver mig på at …").fill(GOAL)
    page.get_by_label("Hvorfor det er vigtigt").fill(WHY)
    page.get_by_role("checkbox", name=TASK).check()
    expect(page.get_by_label("Startdato")).not_to_have_value("")
    page.get_by_role("button", name="Gem", exact=True).click()

    expect(page.get_by_role("heading", name=GOAL_HEADING, level=1)).to_be_visible()
    expect(page.get_by_text(WHY)).to_be_visible()
    check_in = page.get_by_role("region", name="Følg op")
    check_in.get_by_role("radio", name="For det meste").check()
    check_in.get_by_label("Note (valgfri)").fill(PRIVATE_NOTE)
    check_in.get_by_role("button", name="Gem opfølgning").click()

    flash(page, "Opfølgning gemt: 4 – For det meste.")
    # One check-in draws no chart yet: the page says when the curve comes.
    expect(page.get_by_text("Kurven kommer, når du har fulgt op to gange.")).to_be_visible()
    check_ins = page.get_by_role("table").filter(has_text=PRIVATE_NOTE)
    expect(check_ins.get_by_role("cell", name="4 – For det meste")).to_be_visible()
    return page.url.removeprefix(page.url.split("/goals/")[0])


def create_manager_account(page: Page) -> None:
    """The administrator creates the manager's account with a first password to hand over."""
    open_account_menu(page, LEADER)
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Ny konto").click()
    page.get_by_label("Navn").fill(MANAGER)
    page.get_by_label("E-mail").fill(MANAGER_EMAIL)
    page.get_by_label("Adgangskode", exact=True).fill(FIRST_PASSWORD)
    page.get_by_label("Gentag adgangskoden").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Opret konto").click()
    flash(page, f"Kontoen til {MANAGER} er oprettet.")
    expect(page.get_by_role("cell", name=MANAGER_EMAIL)).to_be_visible()


def ask_manager(page: Page) -> None:
    """The leader names their manager on *Min leder og deling*."""
    open_account_menu(page, LEADER)
    page.get_by_role("link", name="Min leder og deling").click()
    page.get_by_label("Din leders e-mail").fill(MANAGER_EMAIL)
    page.get_by_role("button", name="Spørg min leder").click()
    expect(
        page.get_by_text(f"Din forespørgsel til {MANAGER_EMAIL} venter på svar.")
    ).to_be_visible()


def manager_first_log_in_and_accept(manager: Page) -> None:
    """The manager logs in with the handed-over password, chooses her own, keeps her
    recovery key, and accepts the leader's request under *Mine ledere*."""
    manager.goto("/login")
    log_in_with_labels(manager, MANAGER_EMAIL, FIRST_PASSWORD)
    expect(manager.get_by_role("heading", name="Vælg din egen adgangskode")).to_be_visible()
    manager.get_by_label("Adgangskode", exact=True).fill(MANAGER_PASSWORD)
    manager.get_by_label("Gentag adgangskoden").fill(MANAGER_PASSWORD)
    manager.get_by_role("button", name="Gem min adgangskode").click()
    expect(manager.get_by_text(RECOVERY_KEY)).to_be_visible()
    manager.get_by_label("Jeg har printet min gendannelsesnøgle").check()
    manager.get_by_role("button", name="Fortsæt til min journal").click()
    expect(manager.get_by_role("heading", name=f"Hej {MANAGER.split()[0]}")).to_be_visible()

    manager.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Mine ledere"
    ).click()
    expect(
        manager.get_by_text(f"{LEADER} ({LEADER_EMAIL}) har bedt om at få dig som leder.")
    ).to_be_visible()
    manager.get_by_role("button", name="Sig ja").click()
    leader = manager.get_by_role("region", name=LEADER)
    expect(leader).to_contain_text(f"{LEADER} har ikke delt nogen mål med dig endnu.")


def share_goal(page: Page, goal_path: str) -> None:
    """The leader previews exactly what the manager will see, then shares the goal."""
    page.goto(goal_path)
    expect(page.get_by_text("Ikke delt. Kun du kan se dette mål.")).to_be_visible()
    page.get_by_role("link", name="Del med min leder …").click()
    expect(page.get_by_text(f"Præcis dette kan {MANAGER} se.")).to_be_visible()
    preview = page.get_by_role("article")
    expect(preview.get_by_role("heading", name=GOAL_HEADING)).to_be_visible()
    expect(preview).not_to_contain_text(PRIVATE_NOTE)  # notes stay out unless ticked
    page.get_by_role("button", name="Del dette mål").click()
    expect(page.get_by_text(f"Delt med {MANAGER} siden")).to_be_visible()


def manager_sees_goal_and_comments(manager: Tab, entry_path: str) -> None:
    """The shared goal with its rating but not the note; a comment; the entry is a 404."""
    page = manager.page
    page.reload()
    page.get_by_role("region", name=LEADER).get_by_role("link", name=GOAL_HEADING).click()
    expect(page.get_by_text(f"Delt med dig af {LEADER}.")).to_be_visible()
    expect(page.get_by_role("heading", name=GOAL_HEADING)).to_be_visible()
    expect(page.get_by_role("cell", name="4 – For det meste")).to_be_visible()
    expect(page.get_by_text(WHY)).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text(PRIVATE_NOTE)
    page.get_by_label("Din feedback: Hvad ser du fra din stol?").fill(COMMENT)
    page.get_by_role("button", name="Tilføj kommentar").click()
    comments = page.get_by_role("region", name="Kommentarer")
    expect(comments.get_by_role("listitem").filter(has_text=COMMENT)).to_contain_text(MANAGER)

    manager.expect_not_found(entry_path)  # the leader's journal stays the leader's
    expect(page.get_by_role("main")).not_to_contain_text(TITLE)
    page.goto("/journal/")
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)


def leader_reads_comment(page: Page, goal_path: str) -> None:
    """The comment on the goal's page, and the manager's visit in the sharing log."""
    page.goto(goal_path)
    comments = page.get_by_role("region", name="Kommentarer")
    expect(comments.get_by_role("listitem").filter(has_text=COMMENT)).to_contain_text(MANAGER)
    open_account_menu(page, LEADER)
    page.get_by_role("link", name="Min leder og deling").click()
    log = page.get_by_role("table", name="Delingslog")
    expect(log).to_contain_text(f"Du delte »{GOAL_HEADING}« med {MANAGER}.")
    expect(log).to_contain_text(f"{MANAGER} åbnede »{GOAL_HEADING}«.")


def open_twelve_month_review(page: Page) -> None:
    """The review for the last 12 months: the goal and how it moved, the key reflection."""
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Udviklingssamtale"
    ).click()
    page.get_by_label("Periode", exact=True).select_option(label="De seneste 12 måneder")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page).to_have_url(re.compile(r"period=12"))
    goals = page.get_by_role("region", name="Mål i perioden")
    expect(goals.get_by_role("heading", name=GOAL_HEADING)).to_be_visible()
    expect(goals).to_contain_text("1 opfølgning.")
    key = page.get_by_role("region", name="Mine vigtigste refleksioner")
    expect(key.get_by_role("link", name=TITLE)).to_be_visible()


def save_review(page: Page) -> None:
    """The leader's own summary, saved as a dated review."""
    page.get_by_label("Det er jeg stolt af").fill(PROUD)
    page.get_by_label("Det vil jeg øve mig på som det næste").fill(NEXT)
    page.get_by_label("Det har jeg brug for fra min leder").fill(NEED)
    page.get_by_role("button", name="Gem forberedelsen").click()
    flash(page, "Din forberedelse er gemt.")
    expect(page.get_by_role("heading", name=re.compile("^Min forberedelse "))).to_be_visible()
    for text in (PROUD, NEXT, NEED):
        expect(page.get_by_text(text)).to_be_visible()


# On screen, never on paper: the header's switch and menu, the footer, the page's buttons.
SCREEN_ONLY = (
    "English",
    "Ledelsesgrundlag",
    "Din journal er privat",
    "Udskriv eller gem som PDF",
    "Gem forberedelsen",
    "Slet denne gemte forberedelse",
    "Vil du have en PDF",
)


def print_to_pdf(page: Page, name: str, expected: tuple[str, ...]) -> None:
    """In print media the menus and buttons are gone and the content stays; the PDF is an
    A4 document holding `expected` and none of `SCREEN_ONLY`, kept as `name`."""
    print_button = page.get_by_role("button", name="Udskriv eller gem som PDF")
    expect(print_button).to_be_visible()
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_hidden()
    expect(page.get_by_role("banner").get_by_role("link", name="Skriv", exact=True)).to_be_hidden()
    expect(print_button).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    pdf = page.pdf(prefer_css_page_size=True)
    page.emulate_media(media="screen")
    (artifacts_dir() / name).write_bytes(pdf)
    assert pdf.startswith(b"%PDF-")
    pages = pdf_pages(pdf)
    assert pages, "the PDF has no pages"
    for box, _ in pages:
        assert [round(n) for n in box] == [0, 0, 595, 842], f"not A4: {box}"
    text = words("\n".join(text for _, text in pages))
    for wanted in expected:
        assert wanted in text, f"{wanted!r} is not in the PDF"
    for left_out in SCREEN_ONLY:
        assert left_out not in text, f"{left_out!r} should not be printed"


def test_a_leaders_journey_from_the_first_account_to_the_review_pdf(browser, live_server, page):
    create_first_account(page, live_server)
    entry_path = write_tagged_entry(page)
    find_by_search(page)
    goal_path = create_goal_and_check_in(page)
    create_manager_account(page)
    ask_manager(page)

    manager_context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="da-DK"
    )
    manager_context.set_default_timeout(10_000)
    try:
        manager = Tab(manager_context)
        manager_first_log_in_and_accept(manager.page)
        share_goal(page, goal_path)
        manager_sees_goal_and_comments(manager, entry_path)
        manager.check()
    finally:
        manager_context.close()

    leader_reads_comment(page, goal_path)
    open_twelve_month_review(page)
    print_to_pdf(
        page,
        "review-12-months-da.pdf",
        ("Forberedelse til min lederudviklingssamtale", GOAL_HEADING, "1 opfølgning.", TITLE),
    )
    save_review(page)
    print_to_pdf(
        page, "review-saved-da.pdf", ("Min forberedelse", "Det er jeg stolt af", PROUD, NEXT, NEED)
    )
