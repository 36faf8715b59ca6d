"""Review views."""

from flask import Blueprint, render_template

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.get("/")
def index():
    """An honest "coming" page until this part of the app is built."""
    return render_template("coming.html", feature="review")
