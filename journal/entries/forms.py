"""Forms for writing entries and for narrowing the journal list."""

from datetime import date

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from journal.forms import Form
from journal.framework import Framework
from journal.models.entry import MAX_BODY_LENGTH, MAX_TITLE_LENGTH

MAX_QUERY_LENGTH = 200
EARLIEST_ENTRY = date(1990, 1, 1)


def normalize_newlines(text: str | None) -> str | None:
    """Browsers send CRLF; store and count a line break as one character, as the page does."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


def body_length(_form, field) -> None:
    """At most MAX_BODY_LENGTH characters, saying how many there are now."""
    if field.data and len(field.data) > MAX_BODY_LENGTH:
        raise ValidationError(
            _l(
                "The text is %(count)s characters long; at most %(max)s fit in one entry. "
                "Shorten it or split it into two entries — nothing has been lost.",
                count=format_decimal(len(field.data)),
                max=format_decimal(MAX_BODY_LENGTH),
            )
        )


class EntryForm(Form):
    """Write or edit an entry; `today` is the leader's date, the latest allowed."""

    entry_date = DateField(
        _l("Date"), validators=[InputRequired(_l("Enter a date, e.g. 2026-03-24."))]
    )
    title = StringField(
        _l("Title (optional)"),
        validators=[Length(max=MAX_TITLE_LENGTH, message=_l("Use at most %(max)d characters."))],
    )
    body = TextAreaField(
        _l("Your reflection"), filters=[normalize_newlines], validators=[body_length]
    )
    tasks = SelectMultipleField(_l("Leadership tasks"), validate_choice=False)
    starred = BooleanField(_l("Key reflection"))
    goals = SelectMultipleField(_l("Goals this is practice for"), coerce=int, validate_choice=False)
    version = IntegerField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )
    prompt = HiddenField()

    def __init__(self, *args, today: date, framework: Framework, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.framework = framework
        self.goal_choices = list(goals)  # the leader's goals that may be linked

    def validate_goals(self, field) -> None:
        """Only the leader's own goals offered on the page."""
        allowed = {goal.id for goal in self.goal_choices}
        if set(field.data or ()) - allowed:
            raise ValidationError(_l("Choose among your own goals."))

    def validate_entry_date(self, field) -> None:
        """No reflections from the future (nor from before 1990: that is a typo)."""
        if field.data and field.data > self.today:
            raise ValidationError(_l("The date cannot be in the future."))
        if field.data and field.data < EARLIEST_ENTRY:
            raise ValidationError(_l("Enter a date from 1990 on."))

    def validate_tasks(self, field) -> None:
        """Only tasks of the framework (a stale form may hold a key that no longer exists)."""
        unknown = set(field.data or ()) - self.framework.task_keys
        if unknown:
            raise ValidationError(_l("Choose among the framework's leadership tasks."))

    def validate_body(self, field) -> None:
        """An entry needs a title or some text."""
        if not (field.data or "").strip() and not (self.title.data or "").strip():
            raise ValidationError(_l("Write something before you save."))


def _optional_int(value):
    """A select's value as an id, or None for "any"."""
    if value in (None, "", "None"):
        return None
    return int(value)


class FilterForm(Form):
    """The journal list's filters, read from the URL (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), filters=[lambda text: text[:MAX_QUERY_LENGTH] if text else text])
    theme = SelectField(_l("Theme"), validators=[Optional()], validate_choice=True)
    goal = SelectField(
        _l("Goal"), validators=[Optional()], coerce=_optional_int, validate_choice=False
    )
    task = SelectField(_l("Task"), validators=[Optional()], validate_choice=True)
    starred = BooleanField(_l("Key reflections only"))
    date_from = DateField(_l("From"), validators=[Optional()], render_kw={"max": "9999-12-31"})
    date_to = DateField(_l("To"), validators=[Optional()], render_kw={"max": "9999-12-31"})
