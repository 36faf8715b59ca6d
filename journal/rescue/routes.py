"""The rescue page's log-in: log in again, then get the kept text back to check and save."""

from flask import Blueprint, abort

from journal.auth.access import public
from journal.auth.login import log_in_again as log_in
from journal.rescue import LOGGED_IN_AGAIN, rescue_of, rescue_page, rescued_endpoint, same_origin

bp = Blueprint("rescue", __name__)


@bp.post("/rescue")
@public
def log_in_again():
    """Log in (as whoever types their password) and see the form again with the kept text."""
    rescue = rescue_of(rescued_endpoint())
    if rescue is None:
        abort(404)
    if not same_origin():
        abort(400)
    user = log_in()
    if user is None:
        return rescue_page(rescue, login_failed=True)
    return rescue.reshow(user, LOGGED_IN_AGAIN)


@bp.post("/journal/rescue", defaults={"earlier": "entries.new"})
@bp.post("/goals/rescue", defaults={"earlier": "goals.new"})
@bp.post("/review/rescue", defaults={"earlier": "review.save"})
@public
def earlier_address(earlier: str):
    """Where the rescue pages of the release before posted, one address per form: a page
    left open while the app was upgraded still brings its text back."""
    return log_in_again()
