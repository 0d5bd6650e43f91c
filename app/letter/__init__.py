"""The open letter and the pages around it: home, letter, about, privacy."""
from flask import Blueprint

bp = Blueprint("letter", __name__, cli_group=None)

from app.letter import routes  # noqa: E402,F401
