"""The public JSON API under /api/v1 (never an email address, IP or token)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import routes  # noqa: E402,F401
from app.api import groups  # noqa: E402,F401
