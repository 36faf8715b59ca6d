"""Onboarding at a municipality's scale: accounts imported from a CSV file.

One service for the administration page (Administration → Import accounts) and the command
line (`flask import-accounts`): `read_file` reads and checks the file and writes nothing;
`plan` says what would happen to each row with the database as it is (the preview,
`--dry-run`); `run_import` does it in one transaction, planning again first, so that an
address that got an account since the preview counts as already there.

A row is refused whole, with the reason in the row's own words ("Row 7: 'mette@' is not a
valid email address"); the others go ahead. Accounts already there are not changed. A
manager named in the file is only *proposed*: the leader confirms it (then it is the
leader's own request, which the manager accepts or not) or declines it. An administrator
never links anyone, and nothing is shared by an import.

With single sign-on (`OIDC_ISSUER` set) the accounts get no password at all: a hash no
password matches, and no journal keys (their first sign-in sets the journal up). Without
it, each gets a temporary password, returned once in the report and stored only hashed.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from journal.admin import audit
from journal.admin.services import temporary_password
from journal.auth import services as accounts
from journal.auth.passwords import hash_temporary_password, unusable_password_hash
from journal.database import atomic
from journal.extensions import db
from journal.forms import CONTROL_CHARACTERS
from journal.models import ManagerLink, User
from journal.models.sharing import OPEN_STATUSES
from journal.models.user import MAX_EMAIL_LENGTH, MAX_NAME_LENGTH
from journal.sharing import services as sharing

MAX_FILE_BYTES = 1024 * 1024  # some 15,000 rows of names and addresses: ample for 2,000
MAX_ROWS = 2000
# The file rides along from the preview to the confirmation signed (see `seal`): this long.
SEAL_MAX_AGE_SECONDS = 60 * 60
SEAL_SALT = "admin.import-accounts"
SHOWN_VALUE = 60  # a value quoted in a reason is cut to this many characters
LOOKUP_CHUNK = 500

CREATE, EXISTS, REFUSED = "create", "exists", "refused"
PROPOSE, ALREADY_LINKED = "propose", "already_linked"


def _(message: str) -> str:
    """Mark a message for the catalogue (pybabel extracts `_`); `Problem.text` translates
    it in the reader's language when it is shown."""
    return message


# The columns, by the names a header may give them: Danish or English, any case, with or
# without hyphens ("E-mail", "email", "Leders e-mail", "Manager email").
COLUMN_NAMES = {
    "name": ("navn", "name", "fulde navn", "full name"),
    "email": ("email", "mail", "emailadresse", "email address"),
    "manager_email": (
        "leders email",
        "leder email",
        "leder",
        "manager email",
        "managers email",
        "manager",
    ),
    "is_admin": ("administrator", "admin"),
}
HEADER_NAMES = {alias: column for column, aliases in COLUMN_NAMES.items() for alias in aliases}
YES = frozenset(("ja", "j", "yes", "y", "x", "1", "true", "sand"))
NO = frozenset(("", "nej", "n", "no", "0", "false", "falsk"))


@dataclass(frozen=True)
class Problem:
    """Why a file or a row was refused: an English message (the catalogue's key) and its
    values, put together in the reader's language by `text`."""

    message: str
    values: dict = field(default_factory=dict)

    def text(self) -> str:
        """The message in the active language (the page's, or English on the command line)."""
        return gettext(self.message, **self.values)


class ImportRefused(Exception):
    """The whole file was refused (or the confirmation could not be read); nothing written."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class Row:
    """One row of the file: `line` is its number as a spreadsheet shows it (the header is
    row 1); the values cleaned, and the problem that refuses it, if any."""

    line: int
    name: str
    email: str
    manager_email: str = ""
    is_admin: bool = False
    problem: Problem | None = None


@dataclass
class Outcome:
    """What happens (or happened) to a row: `action` create, exists or refused; `link`
    propose, already_linked or "" (no manager named); the temporary password made for it,
    which exists only in this object, to be shown once."""

    row: Row
    action: str
    link: str = ""
    password: str | None = None


@dataclass
class Report:
    """Every row's outcome; `done` once written (else a preview); `single_sign_on` whether
    the accounts sign in with the organisation's account (and so have no password)."""

    outcomes: list[Outcome]
    single_sign_on: bool
    done: bool = False

    def count(self, action: str) -> int:
        """How many rows have this action."""
        return sum(outcome.action == action for outcome in self.outcomes)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def existing(self) -> int:
        return self.count(EXISTS)

    @property
    def refused(self) -> int:
        return self.count(REFUSED)

    @property
    def links_proposed(self) -> int:
        return sum(outcome.link == PROPOSE for outcome in self.outcomes)

    @property
    def already_linked(self) -> int:
        return sum(outcome.link == ALREADY_LINKED for outcome in self.outcomes)


def single_sign_on() -> bool:
    """Whether people sign in with the organisation's account (OpenID Connect is set up)."""
    return bool(current_app.config.get("OIDC_ISSUER"))


# Reading the file ---------------------------------------------------------------------------


def read_file(data: bytes) -> list[Row]:
    """The rows of a CSV file as Excel in Denmark saves it (semicolons, UTF-8 with or
    without BOM, or Windows-1252) or with commas; ImportRefused for a file that is too
    large, not text, without the name and email columns, or with too many rows."""
    return read_text(text_of(data))


def text_of(data: bytes) -> str:
    """The file's text; ImportRefused if it is too large or no text (see `decode`)."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportRefused(
            Problem(
                _("The file is larger than %(max)d MB. Split it and import each part."),
                {"max": MAX_FILE_BYTES // (1024 * 1024)},
            )
        )
    return decode(data)


def decode(data: bytes) -> str:
    """UTF-8 (a BOM dropped), else Windows-1252 (Excel's "CSV (semicolon separated)"),
    else Latin-1, which reads any bytes; a file with NUL bytes (UTF-16, a spreadsheet's own
    format) is no CSV file."""
    if b"\x00" in data:
        raise ImportRefused(NOT_CSV)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


NOT_CSV = Problem(
    _(
        "The file could not be read as CSV. In Excel, choose Save as, then “CSV UTF-8” or "
        "“CSV (semicolon separated)”."
    )
)


def read_text(text: str) -> list[Row]:
    """The rows of the file's text (see `read_file`). The records are read one at a time:
    only the rows are kept (at most MAX_ROWS), never every record of the file."""
    records = _records(text)
    _header_line, columns = _header(records)  # the records up to it are read
    rows: list[Row] = []
    seen: dict[str, int] = {}
    try:
        for line, cells in records:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise ImportRefused(
                    Problem(
                        _("The file has more than %(max)d rows. Split it and import each part."),
                        {"max": MAX_ROWS},
                    )
                )
            row = _row(line, {key: _cell(cells, index) for key, index in columns.items()})
            if row.problem is None and row.email in seen:
                row = _refused(
                    row,
                    _("Row %(line)d: %(email)s is also in row %(first)d."),
                    email=row.email,
                    first=seen[row.email],
                )
            if row.problem is None:
                seen[row.email] = line
            rows.append(row)
    except csv.Error as error:
        raise ImportRefused(NOT_CSV) from error
    if not rows:
        raise ImportRefused(Problem(_("The file has no rows below its first row.")))
    return rows


def _records(text: str):
    """Every record with its number (1 for the first), one at a time, split at the
    delimiter the first line uses most: semicolon, comma or tab."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(";,\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    return enumerate(reader, start=1)


def _header(records) -> tuple[int, dict[str, int]]:
    """The header's record number, and the index of each known column in it (the records
    up to it are consumed)."""
    try:
        line, cells = next(((n, c) for n, c in records if any(x.strip() for x in c)), (0, []))
    except csv.Error as error:
        raise ImportRefused(NOT_CSV) from error
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = HEADER_NAMES.get(_header_key(cell))
        if column is not None and column not in columns:
            columns[column] = index
    missing = [column for column in ("name", "email") if column not in columns]
    if missing:
        raise ImportRefused(
            Problem(
                _(
                    "The first row must name the columns. Missing: %(missing)s. The columns "
                    "are navn (name), e-mail (email), and if you like leders e-mail (manager "
                    "email) and administrator (admin)."
                ),
                {"missing": ", ".join({"name": "navn", "email": "e-mail"}[c] for c in missing)},
            )
        )
    return line, columns


def _header_key(cell: str) -> str:
    """A header cell as looked up: lower case, without hyphens, apostrophes and extra spaces."""
    return " ".join(re.sub(r"[-_'’.:]", "", cell.lstrip("\ufeff")).lower().split())


def _cell(cells: list[str], index: int) -> str:
    """A cell's text (empty if the row is short), trimmed, without control characters."""
    value = cells[index] if index < len(cells) else ""
    return CONTROL_CHARACTERS.sub("", value).strip()


def _shown(value: str) -> str:
    """A value as a reason quotes it: cut short if long."""
    return value if len(value) <= SHOWN_VALUE else value[: SHOWN_VALUE - 1] + "…"


def _refused(row: Row, message: str, **values) -> Row:
    return Row(
        row.line,
        row.name,
        row.email,
        row.manager_email,
        row.is_admin,
        Problem(message, {"line": row.line, **values}),
    )


def _row(line: int, cells: dict[str, str]) -> Row:
    """One row, checked on its own (against the others and the database: later)."""
    name = " ".join(cells["name"].split())
    email, manager = cells["email"], cells.get("manager_email", "")
    flag = cells.get("is_admin", "").lower()
    row = Row(line, name, email, manager, flag in YES)
    if not name:
        return _refused(row, _("Row %(line)d: the name is missing."))
    if len(name) > MAX_NAME_LENGTH:
        return _refused(
            row, _("Row %(line)d: the name is longer than %(max)d characters."), max=MAX_NAME_LENGTH
        )
    if not email:
        return _refused(row, _("Row %(line)d: the email address is missing."))
    if not _valid_email(email):
        return _refused(
            row, _("Row %(line)d: '%(value)s' is not a valid email address."), value=_shown(email)
        )
    if manager and not _valid_email(manager):
        return _refused(
            row,
            _("Row %(line)d: '%(value)s' is not a valid email address for the manager."),
            value=_shown(manager),
        )
    if flag not in YES | NO:
        return _refused(
            row,
            _(
                "Row %(line)d: '%(value)s' in the column administrator must be ja or nej (yes or no)."
            ),
            value=_shown(cells["is_admin"]),
        )
    email = accounts.normalize_email(email)
    manager = accounts.normalize_email(manager) if manager else ""
    row = Row(line, name, email, manager, row.is_admin)
    if manager == email:
        return _refused(row, _("Row %(line)d: a leader cannot be their own manager."))
    return row


def _valid_email(value: str) -> bool:
    """Whether `value` is an address an account may have (the length is checked first:
    checking costs time in proportion to it)."""
    if len(value) > MAX_EMAIL_LENGTH:
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


# Planning and importing ---------------------------------------------------------------------


def plan(rows: list[Row]) -> Report:
    """What importing the rows would do now: nothing is written."""
    good = [row for row in rows if row.problem is None]
    existing = _accounts_by_email([row.email for row in good])
    linked = _leaders_with_open_links(list(existing.values()))
    outcomes = []
    for row in rows:
        if row.problem is not None:
            outcomes.append(Outcome(row, REFUSED))
            continue
        user_id = existing.get(row.email)
        link = ""
        if row.manager_email:
            link = ALREADY_LINKED if user_id in linked else PROPOSE
        outcomes.append(Outcome(row, CREATE if user_id is None else EXISTS, link))
    return Report(outcomes, single_sign_on())


def _accounts_by_email(emails: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(emails), LOOKUP_CHUNK):
        chunk = emails[start : start + LOOKUP_CHUNK]
        query = select(User.email, User.id).where(User.email.in_(chunk))
        found.update((email, user_id) for email, user_id in db.session.execute(query))
    return found


def _leaders_with_open_links(user_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(user_ids), LOOKUP_CHUNK):
        chunk = user_ids[start : start + LOOKUP_CHUNK]
        found.update(
            db.session.scalars(
                select(ManagerLink.leader_id).where(
                    ManagerLink.leader_id.in_(chunk), ManagerLink.status.in_(OPEN_STATUSES)
                )
            )
        )
    return found


CHANGED_MEANWHILE = Problem(
    _("Accounts were changed while the file was imported. Nothing was imported: try again.")
)


@atomic()
def run_import(actor: User | None, rows: list[Row]) -> Report:
    """Import the rows in one transaction, as `actor` (None: the command line): plan again,
    create the accounts, then propose the managers (who may be in the same file), and
    record the counts in the audit log. All of it, or nothing."""
    report = plan(rows)
    leaders: dict[str, User] = {}
    for outcome in report.outcomes:
        if outcome.action == CREATE:
            leaders[outcome.row.email] = _create(outcome, sso=report.single_sign_on)
    for outcome in report.outcomes:
        if outcome.link != PROPOSE:
            continue
        leader = leaders.get(outcome.row.email) or accounts.find_user_by_email(outcome.row.email)
        try:
            sharing.propose_link(leader, outcome.row.manager_email, actor)
        except sharing.SharingError as error:  # a link opened since the plan
            raise ImportRefused(CHANGED_MEANWHILE) from error
    counts = (report.created, report.existing, report.refused, report.links_proposed)
    audit.record(
        actor, audit.ACCOUNTS_IMPORTED, None, audit.import_detail(*counts, report.already_linked)
    )
    report.done = True
    return report


def _create(outcome: Outcome, *, sso: bool) -> User:
    """The account of a row: with single sign-on no password at all, else a temporary one
    (kept in `outcome` to be shown once) that the leader replaces at the first log-in."""
    if sso:
        password_hash = unusable_password_hash()
    else:
        outcome.password = temporary_password()
        password_hash = hash_temporary_password(outcome.password)
    try:
        return accounts.create_user(
            outcome.row.email,
            outcome.row.name,
            None,
            is_admin=outcome.row.is_admin,
            must_change_password=not sso,
            password_hash=password_hash,
        )
    except accounts.EmailTaken as error:  # made elsewhere since the plan, this very moment
        raise ImportRefused(CHANGED_MEANWHILE) from error


# The file between the preview and the confirmation ------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SEAL_SALT)


def seal(actor: User, text: str) -> str:
    """The file's text, signed for the confirmation form (and compressed): the browser
    carries it back but cannot change it, and it is good for one administrator, for an
    hour. Nothing is kept on the server between the two steps."""
    return _serializer().dumps({"by": actor.id, "text": text})


def unseal(actor: User, token: str) -> str:
    """The text `seal` signed for this administrator; ImportRefused if it is too old, was
    changed, or was signed for someone else."""
    try:
        sealed = _serializer().loads(token, max_age=SEAL_MAX_AGE_SECONDS)
    except SignatureExpired as error:
        raise ImportRefused(
            Problem(_("The preview is more than an hour old. Choose the file again."))
        ) from error
    except BadSignature as error:
        raise ImportRefused(SEAL_BROKEN) from error
    if not isinstance(sealed, dict) or sealed.get("by") != actor.id:
        raise ImportRefused(SEAL_BROKEN)
    return sealed["text"]


SEAL_BROKEN = Problem(_("The preview could not be confirmed. Choose the file again."))
