"""Notification views: Settings → Notifications, what the app may mail a person about; and
the one page without a log-in, unsubscribing from a mail."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from journal.auth.access import public, works_locked
from journal.extensions import csrf
from journal.i18n import today_for
from journal.notifications import services
from journal.notifications import unsubscribe as unsubscribing
from journal.notifications.forms import NotificationsForm, initial_data
from journal.notifications.mail import SETTING_NAMES
from journal.notifications.unsubscribe import TOKEN_LENGTH

bp = Blueprint("notifications", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
@works_locked
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


@bp.route(f"/unsubscribe/<string(length={TOKEN_LENGTH}):token>", methods=["GET", "POST"])
@public
# Exempt from CSRF on purpose, this route only: RFC 8058's one-click unsubscribe is a POST
# from the mail client, without a session or a form token. The token in the address is the
# authority, and all it can do is turn off some of its own recipient's mails.
@csrf.exempt
def unsubscribe(token: str):
    """Ask "stop these mails?" (GET); turn them off (POST, from the page or the mail
    client's one-click), in the mail's language. A forged or used token is 404."""
    mail = unsubscribing.mail_for_token(token)
    with force_locale(mail.recipient.language):
        if request.method == "GET":
            names = [SETTING_NAMES[s] for s in unsubscribing.settings_named(mail)]
            return render_template("notifications/unsubscribe.html", names=names)
        names = [SETTING_NAMES[s] for s in unsubscribing.unsubscribe(mail)]
        return render_template("notifications/unsubscribed.html", names=names)
