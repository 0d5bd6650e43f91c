"""The press room's commands: `flask check-contacts` and `flask press-render`."""
from flask import current_app

from app.press import bp, service


@bp.cli.command("check-contacts")
def check_settings():
    """Warn when the press contact or the data controller is not set (`make run` calls it):
    the press and privacy pages then name nobody a journalist or a signer can write to."""
    import click

    for name in ("PRESS_CONTACT", "DATA_CONTROLLER"):
        if not (current_app.config.get(name) or "").strip():
            click.echo(f"warning: FLASK_{name} is empty: the press and privacy pages name no "
                       f"{'press contact' if name == 'PRESS_CONTACT' else 'data controller'}.", err=True)


@bp.cli.command("press-render")
def press_render():
    """Render the press documents of the current content (deploys and cron; optional)."""
    import click

    for stored in service.render_all():
        click.echo(f"{stored.sha256}  {stored.size:>9}  {stored.path}")
