"""Nothing lost: a post that carries a leader's writing, and cannot be accepted because the
session ended or the form's CSRF token expired, shows the text again instead of dropping it.

A view whose form carries writing (an entry, a goal, the review's notes) is marked with
`@keeps_text(Rescue(...))`. When its POST cannot be accepted:

- still logged in (only the form expired): `reshow` shows the view's form again, filled in
  with what was posted, and says "press Save again";
- logged out: the rescue page (`rescue/page.html`) shows the writing, keeps every other
  field hidden, and asks to log in; that post goes to `/rescue` (the `rescue` blueprint in `auth/routes.py`, a log-in), which
  logs in whoever types their password and then reshows the form, to check and save.

A post to any other form that carries prose (a check-in note, a comment) shows the kept-text
page: the text to copy, and the way back. Only posts from this site's own pages get their
text back (`same_origin`): another site must not plant text a leader might save as their own.
The two places that refuse such a post, the log-in check (`auth/access.py`) and the CSRF
error page (`errors.py`), both answer with `answer()`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import Form

from journal.journal_key import has_open_journal
from journal.redirects import referring_page

BLUEPRINT = "rescue"  # the rescue page's own log-in (`routes.py`)
# Fields that carry a person's own writing, in any form (check-in notes, comments, ...).
PROSE_FIELDS = (
    "title",
    "body",
    "note",
    "why",
    "how_i_know",
    "proud",
    "next_practice",
    "need_from_manager",
)
# Posted fields the rescue page does not carry on: the log-in's, and the form's token.
NOT_KEPT = ("csrf_token", "email", "password", "rescue_for")

FORM_EXPIRED = _l(
    "For your safety the form had expired. Your text is kept below: press Save again."
)
LOGGED_IN_AGAIN = _l("You are logged in again. Check your text, then press Save.")


@dataclass(frozen=True)
class Rescue:
    """How a view's posted writing comes back.

    `reshow(user, notice)` answers with the view's form filled in from the posted data;
    `form()` is that form (its labels and fields for the rescue page), `shown` the names of
    the fields with the writing, and `lead` what the rescue page says happened.
    """

    reshow: Callable
    form: Callable[[], Form]
    shown: tuple[str, ...]
    lead: str


def keeps_text(rescue: Rescue) -> Callable:
    """Mark a view whose POST carries the leader's writing (see the module's docstring)."""

    def mark(view: Callable) -> Callable:
        view.rescue = rescue
        return view

    return mark


def rescue_of(endpoint: str | None) -> Rescue | None:
    """The rescue of a view marked with `keeps_text`, if any."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "rescue", None)


def same_origin() -> bool:
    """Whether this POST came from a page of this site (browsers say so in their headers)."""
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


def rescued_endpoint() -> str | None:
    """The view whose writing this request carries: the view posted to, or, for the rescue
    page's own post, the one it names (`rescue_for`, or the address an earlier release's
    rescue page posts to)."""
    if request.blueprint != BLUEPRINT:
        return request.endpoint
    return request.form.get("rescue_for") or (request.view_args or {}).get("earlier")


def answer(status: int = 200):
    """The answer to a POST that cannot be accepted (logged out, or the form expired) and
    carries writing; None if there is nothing to keep, and the caller answers as it would.

    `status` is for the kept-text page: 400 when the post itself was refused (an expired
    form), 200 when only the session had ended.
    """
    rescue = rescue_of(rescued_endpoint())
    if rescue is None:
        return kept_text_page(status)
    if not same_origin():
        abort(400)
    if current_user.is_authenticated and not has_open_journal(current_user):
        return kept_text_page(status)  # signed in, journal locked: the text to copy
    if current_user.is_authenticated:
        return rescue.reshow(current_user, FORM_EXPIRED)
    return rescue_page(rescue)


def rescue_page(rescue: Rescue, *, login_failed: bool = False):
    """The posted writing with a log-in form: whoever logs in gets it back to check and save."""
    form = rescue.form()
    # The ids in the post's address (`/journal/<entry_id>/edit`) travel as fields from here.
    in_address = request.view_args or {} if request.blueprint != BLUEPRINT else {}
    kept = [(name, str(value)) for name, value in in_address.items() if name not in request.form]
    kept += [
        (name, value)
        for name, values in request.form.lists()
        if name not in NOT_KEPT and name not in rescue.shown
        for value in values
    ]
    return render_template(
        "rescue/page.html",
        lead=rescue.lead,
        rescue_for=rescued_endpoint(),
        kept=kept,
        shown=[form[name] for name in rescue.shown],
        login_failed=login_failed,
    )


def kept_text_page(status: int = 200):
    """For a form with no rescue of its own: what was written, to copy, with the way back;
    None if nothing was written (or the post came from another site)."""
    if not same_origin():
        return None
    texts = [
        value for name in PROSE_FIELDS for value in request.form.getlist(name) if value.strip()
    ]
    if not texts:
        return None
    page = render_template("rescue/kept_text.html", texts=texts, back=referring_page() or "/")
    return page, status
