"""Forms of the administration pages."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField

from journal.auth.forms import LANGUAGE_CHOICES, AccountForm


class AdminAccountForm(AccountForm):
    """An account created by an administrator, who may make it an administrator too."""

    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    is_admin = BooleanField(_l("Administrator (manages accounts, never reads content)"))
