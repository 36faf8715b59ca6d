"""Command-line tools: `flask --app wsgi users …`, `backup`, `demo-data`, `notifications send`
and more."""

from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale

from journal import backup
from journal.admin import onboarding
from journal.admin import services as admin_services
from journal.auth import keys, services
from journal.auth.passwords import password_problem
from journal.demo import generate as demo
from journal.entries import services as entries
from journal.models.user import LANGUAGES, MAX_NAME_LENGTH
from journal.notifications import delivery

users = AppGroup("users", help="Manage accounts.")


def prompt_new_password() -> str:
    """Ask twice for a password until it passes the password policy."""
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        with force_locale("en"):
            problem = password_problem(password)
            if problem is None:
                return password
            click.echo(f"Error: {problem}", err=True)


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The name shown in the app.")
@click.option("--admin", is_flag=True, help="Make the account an administrator.")
@click.option("--language", type=click.Choice(LANGUAGES), default="da", show_default=True)
def create_user(email: str, name: str, admin: bool, language: str) -> None:
    """Create an account; prompts for the password."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from error
    if not 1 <= len(name.strip()) <= MAX_NAME_LENGTH:
        raise click.BadParameter(
            f"give a name of 1 to {MAX_NAME_LENGTH} characters", param_hint="--name"
        )
    password = prompt_new_password()
    try:
        user = admin_services.create_account(
            None, email, name, password, is_admin=admin, language=language
        )
    except services.EmailTaken as error:
        raise click.ClickException(f"An account with the email {email} exists already.") from error
    role = "administrator" if user.is_admin else "user"
    click.echo(f"Created {role} {user.email} ({user.name}).")
    click.echo(
        "At first login they choose their own password; only then is their journal's key made."
    )


@users.command("list")
def list_users() -> None:
    """List accounts: email, name, role and state."""
    for user in admin_services.list_accounts():
        role = "admin" if user.is_admin else "user"
        state = "active" if user.is_active else "deactivated"
        click.echo(f"{user.email}\t{user.name}\t{role}\t{state}")


RESET_WARNING = """\
An administrator cannot open anyone's journal. After this reset, {email} logs in with the
new password, chooses their own, and must enter their recovery key to open their journal.
Without the recovery key, nobody can ever read their entries again (their goals,
check-ins and reviews are not affected)."""


@users.command("set-password")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def set_password(email: str, yes: bool) -> None:
    """Give an account a new password (the leader forgot theirs); prompts for it."""
    user = account_by_email(email)
    click.echo(RESET_WARNING.format(email=user.email))
    if not yes:
        click.confirm("Reset the password?", abort=True)
    admin_services.reset_password(None, user, prompt_new_password())
    click.echo(f"The password of {user.email} is reset. Their journal stays locked until they")
    click.echo("enter their recovery key.")


def account_by_email(email: str):
    """The account with this email, or a message and exit status 1."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email {email}.")
    return user


REFUSALS = {
    "last_admin": "At least one active administrator must remain.",
}


@users.command("deactivate")
@click.argument("email")
def deactivate_user(email: str) -> None:
    """Deactivate an account: it cannot log in, and every session of it ends at once."""
    user = account_by_email(email)
    try:
        admin_services.deactivate(None, user)
    except admin_services.AdminError as error:
        raise click.ClickException(REFUSALS[error.code]) from error
    click.echo(f"{user.email} is deactivated; nothing of theirs is deleted.")


@users.command("reactivate")
@click.argument("email")
def reactivate_user(email: str) -> None:
    """Let a deactivated account log in again."""
    user = account_by_email(email)
    admin_services.reactivate(None, user)
    click.echo(f"{user.email} is active.")


encryption = AppGroup("encryption", help="Journal text encrypted at rest.")


@encryption.command("status")
def encryption_status() -> None:
    """How many leaders still have text from before encryption (entries, goals, check-ins,
    saved reviews), in plain text."""
    waiting = keys.plaintext_counts()
    if not waiting:
        click.echo("Everything leaders wrote is encrypted.")
        return
    total = sum(count for _email, count in waiting)
    click.echo(
        f"{total} entries, goals, check-ins or reviews of {len(waiting)} accounts are still "
        "in plain text."
    )
    click.echo("Each account's text is encrypted when its owner next logs in:")
    for email, count in waiting:
        click.echo(f"  {email}\t{count}")


trash = AppGroup("trash", help="The journal's trash.")


@trash.command("purge")
def purge_trash() -> None:
    """Delete entries that have been in the trash for more than 30 days."""
    count = entries.purge_trash()
    click.echo(
        f"Deleted {count} entries that had been in the trash over {entries.TRASH_DAYS} days."
    )


notifications = AppGroup("notifications", help="Notifications and the mails about them.")

NOT_SET_UP = (
    "Mail is not set up (no MAIL_HOST), so no mail is sent; what is new still shows in the "
    'app. README.md, "Mail", says how to set it up.'
)


@notifications.command("send")
def send_notifications() -> None:
    """Queue the reminders that are due, gather what waits into mails, and send them: for
    cron or a systemd timer, every few minutes, on any or every server."""
    outcome = delivery.run_once()
    if not outcome.configured:
        click.echo(NOT_SET_UP)
        return
    click.echo(
        f"Mails sent: {outcome.sent}; to try again later: {outcome.failed}; "
        f"not sent (account deactivated, or nothing left that is new and wanted): "
        f"{outcome.dropped}."
    )


PG_DUMP_ADVICE = """\
The database is PostgreSQL: back it up with PostgreSQL's own pg_dump, which takes a
consistent snapshot while the app keeps running. This command does not run it: pg_dump
must be at least as new as the server, and belongs where the backups are kept (cron on
the database host, or any machine with the client tools). With the password in
PGPASSWORD or ~/.pgpass, run:

  {dump}

and restore into a new, empty database (then point DATABASE_URL at it) with:

  {restore}"""


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def backup_database(path: Path) -> None:
    """Back up the database to PATH (a new file, or a folder) while the app runs."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        dump, restore = backup.pg_dump_commands(url, path)
        click.echo(PG_DUMP_ADVICE.format(dump=dump, restore=restore))
        raise click.exceptions.Exit(2)  # no backup was made: a cron job must not think so
    if not url.startswith("sqlite:///"):
        raise click.ClickException(f"Backing up this database is not supported: {url}")
    target = backup.target_file(path)
    try:
        backup.backup_sqlite(Path(url.removeprefix("sqlite:///")), target)
    except backup.BackupFailed as error:
        raise click.ClickException(str(error)) from error
    size = target.stat().st_size / 1024 / 1024
    click.echo(f"Backed up the database to {target} ({size:.1f} MB); integrity check: ok.")


@click.command("demo-data")
@click.option("--leaders", type=click.IntRange(1, 100_000), default=5, show_default=True)
@click.option(
    "--entries-per-leader", type=click.IntRange(0, 100_000), default=60, show_default=True
)
@click.option("--seed", type=int, help="The same seed makes the same names and texts.")
@click.option(
    "--alongside-real-accounts",
    is_flag=True,
    help="Add demo accounts even though the database has real ones.",
)
@click.option(
    "--once",
    is_flag=True,
    help="Only if there are no demo accounts yet; else say how to log in to them (make demo).",
)
@with_appcontext
def demo_data(
    leaders: int,
    entries_per_leader: int,
    seed: int | None,
    alongside_real_accounts: bool,
    once: bool,
) -> None:
    """Make demo leaders with entries, goals, check-ins, manager links and shares."""
    if once and demo.first_accounts(1):
        click.echo("The demo data is there already (made by an earlier run).")
        print_demo_logins()
        return
    try:
        made = demo.make_demo(
            leaders, entries_per_leader, allow_real=alongside_real_accounts, seed=seed
        )
    except demo.RealAccounts as error:
        raise click.ClickException(
            "This database has accounts that are not demo accounts: demo data would mix into "
            "a real installation. Use an empty database, or --alongside-real-accounts."
        ) from error
    click.echo(
        f"Made {made.leaders} leaders with {made.entries} entries, {made.goals} goals, "
        f"{made.check_ins} check-ins, {made.links} manager links and {made.shares} shared goals."
    )
    print_demo_logins()


def print_demo_logins() -> None:
    """The demo password and the first demo accounts, to log in with."""
    click.echo(f"Log in as any of them with the password: {demo.DEMO_PASSWORD}")
    for user in demo.first_accounts(3):
        click.echo(f"  {user.email}\t{user.name}{' (administrator)' if user.is_admin else ''}")


ACTIONS = {
    onboarding.CREATE: "create",
    onboarding.EXISTS: "already there",
    onboarding.REFUSED: "refused",
}
LINKS = {onboarding.PROPOSE: "manager proposed", onboarding.ALREADY_LINKED: "already linked"}


@click.command("import-accounts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only show what would happen; write nothing.")
@with_appcontext
def import_accounts(file: Path, dry_run: bool) -> None:
    """Create accounts from a CSV file (navn; e-mail; leders e-mail; administrator), as
    Administration → Import accounts does. Managers are proposed for the leaders to confirm."""
    with file.open("rb") as handle:
        data = handle.read(onboarding.MAX_FILE_BYTES + 1)
    with force_locale("en"):
        try:
            rows = onboarding.read_file(data)
            report = onboarding.plan(rows) if dry_run else onboarding.run_import(None, rows)
        except onboarding.ImportRefused as refusal:
            raise click.ClickException(refusal.problem.text()) from refusal
        for outcome in report.outcomes:
            click.echo(import_line(outcome))
    click.echo(import_summary(report))


def import_line(outcome: onboarding.Outcome) -> str:
    """One row of the report: row, address, what happens, the manager, the password."""
    row = outcome.row
    if outcome.action == onboarding.REFUSED:
        return f"row {row.line}\trefused: {row.problem.text()}"
    parts = [f"row {row.line}", row.email, ACTIONS[outcome.action]]
    if outcome.link:
        parts.append(f"{LINKS[outcome.link]}: {row.manager_email}")
    if outcome.password:
        parts.append(f"temporary password: {outcome.password}")
    return "\t".join(parts)


def import_summary(report: onboarding.Report) -> str:
    """The counts, and how the new accounts sign in."""
    verb = "Created" if report.done else "Would create"
    lines = [
        f"{verb} {report.created}; already there {report.existing}; refused {report.refused}; "
        f"managers proposed {report.links_proposed}; already linked {report.already_linked}."
    ]
    if not report.done:
        lines.append("Dry run: nothing was written.")
    elif report.single_sign_on:
        lines.append(
            "The new accounts have no password: they sign in with the organisation's account."
        )
    elif report.created:
        lines.append(
            "The temporary passwords are shown only now: give each person theirs. They choose "
            "their own at their first log-in."
        )
    if report.links_proposed:
        lines.append("Each leader confirms or declines the proposed manager on their sharing page.")
    return "\n".join(lines)


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(users)
    app.cli.add_command(trash)
    app.cli.add_command(encryption)
    app.cli.add_command(notifications)
    app.cli.add_command(backup_database)
    app.cli.add_command(demo_data)
    app.cli.add_command(import_accounts)
