"""Security headers on every response, and the random tokens behind the links we mail."""
import hashlib
import hmac
import secrets

from flask import Flask, current_app, render_template, request

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


def init_app(app: Flask) -> None:
    """Add the headers to pages, errors and static files alike."""

    @app.after_request
    def security_headers(response):
        headers = response.headers
        present = {name.lower() for name in headers.keys()}
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
MAILED_LINK_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex", "Cache-Control": "no-store"}


def mailed_link_page(template: str, status: int = 200, **context):
    """Render a page reached from a mailed link (confirm, withdraw) with MAILED_LINK_HEADERS."""
    return render_template(template, **context), status, MAILED_LINK_HEADERS
