"""Who may reach a route, decided in one place: a login unless a view is marked public."""

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from journal.auth import keys, sessions
from journal.extensions import db, login_manager
from journal.models import User


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in."""
    view.is_public = True
    return view


def keeps_text(rescue: Callable) -> Callable:
    """Mark a view whose POST carries the leader's writing: if it arrives without a session
    or with an expired CSRF token, `rescue()` answers instead, showing the text again."""

    def mark(view: Callable) -> Callable:
        view.rescue = rescue
        return view

    return mark


def same_origin() -> bool:
    """Whether this POST came from a page of this site (browsers say so in their headers).

    Only then is posted text offered back: another site must not be able to plant text
    that a leader might save over their own.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is None or origin.rstrip("/") == request.host_url.rstrip("/")


def posted_id(name: str) -> int | None:
    """An id from the URL (`name` in the route) or a posted field of that name, if sane."""
    if value := (request.view_args or {}).get(name):
        return value
    text = request.form.get(name, "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


# Fields that carry a person's own writing, in any form (check-in notes, comments, ...).
PROSE_FIELDS = ("title", "body", "note", "why", "how_i_know")


def kept_text_page(status: int = 200):
    """For a POST that cannot be accepted (session or form expired) on a form with no
    rescue of its own: show what was written, to copy, with the way to log in and back.

    Only for posts from this site's own pages (see `same_origin`); None if nothing was
    written, and the caller answers as it would have. `status`: 400 when the post itself was
    refused (an expired form), 200 when only the session had ended.
    """
    if not same_origin():
        return None
    texts = [
        value for name in PROSE_FIELDS for value in request.form.getlist(name) if value.strip()
    ]
    if not texts:
        return None
    page = render_template("kept_text.html", texts=texts, back=referring_page() or "/")
    return page, status


def referring_page() -> str | None:
    """The page of this site the browser says the request came from (path and query)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path, fallback="") or None


def page_to_return_to() -> str:
    """This page's path, for a header form (the language switch) to come back to; for a
    page that answered a form (its address may take no GET, e.g. `/journal/rescue`), the
    page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    return referring_page() or "/"


def rescue_for(endpoint: str | None) -> Callable | None:
    """The rescue of a view marked with `keeps_text`, if any."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "rescue", None)


def require_admin() -> None:
    """A blueprint's `before_request`: 404 to anyone but an administrator."""
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(404)


def safe_next(target: str | None, fallback: str = "/") -> str:
    """`target` if it is a path on this site, else `fallback`: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(char) < 32 for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


# What the login page says when a session has run out (not when it was ended on purpose).
def _idle_message() -> str:
    minutes = current_app.config["SESSION_IDLE_MINUTES"]
    if minutes % 60:
        return ngettext(
            "You were logged out after %(num)s minute without activity. Log in again.",
            "You were logged out after %(num)s minutes without activity. Log in again.",
            minutes,
        )
    return ngettext(
        "You were logged out after %(num)s hour without activity. Log in again.",
        "You were logged out after %(num)s hours without activity. Log in again.",
        minutes // 60,
    )


SESSION_ENDED = {
    "idle": _idle_message,
    "expired": lambda: _(
        "For your safety, a log-in lasts at most %(hours)s hours. Log in again.",
        hours=current_app.config["SESSION_MAX_HOURS"],
    ),
}


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user, unless the account has been deactivated since.

    A session is only as good as the journal key it holds: without one that opens (a
    session from before encryption, a changed server secret) it counts as logged out,
    except while the leader is choosing a password to replace one an administrator set.
    """
    user = db.session.get(User, int(user_id)) if user_id.isascii() and user_id.isdigit() else None
    if user is None or not user.is_active:
        return None
    if reason := sessions.ended(user):
        # Forget the key and the login; the page this request lands on says why.
        session.clear()
        if reason in SESSION_ENDED:
            flash(SESSION_ENDED[reason](), "info")
        return None
    key = keys.key_from_session(user)
    if key is not None:
        keys.use_for_request(key)
        return user
    return user if keys.is_pending() and user.must_change_password else None


# What a leader may do before the journal is ready, besides logging out and the like.
KEY_STEPS = {
    "auth.choose_password": {"auth.choose_password"},
    "auth.recovery_key": {
        "auth.recovery_key",
        "auth.new_recovery_key",
        "auth.confirm_recovery_key",
    },
}
ALWAYS_OPEN = {"static", "auth.logout", "auth.switch_language", "auth.privacy"}


def journal_step(user: User) -> str | None:
    """The page the user must go through before anything else, if any."""
    if user.must_change_password or not keys.has_open_journal(user):
        return "auth.choose_password"
    if user.recovery_key_confirmed_at is None:
        return "auth.recovery_key"
    return None


def init_app(app: Flask) -> None:
    """Send anonymous visitors of any non-public view to the login page."""

    @app.before_request
    def require_login():
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "is_public", False) or current_user.is_authenticated:
            return None
        if request.method == "POST" and (rescue := rescue_for(request.endpoint)):
            return rescue()
        if request.method == "POST" and (kept := kept_text_page()):
            return kept
        # Only a GET can be repeated after logging in; the start page needs no `next`.
        wanted = request.method == "GET" and request.path != "/"
        return redirect(
            url_for("auth.login", next=request.full_path.rstrip("?") if wanted else None)
        )

    @app.context_processor
    def journal_state():
        step = journal_step(current_user) if current_user.is_authenticated else None
        return {"journal_step": step, "this_page": page_to_return_to()}

    @app.before_request
    def require_open_journal():
        if request.endpoint in ALWAYS_OPEN or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return None
        step = journal_step(current_user)
        if step is not None and request.endpoint not in KEY_STEPS[step]:
            return redirect(url_for(step))
        return None
