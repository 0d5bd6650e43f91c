"""Where the suite's servers are: PostgreSQL and Redis (skipped when unreachable, unless
TEST_REQUIRE_SERVICES=1, as CI sets it), and free ports on loopback for the ones tests start."""
import os
import socket

from sqlalchemy import create_engine, text

# Under pytest-xdist ("gw0", "gw1" …; "" in a plain run): each worker gets its own PostgreSQL
# database and Redis database, so that parallel workers never empty each other's tables.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
REQUIRE_SERVICES = os.environ.get("TEST_REQUIRE_SERVICES") == "1"


def normalise_pg(uri: str) -> str:
    """Use the psycopg 3 driver for postgresql:// addresses."""
    if uri.startswith("postgresql://"):
        return "postgresql+psycopg://" + uri[len("postgresql://"):]
    return uri


def worker_database(uri: str) -> str:
    """This worker's own PostgreSQL database: …/test becomes …/test_gw1 under pytest-xdist
    (created on the same server if it is missing); `uri` itself in a plain run."""
    uri = normalise_pg(uri)
    if not WORKER or not uri.startswith("postgresql"):
        return uri
    from sqlalchemy.engine import make_url

    url = make_url(uri)
    name = f"{url.database}_{WORKER}"
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception:  # unreachable: the tests that need it skip (or fail in CI) and say why
        pass
    return url.set(database=name).render_as_string(hide_password=False)


def worker_redis(uri: str) -> str:
    """This worker's own Redis database: redis://…/15 becomes …/14 for gw1 (counting down)."""
    if not WORKER:
        return uri
    base, _, number = uri.rpartition("/")
    index = int(number) if number.isdigit() else 0
    return f"{base}/{(index - int(WORKER.removeprefix('gw') or 0)) % 16}"


POSTGRES_URI = worker_database(os.environ.get("TEST_POSTGRES_URI", "postgresql://postgres@127.0.0.1:5432/test"))
REDIS_URI = worker_redis(os.environ.get("TEST_REDIS_URI", "redis://127.0.0.1:6379/15"))


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
