"""The app factory leaves the process and the checkout as it found them."""
import os

from sqlalchemy import create_engine, text

from app import create_app
from app.config import TestConfig


def test_an_app_with_its_own_database_creates_no_instance_folder(monkeypatch, tmp_path):
    made = []
    real = os.makedirs
    monkeypatch.setattr(os, "makedirs", lambda path, *a, **k: (made.append(str(path)), real(path, *a, **k)))

    class Settings(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/own.db"
        DOCUMENTS_DIR = str(tmp_path / "documents")
        UPLOADS_DIR = str(tmp_path / "uploads")

    app = create_app(Settings)
    assert not [path for path in made if path.startswith(app.instance_path)]


def test_the_sqlite_settings_apply_to_the_apps_engine_only(tmp_path):
    class Settings(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/app.db"
        DOCUMENTS_DIR = str(tmp_path / "documents")
        UPLOADS_DIR = str(tmp_path / "uploads")

    app = create_app(Settings)
    from app.extensions import db

    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    other = create_engine(f"sqlite:///{tmp_path}/other.db")  # someone else's engine in the process
    with other.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "delete"
    other.dispose()
