"""Goal views: the list, a goal with its progress, check-ins, status and order."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from journal.framework import current_framework, stale_task_keys
from journal.goals import services
from journal.goals.calendar import calendar_for
from journal.goals.forms import RATING_NAMES, STATUS_NAMES, CheckInForm, GoalForm, StatusForm
from journal.goals.progress import goal_charts, goal_sparkline, rating_names, sparkline_of
from journal.i18n import today_for
from journal.models.user import utcnow
from journal.notifications import in_app
from journal.redirects import safe_next
from journal.rescue import Rescue, keeps_text, posted_id

bp = Blueprint("goals", __name__, url_prefix="/goals")


@bp.app_context_processor
def goal_labels() -> dict:
    """Rating and status names, and sparklines, for every template."""
    return {
        "rating_names": rating_names(),
        "status_names": STATUS_NAMES,
        "goal_sparkline": goal_sparkline,
        "sparkline_of": sparkline_of,
    }


def goal_form(**kwargs) -> GoalForm:
    """The goal form, checking tasks against the framework."""
    return GoalForm(framework=current_framework(), **kwargs)


@bp.get("/")
def index():
    """Active goals in the leader's order (due ones marked), then the others by status."""
    today = today_for(current_user)
    progress = services.progress_of(current_user, services.goals_of(current_user), today)
    return render_template(
        "goals/index.html",
        active=[p for p in progress if p.goal.status == "active"],
        others=[p for p in progress if p.goal.status != "active"],
        framework=current_framework(),
        today=today,
        goal_news=in_app.goals_with_news(current_user),
    )


def render_goal_form(form: GoalForm, goal=None, notice=None):
    """The goal form page, for a new goal or an edit."""
    return render_template(
        "goals/form.html", form=form, goal=goal, framework=current_framework(), notice=notice
    )


def reshow_goal(user, notice: str):
    """A goal that could not be saved (the session or the form had expired) in its form
    again, to check and save; a goal that is not the user's is a 404."""
    goal_id = posted_id("goal_id")
    goal = services.get_goal_for(user, goal_id) if goal_id else None
    return render_goal_form(goal_form(formdata=request.form), goal, notice)


GOAL_RESCUE = Rescue(
    reshow=reshow_goal,
    form=lambda: goal_form(formdata=request.form),
    shown=("title", "why", "how_i_know"),
    lead=_l(
        "You were logged out before your goal was saved, for example after a long time "
        "without activity. Nothing is lost: your text is below. Log in, check it, and save it."
    ),
)


@bp.route("/new", methods=["GET", "POST"])
@keeps_text(GOAL_RESCUE)
def new():
    """Start practising something new."""
    form = goal_form()
    if request.method == "GET":
        form.start_date.data = today_for(current_user)
        if task := request.args.get("task"):
            form.tasks.data = [task] if task in current_framework().task_keys else []
    if form.validate_on_submit():
        goal = services.create_goal(
            current_user,
            title=form.title.data,
            why=form.why.data or "",
            how_i_know=form.how_i_know.data or "",
            task_keys=form.tasks.data,
            start_date=form.start_date.data,
            review_date=form.review_date.data,
        )
        flash(_("Your goal is saved. Check in now and then to see how it goes."), "success")
        return redirect(url_for("goals.view", goal_id=goal.id))
    return render_goal_form(form)


def render_goal(goal, check_in_form: CheckInForm):
    """The goal page, with a check-in form (fresh, or as posted with its errors)."""
    today = today_for(current_user)
    (progress,) = services.progress_of(current_user, [goal], today, notes=True)
    # The linked reflections and the sharing part come from their own domains, which
    # stand above goals (they use it): the template asks them (`reflections_on_goal`,
    # `sharing_of_goal`, template globals of entries and sharing).
    return render_template(
        "goals/view.html",
        goal=goal,
        progress=progress,
        charts=goal_charts(progress, today),
        check_in_form=check_in_form,
        status_form=StatusForm(status=goal.status),
        framework=current_framework(),
        today=today,
    )


@bp.get("/<id:goal_id>")
def view(goal_id: int):
    """A goal: what and why, its progress chart, check-ins and linked reflections. Opening
    it reads the viewer's news about it (before anything is loaded: the commit would make
    every loaded object load again)."""
    in_app.mark_read(current_user, in_app.OWN_GOAL, goal_id=goal_id)
    goal = services.get_goal_for(current_user, goal_id)
    form = CheckInForm(today=today_for(current_user), start=goal.start_date)
    form.day.data = form.today
    return render_goal(goal, form)


@bp.get("/<id:goal_id>/calendar.ics")
def calendar(goal_id: int):
    """The goal's check-ins as a recurring event for the leader's calendar; its title only
    if the leader ticked the box (`?title=1`: a choice, not content, so a GET will do)."""
    goal = services.get_goal_for(current_user, goal_id)
    text = calendar_for(
        current_user,
        goal,
        with_title=request.args.get("title") == "1",
        url=url_for("goals.view", goal_id=goal.id, _external=True),
        secret=current_app.config["SECRET_KEY"],
        today=today_for(current_user),
        now=utcnow(),
    )
    response = Response(text, content_type="text/calendar; charset=utf-8")
    # The same name for every goal: a file name shows in the downloads list and logs.
    response.headers.set("Content-Disposition", "attachment", filename="ledelsesjournal.ics")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<id:goal_id>/edit", methods=["GET", "POST"])
@keeps_text(GOAL_RESCUE)
def edit(goal_id: int):
    """Change what the goal says."""
    goal = services.get_goal_for(current_user, goal_id)
    form = goal_form(obj=goal)
    if request.method == "GET":
        form.tasks.data = goal.task_keys
    if form.validate_on_submit():
        services.update_goal(
            current_user,
            goal,
            title=form.title.data,
            why=form.why.data or "",
            how_i_know=form.how_i_know.data or "",
            task_keys=form.tasks.data + stale_task_keys(goal.task_keys),
            start_date=form.start_date.data,
            review_date=form.review_date.data,
        )
        flash(_("Your goal is saved."), "success")
        return redirect(url_for("goals.view", goal_id=goal.id))
    return render_goal_form(form, goal)


@bp.post("/<id:goal_id>/status")
def status(goal_id: int):
    """Make a goal active, paused, achieved or let go; the date of the change is kept."""
    goal = services.get_goal_for(current_user, goal_id)
    form = StatusForm()
    if form.validate_on_submit():
        services.set_status(current_user, goal, form.status.data)
        flash(_("The status is changed."), "success")
    else:
        flash(_("Choose one of the statuses in the list."), "error")
    return redirect(url_for("goals.view", goal_id=goal.id))


@bp.post("/<id:goal_id>/move")
def move(goal_id: int):
    """Move an active goal up or down in the leader's own order."""
    goal = services.get_goal_for(current_user, goal_id)
    services.move(current_user, goal, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("goals.index"))


@bp.route("/<id:goal_id>/delete", methods=["GET", "POST"])
def delete(goal_id: int):
    """Delete a goal (after a confirmation); linked reflections stay in the journal."""
    goal = services.get_goal_for(current_user, goal_id)
    if request.method == "POST":
        services.delete_goal(current_user, goal)
        flash(_("The goal is deleted. Your reflections are still in your journal."), "success")
        return redirect(url_for("goals.index"))
    return render_template("goals/delete.html", goal=goal)


@bp.post("/<id:goal_id>/check-ins")
def check_in(goal_id: int):
    """Check in on a goal: from the goal page, or in one click from the dashboard."""
    goal = services.get_goal_for(current_user, goal_id)
    form = CheckInForm(today=today_for(current_user), start=goal.start_date)
    if form.validate_on_submit():
        services.add_check_in(
            current_user,
            goal,
            day=form.day.data,
            rating=form.rating.data,
            note=form.note.data or "",
        )
        flash(
            _(
                "Check-in saved: %(value)d – %(name)s. Clicked wrong? Click again: the day "
                "keeps one check-in. Older ones are changed on the goal's page.",
                value=form.rating.data,
                name=RATING_NAMES[form.rating.data],
            ),
            "success",
        )
        return redirect(safe_next(form.next.data, url_for("goals.view", goal_id=goal.id)))
    return render_goal(goal, form)


@bp.route("/check-ins/<id:check_in_id>/edit", methods=["GET", "POST"])
def edit_check_in(check_in_id: int):
    """Correct a check-in."""
    check_in = services.get_check_in_for(current_user, check_in_id)
    form = CheckInForm(today=today_for(current_user), start=check_in.goal.start_date, obj=check_in)
    if form.validate_on_submit():
        services.update_check_in(
            current_user,
            check_in,
            day=form.day.data,
            rating=form.rating.data,
            note=form.note.data or "",
        )
        flash(_("Your check-in is saved."), "success")
        return redirect(url_for("goals.view", goal_id=check_in.goal_id))
    return render_template("goals/check_in.html", form=form, check_in=check_in)


@bp.post("/check-ins/<id:check_in_id>/delete")
def delete_check_in(check_in_id: int):
    """Remove a check-in."""
    check_in = services.get_check_in_for(current_user, check_in_id)
    goal_id = check_in.goal_id
    services.delete_check_in(current_user, check_in)
    flash(_("The check-in is deleted."), "success")
    return redirect(url_for("goals.view", goal_id=goal_id))
