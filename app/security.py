"""Security headers on every response, and the random tokens behind the links we mail."""
import hashlib
import hmac
import secrets

from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import Forbidden

# No inline script or style, no other origin. Inline <svg> uses presentation attributes only.
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CrossSitePost(Forbidden):
    """A browser sent a form to us from another site (the error page says so)."""

    cross_site = True


def public(view):
    """Mark a view whose GET answer is the same for every visitor: it is sent with
    `Cache-Control: public`, so browsers and the proxy in front keep it for PUBLIC_MAX_AGE
    seconds. Every other answer is `private, no-store`."""
    view.public_page = True
    return view


def any_origin(view):
    """Mark a view whose POST may come from anywhere: RFC 8058's one-click unsubscribe, which a
    mail client sends from its own origin (the link's secret token is the only credential)."""
    view.any_origin = True
    return view


def site_origin() -> str:
    """scheme://host[:port] of SITE_URL, or of this request when SITE_URL is unset (local runs)."""
    parts = urlsplit(current_app.config.get("SITE_URL") or request.host_url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def cross_site() -> bool:
    """True when a browser tells us this request was sent from another site: Sec-Fetch-Site
    first (every current browser), then Origin (older ones). A request with neither header
    (curl, a mail provider's one-click unsubscribe) is not a browser's cross-site form."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return origin is not None and origin.lower() != site_origin()


def _cache_control(response) -> None:
    """Public for a marked view's plain 200 answer to an anonymous GET; private, no-store
    for everything else (back office, mailed links, form errors, anyone with a session)."""
    if "Cache-Control" in response.headers:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    anonymous = current_app.config["SESSION_COOKIE_NAME"] not in request.cookies
    if (getattr(view, "public_page", False) and request.method in ("GET", "HEAD") and anonymous
            and response.status_code == 200 and "Set-Cookie" not in response.headers):
        config = current_app.config
        response.headers["Cache-Control"] = (f"public, max-age={config['PUBLIC_MAX_AGE']}, "
                                             f"stale-while-revalidate={config['PUBLIC_STALE_SECONDS']}")
    else:
        response.headers["Cache-Control"] = "private, no-store"


def init_app(app: Flask) -> None:
    """Refuse cross-site posts; add the headers to pages, errors and static files alike."""

    @app.before_request
    def refuse_cross_site_posts():
        if request.method in UNSAFE_METHODS and cross_site():
            view = current_app.view_functions.get(request.endpoint or "")
            if not getattr(view, "any_origin", False):
                raise CrossSitePost()

    @app.after_request
    def security_headers(response):
        if request.endpoint != "static":
            _cache_control(response)
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # noqa: SIM118 - iterating Headers gives (name, value)
        for name, value in HEADERS:
            if name.lower() not in present:  # a view may set its own (e.g. Referrer-Policy)
                headers.add(name, value)
        if request.is_secure and "strict-transport-security" not in present:
            headers.add("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        return response


def new_token() -> tuple[str, str]:
    """A fresh URL-safe token for a mailed link and the digest we store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    """SHA-256 of a token: the database never holds a usable link."""
    return hashlib.sha256(token.encode()).hexdigest()


def ip_hash(ip: str) -> str:
    """Keyed hash of a client IP, kept for abuse analysis instead of the address itself."""
    key = (current_app.config.get("IP_HASH_KEY") or current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


# A page reached from a mailed link has the token in its address: keep it out of referrers,
# search engines and caches.
# "same-origin", not "no-referrer": the page's own button must still send its Origin header.
MAILED_LINK_HEADERS = {"Referrer-Policy": "same-origin", "X-Robots-Tag": "noindex",
                       "Cache-Control": "private, no-store"}


def mailed_link_page(template: str, status: int = 200, **context):
    """Render a page reached from a mailed link (confirm, withdraw) with MAILED_LINK_HEADERS."""
    return render_template(template, **context), status, MAILED_LINK_HEADERS
