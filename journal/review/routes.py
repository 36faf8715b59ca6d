"""The review before an appraisal (LUS): a period on screen, printable, and saved as notes."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from journal.dashboard.services import coverage
from journal.entries.markdown import plain_text
from journal.framework import current_framework
from journal.goals import services as goal_services
from journal.goals.forms import GoalForm
from journal.goals.progress import period_chart
from journal.i18n import today_for
from journal.notifications import in_app
from journal.rescue import Rescue, keeps_text, kept_text_page
from journal.review import services
from journal.review.forms import NotesForm, PeriodForm
from journal.review.questions import GoalMovement, look_back_questions
from journal.review.snapshot import (
    EXCERPT_LENGTH,
    MAX_CHART_POINTS,
    MAX_CHARTED_GOALS,
    MAX_KEY_EXCERPTS,
    chart_points,
    readable,
)

bp = Blueprint("review", __name__, url_prefix="/review")


def chosen_period(today: date) -> services.Period:
    """The period in the URL, or the last 6 months."""
    form = PeriodForm(formdata=request.args)
    form.validate()

    def valid(field):
        return field.data if not field.errors else None

    return services.resolve_period(
        current_user, valid(form.period) or "6", valid(form.date_from), valid(form.date_to), today
    )


def review_context(period: services.Period, *, snapshot: bool = True) -> dict:
    """Everything the review shows for a period, and (with `snapshot`) the snapshot a save
    would keep: the page leaves it out, which spares it a query."""
    framework = current_framework()
    goals = services.goals_in(current_user, period)
    ids = [goal.id for goal in goals]
    # Only the period's check-ins (their notes opened), linked reflections and comments are
    # read, each in one query for all goals.
    check_ins = goal_services.check_in_rows(ids, period.start, period.end, notes_of=current_user)
    evidence = goal_services.evidence_days_by_goal(current_user, ids, period.start, period.end)
    comments = services.comments_in(current_user, period, ids)
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
                "evidence": evidence[goal.id],
                "notes": [check_in for check_in in in_period if check_in.note],
                "comments": comments[goal.id],
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
        "questions": look_back_questions(
            framework,
            counts,
            [
                GoalMovement(
                    row["goal"],
                    row["first"].rating if row["first"] else None,
                    row["latest"].rating if row["latest"] else None,
                )
                for row in rows
            ],
            user_id=current_user.id,
            today=today_for(current_user),
            language=str(get_locale()),
        ),
        "reviews": services.reviews_of(current_user),
    }
    if snapshot:
        context["snapshot"] = snapshot_of(period, rows, table, key)
    return context


def snapshot_of(period: services.Period, rows: list[dict], table, key) -> dict:
    """What a saved review keeps: its goals with their charts' points, reflections per task,
    the number of reflections, and the key ones with their text as it was; bounded (the
    shape and the bounds are described in snapshot.py)."""
    return {
        "goals": [kept_goal(row, charted=i < MAX_CHARTED_GOALS) for i, row in enumerate(rows)],
        "tasks": {item.task.key: item.reflections for _, items in table for item in items},
        "entries": services.entry_count(current_user, period),
        "key_reflections": [entry.id for entry in key],
        "key_excerpts": [
            {
                "title": entry.title,
                "entry_date": entry.entry_date.isoformat(),
                "excerpt": plain_text(entry.body, EXCERPT_LENGTH),
            }
            for entry in key[:MAX_KEY_EXCERPTS]
        ],
    }


def kept_goal(row: dict, *, charted: bool) -> dict:
    """A goal's figures as a saved review keeps them, with its chart's latest points."""
    figures = {
        "title": row["goal"].title,
        "status": row["goal"].status,
        "first": row["first"].rating if row["first"] else None,
        "latest": row["latest"].rating if row["latest"] else None,
        "check_ins": len(row["check_ins"]),
        "linked": row["linked"],
    }
    if charted:
        latest = row["check_ins"][-MAX_CHART_POINTS:]
        days = sorted(set(row["evidence"]))[-MAX_CHART_POINTS:]
        figures["ratings"] = [[c.day.isoformat(), c.rating] for c in latest]
        figures["evidence"] = [day.isoformat() for day in days]
    return figures


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


def reshow_notes(user, notice: str):
    """Summary notes that could not be saved (the session or the form had expired) on the
    review page again, with the period they were written for, to check and save; without a
    period that makes sense, the text to copy rather than a period the leader did not pick."""
    period = posted_period()
    if period is None:
        return kept_text_page() or abort(400)
    return render_review(period, NotesForm(formdata=request.form), notice)


NOTES_RESCUE = Rescue(
    reshow=reshow_notes,
    form=lambda: NotesForm(formdata=request.form),
    shown=("proud", "next_practice", "need_from_manager"),
    lead=_l(
        "You were logged out before your review was saved. Nothing is lost: your text is "
        "below. Log in, check it, and save it."
    ),
)


@bp.get("/")
def index():
    """The review for a period: goals, reflections per task, key reflections, questions.
    Opening it reads the news that the appraisal is coming up (before anything is loaded)."""
    in_app.mark_read(current_user, in_app.APPRAISAL)
    return render_review(chosen_period(today_for(current_user)), NotesForm())


@bp.post("/save")
@keeps_text(NOTES_RESCUE)
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


@bp.get("/<id:review_id>")
def view(review_id: int):
    """A saved review, as it was on the day it was saved."""
    review = services.get_review_for(current_user, review_id)
    figures = readable(review.snapshot)
    return render_template(
        "review/view.html",
        review=review,
        snapshot=figures,
        charts=[saved_chart(goal, review) for goal in figures["goals"]],
        framework=current_framework(),
    )


def saved_chart(goal: dict, review) -> Markup | None:
    """A kept goal's chart over the saved review's period, as it was; None if the review
    was saved before charts were kept."""
    points = chart_points(goal)
    if points is None:
        return None
    ratings, evidence = points
    return period_chart(ratings, evidence, review.period_start, review.period_end)


@bp.get("/<id:review_id>/new-goal")
def new_goal(review_id: int):
    """The new-goal form with what the leader wants to practise next, from a saved review, as
    its title: the text goes from the sealed review to the form, never through a URL."""
    review = services.get_review_for(current_user, review_id)
    title, why = services.goal_draft(review.next_practice or "")
    form = GoalForm(framework=current_framework(), title=title, why=why)
    form.start_date.data = today_for(current_user)
    return render_template(
        "goals/form.html", form=form, goal=None, framework=current_framework(), notice=None
    )


@bp.post("/<id:review_id>/delete")
def delete(review_id: int):
    """Delete a saved review."""
    services.delete_review(current_user, services.get_review_for(current_user, review_id))
    flash(_("The review is deleted."), "success")
    return redirect(url_for("review.index"))
