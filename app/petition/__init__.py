"""The petition: signing, confirming by mail, withdrawing, the public list of signers."""
from flask import Blueprint

bp = Blueprint("petition", __name__, cli_group=None)

from app.petition import routes  # noqa: E402,F401
