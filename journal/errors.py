"""Error pages in the user's language, for every status a visitor can meet."""

from contextlib import suppress

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from journal import rescue
from journal.auth.throttle import TooManyAttempts
from journal.extensions import db, login_manager
from journal.redirects import referring_page

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
DATABASE_UNAVAILABLE = (
    _l("The journal is unavailable for a moment"),
    _l(
        "The database did not answer, for example while it restarts. Wait a moment, then go "
        "back and try again; a reflection you were writing is still kept in this browser."
    ),
)
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

    @app.errorhandler(TooManyAttempts)
    def too_many_attempts(error: TooManyAttempts):
        # Log-ins paused: say for how long, and what to do about a forgotten password.
        page = render_template("auth/too_many_attempts.html", minutes=error.minutes)
        return page, error.code, {"Retry-After": str(error.seconds)}

    def database_unavailable(error: SQLAlchemyError):
        # Restarting, unreachable or locked: a 503 to retry, not a 500 (the database is
        # pinged before each use of a pooled connection, so the next request may well work).
        app.logger.warning("The database is unavailable: %s", type(error.orig).__name__)
        with suppress(SQLAlchemyError):
            db.session.rollback()
        # The page must not need the database: shown as to a visitor; the login stays.
        g._login_user = login_manager.anonymous_user()
        return (*render_error(503, *DATABASE_UNAVAILABLE), {"Retry-After": "5"})

    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error):
        # The body is never read, so the text cannot come back in the page: the browser's
        # draft keeps it, and the page leads back to the form that offers the draft again.
        page = render_template(
            "error.html",
            code=413,
            title=MESSAGES[413][0],
            text=MESSAGES[413][1],
            back=form_page(),
            draft_kept=request.blueprint == "entries",  # the pages whose drafts journal.js keeps
        )
        return page, 413

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        # Never throw away writing because a token expired: it is shown again.
        try:
            kept = rescue.answer(400)
        except HTTPException as error:  # e.g. 404: not the user's entry
            return http_error(error)
        return kept or render_error(400, *CSRF_MESSAGE)


def form_page() -> str | None:
    """The page with the form whose post was too large: the posted address itself when it
    has a page (writing, editing), else the page the browser says it came from."""
    if request.url_rule is not None and "GET" in request.url_rule.methods:
        return request.full_path.rstrip("?")
    return referring_page() if request.method == "POST" else None
