"""The forms of the link page: the old password, or the recovery key, once."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from journal.auth.forms import recovery_key_field
from journal.forms import Form

# Longer than any password or recovery key anyone types: refused before any hashing.
MAX_SECRET_LENGTH = 1024


class LinkWithPasswordForm(Form):
    """Prove to hold the account: its password."""

    password = PasswordField(
        _l("Your password in Ledelsesjournalen"),
        validators=[
            DataRequired(_l("Enter your password.")),
            Length(max=MAX_SECRET_LENGTH, message=_l("Use at most %(max)d characters.")),
        ],
    )


class LinkWithRecoveryKeyForm(Form):
    """Prove to hold the account: its recovery key."""

    recovery_key = recovery_key_field(DataRequired(_l("Enter your recovery key.")))
