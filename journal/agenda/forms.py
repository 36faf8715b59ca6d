"""Forms of the agenda: a talking point, the day a conversation was held, a note after it."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from journal.auth.forms import strip
from journal.forms import Form
from journal.models.agenda import MAX_MEETING_NOTE, MAX_POINT


class PointForm(Form):
    """One talking point: short enough to read out in the conversation."""

    body = TextAreaField(
        _l("Talking point"),
        # No maxlength: a browser cuts a longer paste short without a word; the message
        # after saving says what to do and keeps all of it.
        render_kw={"rows": 3, "maxlength": False},
        filters=[strip],
        validators=[
            DataRequired(_l("Write the point first.")),
            Length(
                max=MAX_POINT,
                message=_l(
                    "A talking point has at most %(max)d characters. Shorten it, or split it "
                    "into two points."
                ),
            ),
        ],
    )


# A conversation is recorded after it, within a few years; a day far off is a slip of the
# keyboard (the year 1 or 9999), not a conversation. A day's slack for the time zones.
HELD_WITHIN_DAYS = 5 * 366


class HeldForm(Form):
    """The conversation was held, on this day."""

    held_on = DateField(_l("Held on"), validators=[InputRequired(_l("Choose the day."))])

    def validate_held_on(self, field) -> None:
        if field.data is None:  # not a date at all: the field says so already
            return
        today = date.today()
        if not today - timedelta(days=HELD_WITHIN_DAYS) <= field.data <= today + timedelta(1):
            raise ValidationError(_l("Choose the day the conversation was held: today or earlier."))


class NoteForm(Form):
    """What one noted after the conversation, for oneself."""

    body = TextAreaField(
        _l("My notes after the conversation"),
        render_kw={"rows": 6, "maxlength": False},
        filters=[strip],
        validators=[
            Length(max=MAX_MEETING_NOTE, message=_l("Use at most %(max)d characters.")),
        ],
    )
