"""Account views: first account, log in, log out, settings, password, language."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from journal import journal_key
from journal.auth import keys, services, sessions, throttle
from journal.auth.access import FORGET_DRAFTS, public, require_fresh_unlock, works_locked
from journal.auth.forms import (
    AccountForm,
    ChoosePasswordForm,
    ConfirmRecoveryKeyForm,
    LanguageForm,
    LoginForm,
    NewRecoveryKeyForm,
    PasswordChangeForm,
    ProfileForm,
)
from journal.auth.login import log_in_again as log_in
from journal.auth.login import start_session
from journal.auth.passwords import has_usable_password, verify_password
from journal.i18n import LANGUAGE_COOKIE, current_language
from journal.redirects import safe_next
from journal.rescue import LOGGED_IN_AGAIN, rescue_of, rescue_page, rescued_endpoint, same_origin

bp = Blueprint("auth", __name__)
# The rescue page's log-in (journal/rescue/: text posted after a session ended is kept and
# shown again): log in again, then get the kept text back to check and save. A log-in, so
# here; its own blueprint keeps its name.
rescue_bp = Blueprint("rescue", __name__)

ONE_YEAR = 365 * 24 * 3600


def remember_language(response, language: str) -> None:
    """The language for this browser before log-in: a cookie as guarded as the session's."""
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


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
        start_session(user, form.password.data)
        flash(_("Welcome! Your account is ready, and you are its administrator."), "success")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/setup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Log in by email and password (unless switched off), or choose the municipality's
    sign-in; a failure never says whether the email exists."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    if not services.has_accounts():
        return redirect(url_for("auth.setup"))
    form = LoginForm()
    if request.method == "POST" and not current_app.config["PASSWORD_LOGIN"]:
        # Switched off for this installation: the municipality's sign-in is the only way.
        return render_template("auth/login.html", form=form), 403
    if form.validate_on_submit():
        user = throttle.authenticate(form.email.data, form.password.data)  # 429 past the limit
        if user is not None:
            start_session(user, form.password.data)
            return redirect(safe_next(request.args.get("next")))
        flash(_("The email or the password is not right."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Log out (a POST, so no link or image can do it for you); the page after it has the
    browser forget the leader's drafts."""
    leaving = current_user.get_id() if current_user.is_authenticated else None
    if leaving is not None:
        services.log_out(current_user)  # every copy of this session, on every device
    logout_user()
    session.clear()
    if leaving is not None:
        flash(leaving, FORGET_DRAFTS)
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@works_locked
def account():
    """Display name, unit, language and time zone."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            current_user,
            name=form.name.data,
            unit=form.unit.data,
            language=form.language.data,
            timezone=form.timezone.data,
        )
        flash(_("Your settings are saved."), "success")
        response = redirect(url_for("auth.account"))
        remember_language(response, form.language.data)
        return response
    return render_template("auth/account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change the password; the current one is required. An account that signs in with the
    municipality's account only has none: its ways in are the passkeys and the passphrase."""
    if not has_usable_password(current_user.password_hash):
        return redirect(url_for("unlock.factors"))
    form = PasswordChangeForm()
    if form.validate_on_submit():
        throttle.check(current_user.email)  # guessing here counts as guessing at the log-in
        if services.change_password(current_user, form.current_password.data, form.password.data):
            flash(_("Your password is changed."), "success")
            return redirect(url_for("auth.account"))
        throttle.record_wrong_secret(current_user, "password")
        form.current_password.errors.append(_("The current password is not right."))
    return render_template("auth/password.html", form=form)


@bp.route("/account/choose-password", methods=["GET", "POST"])
def choose_password():
    """Choose one's own password in place of one an administrator set; the journal opens
    with the recovery key (or starts anew without the entries nobody can open)."""
    if not current_user.must_change_password:
        return redirect(url_for("dashboard.index"))
    needs_recovery_key = keys.has_recovery_key(current_user)
    form = ChoosePasswordForm(needs_recovery_key=needs_recovery_key)
    if form.validate_on_submit():
        throttle.check(current_user.email)  # a wrong recovery key counts as a failed log-in
        if verify_password(current_user.password_hash, form.password.data):
            form.password.errors.append(_("Choose a new password, not the one you were given."))
        else:
            return open_journal_with_new_password(form)
    return render_choose_password(form)


def render_choose_password(form: ChoosePasswordForm):
    """The choose-password page, with `form` (and its errors, and what the leader typed)."""
    needs_recovery_key = form.needs_recovery_key
    return render_template(
        "auth/choose_password.html",
        form=form,
        needs_recovery_key=needs_recovery_key,
    )


def open_journal_with_new_password(form: ChoosePasswordForm):
    """The rest of `choose_password`, once the form is valid: open (or make) the keys."""
    user = current_user._get_current_object()
    try:
        if form.needs_recovery_key and form.start_over.data and not form.recovery_key.data:
            # My data's start over (new keys, the account emptied), which the app factory
            # hands to auth: emptying an account needs every domain, which auth is below.
            opened = current_app.extensions["start_over"](user, form.password.data)
        else:
            opened = keys.choose_password(
                user, form.password.data, recovery_key=form.recovery_key.data or ""
            )
    except keys.KeysChanged:  # a double click: the first click has done it
        logout_user()
        session.clear()
        flash(_("Your password was just changed. Log in with the new one."), "success")
        return redirect(url_for("auth.login"))
    if opened is None:
        throttle.record_wrong_secret(user, "recovery key")
        form.recovery_key.errors.append(
            _("This recovery key does not open your journal. Check each group of characters.")
        )
        return render_choose_password(form)
    journal_key.keep_in_session(user, opened[0])
    journal_key.keep_recovery_key(user, opened[1])
    sessions.begin(user)
    return redirect(url_for("auth.recovery_key"))


@bp.get("/account/recovery-key")
def recovery_key():
    """The new recovery key, shown until the leader confirms having kept it."""
    return render_recovery_key(ConfirmRecoveryKeyForm(), new_recovery_key_form())


def new_recovery_key_form(**kwargs) -> NewRecoveryKeyForm:
    """The form that makes a new recovery key, asking for what this journal opens with."""
    return NewRecoveryKeyForm(asks_for=keys.typed_secret(current_user), **kwargs)


def render_recovery_key(form: ConfirmRecoveryKeyForm, replace_form: NewRecoveryKeyForm):
    """The recovery key page, with its two forms (and their errors); never cached."""
    response = make_response(
        render_template(
            "auth/recovery_key.html",
            form=form,
            recovery_key=journal_key.shown_recovery_key(current_user),
            replace_form=replace_form,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/recovery-key/new")
def new_recovery_key():
    """Make a new recovery key, after the password (or the journal passphrase); the old one
    stops working."""
    form = new_recovery_key_form()
    if form.asks_for is None and (stale := require_fresh_unlock()):
        return stale  # passkeys only: a recent unlock is the proof
    if form.validate_on_submit():
        throttle.check(current_user.email)  # 429 past the log-in limit, before any hashing
        if form.asks_for is None or _typed_secret_is_right(form.asks_for, form.password.data):
            keys.replace_recovery_key(current_user)
            return redirect(url_for("auth.recovery_key"))
        throttle.record_wrong_secret(current_user, form.asks_for)
        if form.asks_for == "passphrase":
            form.password.errors.append(_("That is not your journal passphrase."))
        else:
            form.password.errors.append(_("The password is not right."))
    return render_recovery_key(ConfirmRecoveryKeyForm(formdata=None), form)


def _typed_secret_is_right(way: str, typed: str) -> bool:
    with throttle.hashing_slot():
        if way == "passphrase":
            return keys.open_with_passphrase(current_user, typed) is not None
        return verify_password(current_user.password_hash, typed)


@bp.post("/account/recovery-key/confirm")
def confirm_recovery_key():
    """The leader has kept the recovery key: the journal is ready."""
    form = ConfirmRecoveryKeyForm()
    if not form.validate_on_submit():
        return render_recovery_key(form, new_recovery_key_form(formdata=None))
    if not keys.confirm_recovery_key(current_user):
        flash(_("That recovery key was replaced by a newer one. Make a new one here."), "error")
        return redirect(url_for("auth.recovery_key"))
    flash(_("Your recovery key is kept. Your journal is ready."), "success")
    return redirect(url_for("dashboard.index"))


@bp.get("/privacy")
@public
def privacy():
    """Who can read what, in plain words."""
    return render_template("auth/privacy.html")


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
    remember_language(response, form.language.data)
    return response


@rescue_bp.post("/rescue")
@public
def log_in_again():
    """Log in (as whoever types their password) and see the form again with the kept text."""
    rescue = rescue_of(rescued_endpoint())
    if rescue is None:
        abort(404)
    if not same_origin():
        abort(400)
    user = log_in()
    if user is None:
        return rescue_page(rescue, login_failed=True)
    return rescue.reshow(user, LOGGED_IN_AGAIN)


@rescue_bp.post("/journal/rescue", defaults={"earlier": "entries.new"})
@rescue_bp.post("/goals/rescue", defaults={"earlier": "goals.new"})
@rescue_bp.post("/review/rescue", defaults={"earlier": "review.save"})
@public
def earlier_address(earlier: str):
    """Where the rescue pages of the release before posted, one address per form: a page
    left open while the app was upgraded still brings its text back."""
    return log_in_again()
