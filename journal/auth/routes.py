"""Account views: first account, log in, log out, settings, password, language."""

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from journal.auth import services
from journal.auth.access import public, safe_next, same_origin
from journal.auth.forms import (
    AccountForm,
    EraseForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
)
from journal.i18n import LANGUAGE_COOKIE, current_language
from journal.models import User

bp = Blueprint("auth", __name__)

ONE_YEAR = 365 * 24 * 3600


def start_session(user: User) -> None:
    """Log `user` in on a fresh session, so nothing from before login carries over."""
    session.clear()
    login_user(user)


def log_in_again() -> User | None:
    """For a rescue form (text kept after a session expired): log in whoever typed their
    email and password, and return them; None if the two do not match."""
    if not same_origin():
        abort(400)
    user = services.authenticate(request.form.get("email", ""), request.form.get("password", ""))
    if user is not None and current_user.get_id() != user.get_id():
        start_session(user)
    return user


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    """Create the first account, the administrator; gone once any account exists."""
    if services.has_accounts():
        abort(404)
    form = AccountForm()
    if form.validate_on_submit():
        try:
            user = services.create_first_account(
                form.email.data, form.name.data, form.password.data, current_language()
            )
        except services.SetupClosed:
            abort(404)
        start_session(user)
        flash(_("Welcome! Your account is ready, and you are its administrator."), "success")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/setup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Log in by email and password; a failure never says whether the email exists."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    if not services.has_accounts():
        return redirect(url_for("auth.setup"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            return redirect(safe_next(request.args.get("next")))
        flash(_("The email or the password is not right."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Log out (a POST, so no link or image can do it for you)."""
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
def account():
    """Display name, language and time zone."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            current_user,
            name=form.name.data,
            language=form.language.data,
            timezone=form.timezone.data,
        )
        flash(_("Your settings are saved."), "success")
        response = redirect(url_for("auth.account"))
        response.set_cookie(LANGUAGE_COOKIE, form.language.data, max_age=ONE_YEAR, samesite="Lax")
        return response
    return render_template("auth/account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change the password; the current one is required."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if services.change_password(current_user, form.current_password.data, form.password.data):
            flash(_("Your password is changed."), "success")
            return redirect(url_for("auth.account"))
        form.current_password.errors.append(_("The current password is not right."))
    return render_template("auth/password.html", form=form)


@bp.route("/account/erase", methods=["GET", "POST"])
def erase():
    """Erase my account and everything I own, after the password is confirmed."""
    form = EraseForm()
    if form.validate_on_submit():
        if services.erase_account(current_user, form.password.data):
            logout_user()
            session.clear()
            flash(_("Your account and everything in it are deleted."), "success")
            return redirect(url_for("auth.login"))
        form.password.errors.append(_("The password is not right."))
    return render_template("auth/erase.html", form=form)


@bp.post("/language")
@public
def switch_language():
    """Switch language, remembered for the user and, before login, in a cookie."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        services.set_language(current_user, form.language.data)
    response = make_response(redirect(safe_next(request.form.get("next"))))
    response.set_cookie(LANGUAGE_COOKIE, form.language.data, max_age=ONE_YEAR, samesite="Lax")
    return response
