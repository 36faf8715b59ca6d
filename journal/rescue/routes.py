"""The rescue page's log-in: log in again, then get the kept text back to check and save."""

from flask import Blueprint, abort, request

from journal.auth.access import public
from journal.auth.login import log_in_again as log_in
from journal.rescue import LOGGED_IN_AGAIN, rescue_of, rescue_page, same_origin

bp = Blueprint("rescue", __name__)


@bp.post("/rescue")
@public
def log_in_again():
    """Log in (as whoever types their password) and see the form again with the kept text."""
    rescue = rescue_of(request.form.get("rescue_for"))
    if rescue is None:
        abort(404)
    if not same_origin():
        abort(400)
    user = log_in()
    if user is None:
        return rescue_page(rescue, login_failed=True)
    return rescue.reshow(user, LOGGED_IN_AGAIN)
