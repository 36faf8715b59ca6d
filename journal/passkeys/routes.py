"""Passkeys: add one (the journal is open), unlock with one, set a new journal up with one,
rename and remove. The ceremonies answer JSON to `static/passkeys.js`; every refusal is a
JSON message in the user's language, never a page or a 500."""

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from journal import journal_key
from journal.auth import keys
from journal.auth.access import works_locked
from journal.errors import CSRF_MESSAGE, MESSAGES, render_error
from journal.passkeys import services, webauthn
from journal.passkeys.forms import RemoveForm, RenameForm
from journal.redirects import safe_next

bp = Blueprint("passkeys", __name__)

MAX_BODY = 64 * 1024  # a credential is a few kilobytes; nothing a browser sends comes near
ADD, SET_UP, UNLOCK = "add", "set-up", "unlock"  # the ceremonies, each with its own challenge


class Refused(Exception):
    """The request cannot be done; `message` says why, in the user's language."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _user():
    return current_user._get_current_object()


def _answer_json() -> bool:
    return request.endpoint in CEREMONIES


@bp.errorhandler(Refused)
def refused(error: Refused):
    """A refused ceremony: its message, as JSON."""
    return jsonify(error=error.message), error.status


@bp.errorhandler(CSRFError)
def form_expired(_error):
    """An expired or missing token: as JSON to the script, else the app's page."""
    if _answer_json():
        return jsonify(error=_("This page has expired. Reload it and try again.")), 400
    return render_error(400, *CSRF_MESSAGE)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    """More than the app accepts at all (MAX_CONTENT_LENGTH): as JSON to the script."""
    if _answer_json():
        return jsonify(error=_too_large()), 413
    return render_error(413, *MESSAGES[413])


def _too_large() -> str:
    return _("What the browser sent is too large. Reload the page and try again.")


def _posted() -> dict:
    """The JSON object posted, within MAX_BODY, with a `credential` object in it."""
    if request.content_length is None or request.content_length > MAX_BODY:
        raise Refused(_too_large(), 413)
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than Python's parser goes: not a credential
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("credential"), dict):
        raise Refused(_("What the browser sent could not be read. Reload the page and try again."))
    return data


def _prf_output(data: dict) -> bytes:
    """The PRF output the browser read from the authenticator; empty if it gave none."""
    try:
        return webauthn.from_b64url(data.get("prf_output"), most=webauthn.PRF_OUTPUT_BYTES)
    except webauthn.CeremonyFailed:
        return b""


def _not_checked() -> Refused:
    return Refused(
        _("The passkey could not be confirmed. Try again, or use another way to unlock.")
    )


def _options(public_key: dict):
    return jsonify(publicKey=public_key)


# --- Adding a passkey (the journal is open) ---------------------------------------------


def _require_fresh_unlock() -> None:
    """Adding a passkey is a new way in: only right after the journal was opened (by log-in
    or unlock), never for whoever finds a session left open."""
    if not journal_key.unlocked_recently():
        raise Refused(
            _("For your safety, unlock your journal once more before you change how it opens."),
            403,
        )


@bp.post("/account/passkeys/options")
def add_options():
    """Start adding a passkey: the options for the browser's `create()`."""
    _require_fresh_unlock()
    user = _user()
    return _options(webauthn.registration_options(ADD, user, keys.passkeys_of(user)))


@bp.post("/account/passkeys")
def add():
    """Add the passkey the browser made: it wraps the journal's open key."""
    _require_fresh_unlock()
    user, data = _user(), _posted()
    registered = _registered(ADD, data)
    name = services.clean_name(data.get("name"), request.user_agent.string)
    try:
        services.add_passkey(
            user, journal_key.journal_key(user), registered, _prf_output(data), name
        )
    except services.NotAdded as error:
        raise Refused(str(error), 422) from error
    flash(_("The passkey is added. It opens your journal from now on."), "success")
    return jsonify(redirect=url_for("unlock.factors"))


def _registered(purpose: str, data: dict) -> webauthn.Registered:
    try:
        return webauthn.verify_registration(purpose, _user(), data["credential"])
    except webauthn.CeremonyFailed as error:
        raise _not_checked() from error


# --- A new journal, opened by a passkey (the first sign-in) ------------------------------


@bp.post("/account/set-up/passkey/options")
@works_locked
def set_up_options():
    """Start making the journal's first passkey: the options for `create()`."""
    user = _user()
    if keys.has_keys(user) or keys.has_plaintext(user):
        raise Refused(_("Your journal is set up already. Reload the page."), 409)
    return _options(webauthn.registration_options(SET_UP, user, []))


@bp.post("/account/set-up/passkey")
@works_locked
def set_up():
    """Make the journal, opened by the passkey the browser made; then the recovery key."""
    user = _user()
    if keys.has_keys(user):
        raise Refused(_("Your journal is set up already. Reload the page."), 409)
    data = _posted()
    registered = _registered(SET_UP, data)
    name = services.clean_name(data.get("name"), request.user_agent.string)
    try:
        key, recovery = services.set_up_with_passkey(user, registered, _prf_output(data), name)
    except services.NotAdded as error:
        raise Refused(str(error), 422) from error
    # A double click, or a passphrase chosen in another tab; or text from before encryption,
    # which only the account's password may seal (the unlock page, on reload, says so).
    except (keys.KeysChanged, keys.NeedsPassword) as error:
        raise Refused(_("Your journal is set up already. Reload the page."), 409) from error
    journal_key.keep_in_session(user, key)
    journal_key.keep_recovery_key(user, recovery)
    return jsonify(redirect=url_for("auth.recovery_key"))


# --- Unlocking ---------------------------------------------------------------------------


@bp.post("/unlock/passkey/options")
@works_locked
def unlock_options():
    """Start unlocking with a passkey: the options for `get()`, each passkey's PRF salt in."""
    user = _user()
    passkeys = keys.passkeys_of(user)
    if not passkeys:
        raise Refused(_("You have no passkey for this journal. Unlock another way."), 409)
    return _options(webauthn.authentication_options(UNLOCK, user, passkeys))


@bp.post("/unlock/passkey")
@works_locked
def unlock():
    """Open the journal with the passkey's assertion and PRF output, for this session."""
    user, data = _user(), _posted()
    try:
        factor, sign_count = webauthn.verify_authentication(
            UNLOCK, user, keys.passkeys_of(user), data["credential"]
        )
    except webauthn.CeremonyFailed as error:
        raise _not_checked() from error
    prf_output = _prf_output(data)
    key = services.unlock_with_passkey(user, factor, sign_count, prf_output)
    if key is None:
        raise Refused(_("This passkey did not open your journal. Use another way to unlock."))
    journal_key.keep_in_session(user, key)
    target = data.get("next") if isinstance(data.get("next"), str) else None
    return jsonify(redirect=safe_next(target, url_for("dashboard.index")))


CEREMONIES = {
    f"passkeys.{view.__name__}"
    for view in (add_options, add, set_up_options, set_up, unlock_options, unlock)
}


# --- Renaming and removing (the journal is open) ----------------------------------------


@bp.post("/account/passkeys/<id:factor_id>/rename")
def rename(factor_id: int):
    """Give a passkey a name the leader recognises."""
    user = _user()
    if services.passkey_for(user, factor_id) is None:
        abort(404)
    form = RenameForm(prefix=f"passkey-{factor_id}")
    if form.validate_on_submit():
        services.rename_passkey(user, factor_id, form.name.data, request.user_agent.string)
        flash(_("The passkey is renamed."), "success")
    else:
        flash(" ".join(form.name.errors) or _("The form had expired. Try again."), "error")
    return redirect(url_for("unlock.factors"))


@bp.post("/account/passkeys/<id:factor_id>/remove")
def remove(factor_id: int):
    """Stop a passkey from opening the journal, unless nothing but the recovery key is left."""
    user = _user()
    if services.passkey_for(user, factor_id) is None:
        abort(404)
    if not RemoveForm().validate_on_submit():
        return redirect(url_for("unlock.factors"))
    try:
        services.remove_passkey(user, factor_id)
    except keys.LastFactor:
        flash(
            _(
                "This passkey is the only way you open your journal besides the recovery key. "
                "Add another passkey or a journal passphrase first, then remove it."
            ),
            "error",
        )
    else:
        flash(_("The passkey is removed. It no longer opens your journal."), "success")
    return redirect(url_for("unlock.factors"))
