"""`flask --app wsgi moderator …`: create accounts, set passwords, reset second factors, list,
disable and enable; the queue digest for cron."""
import sys

import click
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from app.admin import accounts, bp
from app.extensions import db
from app.models import Moderator, Role


@bp.cli.group("moderator")
def moderator_cli():
    """Moderator accounts of the back office (/admin/)."""


def _check_password(password: str) -> str:
    """The password, or a usage error when it is too short."""
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise click.UsageError(f"the password must be at least {accounts.MIN_PASSWORD_LENGTH} characters long")
    return password


def _read_password(password_stdin: bool) -> str:
    """The first line of standard input, or asked twice on the terminal."""
    if password_stdin:
        return _check_password(sys.stdin.readline().rstrip("\r\n"))
    return _check_password(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@moderator_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.moderator.value,
              show_default=True, help="administrators also manage accounts, block lists and exports.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of asking.")
def create_command(email: str, role: str, password_stdin: bool):
    """Create the account EMAIL; asks for the password twice (or reads it with --password-stdin).
    Its owner sets up the second factor at the first login."""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise click.UsageError(f"not a valid email address: {exc}") from exc
    password = _read_password(password_stdin)
    try:
        moderator = accounts.create_moderator(email, password, Role(role))
    except accounts.ModeratorExists:
        raise click.ClickException(f"a moderator with the email {email} already exists") from None
    db.session.commit()
    click.echo(f"{moderator.role.value} {moderator.email} created (id {moderator.id}); "
               "the second factor is set up at the first login")


@moderator_cli.command("list")
def list_command():
    """List the accounts: email, role, active or disabled, second factor, last login."""
    moderators = db.session.scalars(select(Moderator).order_by(Moderator.email)).all()
    if not moderators:
        click.echo("no moderators yet: flask --app wsgi moderator create EMAIL")
    for moderator in moderators:
        state = "active" if moderator.active else "disabled"
        two_factor = "2FA on" if moderator.totp_enabled else "2FA not set up"
        last = f"{moderator.last_login_at:%Y-%m-%d %H:%M} UTC" if moderator.last_login_at else "never"
        click.echo(f"{moderator.email}\t{moderator.role.value}\t{state}\t{two_factor}\tlast login: {last}")


def _get(email: str) -> Moderator:
    """The moderator EMAIL, or a clear error."""
    moderator = accounts.get_moderator(email)
    if moderator is None:
        raise click.ClickException(f"no moderator with the email {email}")
    return moderator


@moderator_cli.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def password_command(email: str, password_stdin: bool):
    """Give EMAIL a new password; every session of the account ends."""
    moderator = _get(email)
    accounts.set_password(moderator, _read_password(password_stdin))
    db.session.commit()
    click.echo(f"new password set for {moderator.email}; their sessions have ended")


@moderator_cli.command("reset-2fa")
@click.argument("email")
def reset_2fa_command(email: str):
    """Forget EMAIL's second factor and recovery codes; they set it up again at the next login."""
    moderator = _get(email)
    accounts.reset_two_factor(moderator)
    db.session.commit()
    click.echo(f"second factor of {moderator.email} reset; their sessions have ended")


@moderator_cli.command("disable")
@click.argument("email")
def disable_command(email: str):
    """Disable EMAIL: they cannot log in, and their sessions end at once."""
    _set_active(email, False)


@moderator_cli.command("enable")
@click.argument("email")
def enable_command(email: str):
    """Enable EMAIL again (this also lifts the locks left by failed logins)."""
    _set_active(email, True)


def _set_active(email: str, active: bool) -> None:
    """Enable or disable EMAIL's account, and say which."""
    accounts.set_active(_get(email), active)
    db.session.commit()
    click.echo(f"moderator {email} {'enabled' if active else 'disabled'}")


@moderator_cli.command("digest")
def digest_command():
    """Mail the moderators a digest when reports or held signatures have waited longer than
    QUEUE_ALERT_HOURS (at most once in that many hours; the mail sender checks too). For cron."""
    from flask import current_app

    from app.admin.digest import send_digest
    from app.models.base import utcnow

    base = current_app.config.get("SITE_URL") or "http://localhost"
    with current_app.test_request_context("/", base_url=base):
        queued = send_digest(utcnow())
        db.session.commit()
    click.echo(f"digest queued for {queued} moderators" if queued else "no digest due")
