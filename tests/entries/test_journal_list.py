"""The journal list: newest first, filters in the URL, keyset pages, constant queries."""

import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, insert, update

from journal.entries import listing, search_index, services
from journal.journal_key import journal_key
from journal.models import Entry, EntryTask

pytestmark = pytest.mark.both_engines  # the database engine matters here


def add_entries(db, owner, count, *, start=date(2024, 1, 1), per_day=3, tasks=("vision",)):
    """Insert `count` entries quickly, several per day, tagged with `tasks`."""
    now = services.utcnow()
    rows = [
        {
            "owner_id": owner.id,
            "entry_date": start + timedelta(days=i // per_day),
            "sealed": b"",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    ids = db.session.scalars(insert(Entry).returning(Entry.id), rows).all()
    key = journal_key(owner)
    db.session.execute(
        update(Entry),
        [
            {"id": i, "sealed": key.seal_entry(i, f"Notat {n}", f"Tekst {n}")}
            for n, i in enumerate(ids)
        ],
    )
    for n, (i, row) in enumerate(zip(ids, rows, strict=True)):  # as services.create_entry
        search_index.note_saved(key, i, row["entry_date"], f"Notat {n}", f"Tekst {n}")
    if tasks:
        db.session.execute(
            insert(EntryTask), [{"entry_id": i, "task_key": t} for i in ids for t in tasks]
        )
    db.session.commit()
    return ids


def titles(page: str) -> list[str]:
    return re.findall(r'class="entry-link" href="/journal/\d+">\s*(Notat \d+)', page)


def next_url(page: str, rel: str) -> str | None:
    match = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    return match.group(1).replace("&amp;", "&") if match else None


def walk(client, url: str, rel: str) -> tuple[list[list[str]], str]:
    """Follow the pager's `rel` links from `url`; the titles of each page, and the last page."""
    pages = []
    while url:
        page = client.get(url).get_data(as_text=True)
        pages.append(titles(page))
        url = next_url(page, rel)
    return pages, page


def test_keyset_pages_cover_1000_entries_without_duplicates_or_gaps(leader_client, leader, db):
    add_entries(db, leader, 1000)
    forward, last_page = walk(leader_client, "/journal/", "next")
    seen = [title for page in forward for title in page]
    assert len(forward) == 34
    assert len(seen) == len(set(seen)) == 1000
    # Newest first: the latest dates, and within a date the latest written, come first.
    assert seen[:3] == ["Notat 999", "Notat 998", "Notat 997"]
    assert seen == sorted(seen, key=lambda t: -int(t.split()[1]))
    # Back again through the "newer" links: the same pages, in reverse.
    backward, _ = walk(leader_client, next_url(last_page, "prev"), "prev")
    assert list(reversed(backward)) == forward[:-1]


def test_entries_are_grouped_by_date_newest_first(leader_client, leader, make_entry):
    make_entry(leader, title="Ældst", entry_date=date(2026, 3, 1))
    make_entry(leader, title="Nyest", entry_date=date(2026, 3, 3))
    make_entry(leader, title="Midt", entry_date=date(2026, 3, 2))
    page = leader_client.get("/journal/").get_data(as_text=True)
    assert page.index("Nyest") < page.index("Midt") < page.index("Ældst")
    assert page.count('class="day-heading"') == 3
    assert "tirsdag den 3. marts 2026" in page


def test_filters_combine_and_live_in_the_url(leader_client, leader, make_entry):
    make_entry(leader, title="A", task_keys=["vision"], starred=True, entry_date=date(2026, 1, 5))
    make_entry(leader, title="B", task_keys=["vision"], entry_date=date(2026, 1, 6))
    make_entry(
        leader, title="C", task_keys=["delegation"], starred=True, entry_date=date(2026, 2, 1)
    )
    make_entry(
        leader, title="D", task_keys=["feedback-and-facilitation"], entry_date=date(2026, 2, 2)
    )

    def shown(query):
        page = leader_client.get("/journal/?" + query).get_data(as_text=True)
        return set(re.findall(r'class="entry-link" href="/journal/\d+">\s*([A-D])\s*<', page))

    assert shown("task=vision") == {"A", "B"}
    assert shown("theme=direction-and-frames") == {"A", "B", "C"}
    assert shown("theme=direction-and-frames&starred=y") == {"A", "C"}
    assert shown("date_from=2026-01-06&date_to=2026-02-01") == {"B", "C"}
    assert shown("theme=relations&date_from=2026-02-01") == {"D"}
    # Nonsense in the URL is ignored or explained, never an error.
    assert shown("task=nope&date_from=yesterday&after=garbage") == {"A", "B", "C", "D"}


def test_other_leaders_entries_never_appear(app, leader_client, make_user, make_entry):
    make_entry(make_user(), title="Fremmed notat")
    assert "Fremmed notat" not in leader_client.get("/journal/").get_data(as_text=True)
    assert "Fremmed notat" not in leader_client.get("/journal/?q=notat").get_data(as_text=True)


@contextmanager
def counting_queries(engine):
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("url", ["/journal/", "/journal/?theme=direction-and-frames&starred=y"])
def test_the_list_page_query_count_does_not_grow_with_the_data(leader_client, leader, db, url):
    add_entries(db, leader, 5, tasks=("vision", "delegation"))
    with counting_queries(db.engine) as few:
        assert leader_client.get(url).status_code == 200
    add_entries(db, leader, 300, start=date(2025, 1, 1), tasks=("vision", "delegation"))
    with counting_queries(db.engine) as many:
        assert leader_client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_empty_journal_invites_a_first_entry(leader_client):
    page = leader_client.get("/journal/").get_data(as_text=True)
    assert "/journal/new" in page and "tom" in page


def test_search_finds_danish_word_forms_and_marks_them(leader_client, leader, make_entry):
    make_entry(leader, title="Personalemøde", body="Alle medarbejdere var med. Ledelsen lyttede.")
    make_entry(leader, title="Budget", body="Tal og regneark.")
    page = leader_client.get("/journal/?q=MEDARBEJDERNE").get_data(as_text=True)
    assert "Personalemøde" in page and "Budget" not in page
    assert "<mark>medarbejdere</mark>" in page
    assert "1 refleksion fundet." in page
    page = leader_client.get("/journal/?q=ledelse&task=vision").get_data(as_text=True)
    assert "Personalemøde" not in page  # the task filter applies to search too


def test_pages_split_inside_a_day_without_losing_or_repeating_entries(leader_client, leader, db):
    add_entries(db, leader, 200, per_day=45)  # every page boundary falls inside a day
    forward, last_page = walk(leader_client, "/journal/", "next")
    seen = [title for page in forward for title in page]
    assert sorted(seen) == sorted(f"Notat {i}" for i in range(200)) and len(seen) == 200
    backward, _ = walk(leader_client, next_url(last_page, "prev"), "prev")
    assert list(reversed(backward)) == forward[:-1]


def test_pages_keep_the_filters(leader_client, leader, db):
    add_entries(db, leader, 70, tasks=("vision",))
    add_entries(db, leader, 70, start=date(2024, 1, 2), tasks=("delegation",))
    forward, _ = walk(leader_client, "/journal/?task=delegation", "next")
    seen = [title for page in forward for title in page]
    assert len(forward) == 3 and len(seen) == 70 == len(set(seen))


def search_form(page: str) -> str:
    """The journal's search form."""
    return re.search(r'<form[^>]*role="search".*?</form>', page, re.S)[0]


def test_the_search_box_is_always_there_and_the_other_filters_fold(leader_client, leader):
    form = search_form(leader_client.get("/journal/").get_data(as_text=True))
    before_filters = form.split("<details")[0]
    assert 'name="q"' in before_filters and ">Søg</button>" in before_filters
    assert '<details class="filters">' in form and "<summary>Flere filtre</summary>" in form
    words_only = search_form(leader_client.get("/journal/?q=møde").get_data(as_text=True))
    assert '<details class="filters">' in words_only  # a search is not one of the other filters
    for narrowed in ("theme=direction-and-frames", "starred=y", "date_from=2026-01-01"):
        page = leader_client.get(f"/journal/?{narrowed}").get_data(as_text=True)
        assert '<details class="filters" open>' in search_form(page), narrowed
    page = leader_client.get("/journal/?date_from=not-a-date").get_data(as_text=True)
    assert '<details class="filters" open>' in search_form(page)  # the error shows


def test_each_entry_shows_the_start_of_its_text(leader_client, leader, make_entry):
    body = "Vi talte om **rammerne** for projektet. " + "Medarbejderne var engagerede. " * 20
    make_entry(leader, title="Personalemøde", body=body)
    make_entry(leader, title="", body="Uden titel, men med en tekst der fortsætter. " * 10)
    page = leader_client.get("/journal/").get_data(as_text=True)
    excerpt = re.search(r'<p class="excerpt">([^<]*)</p>', page)[1]
    assert excerpt.startswith("Vi talte om rammerne for projektet.")  # as plain text
    assert 200 <= len(excerpt) <= 250  # two lines' worth, clamped by CSS
    untitled = re.search(r'<a class="entry-link"[^>]*>\s*<span class="excerpt">([^<]*)', page)[1]
    assert untitled.startswith("Uden titel, men med en tekst")


def test_the_excerpts_open_no_more_than_the_pages_entries(leader_client, leader, db, monkeypatch):
    add_entries(db, leader, 45)
    opened = []
    original = listing.text_of
    monkeypatch.setattr(listing, "text_of", lambda *a: opened.append(a[1]) or original(*a))
    page = leader_client.get("/journal/").get_data(as_text=True)
    assert page.count('<p class="excerpt">') == listing.PAGE_SIZE
    assert len(opened) == listing.PAGE_SIZE  # the look-ahead row is counted, not opened


@pytest.mark.sqlite_only
def test_a_search_page_finds_its_entries_by_id_not_by_walking_the_journal(
    leader_client, leader, db
):
    """The page's entries are looked up by primary key, whatever the journal's size."""
    add_entries(db, leader, 300)
    plans = []

    def explain(_connection, cursor, statement, parameters, *_args):
        if "FROM entries" in statement and " IN (" in statement and "title" in statement:
            plan = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.append(" ".join(row[-1] for row in plan))

    event.listen(db.engine, "before_cursor_execute", explain)
    try:
        assert leader_client.get("/journal/?q=tekst").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", explain)
    assert plans and all("PRIMARY KEY" in plan for plan in plans), plans
