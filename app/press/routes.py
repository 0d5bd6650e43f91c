"""Press room (placeholder until the press issue lands)."""
from flask import render_template

from app.i18n import localized_route
from app.press import bp


@localized_route(bp, {"it": "/stampa", "en": "/press"})
def index():
    """The press room."""
    return render_template("placeholder.html")
