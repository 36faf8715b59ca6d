"""Entries views."""

from flask import Blueprint, render_template

bp = Blueprint("entries", __name__, url_prefix="/journal")


@bp.get("/")
def index():
    """An honest "coming" page until this part of the app is built."""
    return render_template("coming.html", feature="journal")
