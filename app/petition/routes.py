"""Petition pages (placeholder until the petition issue lands)."""
from flask import render_template

from app.i18n import localized_route
from app.petition import bp


@localized_route(bp, {"it": "/firma", "en": "/sign"}, methods=["GET", "POST"])
def sign():
    """The signing form."""
    return render_template("placeholder.html")
