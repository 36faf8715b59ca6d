"""My data views (Settings → My data): download everything, import an export, erase."""

import io

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from journal.auth import throttle
from journal.framework import current_framework
from journal.my_data import services
from journal.my_data.export import archive_name, export_zip
from journal.my_data.forms import EraseForm
from journal.my_data.importer import ImportRefused, import_data

bp = Blueprint("my_data", __name__)


@bp.get("/account/my-data")
def index():
    """Download everything I own, import an earlier export, or erase my account."""
    return render_template("my_data/index.html")


# Where My data used to be (under the review), and where it is now.
MOVED = {
    "/review/my-data": "my_data.index",
    "/review/my-data/export": "my_data.export",
    "/review/my-data/import": "my_data.import_file",
}


@bp.get("/review/my-data")
@bp.post("/review/my-data/export")
@bp.post("/review/my-data/import")
def old_address():
    """Where My data used to be: a bookmark, or a page left open while the app was upgraded,
    still finds it (308: a form's post is sent again, to the new address)."""
    return redirect(url_for(MOVED[request.path]), 308)


@bp.post("/account/my-data/export")
def export():
    """A ZIP with journal.json (for machines) and Markdown files (for people)."""
    archive = export_zip(current_user, current_framework())
    return send_file(
        io.BytesIO(archive),
        mimetype="application/zip",
        as_attachment=True,
        download_name=archive_name(current_user),
    )


@bp.post("/account/my-data/import")
def import_file():
    """Import a journal.json (or a whole export ZIP) into my account; all or nothing."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose the file to import."), "error")
        return redirect(url_for("my_data.index"))
    try:
        result = import_data(current_user, upload.read())
    except ImportRefused as refusal:
        current_app.logger.info("Import refused for user %s: %s", current_user.id, refusal)
        flash(_(refusal.message_key), "error")
        return redirect(url_for("my_data.index"))
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
    return redirect(url_for("my_data.index"))


@bp.route("/account/erase", methods=["GET", "POST"])
def erase():
    """Erase my account and everything I own, after the password is confirmed."""
    form = EraseForm()
    if form.validate_on_submit():
        throttle.check(current_user.email)
        if services.erase_account(current_user, form.password.data):
            logout_user()
            session.clear()
            flash(_("Your account and everything in it are deleted."), "success")
            return redirect(url_for("auth.login"))
        throttle.record_wrong_secret(current_user, "password")
        form.password.errors.append(_("The password is not right."))
    return render_template("my_data/erase.html", form=form)
