"""Notification views: Settings → Notifications, what the app may mail a person about."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from journal.i18n import today_for
from journal.notifications import services
from journal.notifications.forms import NotificationsForm, initial_data

bp = Blueprint("notifications", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
def settings():
    """One switch per kind of mail, the reminder to write (days and time, in the person's
    time zone) and the date of the next appraisal."""
    stored = services.settings_of(current_user)
    today = today_for(current_user)
    manager = services.is_asked_to_manage(current_user)
    form = NotificationsForm(data=initial_data(stored, today), today=today, manager=manager)
    if form.validate_on_submit():
        services.save_settings(
            current_user,
            choices=form.choices(),
            reflection_days=form.days(),
            # Left empty with the reminder off: the time it had stays.
            reflection_time=form.reflection_time.data or stored.reflection_time,
            appraisal_date=form.appraisal_date.data,
        )
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("notifications.settings"))
    return render_template(
        "notifications/settings.html",
        form=form,
        manager=manager,
        sends_mail=bool(current_app.config.get("MAIL_HOST")),
    )
