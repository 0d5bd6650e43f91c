"""The moderators' back office under /admin/."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", cli_group=None)

# Every module of views, registered here and nowhere else (routes first: login, enrolment and the
# login check the others rely on). A new back-office page goes in one of them, or a new one listed here.
from app.admin import (  # noqa: E402,F401
    routes,  # login, enrolment, logout, the second factor's QR code
    account_views,  # accounts (administrators) and one's own password
    audit_views,  # the audit log
    exports,  # CSV exports
    moderation,  # the queue, reports and groups
    review,  # the public list's review
    signatures,  # signature search, detail, hold and release, bulk invalidation
    signature_lists,  # invalidations, trending, block lists
    cli,  # flask moderator …
)
