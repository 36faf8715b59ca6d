"""The start page."""

from flask import Blueprint, render_template

from journal.framework.routes import current_framework

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    """The start page after login."""
    return render_template("dashboard/index.html", framework=current_framework())
