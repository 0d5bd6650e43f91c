"""`flask --app wsgi moderator …`: create, list, disable and enable moderator accounts."""
import sys

import click
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from app.admin import bp, service
from app.extensions import db
from app.models import Moderator


@bp.cli.group("moderator")
def moderator_cli():
    """Moderator accounts of the back office (/admin/)."""


def _check_password(password: str) -> str:
    """The password, or a usage error when it is too short."""
    if len(password) < service.MIN_PASSWORD_LENGTH:
        raise click.UsageError(f"the password must be at least {service.MIN_PASSWORD_LENGTH} characters long")
    return password


@moderator_cli.command("create")
@click.argument("email")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of asking.")
def create_command(email: str, password_stdin: bool):
    """Create the moderator EMAIL; asks for the password twice (or reads it with --password-stdin)."""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise click.UsageError(f"not a valid email address: {exc}") from exc
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        moderator = service.create_moderator(email, _check_password(password))
    except service.ModeratorExists:
        raise click.ClickException(f"a moderator with the email {email} already exists") from None
    click.echo(f"moderator {moderator.email} created (id {moderator.id})")


@moderator_cli.command("list")
def list_command():
    """List the moderators: email, active or disabled, locked, last login."""
    moderators = db.session.scalars(select(Moderator).order_by(Moderator.email)).all()
    if not moderators:
        click.echo("no moderators yet: flask --app wsgi moderator create EMAIL")
    for moderator in moderators:
        state = "active" if moderator.active else "disabled"
        if moderator.is_locked():
            state += f", locked until {moderator.locked_until:%Y-%m-%d %H:%M} UTC"
        last = f"{moderator.last_login_at:%Y-%m-%d %H:%M} UTC" if moderator.last_login_at else "never"
        click.echo(f"{moderator.email}\t{state}\tlast login: {last}")


def _get(email: str) -> Moderator:
    """The moderator EMAIL, or a clear error."""
    moderator = service.get_moderator(email)
    if moderator is None:
        raise click.ClickException(f"no moderator with the email {email}")
    return moderator


@moderator_cli.command("disable")
@click.argument("email")
def disable_command(email: str):
    """Disable EMAIL: they cannot log in, and an open session ends at its next request."""
    service.set_active(_get(email), False)
    click.echo(f"moderator {email} disabled")


@moderator_cli.command("enable")
@click.argument("email")
def enable_command(email: str):
    """Enable EMAIL again (this also lifts a lock after failed logins)."""
    service.set_active(_get(email), True)
    click.echo(f"moderator {email} enabled")
