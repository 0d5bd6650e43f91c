"""Where the suite's servers are: PostgreSQL and Redis (skipped when unreachable, unless
TEST_REQUIRE_SERVICES=1, as CI sets it), and free ports on loopback for the ones tests start."""
import os
import socket

from sqlalchemy import create_engine, text

POSTGRES_URI = os.environ.get("TEST_POSTGRES_URI", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URI = os.environ.get("TEST_REDIS_URI", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("TEST_REQUIRE_SERVICES") == "1"


def normalise_pg(uri: str) -> str:
    """Use the psycopg 3 driver for postgresql:// addresses."""
    if uri.startswith("postgresql://"):
        return "postgresql+psycopg://" + uri[len("postgresql://"):]
    return uri


def postgres_unreachable() -> str | None:
    """Why PostgreSQL at POSTGRES_URI cannot be used, or None when it can."""
    try:
        engine = create_engine(normalise_pg(POSTGRES_URI), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL unreachable at {POSTGRES_URI}: {exc.__class__.__name__}"


def redis_unreachable() -> str | None:
    """Why Redis at REDIS_URI cannot be used, or None when it can."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URI, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:
        return f"Redis unreachable at {REDIS_URI}: {exc.__class__.__name__}"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
