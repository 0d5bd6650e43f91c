"""The public registry of hijacked groups, and the form by which admins report one."""
from flask import Blueprint

bp = Blueprint("registry", __name__, cli_group=None)

from app.registry import routes  # noqa: E402,F401
