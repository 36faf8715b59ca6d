"""The floor: what every logged-in page pays before its own work (the layout, the user, the
session). It shows what it showed before, for a fixed amount of work per request; the time it
takes is measured by `tests/bench/profile_floor.py` and `make bench`, not here."""

import contextvars

import pytest
from flask_babel import force_locale
from jinja2 import DictLoader, Environment

from journal import i18n, layout
from journal.auth import access
from journal.extensions import babel
from journal.notifications import in_app
from journal.sharing import services as sharing
from tests.entries.test_journal_list import counting_queries

# Templates with each kind of text `_()` meets: a plain one, a literal "%", a value put in
# (escaped unless the template does not escape), and one with markup in its translation.
TEMPLATES = {
    "plain": '{{ _("Privacy") }}',
    "percent sign": '{{ _("100%% of %(what)s", what=who) }}|{{ _("5 %% more") }}',
    "value put in": '{{ _("Account menu:") }} {{ _("Hello %(name)s", name=who) }}',
    "not escaped": '{% autoescape false %}{{ _("Hi %(name)s", name=who) }}{% endautoescape %}',
    "markup": '{{ _("Write a new reflection (shortcut: n)") }}',
}


def jinjas_own(source: str) -> str:
    """`source` rendered with Jinja's own new-style gettext, as the app had it."""
    environment = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    environment.install_gettext_callables(
        gettext=lambda text: i18n.page_translations().ugettext(text),
        ngettext=lambda one, many, n: i18n.page_translations().ungettext(one, many, n),
        newstyle=True,
    )
    return environment.from_string(source).render(who="<b>Lone & co</b>")


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("source", TEMPLATES.values(), ids=TEMPLATES)
def test_templates_translate_exactly_as_jinjas_own_gettext(app, language, source):
    assert app.jinja_env.globals["_"] is i18n.template_gettext
    with app.test_request_context(headers={"Cookie": f"{i18n.LANGUAGE_COOKIE}={language}"}):
        ours = app.jinja_env.from_string(source).render(who="<b>Lone & co</b>")
        assert ours == jinjas_own(source)


def test_a_literal_text_is_translated_without_a_call_from_the_template(app):
    compiled = app.jinja_env.compile('{{ _("Privacy") }} {{ _("Hi %(n)s", n=1) }}', raw=True)
    assert "translated_literal" in compiled  # the literal: a filter, called directly
    assert "context.call(" in compiled  # the one with a value put in: as before
    helper = app.jinja_env.from_string('{{ helper._("Privacy") }}')
    assert helper.render(helper={"_": lambda text: text.upper()}) == "PRIVACY"


def test_a_text_is_translated_at_every_rendering_not_once(app):
    template = app.jinja_env.from_string('{{ _("Privacy") }}')

    def rendered(language: str) -> str:  # in a request (and app context) of its own
        cookie = f"{i18n.LANGUAGE_COOKIE}={language}"
        with app.test_request_context(headers={"Cookie": cookie}):
            return template.render()

    shown = [contextvars.Context().run(rendered, language) for language in ("da", "en", "da")]
    assert shown == ["Privatliv", "Privacy", "Privatliv"]


def test_a_macro_imported_from_another_template_speaks_each_requests_language(app):
    """Jinja keeps an imported template's module (and its context) between renderings."""
    loader = app.jinja_env.loader
    macros = '{% macro texts(n) %}{{ _("Settings") }}/{{ _("Hi %(n)s", n=n) }}{% endmacro %}'
    page = '{% from "test_macros.html" import texts %}{{ texts(1) }}'
    sources = {"test_macros.html": macros, "test_page.html": page}
    app.jinja_env.loader = DictLoader(sources)
    try:

        def rendered(language: str) -> str:
            cookie = f"{i18n.LANGUAGE_COOKIE}={language}"
            with app.test_request_context(headers={"Cookie": cookie}):
                return app.jinja_env.get_template("test_page.html").render()

        shown = [contextvars.Context().run(rendered, language) for language in ("da", "en")]
    finally:
        app.jinja_env.loader = loader
    assert shown[0].startswith("Indstillinger/") and shown[1] == "Settings/Hi 1"


def test_a_literal_text_is_translated_once_per_language(app, monkeypatch):
    template = app.jinja_env.from_string('{{ _("Settings") }}|{{ _("Log out") }}')
    monkeypatch.setattr(babel.domain_instance, "cache", {})  # catalogues as a new process has
    translated = []
    translate = i18n._translated
    monkeypatch.setattr(i18n, "_translated", lambda *a: translated.append(a[1]) or translate(*a))

    def rendered(language: str) -> str:
        with app.test_request_context(headers={"Cookie": f"{i18n.LANGUAGE_COOKIE}={language}"}):
            return template.render()

    shown = [contextvars.Context().run(rendered, language) for language in ("da", "da", "en")]
    assert shown == ["Indstillinger|Log ud", "Indstillinger|Log ud", "Settings|Log out"]
    assert sorted(translated) == sorted(["Settings", "Log out"] * 2)  # da once, en once


@pytest.fixture
def loaded_templates(app):
    """Templates the app loads by name (as it loads its own), from `sources` given."""
    loader = app.jinja_env.loader

    def load(sources: dict):
        app.jinja_env.loader = DictLoader(sources)

    yield load
    app.jinja_env.loader = loader


def test_a_pages_literal_texts_are_translated_when_its_template_compiles(
    app, loaded_templates, monkeypatch
):
    """Each language has its own compiled copy of a template loaded by name, with its fixed
    texts translated in it: a page asks no catalogue for them, and speaks each request's
    language, or the language a mail is written in (`force_locale`) within a request."""
    page = '{{ _("Settings") }}|{{ _("%(name)s\'s account is active again.", name="Lone") }}'
    loaded_templates({"test_page.html": page})
    danish, english = "Indstillinger|Kontoen for Lone er aktiv igen.", "Settings|Lone's account"

    def rendered(language: str, forced: str | None = None) -> str:
        with app.test_request_context(headers={"Cookie": f"{i18n.LANGUAGE_COOKIE}={language}"}):
            if forced is None:
                return app.jinja_env.get_template("test_page.html").render()
            with force_locale(forced):
                return app.jinja_env.get_template("test_page.html").render()

    first = [contextvars.Context().run(rendered, language) for language in ("da", "en")]
    assert first[0] == danish and first[1].startswith(english)
    catalogue = i18n.page_translations
    asked = []
    monkeypatch.setattr(i18n, "page_translations", lambda: asked.append(1) or catalogue())
    again = [contextvars.Context().run(rendered, language) for language in ("en", "da", "en")]
    assert again == [first[1], danish, first[1]]
    assert contextvars.Context().run(rendered, "en", "da") == danish
    assert len(asked) == 4  # for the text with a value put in, at each rendering


def test_the_layout_builds_its_links_once(app, leader_client, monkeypatch):
    assert leader_client.get("/privacy").status_code == 200  # the first page builds them
    built = []
    build = app.url_for

    def counted(endpoint, **values):
        built.append(endpoint)
        return build(endpoint, **values)

    monkeypatch.setattr(app, "url_for", counted)
    monkeypatch.setitem(app.jinja_env.globals, "url_for", counted)
    page = leader_client.get("/privacy").get_data(as_text=True)
    assert 'href="/goals/"' in page and 'href="/static/style.css"' in page
    assert page.count('href="/journal/"') == 2  # the desktop's bar and the phone's Menu
    assert built == []


def test_the_layout_links_follow_the_root_path_the_app_is_served_under(leader_client):
    leader_client.get("/privacy")
    moved = leader_client.get("/privacy", base_url="http://localhost/ledelse/")
    page = moved.get_data(as_text=True)
    assert 'href="/ledelse/goals/"' in page and 'href="/ledelse/static/style.css"' in page
    assert 'href="/goals/"' not in page
    assert 'href="/goals/"' in leader_client.get("/privacy").get_data(as_text=True)


def test_a_logged_in_page_asks_the_database_one_question(leader_client, leader, db):
    leader_client.get("/privacy")
    with counting_queries(db.engine) as statements:
        page = leader_client.get("/privacy").get_data(as_text=True)
    assert leader.name in page  # logged in, the journal open: the menu is there
    assert 'href="/goals/"' in page
    assert len(statements) == 1 and "FROM users" in statements[0]


def test_the_team_menus_news_is_asked_with_a_query_built_once(
    app, client, make_user, log_in_as, db, monkeypatch
):
    manager, leader = make_user(name="Mads Manager"), make_user(name="Lone Leder")
    sharing.set_link_by_admin(leader, manager)
    log_in_as(client, manager)
    assert 'href="/team/"' in client.get("/privacy").get_data(as_text=True)
    built = []
    build = in_app._visible
    monkeypatch.setattr(in_app, "_visible", lambda *args: built.append(args) or build(*args))
    with counting_queries(db.engine) as statements:
        page = client.get("/privacy").get_data(as_text=True)
    assert 'href="/team/"' in page and "news-dot" not in page
    assert len(statements) == 2  # the manager, then whether the team has news
    assert built == []


def test_a_layout_link_to_no_page_fails_loudly(app):
    template = app.jinja_env.from_string("<a href=\"{{ layout_urls['goals.nowhere'] }}\">")
    with app.test_request_context(), pytest.raises(RuntimeError, match=r"goals\.nowhere"):
        template.render(layout_urls=layout.LayoutUrls())


def test_the_queries_of_every_page_have_no_list_to_expand_at_each_request(app):
    """An `IN` list is expanded into the statement afresh at every execution (about as much
    Python as the rest of running the query): the user loader's query, and the manager's
    news in the header, have none."""
    someone = type("Someone", (), {"id": 1, "email": "someone@esbjerg.example"})
    with app.app_context():
        assert not in_app.has_news(someone, in_app.TEAM)  # builds the header's query
    queries = [access.USER_BY_ID, *in_app._NEWS_QUERIES.values()]
    assert len(queries) >= 2
    assert all("POSTCOMPILE" not in str(query) for query in queries)


def test_the_dashboards_news_is_asked_with_queries_built_once(
    app, client, make_user, log_in_as, db, monkeypatch
):
    leader = make_user(name="Lone Leder")
    log_in_as(client, leader)
    assert client.get("/").status_code == 200  # the first visit builds them
    built = []
    build = in_app._visible
    monkeypatch.setattr(in_app, "_visible", lambda *args: built.append(args) or build(*args))
    assert client.get("/").status_code == 200
    assert client.get("/goals/").status_code == 200
    assert built == []
