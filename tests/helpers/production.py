"""The production-shape tests' helpers: nginx present (or the test skipped), an environment of
its own, scratch PostgreSQL databases. (deploy/, whose stack.py they drive, is on pytest's path:
pyproject.toml.)"""
import os
import secrets
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.helpers.services import POSTGRES_URI, REQUIRE_SERVICES, normalise_pg

NGINX = "/usr/sbin/nginx"


def need_nginx():
    """Skip (or, in CI, fail) when nginx is not installed."""
    if not os.path.exists(NGINX):
        message = f"no nginx at {NGINX} (apt-get install nginx)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)


def base_env(tmp: Path) -> dict:
    """A production-like environment of its own, on SQLite in `tmp`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(FLASK_SECRET_KEY=secrets.token_hex(32), FLASK_SITE_URL="http://127.0.0.1",
               FLASK_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'site.db'}",
               FLASK_DOCUMENTS_DIR=str(tmp / "documents"), FLASK_UPLOADS_DIR=str(tmp / "uploads"),
               FLASK_MAIL_FILE_PATH=str(tmp / "mail"), WEB_CONCURRENCY="1")
    return env


@contextmanager
def scratch_databases(*suffixes: str):
    """Empty PostgreSQL databases named after the test database (so parallel runs never share
    them), dropped afterwards; yields their SQLAlchemy addresses."""
    base = make_url(normalise_pg(POSTGRES_URI))
    names = [f"{base.database}_{suffix}" for suffix in suffixes]
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)

    def run(statement: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(statement)

    for name in names:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        run(f'CREATE DATABASE "{name}"')
    try:
        yield [base.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        for name in names:
            run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
