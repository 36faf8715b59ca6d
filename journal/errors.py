"""Error pages in the user's language, for every status a visitor can meet."""

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from journal.auth.access import rescue_for
from journal.extensions import db

MESSAGES = {
    400: (
        _l("Something in the request was wrong"),
        _l("The page could not understand what was sent. Go back and try again."),
    ),
    403: (
        _l("Not allowed"),
        _l("You do not have access to this."),
    ),
    404: (
        _l("Page not found"),
        _l("There is nothing here. The address may be mistyped, or the page may be gone."),
    ),
    405: (
        _l("Not possible here"),
        _l("This page cannot be used that way. Go back and use the page's own buttons."),
    ),
    413: (
        _l("Too much at once"),
        _l(
            "What you sent is larger than the app accepts. Go back: a reflection you were "
            "writing is still kept in this browser as a draft. Shorten it or split it in two."
        ),
    ),
    429: (
        _l("Too many attempts"),
        _l(
            "There have been too many attempts in a short time. Wait a few minutes, then try again."
        ),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l(
            "The error has been logged. Try again in a moment; if it happens again, tell your administrator."
        ),
    ),
}
CSRF_MESSAGE = (
    _l("The form had expired"),
    _l("For your safety, forms expire. Go back, reload the page and send the form again."),
)


def render_error(code: int, title, text):
    """The one error page template, with the right status code."""
    return render_template("error.html", code=code, title=title, text=text), code


def init_app(app: Flask) -> None:
    """Register the error pages."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code not in MESSAGES:
            return error
        if error.code == 500:
            # A failed statement leaves the session unusable; the page itself needs it.
            db.session.rollback()
        return render_error(error.code, *MESSAGES[error.code])

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        # Never throw away writing because a token expired: such views show it again.
        if rescue := rescue_for(request.endpoint):
            try:
                return rescue()
            except HTTPException as error:  # e.g. 404: not the user's entry
                return http_error(error)
        return render_error(400, *CSRF_MESSAGE)
