"""Administrator pages: list and create accounts."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from journal.admin import services
from journal.admin.forms import AdminAccountForm, LinkForm
from journal.auth import services as accounts
from journal.auth.access import require_admin
from journal.sharing import services as sharing

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


def render_links(form: LinkForm):
    """The manager links page: who is linked to whom, never what they share."""
    return render_template("admin/links.html", links=sharing.all_links(), form=form)


@bp.get("/links")
def links():
    """Every open manager link, and a form to set one."""
    return render_links(LinkForm())


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
                sharing.set_link_by_admin(leader, manager)
            except sharing.SharingError:
                form.manager_email.errors.append(_("A leader cannot be their own manager."))
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
    sharing.end_link(sharing.get_open_link(link_id))
    flash(_("The link is ended."), "success")
    return redirect(url_for("admin.links"))
