"""The campaign after the letter: updates, endorsements, the demand's timeline, news mailings
to supporters and the hand-over document; public pages and their back-office pages."""
from flask import Blueprint

bp = Blueprint("campaign", __name__, cli_group="campaign")

from app.campaign import backoffice, handover, news, routes  # noqa: E402,F401
