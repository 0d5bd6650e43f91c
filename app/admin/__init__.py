"""The moderators' back office under /admin/."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", cli_group=None)

from app.admin import cli, routes, signatures  # noqa: E402,F401
