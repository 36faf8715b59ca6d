"""Forms to unlock the journal, to set one up with a journal passphrase, and to change it."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length

from journal.auth.forms import new_password_policy, recovery_key_field
from journal.forms import Form

# The ways a typed secret opens the journal (a passkey has its own ceremony).
TYPED_WAYS = ("password", "passphrase", "recovery")
MAX_SECRET = 1024  # longer than any password the policy allows; cut before any hashing


class UnlockForm(Form):
    """One typed secret and which way it opens the journal."""

    way = HiddenField(validators=[AnyOf(TYPED_WAYS)])
    secret = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Type it here.")),
            Length(max=MAX_SECRET, message=_l("That is longer than anything that opens it.")),
        ],
    )
    next = HiddenField()


class RecoveryUnlockForm(Form):
    """The recovery key, typed as it was printed."""

    way = HiddenField(default="recovery", validators=[AnyOf(("recovery",))])
    secret = recovery_key_field(DataRequired(_l("Enter your recovery key.")))
    next = HiddenField()


class PassphraseForm(Form):
    """A new journal passphrase and its confirmation (the password policy applies)."""

    passphrase = PasswordField(
        _l("Journal passphrase"),
        validators=[DataRequired(_l("Choose a passphrase.")), new_password_policy],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the passphrase"),
        validators=[EqualTo("passphrase", _l("The two passphrases are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class RemoveForm(Form):
    """A button that removes one way in (the CSRF token is the whole form)."""
