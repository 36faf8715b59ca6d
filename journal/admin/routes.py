"""Administrator pages: accounts, manager links and the audit log; never anyone's content."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from journal.admin import audit, onboarding, services
from journal.admin.forms import (
    AdminAccountForm,
    ConfirmImportForm,
    ImportForm,
    LinkForm,
    SignInAccountForm,
)
from journal.auth import keys
from journal.auth import services as accounts
from journal.auth.access import require_admin, works_locked
from journal.notifications import delivery
from journal.sharing import services as sharing

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Every administration page, now and later: 404 to anyone but an administrator.
bp.before_request(require_admin)
# Accounts and links hold nothing sealed: an administrator signed in by the municipality's
# account manages them without unlocking their own journal.
works_locked(bp)


def refusal(error: services.AdminError, action: str) -> str:
    """Why an action on an account was refused, in the administrator's language."""
    if error.code == "last_admin":
        return _("At least one active administrator must remain.")
    if action == "reset":
        return _("Change your own password on your account page.")
    if action == "role":
        return _("You cannot take away your own administrator role.")
    return _("You cannot deactivate your own account.")


@bp.get("/users")
def users():
    """The list of accounts: names, emails and roles, nothing they wrote; and whether mail
    is set up, and where it goes (never its password)."""
    return render_template(
        "admin/users.html", users=services.list_accounts(), mail=delivery.mail_status()
    )


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Create an account with a first password the administrator hands over; with single
    sign-on, one without a password (the person signs in with the municipality's account)."""
    single_sign_on = bool(current_app.config["OIDC_ISSUER"])
    form = SignInAccountForm() if single_sign_on else AdminAccountForm()
    if form.validate_on_submit():
        try:
            user = services.create_account(
                current_user,
                form.email.data,
                form.name.data,
                None if single_sign_on else form.password.data,
                is_admin=form.is_admin.data,
                language=form.language.data,
            )
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this email address exists already."))
        else:
            flash(_("The account for %(name)s is created.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/new_user.html", form=form, single_sign_on=single_sign_on)


@bp.get("/users/<id:user_id>")
def user(user_id: int):
    """One account's facts and what an administrator can do with it."""
    account = services.get_account(user_id)
    link = sharing.open_link_of(account)
    return render_template("admin/user.html", account=account, link=link)


@bp.route("/users/<id:user_id>/deactivate", methods=["GET", "POST"])
def deactivate(user_id: int):
    """Ask first (GET), then deactivate (POST): no more log-ins, every session ends."""
    account = services.get_account(user_id)
    if request.method == "GET":
        return render_template("admin/deactivate.html", account=account)
    try:
        services.deactivate(current_user, account)
    except services.AdminError as error:
        flash(refusal(error, "deactivate"), "error")
    else:
        flash(_("%(name)s's account is deactivated.", name=account.name), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/users/<id:user_id>/reactivate")
def reactivate(user_id: int):
    """Let a deactivated account log in again."""
    account = services.get_account(user_id)
    services.reactivate(current_user, account)
    flash(_("%(name)s's account is active again.", name=account.name), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/users/<id:user_id>/administrator")
def set_administrator(user_id: int):
    """Give (`role=give`) or take (`role=take`) the administrator role."""
    account = services.get_account(user_id)
    role = request.form.get("role")
    if role not in ("give", "take"):
        abort(400)
    try:
        services.set_administrator(current_user, account, role == "give")
    except services.AdminError as error:
        flash(refusal(error, "role"), "error")
    else:
        flash(_("The role is changed."), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<id:user_id>/reset-password", methods=["GET", "POST"])
def reset_password(user_id: int):
    """Say what a reset does to the journal (GET); reset and show the new password once (POST).

    The password is shown in this response only: not in a flash message (the session
    cookie), not in the log, and nowhere to come back to.
    """
    account = services.get_account(user_id)
    has_journal = keys.has_recovery_key(account)  # a journal to lock, and to open again
    if request.method == "GET":
        return render_template(
            "admin/reset_password.html", account=account, has_journal=has_journal
        )
    password = services.temporary_password()
    try:
        services.reset_password(current_user, account, password)
    except services.AdminError as error:
        flash(refusal(error, "reset"), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    return render_template(
        "admin/password_reset.html", account=account, password=password, has_journal=has_journal
    )


@bp.get("/audit")
def audit_log():
    """What administrators and the command line did, newest first, a page at a time."""
    before = request.args.get("before", "")
    before_id = int(before) if before.isascii() and before.isdigit() and len(before) < 19 else None
    events, older = audit.events_page(before_id)
    return render_template("admin/audit.html", events=events, older=older, paged=before_id)


def render_links(form: LinkForm):
    """The manager links page: who is linked to whom, never what they share."""
    return render_template("admin/links.html", links=sharing.all_links(), form=form)


@bp.get("/links")
def links():
    """Every open manager link, and a form to set one."""
    return render_links(LinkForm())


LINK_REFUSALS = {
    "self": lambda: _("A leader cannot be their own manager."),
    "no_account": lambda: _("That account is deactivated."),
    "already_linked": lambda: _("The leader was linked a moment ago. Try again."),
    "actor": lambda: _(
        "You cannot make yourself a leader's manager here: the leader asks you from their "
        "Sharing page, so that they choose it."
    ),
}


@bp.post("/links")
def set_link():
    """Link a leader to a manager directly (any open link of the leader ends first)."""
    form = LinkForm()
    if form.validate_on_submit():
        leader = accounts.find_user_by_email(form.leader_email.data)
        manager = accounts.find_user_by_email(form.manager_email.data)
        if leader is None:
            form.leader_email.errors.append(_("No account has that email address."))
        if manager is None:
            form.manager_email.errors.append(_("No account has that email address."))
        if leader and manager:
            try:
                services.set_link(current_user, leader, manager)
            except sharing.SharingError as error:
                form.manager_email.errors.append(LINK_REFUSALS[error.code]())
            else:
                flash(
                    _(
                        "%(leader)s is linked to %(manager)s.",
                        leader=leader.name,
                        manager=manager.name,
                    ),
                    "success",
                )
                return redirect(url_for("admin.links"))
    return render_links(form)


@bp.post("/links/<id:link_id>/end")
def end_link(link_id: int):
    """End a link; the manager's access ends at once."""
    services.end_link(current_user, services.get_open_link(link_id))
    flash(_("The link is ended."), "success")
    return redirect(url_for("admin.links"))


@bp.route("/import", methods=["GET", "POST"])
def import_accounts():
    """Import accounts from a CSV file, step 1: choose the file (GET), then see what
    importing it would do, row by row (POST). Nothing is written yet."""
    form = ImportForm()
    if form.validate_on_submit():
        try:
            text = onboarding.text_of(form.file.data.stream.read(onboarding.MAX_FILE_BYTES + 1))
            report = onboarding.plan(onboarding.read_text(text))
        except onboarding.ImportRefused as refusal:
            form.file.errors.append(refusal.problem.text())
        else:
            confirm = ConfirmImportForm(sealed=onboarding.seal(current_user, text))
            return render_template("admin/import_preview.html", report=report, confirm=confirm)
    return render_import(form)


def render_import(form: ImportForm) -> str:
    """The import's first page, with the file form as given (fresh or with its error)."""
    return render_template(
        "admin/import.html",
        form=form,
        max_rows=onboarding.MAX_ROWS,
        max_mb=onboarding.MAX_FILE_BYTES // (1024 * 1024),
    )


@bp.post("/import/confirm")
def confirm_import():
    """Step 2: import the file the preview showed, each row checked again now, in one
    transaction; then the report (with the temporary passwords, shown this once)."""
    try:
        text = onboarding.unseal(current_user, ConfirmImportForm().sealed.data or "")
        report = onboarding.run_import(current_user, onboarding.read_text(text))
    except onboarding.ImportRefused as refusal:
        form = ImportForm(formdata=None)
        form.file.errors = [refusal.problem.text()]
        return render_import(form)
    return render_template("admin/import_report.html", report=report)
