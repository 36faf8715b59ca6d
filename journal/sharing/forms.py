"""Forms for manager links, shares and comments."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from journal.auth.forms import strip
from journal.forms import Form, short_email
from journal.models.sharing import MAX_COMMENT


class LinkRequestForm(Form):
    """Name one's manager by email."""

    email = EmailField(
        _l("Your manager's email"),
        filters=[strip],
        validators=[
            short_email,
            DataRequired(_l("Enter your manager's email address.")),
            Email(_l("Enter a valid email address."), check_deliverability=False),
        ],
    )


class ShareForm(Form):
    """Share a goal, with or without the notes of its check-ins."""

    include_notes = BooleanField(_l("Include the notes of my check-ins"))


class CommentForm(Form):
    """A comment on a shared goal."""

    body = TextAreaField(
        _l("Comment"),
        validators=[
            DataRequired(_l("Write a comment first.")),
            Length(max=MAX_COMMENT, message=_l("Use at most %(max)d characters.")),
        ],
    )
