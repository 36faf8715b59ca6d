"""Log in with the municipality's account: to the provider and back, and, for an account
that already has a journal, one proof of holding it before the two are linked."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from journal import journal_key
from journal.auth import keys
from journal.auth.access import public
from journal.auth.login import start_locked_session
from journal.extensions import db
from journal.models import User
from journal.redirects import safe_next
from journal.sso import pending, provider, services
from journal.sso.forms import LinkWithPasswordForm, LinkWithRecoveryKeyForm

bp = Blueprint("sso", __name__)

# Why a sign-in stopped, for the refused page: (HTTP status, what happened, what to do).
REFUSALS = {
    "unreachable": (
        502,
        _l("The municipality's sign-in service did not answer."),
        _l("It may be busy or down for a moment. Try again in a little while."),
    ),
    "metadata": (
        502,
        _l("The municipality's sign-in service is not the one this site is set up for."),
        _l("Ask your administrator to check the single sign-on settings."),
    ),
    "provider_error": (
        400,
        _l("The sign-in was cancelled or refused at the municipality's sign-in service."),
        _l("Try again, or ask your administrator if it keeps happening."),
    ),
    "state": (
        400,
        _l("This sign-in was not started in this browser, or it has already been used."),
        _l("Start again from the log-in page."),
    ),
    "expired": (
        400,
        _l("The sign-in took too long."),
        _l("Start again from the log-in page."),
    ),
    "oversized": (
        400,
        _l("The answer from the sign-in service was not valid."),
        _l("Start again from the log-in page."),
    ),
    "token": (
        400,
        _l("The answer from the sign-in service could not be verified, so you are not logged in."),
        _l("Try again. If it keeps happening, tell your administrator."),
    ),
    "subject": (
        400,
        _l("The sign-in service did not say who you are."),
        _l("Ask your administrator to check the single sign-on settings."),
    ),
    "link_expired": (
        400,
        _l("The confirmation of your account took too long, or was already done."),
        _l("Start again from the log-in page."),
    ),
    "no_access": (
        403,
        _l(
            "Your municipal account does not have access to Ledelsesjournalen yet. "
            "Contact your administrator."
        ),
        None,
    ),
    "inactive": (
        403,
        _l("Your account in Ledelsesjournalen is deactivated."),
        _l("Contact your administrator."),
    ),
    "taken": (
        403,
        _l("This account is already linked to another sign-in at the municipality."),
        _l("Contact your administrator."),
    ),
}


WRONG_SECRET = {
    "password": _l("The password is not right."),
    "passphrase": _l("The journal passphrase is not right."),
}


def refused_page(reason: str):
    """The refused page for `reason`, with its status, and a way to try again."""
    status, what, advice = REFUSALS[reason]
    return render_template("sso/refused.html", what=what, advice=advice), status


def callback_url() -> str:
    """Where the provider sends the browser back: PUBLIC_URL's, when set, so that it is
    exactly what is registered at the provider whatever Host the request came by."""
    public_url = current_app.config.get("PUBLIC_URL")
    if public_url:
        return public_url.rstrip("/") + url_for("sso.callback")
    return url_for("sso.callback", _external=True)


@bp.get("/login/sso")
@public
def start():
    """Go to the municipality's sign-in service (404 where none is set up)."""
    if not provider.is_configured():
        abort(404)
    next_page = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_page)
    try:
        return provider.begin(callback_url(), next_page)
    except provider.Refused as refusal:
        return refused_page(refusal.reason)


@bp.get("/login/sso/callback")
@public
def callback():
    """Back from the sign-in service: the account, signed in with the journal locked; or
    the page that links an account with a journal; or a clear refusal."""
    if not provider.is_configured():
        abort(404)
    try:
        claims, next_page = provider.finish()
        sign_in = services.sign_in_from(provider.issuer(), claims)
        outcome = services.account_for(sign_in)
    except (provider.Refused, services.NotAllowed) as refusal:
        return refused_page(refusal.reason)
    if outcome.needs_link:
        pending.keep(sign_in, outcome.user.id, next_page)
        return redirect(url_for("sso.link"))
    start_locked_session(outcome.user)
    return redirect(safe_next(next_page))


@bp.route("/login/sso/link", methods=["GET", "POST"])
@public
def link():
    """Confirm it is your account: the password (or journal passphrase) or the recovery key,
    once; then the sign-in is linked and the journal open for this session."""
    waiting = pending.waiting()
    user = db.session.get(User, waiting.user_id) if waiting is not None else None
    if user is None or not user.is_active or waiting.sign_in.issuer != provider.issuer():
        pending.forget()
        return refused_page("link_expired")
    typed = keys.typed_secret(user)  # "password", "passphrase" or None (passkeys only)
    by_secret = request.method == "POST" and request.form.get("way") == "password" and typed
    by_recovery = request.method == "POST" and request.form.get("way") == "recovery"
    password_form = LinkWithPasswordForm(formdata=None if not by_secret else request.form)
    recovery_form = LinkWithRecoveryKeyForm(formdata=None if not by_recovery else request.form)
    if typed == "passphrase":
        password_form.password.label.text = _l("Your journal passphrase")
    key = None
    if by_secret and password_form.validate_on_submit():
        key = services.open_with_secret(user, password_form.password.data)
        if key is None:
            password_form.password.errors.append(WRONG_SECRET[typed])
    elif by_recovery and recovery_form.validate_on_submit():
        key = services.open_with_recovery_key(user, recovery_form.recovery_key.data)
        if key is None:
            recovery_form.recovery_key.errors.append(
                _l("This recovery key does not open your journal. Check each group of characters.")
            )
    if key is None:
        return render_template(
            "sso/link.html",
            typed=typed,
            password_form=password_form,
            recovery_form=recovery_form,
        )
    try:
        services.link(user, waiting.sign_in)
    except services.NotAllowed as refusal:
        pending.forget()
        return refused_page(refusal.reason)
    start_locked_session(user)
    journal_key.keep_in_session(user, key)
    return redirect(safe_next(waiting.next_page))
