"""The review before an appraisal (LUS): a period on screen, printable, and saved as notes."""

import io
import json
import random
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from journal.auth.access import keeps_text, public, same_origin
from journal.auth.routes import log_in_again
from journal.dashboard.services import coverage
from journal.entries.prompts import Prompt
from journal.entries.services import today_for
from journal.framework.routes import current_framework
from journal.goals import services as goal_services
from journal.goals.progress import period_chart
from journal.review import services
from journal.review.export import archive_name, export_zip
from journal.review.forms import NotesForm, PeriodForm
from journal.review.importer import ImportRefused, import_data

bp = Blueprint("review", __name__, url_prefix="/review")

QUESTIONS = 3


def chosen_period(today: date) -> services.Period:
    """The period in the URL, or the last 6 months."""
    form = PeriodForm(formdata=request.args)
    form.validate()

    def valid(field):
        return field.data if not field.errors else None

    return services.resolve_period(
        current_user, valid(form.period) or "6", valid(form.date_from), valid(form.date_to), today
    )


def questions(framework, counts: dict[str, int]) -> list[Prompt]:
    """A few questions to prepare the conversation, from the least reflected-on tasks."""
    tasks = sorted(framework.tasks, key=lambda task: counts.get(task.key, 0))[:QUESTIONS]
    # Not security: which question to show.
    pick = random.randrange
    return [Prompt(task, pick(len(task.prompts))) for task in tasks if task.prompts]


def review_context(period: services.Period, *, snapshot: bool = True) -> dict:
    """Everything the review shows for a period, and (with `snapshot`) the snapshot a save
    would keep: the page leaves it out, which spares it a query."""
    framework = current_framework()
    goals = services.goals_in(current_user, period)
    ids = [goal.id for goal in goals]
    # Only the period's check-ins and linked reflections are read; the latter are counted too.
    check_ins = goal_services.check_in_rows(ids, period.start, period.end)
    evidence = goal_services.evidence_days_by_goal(current_user, ids, period.start, period.end)
    counts = services.task_counts(current_user, period)
    rows = []
    for goal in goals:
        in_period = check_ins[goal.id]
        rows.append(
            {
                "goal": goal,
                "check_ins": in_period,
                "first": in_period[0] if in_period else None,
                "latest": in_period[-1] if in_period else None,
                "linked": len(evidence[goal.id]),
                "chart": period_chart(in_period, evidence[goal.id], period.start, period.end),
            }
        )
    table = coverage(framework, counts, {})
    key = services.key_reflections(current_user, period)
    context = {
        "period": period,
        "framework": framework,
        "goals": rows,
        "coverage": table,
        "most": max([1, *counts.values()]),
        "untouched": [item.task for _, items in table for item in items if not item.reflections],
        "key_reflections": key,
        "questions": questions(framework, counts),
        "reviews": services.reviews_of(current_user),
    }
    if snapshot:
        context["snapshot"] = snapshot_of(period, rows, table, key)
    return context


def snapshot_of(period: services.Period, rows: list[dict], table, key) -> dict:
    """The figures a saved review keeps: its goals, reflections per task, the number of
    reflections and which were key ones."""
    return {
        "goals": [
            {
                "title": row["goal"].title,
                "status": row["goal"].status,
                "first": row["first"].rating if row["first"] else None,
                "latest": row["latest"].rating if row["latest"] else None,
                "check_ins": len(row["check_ins"]),
                "linked": row["linked"],
            }
            for row in rows
        ],
        "tasks": {item.task.key: item.reflections for _, items in table for item in items},
        "entries": services.entry_count(current_user, period),
        "key_reflections": [entry.id for entry in key],
    }


def render_review(period: services.Period, notes: NotesForm, notice: str | None = None):
    """The review page."""
    notes.period_start.data = period.start.isoformat()
    notes.period_end.data = period.end.isoformat()
    return render_template(
        "review/index.html",
        notes=notes,
        notice=notice,
        period_form=PeriodForm(formdata=request.args),
        **review_context(period, snapshot=False),
    )


def posted_period() -> services.Period | None:
    """The period a notes form was written for (hidden fields), if it makes sense."""
    try:
        start = date.fromisoformat(request.form.get("period_start", ""))
        end = date.fromisoformat(request.form.get("period_end", ""))
    except ValueError:
        return None
    return services.Period(start, end, "custom") if start <= end else None


def rescue_notes():
    """Summary notes that arrived with an expired session or form come back, never lost."""
    if not same_origin():
        abort(400)
    period = posted_period()
    if current_user.is_authenticated and period is not None:
        notice = _(
            "For your safety the form had expired. Your text is kept below: press Save again."
        )
        return render_review(period, NotesForm(formdata=request.form), notice)
    return render_template(
        "review/rescue.html", notes=NotesForm(formdata=request.form), login_failed=False
    )


@bp.get("/")
def index():
    """The review for a period: goals, reflections per task, key reflections, questions."""
    return render_review(chosen_period(today_for(current_user)), NotesForm())


@bp.post("/save")
@keeps_text(rescue_notes)
def save():
    """Save the summary notes with a snapshot of the period's figures."""
    period = posted_period()
    if period is None:
        abort(400)
    notes = NotesForm()
    if not notes.validate_on_submit():
        return render_review(period, notes)
    review = services.save_review(
        current_user,
        period,
        proud=notes.proud.data or "",
        next_practice=notes.next_practice.data or "",
        need_from_manager=notes.need_from_manager.data or "",
        snapshot=review_context(period)["snapshot"],
    )
    flash(_("Your review is saved. You can find it under Saved reviews."), "success")
    return redirect(url_for("review.view", review_id=review.id))


@bp.post("/rescue")
@public
@keeps_text(rescue_notes)
def rescue():
    """Log in again and get the rescued notes back, to check and save."""
    user = log_in_again()
    if user is None:
        return render_template(
            "review/rescue.html", notes=NotesForm(formdata=request.form), login_failed=True
        )
    period = posted_period() or chosen_period(today_for(user))
    notice = _("You are logged in again. Check your text, then press Save.")
    return render_review(period, NotesForm(formdata=request.form), notice)


@bp.get("/<id:review_id>")
def view(review_id: int):
    """A saved review, as it was on the day it was saved."""
    review = services.get_review_for(current_user, review_id)
    return render_template(
        "review/view.html",
        review=review,
        snapshot=json.loads(review.snapshot or "{}"),
        framework=current_framework(),
    )


@bp.post("/<id:review_id>/delete")
def delete(review_id: int):
    """Delete a saved review."""
    services.delete_review(current_user, services.get_review_for(current_user, review_id))
    flash(_("The review is deleted."), "success")
    return redirect(url_for("review.index"))


# My data: export and import ----------------------------------------------------------------

IMPORT_LIMIT = 64 * 1024 * 1024


def allow_large_imports() -> None:
    """Registered before the CSRF check reads the form: an import may exceed 4 MiB."""
    if request.endpoint == "review.import_file":
        request.max_content_length = IMPORT_LIMIT


@bp.get("/my-data")
def my_data():
    """Download everything I own, import an earlier export, or erase my account."""
    return render_template("review/my_data.html")


@bp.post("/my-data/export")
def export():
    """A ZIP with journal.json (for machines) and Markdown files (for people)."""
    archive = export_zip(current_user, current_framework())
    return send_file(
        io.BytesIO(archive),
        mimetype="application/zip",
        as_attachment=True,
        download_name=archive_name(current_user),
    )


@bp.post("/my-data/import")
def import_file():
    """Import a journal.json (or a whole export ZIP) into my account; all or nothing."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose the file to import."), "error")
        return redirect(url_for("review.my_data"))
    try:
        result = import_data(current_user, upload.read())
    except ImportRefused as refusal:
        current_app.logger.info("Import refused for user %s: %s", current_user.id, refusal)
        flash(_(refusal.message_key), "error")
        return redirect(url_for("review.my_data"))
    flash(
        _(
            "Imported: %(entries)d reflections, %(goals)d goals, %(check_ins)d check-ins and "
            "%(reviews)d reviews. Already here and skipped: %(skipped)d.",
            entries=result.entries_added,
            goals=result.goals_added,
            check_ins=result.check_ins_added,
            reviews=result.reviews_added,
            skipped=result.entries_skipped + result.goals_skipped + result.reviews_skipped,
        ),
        "success",
    )
    return redirect(url_for("review.my_data"))
