"""Top-level CLI commands: `flask --app wsgi seed`, `purge`, `backup FILE`, `restore FILE`."""
import click
from flask import Flask
from flask.cli import with_appcontext


@click.command("seed")
@with_appcontext
def seed_command():
    """Load the letter and the groups of the 2014 list (running it again changes nothing)."""
    from app.campaign.service import timeline
    from app.extensions import db
    from app.letter.service import load_letters
    from app.registry.service import seed_groups

    changed = load_letters()
    added = seed_groups()
    steps = timeline.seed()
    db.session.commit()
    click.echo(f"letter: {', '.join(changed) or 'unchanged'}; groups added: {added}; timeline steps added: {steps}")


@click.command("purge")
@with_appcontext
def purge_command():
    """Daily clean-up: unconfirmed signatures and reports whose link expired (with their
    mails and screenshots), and client-IP hashes older than IP_HASH_DAYS (settings)."""
    from app.petition import cleanup as petition
    from app.registry.reports import purge_reports

    deleted, dropped = petition.purge()
    reports = purge_reports()
    click.echo(f"unconfirmed signatures deleted: {deleted}; IP hashes dropped: {dropped}")
    click.echo(f"unconfirmed reports deleted: {reports['reports_deleted']}; "
               f"IP hashes dropped: {reports['ip_hashes_dropped']}")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_command)
    app.cli.add_command(purge_command)
    from app.backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
