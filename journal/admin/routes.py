"""Administrator pages: list and create accounts."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from journal.admin import services
from journal.admin.forms import AdminAccountForm
from journal.auth import services as accounts
from journal.auth.access import require_admin

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Every administration page, now and later: 404 to anyone but an administrator.
bp.before_request(require_admin)


@bp.get("/users")
def users():
    """The list of accounts: names, emails and roles, nothing they wrote."""
    return render_template("admin/users.html", users=services.list_accounts())


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Create an account with a first password the administrator hands over."""
    form = AdminAccountForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.email.data,
                form.name.data,
                form.password.data,
                is_admin=form.is_admin.data,
                language=form.language.data,
            )
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this email address exists already."))
        else:
            flash(_("The account for %(name)s is created.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/new_user.html", form=form)
