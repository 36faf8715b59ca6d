"""Who may reach a route, decided in one place: a login unless a view is marked public, and
an open journal (its key) before anything but the steps that open it and the views marked
as working while it is locked (they hold no sealed text)."""

from collections.abc import Callable

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import bindparam, select

from journal import journal_key, rescue
from journal.auth import keys, sessions
from journal.auth.passwords import has_usable_password
from journal.extensions import db, login_manager
from journal.models import User
from journal.redirects import page_to_return_to


def public(view: Callable) -> Callable:
    """Mark a view as reachable without logging in."""
    view.is_public = True
    return view


def works_locked(view):
    """Mark a view (or a whole blueprint) as working while the journal is locked: it shows
    or changes nothing sealed (account settings, the administration, the steps that unlock
    the journal)."""
    view.works_locked = True
    return view


def require_fresh_unlock():
    """None if the journal was opened in the last few minutes; else a redirect to unlock it
    again, back to the page this came from. For changes to how the journal opens, which
    must not be open to whoever finds a session left open."""
    if journal_key.unlocked_recently():
        return None
    flash(
        _("For your safety, unlock your journal once more before you change how it opens."), "info"
    )
    back = page_to_return_to() if request.method == "POST" else request.full_path.rstrip("?")
    return redirect(url_for("unlock.unlock", confirm=1, next=back))


def require_admin() -> None:
    """A blueprint's `before_request`: 404 to anyone but an administrator."""
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(404)


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


# A flash of this category makes the page after it forget the drafts this browser keeps
# for the user whose id it carries (journal.js): the session was ended on purpose.
FORGET_DRAFTS = "forget-drafts"

SESSION_ENDED = {
    "idle": _idle_message,
    "expired": lambda: _(
        "For your safety, a log-in lasts at most %(hours)s hours. Log in again.",
        hours=current_app.config["SESSION_MAX_HOURS"],
    ),
}


# The user loader's query, built once: `session.get` builds and keys its own statement on
# every request, which costs the floor about a tenth more (the session is new each request,
# so `get` never finds the user in it without asking the database anyway).
USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user, unless the account has been deactivated since.

    A session is only as good as the journal key it holds: without one that opens (a
    session from before encryption, a changed server secret) it counts as logged out,
    except while the leader is choosing a password to replace one an administrator set.
    """
    user = None
    if user_id.isascii() and user_id.isdigit():
        found = db.session.execute(USER_BY_ID, {"user_id": int(user_id)})
        user = found.scalar_one_or_none()
    if user is None or not user.is_active:
        return None
    if reason := sessions.ended(user):
        # Forget the key and the login; the page this request lands on says why.
        session.clear()
        if reason in SESSION_ENDED:
            flash(SESSION_ENDED[reason](), "info")
        else:  # logged out elsewhere (or the password changed): as after a logout here
            flash(str(user.id), FORGET_DRAFTS)
        return None
    key = journal_key.key_from_session(user)
    if key is not None:
        journal_key.use_for_request(key)
        return user
    if journal_key.is_locked(user):  # signed in by the municipality's account
        return user
    return user if user.must_change_password and journal_key.is_pending(user) else None


# What a leader may do before the journal is ready, besides logging out and the like.
KEY_STEPS = {
    "auth.choose_password": {"auth.choose_password"},
    "auth.recovery_key": {
        "auth.recovery_key",
        "auth.new_recovery_key",
        "auth.confirm_recovery_key",
    },
}
# Unsubscribing from a mail works for whoever holds its token, logged in or not.
ALWAYS_OPEN = {
    "static",
    "auth.logout",
    "auth.switch_language",
    "auth.privacy",
    "notifications.unsubscribe",
    "installable.service_worker",  # public, and the same for everyone
}


# Steps after which views marked `works_locked` stay reachable: the journal is locked (or
# has no key yet), and nothing those views show needs it.
LOCKED_STEPS = ("unlock.unlock", "unlock.set_up")


def journal_step(user: User) -> str | None:
    """The page the user must go through before anything else, if any: choosing their own
    password, setting up a journal (no key yet), unlocking it, keeping the recovery key."""
    if not journal_key.has_open_journal(user):
        if journal_key.is_locked(user):  # signed in by the municipality's account
            return "unlock.unlock" if keys.has_keys(user) else "unlock.set_up"
        return "auth.choose_password"  # logged in with a password an administrator set
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
        if request.method == "POST" and (kept := rescue.answer()):
            return kept  # the writing in the post comes back, not lost behind a log-in
        # Only a GET can be repeated after logging in; the start page needs no `next`.
        wanted = request.method == "GET" and request.path != "/"
        return redirect(
            url_for("auth.login", next=request.full_path.rstrip("?") if wanted else None)
        )

    @app.context_processor
    def journal_state():
        step = journal_step(current_user) if current_user.is_authenticated else None
        has_password = current_user.is_authenticated and has_usable_password(
            current_user.password_hash
        )
        return {
            "journal_step": step,
            "this_page": page_to_return_to(),
            "has_password": has_password,
        }

    @app.before_request
    def require_open_journal():
        if request.endpoint in ALWAYS_OPEN or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return None
        step = journal_step(current_user)
        if step is None or request.endpoint in KEY_STEPS.get(step, ()):
            return None
        view = app.view_functions.get(request.endpoint)
        blueprint = app.blueprints.get(request.blueprint or "")
        if step in LOCKED_STEPS and (
            getattr(view, "works_locked", False) or getattr(blueprint, "works_locked", False)
        ):
            return None
        if request.method == "POST" and step in LOCKED_STEPS and (kept := rescue.answer()):
            return kept  # the writing in the post comes back, not lost behind the unlock
        # Back here once the journal opens: only a GET can be repeated.
        wanted = request.method == "GET" and step == "unlock.unlock" and request.path != "/"
        return redirect(url_for(step, next=request.full_path.rstrip("?") if wanted else None))
