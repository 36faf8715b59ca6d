"""The start page."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from journal.auth import services as accounts
from journal.auth.access import public
from journal.framework.routes import current_framework

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@public
def index():
    """The dashboard; visitors go to set-up (no account yet) or to log in."""
    if current_user.is_authenticated:
        return render_template("dashboard/index.html", framework=current_framework())
    if not accounts.has_accounts():
        return redirect(url_for("auth.setup"))
    return redirect(url_for("auth.login"))
