"""The form of My data: confirming that the account is to be erased."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired

from journal.forms import Form


class EraseForm(Form):
    """Confirm erasing the account with the password and a tick."""

    password = PasswordField(
        _l("Your password"), validators=[DataRequired(_l("Enter your password."))]
    )
    understood = BooleanField(
        _l("I understand that everything I have written is deleted for good."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
