"""The one page of notifications without a log-in: unsubscribing from a mail."""

from flask import Blueprint, render_template, request
from flask_babel import force_locale

from journal.auth.access import public
from journal.extensions import csrf
from journal.notifications import unsubscribe as unsubscribing
from journal.notifications.mail import SETTING_NAMES
from journal.notifications.unsubscribe import TOKEN_LENGTH

bp = Blueprint("notifications", __name__)


@bp.route(f"/unsubscribe/<string(length={TOKEN_LENGTH}):token>", methods=["GET", "POST"])
@public
# Exempt from CSRF on purpose, this route only: RFC 8058's one-click unsubscribe is a POST
# from the mail client, without a session or a form token. The token in the address is the
# authority, and all it can do is turn off some of its own recipient's mails.
@csrf.exempt
def unsubscribe(token: str):
    """Ask "stop these mails?" (GET); turn them off (POST, from the page or the mail
    client's one-click), in the mail's language. A forged or used token is 404."""
    mail = unsubscribing.mail_for_token(token)
    with force_locale(mail.recipient.language):
        if request.method == "GET":
            names = [SETTING_NAMES[s] for s in unsubscribing.settings_named(mail)]
            return render_template("notifications/unsubscribe.html", names=names)
        names = [SETTING_NAMES[s] for s in unsubscribing.unsubscribe(mail)]
        return render_template("notifications/unsubscribed.html", names=names)
