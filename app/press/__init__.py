"""The press room: the statement, the figures and the data, as downloads."""
from flask import Blueprint

bp = Blueprint("press", __name__, cli_group=None)

from app.press import cli, routes  # noqa: E402,F401
