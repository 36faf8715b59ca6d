"""Language and time zone: chosen per user, remembered in a cookie before login."""

from flask import Flask, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from journal.models import LANGUAGES

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


def current_language() -> str:
    """The active language code, "da" or "en"."""
    locale = get_locale()
    return locale.language if locale else "da"


def init_app(app: Flask) -> None:
    """Expose the language helpers to templates."""

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
