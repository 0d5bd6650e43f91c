"""Registry pages (placeholder until the registry issue lands)."""
from flask import render_template

from app.i18n import localized_route
from app.registry import bp


@localized_route(bp, {"it": "/registro", "en": "/registry"})
def index():
    """The public registry."""
    return render_template("placeholder.html")


@localized_route(bp, {"it": "/registro/segnala", "en": "/registry/report"}, methods=["GET", "POST"])
def report():
    """The form to report a hijacked group."""
    return render_template("placeholder.html")
