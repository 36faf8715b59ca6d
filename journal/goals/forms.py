"""Forms for goals and check-ins, with labels in the user's language."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from journal.forms import Form
from journal.framework import Framework
from journal.models.goal import MAX_GOAL_TEXT, MAX_GOAL_TITLE, MAX_NOTE, STATUSES

RATING_NAMES = {
    1: _l("Hardly at all"),
    2: _l("A little"),
    3: _l("Partly"),
    4: _l("Mostly"),
    5: _l("Fully"),
}
STATUS_NAMES = {
    "active": _l("Active"),
    "paused": _l("Paused"),
    "achieved": _l("Achieved"),
    "let_go": _l("Let go"),
}
# A leader may type the whole sentence; the page already says "I'm practising".
PRACTISING_PREFIX = re.compile(
    r"^\s*(jeg\s+øver\s+mig\s+på(\s+at)?|i'?m\s+practi[sc]ing|i\s+am\s+practi[sc]ing)\s*[:…]*\s*",
    re.IGNORECASE,
)


def without_prefix(text: str | None) -> str | None:
    """Drop a typed "Jeg øver mig på at" / "I'm practising" from the start of a title."""
    return PRACTISING_PREFIX.sub("", text) if text else text


EARLIEST = date(2000, 1, 1)


def sensible_date(form, field) -> None:
    """Dates from 2000 on, at most ten years ahead (a typo like year 0026 is not a date)."""
    if field.data and not EARLIEST <= field.data <= date.today().replace(
        year=date.today().year + 10
    ):
        raise ValidationError(_l("Enter a date between the year 2000 and ten years from now."))


def length(maximum: int) -> Length:
    """At most `maximum` characters, said in the user's language."""
    return Length(max=maximum, message=_l("Use at most %(max)d characters."))


class GoalForm(Form):
    """What the leader is practising, why, and how they will know."""

    title = StringField(
        _l("I'm practising …"),
        filters=[without_prefix, lambda text: text.strip() if text else text],
        validators=[InputRequired(_l("Say what you are practising.")), length(MAX_GOAL_TITLE)],
    )
    why = TextAreaField(_l("Why it matters"), validators=[length(MAX_GOAL_TEXT)])
    how_i_know = TextAreaField(
        _l("How I will know (signs of progress)"), validators=[length(MAX_GOAL_TEXT)]
    )
    tasks = SelectMultipleField(_l("Leadership tasks"), validate_choice=False)
    start_date = DateField(
        _l("Start date"), validators=[InputRequired(_l("Enter a date.")), sensible_date]
    )
    review_date = DateField(_l("Review date (optional)"), validators=[Optional(), sensible_date])

    def __init__(self, *args, framework: Framework, **kwargs):
        super().__init__(*args, **kwargs)
        self.framework = framework

    def validate_title(self, field) -> None:
        """The sentence needs more than the prefix."""
        if not (field.data or "").strip():
            raise ValidationError(_l("Say what you are practising."))

    def validate_tasks(self, field) -> None:
        """At least one task, all of them the framework's."""
        chosen = set(field.data or ())
        if not chosen:
            raise ValidationError(_l("Choose at least one leadership task."))
        if chosen - self.framework.task_keys:
            raise ValidationError(_l("Choose among the framework's leadership tasks."))

    def validate_review_date(self, field) -> None:
        """A review comes after the start."""
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The review date must come after the start date."))


class CheckInForm(Form):
    """A check-in: the day, a rating from 1 to 5 and an optional note."""

    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter a date.")), sensible_date])
    rating = RadioField(
        _l("How well did I practise this?"),
        coerce=int,
        choices=[SelectChoice(value, name) for value, name in RATING_NAMES.items()],
        validators=[InputRequired(_l("Choose a rating from 1 to 5."))],
    )
    note = TextAreaField(_l("Note (optional)"), validators=[length(MAX_NOTE)])
    next = HiddenField()

    def __init__(self, *args, today: date, start: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.start = start

    def validate_day(self, field) -> None:
        """Between the goal's start and today."""
        if field.data and field.data > self.today:
            raise ValidationError(_l("The date cannot be in the future."))
        if field.data and field.data < self.start:
            raise ValidationError(_l("The date cannot be before the goal started."))


class StatusForm(Form):
    """Change a goal's status."""

    status = SelectField(
        _l("Status"), choices=[SelectChoice(status, STATUS_NAMES[status]) for status in STATUSES]
    )
