"""The dashboard: what am I practising, and how is it going?"""

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from journal.dashboard import services
from journal.dashboard.news import news_for
from journal.entries import counts, rhythm
from journal.entries.listing import recent_entries
from journal.entries.prompts import prompt_for, prompt_window_start
from journal.framework import current_framework
from journal.goals import services as goals
from journal.i18n import today_for
from journal.notifications import in_app

bp = Blueprint("dashboard", __name__)

COVERAGE_DAYS = 90


@bp.get("/")
def index():
    """What is new since last time, active goals with one-click check-ins, rhythm, coverage
    of the tasks, recent entries; for a new leader, the first steps instead of blind spots."""
    framework = current_framework()
    today = today_for(current_user)
    # "Another question": how far along today's order of questions (the URL says, not a session).
    another = max(0, min(request.args.get("another", 0, type=int), 999))
    active = goals.progress_of(current_user, goals.goals_of(current_user, ("active",)), today)
    days = counts.journaling_days(current_user, rhythm.heatmap_start(today))
    reflections, recent_counts = counts.task_counts_since_each(
        current_user, today - timedelta(days=COVERAGE_DAYS), prompt_window_start(today)
    )
    return render_template(
        "dashboard/index.html",
        framework=framework,
        first_name=services.first_name(current_user.name),
        today=today,
        active=active,
        news=news_for(current_user),
        # Due check-ins are worked out here, from the goals, not kept as news.
        due=[progress.goal for progress in active if progress.due],
        goal_news=in_app.goals_with_news(current_user),
        streak=rhythm.streak(days, today),
        heatmap=rhythm.heatmap(days, today),
        year_days=rhythm.days_in_last_year(days, today),
        coverage=services.coverage(framework, reflections, goals.goal_task_keys(current_user)),
        coverage_days=COVERAGE_DAYS,
        steps=services.first_steps(current_user),
        compare_from=services.COMPARE_FROM,
        recent=recent_entries(current_user),
        prompt=prompt_for(current_user, framework, recent_counts=recent_counts, offset=another),
        another=another,
    )


@bp.post("/news/read")
def mark_news_read():
    """Mark everything new as read ("New since last time" empties)."""
    in_app.mark_read(current_user)
    flash(_("Everything is marked as read."), "success")
    return redirect(url_for("dashboard.index"))
