"""Command-line tools: `flask --app wsgi users …`."""

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale

from journal.auth import services
from journal.auth.passwords import password_problem
from journal.entries import services as entries
from journal.models.user import LANGUAGES, MAX_NAME_LENGTH

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
        user = services.create_user(email, name, password, is_admin=admin, language=language)
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
    from journal.admin.services import list_accounts

    for user in list_accounts():
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
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the email {email}.")
    click.echo(RESET_WARNING.format(email=user.email))
    if not yes:
        click.confirm("Reset the password?", abort=True)
    services.reset_password(user, prompt_new_password())
    click.echo(f"The password of {user.email} is reset. Their journal stays locked until they")
    click.echo("enter their recovery key.")


encryption = AppGroup("encryption", help="Journal text encrypted at rest.")


@encryption.command("status")
def encryption_status() -> None:
    """How many leaders still have entries from before encryption, in plain text."""
    waiting = entries.plaintext_entry_counts()
    if not waiting:
        click.echo("Every entry is encrypted.")
        return
    total = sum(count for _email, count in waiting)
    click.echo(f"{total} entries of {len(waiting)} accounts are still in plain text.")
    click.echo("Each account's entries are encrypted when its owner next logs in:")
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


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(users)
    app.cli.add_command(trash)
    app.cli.add_command(encryption)
