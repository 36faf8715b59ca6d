"""The framework page: themes, tasks and their bullets in the chosen language."""

from flask import Blueprint, current_app, render_template

from journal.framework import Framework
from journal.framework.chips import task_chips

bp = Blueprint("framework", __name__, url_prefix="/framework")
bp.add_app_template_global(task_chips, "task_chip_list")


def current_framework() -> Framework:
    """The framework loaded at start-up from FRAMEWORK_FILE."""
    return current_app.extensions["framework"]


def stale_task_keys(keys: list[str]) -> list[str]:
    """Tags of tasks no longer in the framework file: kept, never silently dropped."""
    return [key for key in keys if key not in current_framework().task_keys]


@bp.get("/")
def index():
    """The three themes and nine tasks, each with its bullets."""
    return render_template("framework/index.html", framework=current_framework())
