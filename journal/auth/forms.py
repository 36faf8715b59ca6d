"""Forms for accounts, with messages in the user's language."""

from functools import cache
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from journal.auth.passwords import password_problem
from journal.forms import Form, short_email
from journal.i18n import LANGUAGE_NAMES
from journal.models.user import MAX_NAME_LENGTH, MAX_UNIT_LENGTH

LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


# The regions where people live, Europe first (the municipality's own). The rest of the
# IANA database is names for old systems (US/Eastern, Etc/GMT+1, SystemV/…) or no place at
# all (Factory, localtime, posixrules): a long list to scroll past, and nobody's answer.
REGIONS = (
    "Europe",
    "America",
    "Africa",
    "Asia",
    "Atlantic",
    "Australia",
    "Indian",
    "Pacific",
    "Antarctica",
    "Arctic",
)


@cache
def timezone_names() -> tuple[str, ...]:
    """The time zones offered: the places of REGIONS, region by region, then UTC."""
    zones = available_timezones()
    places = sorted(
        (REGIONS.index(name.split("/")[0]), name)
        for name in zones
        if name.split("/")[0] in REGIONS and "/" in name
    )
    return (*(name for _region, name in places), "UTC")


def timezone_choices(current: str | None = None) -> list[SelectChoice]:
    """The offered time zones grouped by region, and the account's `current` one if it was
    chosen from a longer list earlier (it stays valid, and shown as chosen)."""
    names = timezone_names()
    extra = (
        [current] if current and current not in names and current in available_timezones() else []
    )
    return [
        SelectChoice(
            name, name.replace("_", " "), optgroup=name.split("/")[0] if "/" in name else None
        )
        for name in (*names, *extra)
    ]


def strip(value: str | None) -> str | None:
    """Drop spaces a paste brings along at either end."""
    return value.strip() if isinstance(value, str) else value


def new_password_policy(_form: Form, field: PasswordField) -> None:
    """The password policy as a WTForms validator."""
    problem = password_problem(field.data or "")
    if problem is not None:
        raise ValidationError(problem)


def email_field() -> EmailField:
    """An email field that checks the address's form, not whether it receives mail."""
    return EmailField(
        _l("Email"),
        filters=[strip],
        validators=[
            short_email,
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address."), check_deliverability=False),
        ],
    )


def name_field() -> StringField:
    """The display name shown to the person and, later, their manager."""
    return StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Enter a name.")),
            Length(max=MAX_NAME_LENGTH, message=_l("Use at most %(max)d characters.")),
        ],
    )


MAX_TYPED_RECOVERY_KEY = 200  # 39 characters with dashes; room for spaces, never more


def recovery_key_field(*validators) -> StringField:
    """The recovery key as typed from paper: no autocorrect, capitals, at most a few lines'
    worth (it is parsed forgivingly, see `crypto.parse_recovery_key`)."""
    return StringField(
        _l("Recovery key"),
        filters=[strip],
        validators=[
            *validators,
            Length(
                max=MAX_TYPED_RECOVERY_KEY,
                message=_l("A recovery key is eight groups of four characters."),
            ),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password and its confirmation."""
    return (
        PasswordField(
            _l("Password"),
            validators=[DataRequired(_l("Enter a password.")), new_password_policy],
        ),
        PasswordField(
            _l("Repeat the password"),
            validators=[EqualTo("password", _l("The two passwords are not the same."))],
        ),
    )


class LoginForm(Form):
    """Log in with email and password."""

    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[short_email, DataRequired(_l("Enter your email address."))],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class AccountForm(Form):
    """A new account: the first one (administrator), or one an administrator creates."""

    name = name_field()
    email = email_field()
    password, confirm = new_password_fields()


class ProfileForm(Form):
    """Display name, unit, language and time zone."""

    name = name_field()
    # Optional: the printed review's header names it, and nothing else.
    unit = StringField(
        _l("Unit"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=MAX_UNIT_LENGTH, message=_l("Use at most %(max)d characters.")),
        ],
    )
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(_l("Time zone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        account = kwargs.get("obj")
        self.timezone.choices = timezone_choices(account.timezone if account else None)


class PasswordChangeForm(Form):
    """A new password, confirmed with the current one."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password."))]
    )
    password, confirm = new_password_fields()


class ChoosePasswordForm(Form):
    """The leader's own password in place of one an administrator set; with the recovery
    key if the journal has entries to open, or the choice to start a new journal."""

    password, confirm = new_password_fields()
    recovery_key = recovery_key_field()
    start_over = BooleanField(
        _l(
            "I have lost my recovery key. Delete my entries, goals and review notes and start a new journal."
        )
    )

    def __init__(self, *args, needs_recovery_key: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_recovery_key = needs_recovery_key

    def validate_recovery_key(self, field: StringField) -> None:
        """The recovery key is needed unless there is nothing to open or the leader starts over."""
        if self.needs_recovery_key and not self.start_over.data and not field.data:
            raise ValidationError(_l("Enter your recovery key."))


class ConfirmRecoveryKeyForm(Form):
    """The leader says the recovery key is kept somewhere safe."""

    kept = BooleanField(
        _l("I have printed my recovery key or written it down, and keep it somewhere safe."),
        validators=[DataRequired(_l("Tick the box when your recovery key is kept safe."))],
    )


class NewRecoveryKeyForm(Form):
    """A new recovery key, for whoever knows the password or the journal passphrase (not
    just whoever has the session); a leader whose journal opens with passkeys only has
    nothing to type."""

    password = PasswordField(_l("Your password"))

    def __init__(self, *args, asks_for: str | None = "password", **kwargs):
        super().__init__(*args, **kwargs)
        self.asks_for = asks_for
        if asks_for == "passphrase":
            self.password.label.text = _l("Your journal passphrase")

    def validate_password(self, field: PasswordField) -> None:
        """Typed, when the journal has a password or a passphrase to type."""
        if self.asks_for and not field.data:
            if self.asks_for == "passphrase":
                raise ValidationError(_l("Enter your journal passphrase."))
            raise ValidationError(_l("Enter your password."))


class LanguageForm(Form):
    """The header's language switch."""

    language = SelectField(choices=LANGUAGE_CHOICES)
