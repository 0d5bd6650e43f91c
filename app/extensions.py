"""Flask extensions, created here and wired to the app in `create_app` with `init_app`."""
import ipaddress
import logging

from flask import request
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that migrations can alter them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING)


def client_ip() -> str:
    """The client's address (ProxyFix has already applied trusted X-Forwarded-For)."""
    return request.remote_addr or "0.0.0.0"


def limit_key_for(ip: str) -> str:
    """What a rate limit counts for the address `ip`: an IPv4 address itself, an IPv6 address's
    /64 (one subscriber's network: its 2⁶⁴ addresses cost an attacker nothing), and an IPv4
    address mapped into IPv6 as the IPv4 address."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def limit_key() -> str:
    """This request's rate-limit key (`limit_key_for(client_ip())`): every limit uses it, the
    decorated ones as the limiter's key_func and the counted-by-hand ones through `limit_hit`."""
    return limit_key_for(client_ip())


def limit_hit(item, scope: str, key: str) -> bool:
    """Count one attempt against the limit `item` (a `limits` RateLimitItem) for `key` in
    `scope`; True while within it. When the storage (Redis) is down the limit fails open: like
    the decorated limits, it falls back to this worker's memory, and the outage is logged
    once (Flask-Limiter's fallback state, so that its own check brings Redis back)."""
    try:
        return limiter.limiter.hit(item, scope, key)
    except Exception:
        if not limiter._storage_dead:  # noqa: SLF001 - the extension's own outage flag
            limiter.logger.warning("Rate limit storage unreachable - falling back to in-memory storage")
            limiter._storage_dead = True  # noqa: SLF001
        try:
            return limiter.limiter.hit(item, scope, key)
        except Exception:  # no fallback configured: let the attempt through
            return True


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
babel = Babel()
# Shared caches (figures, lists): SimpleCache on a laptop, Redis in production (CACHE_TYPE).
cache = Cache()
csrf = CSRFProtect()
mail = Mail()
login_manager = LoginManager()
# No default limits: each form declares its own. Storage comes from RATELIMIT_STORAGE_URI; when
# it is down, limits fall back to each worker's memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED).
limiter = Limiter(key_func=limit_key)


def cached(key: str, compute, timeout: int | None = None):
    """`compute()`'s value, kept in the shared cache under `key`. When the cache's storage
    (Redis) is unreachable the value is computed each time: the site slows down, it does not fail."""
    try:
        value = cache.get(key)
    except Exception:
        logging.getLogger(__name__).warning("cache unavailable; computing %s", key, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout=timeout)
        except Exception:
            logging.getLogger(__name__).warning("cache unavailable; %s not kept", key)
    return value


def first_in(key: str, seconds: float, when_down: bool = False) -> bool:
    """True for the first caller in `seconds` among every process sharing the cache (the key is
    added only if absent), so that several senders do a periodic check once between them; with
    no shared storage (NullCache) every caller is first. While the cache is unreachable the
    answer is `when_down`."""
    try:
        return bool(cache.add(key, 1, timeout=seconds))
    except Exception:
        logging.getLogger(__name__).warning("cache unavailable; %s taken as %s", key, when_down)
        return when_down


def forget(*keys: str) -> None:
    """Drop kept values (after a change they depend on); a cache that is down keeps nothing anyway."""
    try:
        cache.delete_many(*keys)
    except Exception:
        logging.getLogger(__name__).warning("cache unavailable; %s not cleared", keys)


def over_limit(limits: str, scope: str, key: str) -> bool:
    """Count one attempt against every limit in `limits` (e.g. "1 per minute;5 per 5 minutes")
    for `key` in `scope`; True when over any of them. Hits every limit, so that the sustained
    one also counts attempts the burst one refused. Fails open like every limit (`limit_hit`)."""
    from limits import parse_many

    if not limiter.enabled:
        return False
    over = False
    for item in parse_many(limits):
        if not limit_hit(item, scope, key):
            over = True
    return over
