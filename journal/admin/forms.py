"""Forms of the administration pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, SelectField
from wtforms.validators import DataRequired

from journal.auth.forms import LANGUAGE_CHOICES, AccountForm, email_field, name_field, strip
from journal.forms import Form, short_email


class AdminAccountForm(AccountForm):
    """An account created by an administrator, who may make it an administrator too."""

    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    is_admin = BooleanField(_l("Administrator (manages accounts, never reads content)"))


class SignInAccountForm(Form):
    """An account that signs in with the municipality's account (single sign-on): no
    password for anyone to hand over; the leader locks the journal at the first sign-in."""

    name = name_field()
    email = email_field()
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    is_admin = BooleanField(_l("Administrator (manages accounts, never reads content)"))


class LinkForm(Form):
    """Link a leader to their manager, by their email addresses."""

    leader_email = EmailField(
        _l("The leader's email"),
        filters=[strip],
        validators=[short_email, DataRequired(_l("Enter an email address."))],
    )
    manager_email = EmailField(
        _l("The manager's email"),
        filters=[strip],
        validators=[short_email, DataRequired(_l("Enter an email address."))],
    )


class ImportForm(Form):
    """A CSV file of accounts to import (step 1: the preview)."""

    file = FileField(
        _l("CSV file"), validators=[FileRequired(_l("Choose the CSV file to import."))]
    )


class ConfirmImportForm(Form):
    """Step 2: the file the preview showed, signed by the server (`onboarding.seal`)."""

    sealed = HiddenField()
