"""Migrations are code: they match the models, and every revision goes up and down."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db
from tests.helpers.apps import make_test_config
from tests.helpers.services import POSTGRES_URI, normalise_pg


def _check_round_trip(uri: str) -> None:
    app = create_app(make_test_config(uri))
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        script = ScriptDirectory.from_config(config)
        revisions = [r.revision for r in script.walk_revisions("base", "heads")][::-1]
        assert len(script.get_heads()) == 1, "migrations have more than one head"
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        # Every revision down and up again, one step at a time.
        for _ in revisions:
            downgrade(revision="-1")
        with db.engine.connect() as conn:
            tables = set(db.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        for revision in revisions:
            upgrade(revision=revision)
        downgrade(revision="base")
        db.engine.dispose()


def test_migrations_on_sqlite(tmp_path):
    _check_round_trip(f"sqlite:///{tmp_path / 'migrations.db'}")


@pytest.mark.postgres
def test_migrations_on_postgresql():
    admin_uri = normalise_pg(POSTGRES_URI)
    base, _, name = admin_uri.rpartition("/")
    scratch = f"{name}_migrations"  # named after the test database, so parallel runs never share it
    engine = create_engine(admin_uri, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch}"'))
    try:
        _check_round_trip(f"{base}/{scratch}")
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        engine.dispose()
