"""The base form: WTForms' built-in messages in the user's language too."""

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

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


class Form(FlaskForm):
    """Base of every form in the app."""

    class Meta:
        def get_translations(self, form):
            """Use the app's catalogue (Danish or English) for WTForms' own messages."""
            return get_translations()
