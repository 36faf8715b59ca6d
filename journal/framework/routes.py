"""The framework page: themes, tasks and their bullets in the chosen language."""

from flask import Blueprint, render_template

from journal.framework import current_framework
from journal.framework.chips import task_chips

bp = Blueprint("framework", __name__, url_prefix="/framework")
bp.add_app_template_global(task_chips, "task_chip_list")


@bp.get("/")
def index():
    """The three themes and nine tasks, each with its bullets."""
    return render_template("framework/index.html", framework=current_framework())
