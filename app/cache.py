"""A small per-process cache of whole responses for anonymous visitors' public GETs.

Most requests are anonymous visitors reading the same few pages: the letter, the registry, the
API. Each worker keeps the last answers it gave for RESPONSE_CACHE_SECONDS (default 10 s, the
lag the petition already accepts for its count; 0 turns the cache off) and serves them again
without running the view. What it never does:

- cache anything but a 200 answer to GET/HEAD on the endpoints of `CACHEABLE` (no POST answers,
  no mailed-link pages, no back office, no press downloads: those have their own ETags);
- serve or store for a logged-in moderator, or while the session holds flashed messages;
- store a response that sets a cookie, or one whose session was written by something other
  than the CSRF token;
- store a cookie: a hit gives the visitor their own CSRF token (the body is kept with the
  token replaced by `CSRF_SLOT`, as the sign form's HTML is) and their own session cookie.

A hit is returned from a before_request hook, so every after_request hook (security headers)
and Flask's session handling run on it as on a fresh answer. Nothing is invalidated when a
moderator publishes: the change shows within RESPONSE_CACHE_SECONDS in each worker.
"""
import threading
import time
from collections import OrderedDict

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from app import stats

# Endpoints whose GET answer is the same for every anonymous visitor (but for a CSRF token).
CACHEABLE = frozenset({
    "letter.home", "letter.letter", "letter.about", "letter.privacy",
    "registry.index", "registry.group", "registry.feed",
    "petition.signatures", "petition.check_mail", "petition.confirmed",
    "petition.withdrawn",
    "api.groups", "api.group", "api.groups_csv", "api.stats", "api.openapi",
})
# Endpoints that show the signature count (app.stats.figures): the petition allows it to lag a
# confirmation by 10 s at most, and the figures are already cached that long, so a kept page
# expires when the figures it shows do (else the count could lag by twice as much).
SHOWS_COUNT = frozenset({"letter.home", "letter.letter", "letter.about", "petition.signatures", "api.stats"})
MAX_ENTRIES = 1000
MAX_BYTES = 64 * 1024 * 1024  # per process: a few hundred large pages at most
MAX_ENTRY_BYTES = 8 * 1024 * 1024

# Stands for the visitor's CSRF token in HTML kept for everybody (NUL never occurs in our HTML).
CSRF_SLOT = "\x00csrf-token\x00"
_SLOT = CSRF_SLOT.encode()
_SKIP_HEADERS = {"set-cookie", "content-length"}


def csrf_slotted(html: str, token: str | None) -> str:
    """`html` with the visitor's CSRF token replaced by CSRF_SLOT, to keep for everybody."""
    return html.replace(token, CSRF_SLOT) if token else html


def csrf_filled(html: str) -> str:
    """Kept HTML with CSRF_SLOT replaced by this visitor's own token (and session)."""
    return html.replace(CSRF_SLOT, generate_csrf()) if CSRF_SLOT in html else html


class ResponseCache:
    """Least-recently-used responses, bounded in count and bytes, each kept `ttl` seconds."""

    def __init__(self, ttl: float, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.ttl, self.max_entries, self.max_bytes = ttl, max_entries, max_bytes
        self._entries: OrderedDict[str, tuple[float, int, list, bytes, bool]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # for threaded servers; sync workers never wait on it

    def get(self, key: str):
        """(status, headers, body, has_slot) for `key`, or None when absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if time.monotonic() >= entry[0]:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[1:]

    def put(self, key: str, status: int, headers: list, body: bytes, has_slot: bool,
            until: float | None = None) -> None:
        """Keep an answer for `ttl` seconds (or until the monotonic time `until`, if sooner),
        evicting the least recently used beyond the bounds."""
        expires = time.monotonic() + self.ttl
        if until is not None:
            expires = min(expires, until)
        if len(body) > MAX_ENTRY_BYTES or expires <= time.monotonic():
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (expires, status, headers, body, has_slot)
            self._bytes += len(body)
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, key: str) -> None:
        self._bytes -= len(self._entries.pop(key)[3])


def _key() -> str:
    """Path and query string. Without SITE_URL, absolute links follow the Host header, so the
    scheme and host are part of the key (else one visitor's Host would end up in others' pages)."""
    query = request.query_string.decode("latin-1")
    base = "" if current_app.config.get("SITE_URL") else request.host_url.rstrip("/")
    return f"{base}{request.script_root}{request.path}?{query}"


def _anonymous_without_flashes() -> bool:
    """No moderator logged in and no flashed message waiting, looking at the session only when
    the visitor sent a cookie. Flask-Login keeps a logged-in moderator's id in the session
    (`_user_id`) or a remember cookie, so checking for those finds every moderator without
    loading the account on each visitor's request."""
    app = current_app
    if app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    if app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return True
    return not session.get("_user_id") and not session.get("_flashes")


def _moderator_seen() -> bool:
    """True when this request loaded a logged-in moderator (current_user.is_authenticated)."""
    user = g.get("_login_user")
    return bool(user is not None and user.is_authenticated)


def init_app(app: Flask) -> None:
    """Serve kept answers before the views, and keep new ones after them (RESPONSE_CACHE_SECONDS)."""
    ttl = float(app.config.get("RESPONSE_CACHE_SECONDS") or 0)
    if ttl <= 0:
        return
    cache = app.extensions["response_cache"] = ResponseCache(ttl)

    @app.before_request
    def serve_cached():
        if request.method not in ("GET", "HEAD") or request.endpoint not in CACHEABLE:
            return None
        if not _anonymous_without_flashes():
            return None
        key = _key()
        g.response_cache_key = key
        hit = cache.get(key)
        if hit is None:
            return None
        status, headers, body, has_slot = hit
        g.response_cache_hit = True
        if has_slot:  # this visitor's own token, and the session cookie that holds it
            body = body.replace(_SLOT, generate_csrf().encode())
        return Response(body, status=status, headers=headers)

    # Registered after the other hooks, so it runs before them (Flask runs after_request hooks
    # in reverse): what is kept is the view's answer, and a hit gets the same hooks again.
    @app.after_request
    def keep_response(response):
        key = g.pop("response_cache_key", None)
        if key is None or g.get("response_cache_hit") or response.status_code != 200:
            return response
        if response.is_streamed or response.direct_passthrough or "Set-Cookie" in response.headers:
            return response
        if _moderator_seen() or "_flashes" in session:
            return response
        field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        token = g.get(field)
        if session.modified and token is None:
            return response  # the view wrote something of its own into the session
        body = response.get_data()
        has_slot = bool(token) and token.encode() in body
        if has_slot:
            body = body.replace(token.encode(), _SLOT)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _SKIP_HEADERS]
        until = stats.figures_expire_at() if request.endpoint in SHOWS_COUNT else None
        cache.put(key, response.status_code, headers, body, has_slot, until)
        return response
