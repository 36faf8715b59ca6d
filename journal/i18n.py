"""Language and time zone: chosen per user, remembered in a cookie before login; and the
leader's own today, which every date check and overview counts from."""

from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask, g, has_request_context, request
from flask.templating import Environment
from flask_babel import format_date, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.ext import Extension
from jinja2.lexer import (
    TOKEN_DOT,
    TOKEN_LPAREN,
    TOKEN_NAME,
    TOKEN_PIPE,
    TOKEN_RPAREN,
    TOKEN_STRING,
    Token,
    TokenStream,
)
from jinja2.nodes import EvalContext, Impossible
from jinja2.utils import LRUCache
from markupsafe import Markup

from journal.models import LANGUAGES, User

LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"da": "Dansk", "en": "English"}


def select_locale() -> str:
    """The user's language, else the cookie's, else Danish."""
    if not has_request_context():
        return "da"
    if current_user.is_authenticated:
        return current_user.language
    language = request.cookies.get(LANGUAGE_COOKIE)
    return language if language in LANGUAGES else "da"


def select_timezone() -> str | None:
    """The user's time zone; Babel's default (Copenhagen) for visitors."""
    if not has_request_context():
        return None
    if current_user.is_authenticated:
        return current_user.timezone
    return None


def today_for(user: User) -> date:
    """Today's date where the leader is (their own time zone), not the server's."""
    return datetime.now(ZoneInfo(user.timezone)).date()


def current_language() -> str:
    """The active language code, "da" or "en"."""
    locale = get_locale()
    return locale.language if locale else "da"


@lru_cache(maxsize=4096)
def _formatted_day(day: date, format: str | None, locale: str) -> str:
    # `locale` is the active one (`format_date` reads it), there to be part of the key.
    return format_date(day, format)


def format_day(value, format: str | None = None) -> str:
    """Flask-Babel's `format_date`, with days (not moments) formatted once per day, format
    and language: a page shows a few days again and again, and Babel takes some 50 µs for
    each."""
    if type(value) is date:
        return _formatted_day(value, format, str(get_locale()))
    return format_date(value, format)


def page_translations():
    """The catalogue of this request's language, found once per request.

    Flask-Babel finds it anew for each of the dozens of texts on a page, which costs a
    page about as much as a database query. (No template is rendered in one language and
    then another within a request: nothing here uses `force_locale` around a template.)
    """
    translations = g.get("page_translations")
    if translations is None:
        translations = g.page_translations = get_translations()
    return translations


def _translated(eval_context: EvalContext, text: str, variables: dict) -> str:
    return _translated_by(page_translations(), eval_context, text, variables)


def _translated_by(catalogue, eval_context: EvalContext, text: str, variables: dict) -> str:
    translated = catalogue.ugettext(text)
    if eval_context.autoescape:
        translated = Markup(translated)  # noqa: S704 - our catalogue, as Jinja's own `_`
    if variables or "%" in translated:
        return translated % variables
    return translated


@pass_eval_context
def template_gettext(eval_context: EvalContext, text: str, **variables) -> str:
    """`{{ _("…", name=value) }}` in a template: what Jinja's own (new-style) `_` gives,
    for less.

    Jinja's `_` passes each text through three layers of its calls (the `_` alias, the
    new-style wrapper, the catalogue's function), and formats it even with nothing to put
    in; a page has dozens of texts, the privacy page 86, and that was a third of the
    layout's time. Same result: the translation, safe markup where the template escapes,
    `%(name)s` filled in (escaped), and "%%" read as "%".
    """
    return _translated(eval_context, text, variables)


# While a template compiles: the language it is compiled for, or None (compiled from a string,
# for no language). Outside a compilation: RENDERING.
RENDERING = "rendering"
_compiling_for: ContextVar[str | None] = ContextVar("compiling_for", default=RENDERING)


@pass_eval_context
def translated_literal(eval_context: EvalContext, text: str) -> str:
    """`_("…")` with nothing to put in, as `LiteralTexts` compiles it: `template_gettext`
    without the cost of a call from a template.

    A template of the app's (loaded by name) is compiled once per language
    (`LanguageEnvironment`), and Jinja calls this while compiling it: the translation is
    then part of the compiled template, as its other fixed text is, and costs a page nothing.
    A template compiled from a string is for no language: the text is translated when it is
    rendered, once per language, kept with the language's catalogue. Only the templates' own
    literal texts come here, so either way they are a fixed set and nothing anyone typed.
    """
    language = _compiling_for.get()
    if language is None:
        raise Impossible()  # Jinja: not a constant, call me when rendering
    if language != RENDERING:
        return _translated_by(get_translations(), eval_context, text, {})
    catalogue = page_translations()
    texts = getattr(catalogue, "journal_literal_texts", None)
    if texts is None:
        texts = catalogue.journal_literal_texts = {}
    key = (text, eval_context.autoescape)
    translated = texts.get(key)
    if translated is None:
        translated = texts[key] = _translated(eval_context, text, {})
    return translated


class TemplatesPerLanguage(LRUCache):
    """Jinja's cache of loaded templates, kept per language: a template's literal texts are
    translated when it compiles, so each language has its own compiled copy."""

    def __getitem__(self, key):
        return super().__getitem__((key, current_language()))

    def __setitem__(self, key, value) -> None:
        super().__setitem__((key, current_language()), value)

    def __delitem__(self, key) -> None:
        super().__delitem__((key, current_language()))

    def __contains__(self, key) -> bool:
        return super().__contains__((key, current_language()))


class LanguageEnvironment(Environment):
    """Flask's Jinja environment, compiling each template of the app once per language.

    A page's fixed texts (the layout's menus and footer, the privacy text: over eighty on the
    privacy page) are then translated once per process instead of on every page, as Jinja
    keeps other fixed text. The language is the one active where the template is loaded:
    the request's, or the one `force_locale` chose (a mail in its recipient's language).
    """

    def __init__(self, app: Flask, **options) -> None:
        super().__init__(app, **options)
        if self.cache is not None:
            self.cache = TemplatesPerLanguage(self.cache.capacity)

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        """Compile for the active language a template loaded by name (as the cache keeps
        it), for no language one made from a string (which is not kept per language)."""
        token = _compiling_for.set(current_language() if name is not None else None)
        try:
            return super().compile(source, name, filename, raw, defer_init)
        finally:
            _compiling_for.reset(token)


LITERAL_FILTER = "translated_literal"


class LiteralTexts(Extension):
    """Compiles `_("a literal text")` as `("a literal text" | translated_literal)`.

    Every call from a template goes through Jinja's `Context.call` (about 1.5 µs: it looks
    for what to pass the function first), a filter is called directly; most texts are
    literals with nothing to put in, 86 on the privacy page. The result is the same, and
    the source is unchanged for `make extract-messages`. A call with values to put in, or
    an attribute that happens to be called `_`, is left as it is.
    """

    def filter_stream(self, stream: TokenStream) -> list[Token]:
        """The template's tokens, each `_ ( "…" )` replaced by `( "…" | translated_literal )`."""
        tokens = list(stream)
        out = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if _is_literal_text_call(tokens, index):
                text = tokens[index + 2]
                out += [
                    Token(token.lineno, TOKEN_LPAREN, "("),
                    text,
                    Token(text.lineno, TOKEN_PIPE, "|"),
                    Token(text.lineno, TOKEN_NAME, LITERAL_FILTER),
                    Token(text.lineno, TOKEN_RPAREN, ")"),
                ]
                index += 4
            else:
                out.append(token)
                index += 1
        return out


def _is_literal_text_call(tokens: list[Token], index: int) -> bool:
    window = tokens[index : index + 4]
    return (
        [token.type for token in window] == [TOKEN_NAME, TOKEN_LPAREN, TOKEN_STRING, TOKEN_RPAREN]
        and window[0].value == "_"
        and (index == 0 or tokens[index - 1].type != TOKEN_DOT)
    )


def init_app(app: Flask) -> None:
    """Expose the language helpers to templates."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: page_translations().ugettext(text),
        ngettext=lambda one, many, n: page_translations().ungettext(one, many, n),
        pgettext=lambda context, text: page_translations().upgettext(context, text),
        npgettext=lambda context, one, many, n: page_translations().unpgettext(
            context, one, many, n
        ),
        newstyle=True,
    )
    app.jinja_env.globals["_"] = template_gettext
    app.jinja_env.filters[LITERAL_FILTER] = translated_literal
    app.jinja_env.add_extension(LiteralTexts)

    app.add_template_filter(format_day, "dateformat")

    @app.template_filter("tr")
    def translate_text(text) -> str:
        """A framework `Text` in the active language: `{{ task.name | tr }}`."""
        return text.get(current_language())

    @app.context_processor
    def language_context() -> dict:
        language = current_language()
        other = "en" if language == "da" else "da"
        return {
            "lang": language,
            "other_language": other,
            "other_language_name": LANGUAGE_NAMES[other],
        }
