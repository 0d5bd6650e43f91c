"""Top-level CLI commands: `flask --app wsgi seed`."""
import click
from flask import Flask
from flask.cli import with_appcontext


@click.command("seed")
@with_appcontext
def seed_command():
    """Load the letter and the groups of the 2014 list (running it again changes nothing)."""
    from app.letter.service import load_letters
    from app.registry.service import seed_groups

    changed = load_letters()
    added = seed_groups()
    click.echo(f"letter: {', '.join(changed) or 'unchanged'}; groups added: {added}")


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(seed_command)
