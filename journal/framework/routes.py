"""The framework page: themes, tasks and their bullets in the chosen language."""

from flask import Blueprint, current_app, render_template

from journal.framework import Framework

bp = Blueprint("framework", __name__, url_prefix="/framework")


def current_framework() -> Framework:
    """The framework loaded at start-up from FRAMEWORK_FILE."""
    return current_app.extensions["framework"]


@bp.get("/")
def index():
    """The three themes and nine tasks, each with its bullets."""
    return render_template("framework/index.html", framework=current_framework())
