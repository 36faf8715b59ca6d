"""Unlock the journal (/unlock), set one up at the first sign-in (/account/set-up), and the
leader's ways in (/account/unlock-factors). All but the last work while the journal is locked."""

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from journal import journal_key
from journal.auth import keys
from journal.auth.access import require_fresh_unlock, works_locked
from journal.redirects import safe_next
from journal.unlock import services
from journal.unlock.forms import PassphraseForm, RecoveryUnlockForm, RemoveForm, UnlockForm

bp = Blueprint("unlock", __name__)


def _user():
    return current_user._get_current_object()


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/unlock", methods=["GET", "POST"])
@works_locked
def unlock():
    """Open a locked journal with something only the leader holds."""
    user = _user()
    target = safe_next(request.values.get("next"), url_for("dashboard.index"))
    # Open already: only a leader asked to prove it again (to change how it opens) stays.
    confirming = journal_key.has_open_journal(user)
    if confirming and not request.values.get("confirm"):
        return redirect(target)
    legacy = services.needs_password_first(user)
    if not keys.has_keys(user) and not legacy:
        return redirect(url_for("unlock.set_up"))
    ways = services.ways_in(user)
    if legacy:  # text from before encryption: the password it was written under opens it
        ways["password"] = [None]
    typed = UnlockForm(formdata=None, next=target)
    recovery = RecoveryUnlockForm(formdata=None, next=target)
    if request.method == "POST":
        posted = RecoveryUnlockForm() if request.form.get("way") == "recovery" else UnlockForm()
        if posted.validate_on_submit() and _offered(ways, posted.way.data):
            opened = services.unlock(user, posted.way.data, posted.secret.data)
            if opened is not None:
                key, recovery = opened
                journal_key.keep_in_session(user, key)
                if recovery is not None:  # keys made just now: the recovery key comes first
                    journal_key.keep_recovery_key(user, recovery)
                    return redirect(url_for("auth.recovery_key"))
                return _after_unlock(posted.way.data, target)
            posted.secret.errors.append(_wrong(posted.way.data))
        if posted.way.data == "recovery":
            recovery = posted
        else:
            typed = posted
    return _no_store(
        make_response(
            render_template(
                "unlock/unlock.html",
                ways=ways,
                form=typed,
                recovery_form=recovery,
                next=target,
                confirming=confirming,
            )
        )
    )


def _offered(ways: dict, way: str) -> bool:
    return bool(ways.get(way))


def _wrong(way: str) -> str:
    if way == "recovery":
        return _("This recovery key does not open your journal. Check each group of characters.")
    if way == "passphrase":
        return _("That is not your journal passphrase.")
    return _("That is not your password.")


def _after_unlock(way: str, target: str):
    if way == "recovery":  # a passkey or the passphrase is lost: time to add a new one
        flash(
            _(
                "Your journal is open. If you have lost a passkey or forgotten your passphrase, "
                "add a new way to unlock here."
            ),
            "success",
        )
        return redirect(url_for("unlock.factors"))
    return redirect(target)


@bp.route("/account/set-up", methods=["GET", "POST"])
@works_locked
def set_up():
    """The first sign-in: choose how the new journal opens (a passkey, or a passphrase)."""
    user = _user()
    if keys.has_keys(user) or services.needs_password_first(user):
        return redirect(url_for("unlock.unlock"))
    form = PassphraseForm()
    if form.validate_on_submit():
        opened = services.set_up_with_passphrase(user, form.passphrase.data)
        if opened is None:  # a double click, or a passkey added in another tab
            return redirect(url_for("unlock.unlock"))
        journal_key.keep_in_session(user, opened[0])
        journal_key.keep_recovery_key(user, opened[1])
        return redirect(url_for("auth.recovery_key"))
    return _no_store(make_response(render_template("unlock/set_up.html", form=form)))


@bp.get("/account/unlock-factors")
def factors():
    """The ways this journal opens: password, passphrase, passkeys, recovery key."""
    return render_factors(PassphraseForm(formdata=None))


def render_factors(form: PassphraseForm):
    """The ways-in page, with the passphrase form (and its errors)."""
    user = _user()
    return render_template(
        "unlock/factors.html",
        ways=services.ways_in(user),
        form=form,
        remove_form=RemoveForm(),
        fresh=journal_key.unlocked_recently(),
    )


@bp.post("/account/unlock-factors/passphrase")
def set_passphrase():
    """Choose or change the journal passphrase (the journal is open, and was opened in the
    last few minutes: whoever finds a session open must not leave a way in of their own)."""
    if stale := require_fresh_unlock():
        return stale
    form = PassphraseForm()
    if not form.validate_on_submit():
        return render_factors(form)
    user = _user()
    services.set_passphrase(user, journal_key.journal_key(user), form.passphrase.data)
    flash(_("Your journal passphrase is saved. It opens your journal from now on."), "success")
    return redirect(url_for("unlock.factors"))


@bp.post("/account/unlock-factors/passphrase/remove")
def remove_passphrase():
    """Remove the journal passphrase, unless it is the only way in but the recovery key."""
    if not RemoveForm().validate_on_submit():
        return redirect(url_for("unlock.factors"))
    removed = services.remove_passphrase(_user())
    if removed:
        flash(_("Your journal passphrase is removed."), "success")
    elif removed is False:
        flash(
            _(
                "Your journal passphrase is the only way you open your journal besides the "
                "recovery key. Add a passkey first, then remove it."
            ),
            "error",
        )
    return redirect(url_for("unlock.factors"))
