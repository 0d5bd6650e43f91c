"""Back-office views: login and logout, the moderation queue, groups and the audit log.

Every view here except the login form requires a logged-in moderator (`require_moderator`
below runs before each of them), and every response is kept out of caches and search engines.
"""
import time
from urllib.parse import urlsplit

from flask import (current_app, flash, redirect, render_template, request, session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.admin import bp, service
from app.admin.forms import ActionForm, LoginForm
from app.extensions import db, limiter, login_manager
from app.models import Moderator

# Endpoints an anonymous visitor may reach; everything else under /admin/ redirects to login.
OPEN_ENDPOINTS = {"admin.login"}


@login_manager.user_loader
def load_user(user_id: str) -> Moderator | None:
    """The logged-in moderator, or None when the account is gone or disabled."""
    moderator = db.session.get(Moderator, int(user_id)) if user_id.isdigit() else None
    return moderator if moderator is not None and moderator.active else None


@login_manager.unauthorized_handler
def unauthorized():
    """Anonymous visitors are sent to the login form, coming back here afterwards."""
    flash(_("Please log in to continue."), "error")
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("admin.login", next=_safe_next(target)))


def _session_expired() -> bool:
    """True when the login is older than PERMANENT_SESSION_LIFETIME (the cookie would otherwise
    be renewed at every request and never expire while in use)."""
    since = session.get("admin_since")
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    return not isinstance(since, (int, float)) or time.time() - since > lifetime


@bp.before_request
def require_moderator():
    """Refuse every back-office page to anyone who is not a logged-in moderator."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if current_user.is_authenticated and _session_expired():
        _end_session()
        flash(_("Your session has expired. Please log in again."), "error")
        return redirect(url_for("admin.login"))
    if not current_user.is_authenticated:
        return unauthorized()
    return None


@bp.after_request
def private_response(response):
    """Back-office pages show reporters' emails: never cache them, never index them."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _safe_next(target: str | None) -> str | None:
    """`target` if it is a back-office path on this site, else None (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(bp.url_prefix + "/") \
            or target.startswith("//") or "\\" in target:
        return None
    return target.rstrip("?")


def _end_session() -> None:
    """Log out and drop the session's contents, keeping only the chosen language."""
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """The login form: the same answer for an unknown email, a wrong password or a locked account."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.queue"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        moderator = None if form.is_bot() else service.authenticate(form.email.data, form.password.data)
        if moderator is not None:
            _end_session()  # a fresh session: nothing set before login survives it
            login_user(moderator)
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
            session["admin_since"] = time.time()
            return redirect(_safe_next(request.args.get("next")) or url_for("admin.queue"))
        failed = True
    allowed, _window, duration = service.lock_settings()
    return render_template("admin/login.html", form=form, failed=failed, allowed=allowed,
                           lock_minutes=int(duration.total_seconds() // 60))


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (a POST with a CSRF token, so no other site can log a moderator out)."""
    form = ActionForm()
    if form.validate_on_submit():
        _end_session()
        flash(_("You are logged out."), "success")
        return redirect(url_for("admin.login"))
    return redirect(url_for("admin.queue"))


from app.admin import moderation  # noqa: E402,F401  (the queue, groups and audit views)
