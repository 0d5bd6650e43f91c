"""Back-office views: login (password and second factor), enrolment, logout.

Every view here except the login form requires a logged-in moderator (`require_moderator`
below runs before each of them), and every response is kept out of caches and search engines.
"""
from functools import wraps
from urllib.parse import urlsplit

from flask import (Response, abort, current_app, flash, g, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.admin import accounts, bp, two_factor
from app.admin.forms import ActionForm, CodeForm, LoginForm
from app.extensions import client_ip, db, limiter, login_manager
from app.models import Moderator
from app.models.base import utcnow
from app.security import ip_hash

# Endpoints an anonymous visitor may reach; everything else under /admin/ redirects to login.
OPEN_ENDPOINTS = {"admin.login"}
# Endpoints of a session that has the password but no second factor yet (first login).
ENROL_ENDPOINTS = {"admin.enrol", "admin.enrol_qr", "admin.logout"}
SESSION_KEY = "admin_sid"  # the cookie's session id; the database keeps its SHA-256


@login_manager.user_loader
def load_user(user_id: str) -> Moderator | None:
    """The logged-in moderator: only while the server-side session behind the cookie lives
    (not ended, not idle, not too old) and the account is active."""
    token = session.get(SESSION_KEY)
    if not user_id.isdigit() or not isinstance(token, str):
        return None
    row, changed = accounts.load_session(int(user_id), token, utcnow())
    if changed:  # its last activity, or a dead session deleted
        db.session.commit()
    if row is None:
        return None
    g.admin_two_factor = row.two_factor
    return db.session.get(Moderator, row.moderator_id)


@login_manager.unauthorized_handler
def unauthorized():
    """Anonymous visitors are sent to the login form, coming back here afterwards."""
    flash(_("Please log in to continue."), "error")
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("admin.login", next=_safe_next(target)))


@bp.before_request
def require_moderator():
    """Refuse every back-office page to anyone who is not a logged-in moderator, and every page
    but the enrolment to one who has not set up the second factor yet."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        if session.get(SESSION_KEY):  # a session we ended, or one that timed out
            _end_session()
            flash(_("Your session has ended. Please log in again."), "error")
            return redirect(url_for("admin.login"))
        return unauthorized()
    if not g.get("admin_two_factor") and request.endpoint not in ENROL_ENDPOINTS:
        return redirect(url_for("admin.enrol"))
    return None


def administrators_only(view):
    """For the views of administrators: a moderator gets 403."""
    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_administrator:
            abort(403)
        return view(*args, **kwargs)
    return guarded


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
            or target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
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
    """The login form (email, password, code): one answer for every kind of failure."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.queue"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        result = token = None
        if not form.is_bot():
            result = accounts.authenticate(form.email.data, form.password.data, form.code.data or "",
                                           ip_hash(client_ip()), utcnow())
            if result is not None:
                token = accounts.start_session(result.moderator, not result.must_enrol, utcnow())
            db.session.commit()  # the attempt in the audit log, a failure counted, the new session
        if result is not None:
            _end_session()  # a fresh session: nothing set before login survives it
            login_user(result.moderator)
            session[SESSION_KEY] = token
            session.permanent = True  # the cookie expires too, after PERMANENT_SESSION_LIFETIME
            if result.must_enrol:
                return redirect(url_for("admin.enrol"))
            return redirect(_safe_next(request.args.get("next")) or url_for("admin.queue"))
        failed = True
        form.code.data = ""  # a code is spent or wrong: never shown back
    allowed, _window, duration, _slow = accounts.lock_settings()
    return render_template("admin/login.html", form=form, failed=failed, allowed=allowed,
                           lock_minutes=int(duration.total_seconds() // 60))


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out everywhere: every session of the account ends (a POST with a CSRF token, so no
    other site can log a moderator out)."""
    form = ActionForm()
    if form.validate_on_submit():
        accounts.end_sessions(current_user)
        db.session.commit()
        _end_session()
        flash(_("You are logged out."), "success")
        return redirect(url_for("admin.login"))
    return redirect(url_for("admin.queue"))


@bp.route("/two-factor", methods=["GET", "POST"])
def enrol():
    """First login: set up the authenticator app (QR code and secret), confirm with a code,
    then see the ten recovery codes, once."""
    if current_user.totp_enabled:
        return redirect(url_for("admin.queue"))
    form = CodeForm()
    if form.validate_on_submit():
        codes = two_factor.finish_enrolment(current_user, form.code.data, session[SESSION_KEY], utcnow())
        if codes is not None:
            db.session.commit()
            g.admin_two_factor = True
            return render_template("admin/recovery_codes.html", codes=codes)
        form.code.errors = [_("This code is not right. Enter the code your app shows now.")]
    secret = two_factor.begin_enrolment(current_user)
    db.session.commit()  # the secret, when it was made now: the QR code shows it from the database
    spaced = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("admin/enrol.html", form=form, secret=spaced), 422 if form.errors else 200


@bp.route("/two-factor/qr.svg")
def enrol_qr():
    """The QR code of the secret being enrolled, drawn on our server, as an SVG image."""
    if current_user.totp_enabled or not current_user.totp_secret:
        abort(404)
    uri = two_factor.provisioning_uri(current_user, current_app.config["ADMIN_TOTP_ISSUER"])
    return Response(two_factor.qr_svg(uri), mimetype="image/svg+xml")

