"""The Settings → Notifications form: one switch per kind of mail, and when reminders come."""

import re
from datetime import date, time

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectChoice, SelectMultipleField, TimeField
from wtforms.validators import Optional, ValidationError

from journal.forms import Form
from journal.models import NotificationSettings
from journal.notifications.kinds import MANAGER_SETTINGS, SETTINGS

WEEKDAYS = range(1, 8)  # ISO: 1 is Monday
# "16:30", and as Danes also write it, "16.30"; "9" is nine o'clock.
TIME_OF_DAY = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*$")


class TimeOfDayField(TimeField):
    """A time of day, hours and minutes, with a message the leader can act on."""

    def process_formdata(self, valuelist: list[str]) -> None:
        """Read "16:30" or "16.30"; anything else is kept as typed, with the message."""
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        match = TIME_OF_DAY.match(valuelist[0])
        hours, minutes = (int(match[1]), int(match[2] or 0)) if match else (99, 99)
        if hours > 23 or minutes > 59:
            self.data = None
            raise ValueError(_l("Enter a time of day as hours and minutes, for example 16:30."))
        self.data = time(hours, minutes)


def weekday_choices() -> list[SelectChoice]:
    """Monday to Sunday, named in the active language."""
    names = get_day_names("wide", locale=get_locale())
    return [SelectChoice(day, names[day - 1].capitalize()) for day in WEEKDAYS]


class NotificationsForm(Form):
    """What the person wants mailed; the reminder to write, on which days and at what time;
    and the date of the next appraisal. The manager's switches are there only for someone
    who has been asked to be a manager (`manager=False` removes them)."""

    # To the leader.
    comments = BooleanField(_l("Comments from your manager"))
    links = BooleanField(_l("Answers from your manager"))
    reflection = BooleanField(_l("A reminder to write"))
    reflection_days = SelectMultipleField(_l("On these days"), coerce=int)
    reflection_time = TimeOfDayField(_l("At"))
    check_in_due = BooleanField(_l("Time to check in on a goal"))
    appraisal = BooleanField(_l("Time to prepare your appraisal"))
    appraisal_date = DateField(
        _l("Date of your next appraisal (optional)"),
        validators=[Optional()],
        # The browser's date field sends the first; a leader typing a date, the others.
        format=["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"],
        invalid_value_message=_l("Enter the date as day, month and year, for example 15.03.2027."),
    )
    # To the manager.
    requests = BooleanField(_l("Requests from leaders"))
    shares = BooleanField(_l("Goals shared with you"))
    replies = BooleanField(_l("Replies to your comments"))

    def __init__(self, *args, today: date, manager: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.reflection_days.choices = weekday_choices()
        if not manager:
            for name in MANAGER_SETTINGS:
                delattr(self, name)

    def validate_reflection_days(self, field: SelectMultipleField) -> None:
        """A reminder needs a day to come on."""
        if self.reflection.data and not field.data:
            raise ValidationError(_l("Choose at least one day, or switch the reminder off."))

    def validate_reflection_time(self, field: TimeOfDayField) -> None:
        """A reminder needs a time to come at."""
        if self.reflection.data and field.data is None and not field.errors:
            raise ValidationError(_l("Enter the time the reminder should come, for example 16:30."))

    def validate_appraisal_date(self, field: DateField) -> None:
        """A date that has passed would never be reminded of: say so rather than keep it."""
        if field.data is not None and field.data < self.today:
            raise ValidationError(
                _l(
                    "That date has passed. Enter the date of your next appraisal, or leave it empty."
                )
            )

    def choices(self) -> dict[str, bool]:
        """The switches on the page, by setting name."""
        return {name: bool(self[name].data) for name in SETTINGS if name in self}

    def days(self) -> str:
        """The chosen weekdays as stored: ISO digits in order ("135")."""
        return "".join(str(day) for day in sorted(set(self.reflection_days.data or [])))


def initial_data(settings: NotificationSettings, today: date) -> dict:
    """The form's values from stored (or default) settings; an appraisal date that has
    passed is shown empty, so that saving other choices does not trip over it."""
    data = {name: getattr(settings, name) for name in SETTINGS}
    data["reflection_days"] = [int(day) for day in settings.reflection_days if day.isdigit()]
    data["reflection_time"] = settings.reflection_time
    passed = settings.appraisal_date is not None and settings.appraisal_date < today
    data["appraisal_date"] = None if passed else settings.appraisal_date
    return data
