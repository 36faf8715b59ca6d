"""The journal list page: filters from the URL, text search, keyset pages, an excerpt of
each entry (the queries are `listing.py` and `search_index.py`; the rhythm is the
dashboard's)."""

from dataclasses import dataclass
from itertools import groupby
from urllib.parse import urlencode

from flask import render_template, request
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms import SelectChoice

from journal.entries.forms import FilterForm
from journal.entries.listing import Cursor, EntryFilter, entries_by_ids, list_entries
from journal.entries.search import marked_title, parse_query, snippet_of
from journal.entries.search_index import search_entries
from journal.framework import current_framework
from journal.goals import services as goal_services
from journal.i18n import current_language

SEARCH_PAGE_SIZE = 30
# Pages of search results reachable by URL: past this, the last (a page number is not a
# reason to rank a million hits).
MAX_SEARCH_PAGE = 1000
EXCERPT_LENGTH = 240
"""Characters of an entry's text under its title: about two lines on a desktop, where CSS
clamps it to two lines on a phone too. From the text already opened for the page's entries,
so an excerpt costs no query and opens nothing more."""


@dataclass
class Listing:
    """What the list shows: entries (with snippets when searching) and links onwards."""

    entries: list
    snippets: dict
    older_url: str | None = None
    newer_url: str | None = None
    total: int | None = None  # number of search hits


def filter_form(user) -> FilterForm:
    """The filters as submitted in the URL, with choices in the user's language."""
    framework, language = current_framework(), current_language()
    form = FilterForm(formdata=request.args)
    form.goal.choices = [SelectChoice("", "—")] + [
        SelectChoice(goal_id, _("I'm practising %(what)s", what=title))
        for goal_id, title in goal_services.goal_titles(user)
    ]
    form.theme.choices = [SelectChoice("", "—")] + [
        SelectChoice(theme.key, theme.name.get(language)) for theme in framework.themes
    ]
    form.task.choices = [SelectChoice("", "—")] + [
        SelectChoice(task.key, task.name.get(language), optgroup=theme.name.get(language))
        for theme in framework.themes
        for task in theme.tasks
    ]
    form.validate()
    return form


def entry_filter(form: FilterForm) -> EntryFilter:
    """The SQL-side filter from the valid fields of the form (invalid ones are ignored)."""

    def valid(field):
        return field.data if not field.errors else None

    framework = current_framework()
    task_keys: tuple[str, ...] = ()
    if task := valid(form.task):
        task_keys = (task,)
    elif theme := valid(form.theme):
        task_keys = tuple(task.key for task in framework.theme(theme).tasks)
    goal_ids = {choice.value for choice in form.goal.choices}
    return EntryFilter(
        task_keys=task_keys,
        goal_id=form.goal.data if not form.goal.errors and form.goal.data in goal_ids else None,
        starred=bool(form.starred.data),
        date_from=valid(form.date_from),
        date_to=valid(form.date_to),
    )


def page_url(**changes) -> str:
    """This page's URL, filters kept, with another position in the list."""
    args = {k: v for k, v in request.args.items() if k not in ("after", "before", "page")}
    args.update({k: str(v) for k, v in changes.items() if v is not None})
    return request.path + ("?" + urlencode(args) if args else "")


def browse(user, filters: EntryFilter) -> Listing:
    """Newest first, a keyset page at a time."""
    page = list_entries(
        user,
        filters,
        after=Cursor.parse(request.args.get("after")),
        before=Cursor.parse(request.args.get("before")),
    )
    return Listing(
        entries=page.entries,
        snippets={},
        older_url=page_url(after=page.older) if page.older else None,
        newer_url=page_url(before=page.newer) if page.newer else None,
    )


@dataclass(frozen=True)
class Snippet:
    """A hit's title and the lines around its best match, the query's words marked."""

    title: Markup
    snippet: Markup


def find(user, filters: EntryFilter, text: str) -> Listing:
    """Ranked text search over the user's own entries: the index gives the page's ids and
    the number of hits; only the page's entries are opened, for their snippets."""
    query = parse_query(text)
    number = min(max(request.args.get("page", 1, type=int), 1), MAX_SEARCH_PAGE)
    results = search_entries(
        user, filters, query, offset=(number - 1) * SEARCH_PAGE_SIZE, limit=SEARCH_PAGE_SIZE
    )
    entries = entries_by_ids(user, [hit.id for hit in results.hits])
    return Listing(
        entries=entries,
        snippets={
            entry.id: Snippet(marked_title(entry.title, query), snippet_of(entry.body, query))
            for entry in entries
        },
        older_url=page_url(page=number + 1) if results.total > number * SEARCH_PAGE_SIZE else None,
        newer_url=page_url(page=number - 1) if number > 1 else None,
        total=results.total,
    )


def journal_page(user):
    """Render the journal list for `user`."""
    form = filter_form(user)
    filters = entry_filter(form)
    text = form.q.data.strip() if form.q.data and not form.q.errors else ""
    listing = find(user, filters, text) if text else browse(user, filters)
    grouped = (
        [(None, listing.entries)]
        if text
        else [(day, list(items)) for day, items in groupby(listing.entries, lambda e: e.entry_date)]
    )
    return render_template(
        "entries/index.html",
        form=form,
        searching=bool(text),
        filtering=bool(text or filters != EntryFilter()),
        # "More filters" stays open while one of them is set (or wrongly filled in).
        narrowed=filters != EntryFilter() or bool(form.errors.keys() - {"q"}),
        listing=listing,
        grouped=grouped,
        framework=current_framework(),
        excerpt_length=EXCERPT_LENGTH,
    )
