"""Forms of the review page: the period, and the summary notes."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from journal.forms import Form
from journal.models.review import MAX_REVIEW_TEXT

PERIOD_CHOICES = [
    SelectChoice("3", _l("The last 3 months")),
    SelectChoice("6", _l("The last 6 months")),
    SelectChoice("12", _l("The last 12 months")),
    SelectChoice("since", _l("Since my last saved review")),
    SelectChoice("custom", _l("Dates of my choice")),
]


class PeriodForm(Form):
    """Which period to review (a GET form in the URL)."""

    class Meta:
        csrf = False

    # The default is the period shown when none is asked for, so the menu says what is shown.
    period = SelectField(_l("Period"), choices=PERIOD_CHOICES, default="6", validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


def notes_field(label) -> TextAreaField:
    """A summary note, long enough for a real answer."""
    return TextAreaField(
        label,
        validators=[Length(max=MAX_REVIEW_TEXT, message=_l("Use at most %(max)d characters."))],
    )


class NotesForm(Form):
    """The leader's own summary before the conversation."""

    proud = notes_field(_l("What I'm proud of"))
    next_practice = notes_field(_l("What I want to practise next"))
    need_from_manager = notes_field(_l("What I need from my manager"))
    period_start = HiddenField()
    period_end = HiddenField()
