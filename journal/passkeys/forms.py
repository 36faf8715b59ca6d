"""Forms for a leader's passkeys: rename one, remove one (adding is a WebAuthn ceremony)."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length

from journal.forms import Form
from journal.models.unlock import MAX_PASSKEY_NAME


class RenameForm(Form):
    """A passkey's new name; empty gives it one from this browser."""

    name = StringField(
        _l("Name"),
        validators=[
            Length(
                max=MAX_PASSKEY_NAME,
                message=_l("A name is at most %(max)d characters.", max=MAX_PASSKEY_NAME),
            )
        ],
    )


class RemoveForm(Form):
    """A button that removes a passkey (the CSRF token is the whole form)."""
