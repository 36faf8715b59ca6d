"""The base form: control characters removed, WTForms' messages in the user's language."""

import re

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import StopValidation

from journal.models.user import MAX_EMAIL_LENGTH

# WTForms ships no Danish catalogue; its built-in messages are translated in ours instead.
# Listed here so that extraction puts them in the catalogue.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid integer value."),
    _l("Not a valid date value."),
    _l("Field must be at least %(min)d characters long."),
    _l("Field cannot be longer than %(max)d characters."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Invalid email address."),
)

# C0 controls but tab, newline and carriage return, and DEL: nobody types them, PostgreSQL
# refuses NUL in text, and they make stored text misbehave everywhere else.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def short_email(_form, field) -> None:
    """The first check of every email field: at most MAX_EMAIL_LENGTH characters, refused
    before anything else reads it (checking an address costs time in proportion to its
    length, and a log-in is open to anyone)."""
    if isinstance(field.data, str) and len(field.data) > MAX_EMAIL_LENGTH:
        raise StopValidation(
            _l("An email address has at most %(max)d characters.", max=MAX_EMAIL_LENGTH)
        )


def remove_control_characters(value):
    """Drop invisible control characters from submitted text; leave other values alone."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


class Form(FlaskForm):
    """Base of every form in the app."""

    class Meta:
        def get_translations(self, form):
            """Use the app's catalogue (Danish or English) for WTForms' own messages."""
            return get_translations()

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        """Clean every field of control characters before the validators run."""
        filters = {name: [remove_control_characters] for name in self._fields}
        for name, more in (extra_filters or {}).items():
            filters.setdefault(name, []).extend(more)
        super().process(formdata, obj, data, extra_filters=filters, **kwargs)
