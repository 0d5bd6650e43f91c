"""`flask backup FILE` and `flask restore FILE`: a site's signatures, groups and files come back
the same in an empty installation, on SQLite and on PostgreSQL; a restore into an installation
that holds anything is refused with a message saying so."""
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Group, Signature
from tests.helpers.apps import BufferedClient, make_test_config
from tests.helpers.production import scratch_databases

SCREENSHOT = bytes(range(256)) * 40  # any bytes: the backup keeps files as they are


@contextmanager
def installation(uri: str, root: Path, schema: bool = True):
    """An app on its own database and directories, inside its app context."""
    app = create_app(make_test_config(uri, DOCUMENTS_DIR=str(root / "documents"),
                                      UPLOADS_DIR=str(root / "uploads"), MAIL_FILE_PATH=str(root / "mail")))
    app.test_client_class = BufferedClient
    with app.app_context():
        if schema:
            db.create_all()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def fill(app) -> None:
    """A site in use: the content, three signatures (one confirmed), a screenshot, a kept file
    and a rendered press document (which a backup leaves out: it is rendered again)."""
    from app.letter.service import load_letters
    from app.registry.service import seed_groups

    load_letters()
    seed_groups()
    client = app.test_client()
    for n, lang in ((1, "it"), (2, "en"), (3, "it")):
        path = "/it/firma" if lang == "it" else "/en/sign"
        client.post(path, data={"name": f"Persona {n}", "email": f"p{n}@example.org", "city": "Roma",
                                "country": "IT", "privacy": "y", "public": "y"})
    token = re.search(r"/(?:conferma|confirm)/([A-Za-z0-9_-]+)", latest_mail(app)).group(1)
    client.post(f"/it/firma/conferma/{token}")
    uploads = Path(app.config["UPLOADS_DIR"]) / "screenshots"
    uploads.mkdir(parents=True)
    (uploads / "3f9a.png").write_bytes(SCREENSHOT)
    kept = Path(app.config["DOCUMENTS_DIR"]) / "handover"
    kept.mkdir(parents=True)
    (kept / "signed.pdf").write_bytes(b"%PDF-1.7 kept")
    press = Path(app.config["DOCUMENTS_DIR"]) / "press" / "v1"
    press.mkdir(parents=True)
    (press / "letter.pdf").write_bytes(b"%PDF-1.7 rendered")


def latest_mail(app) -> str:
    """The newest confirm mail: its template values while queued, else the file it was sent to
    (no MAIL_SERVER: mails are written to MAIL_FILE_PATH)."""
    from app.models import OutboxMail

    queued = db.session.scalar(select(OutboxMail.context).order_by(OutboxMail.id.desc()).limit(1))
    if queued:
        return queued
    sent = sorted(Path(app.config["MAIL_FILE_PATH"]).iterdir(), key=lambda p: p.stat().st_mtime_ns)
    return sent[-1].read_text(errors="replace")


def snapshot(app) -> dict:
    """What a restore must give back: signatures, groups and kept files."""
    signatures = sorted((s.email, s.name, s.status.value, s.public, s.created_at.replace(tzinfo=None))
                        for s in db.session.scalars(select(Signature)))
    groups = sorted((g.slug, g.name, g.published) for g in db.session.scalars(select(Group)))
    files = {}
    for key in ("UPLOADS_DIR", "DOCUMENTS_DIR"):
        root = Path(app.config[key])
        for path in root.rglob("*"):
            if path.is_file() and "press" not in path.relative_to(root).parts:
                files[f"{key}/{path.relative_to(root)}"] = path.read_bytes()
    db.session.rollback()
    return {"signatures": signatures, "groups": groups, "files": files}


def round_trip(source_uri: str, target_uri: str, tmp_path: Path) -> None:
    """Fill a site, back it up, restore into an empty one, compare; then refuse a second restore."""
    archive = tmp_path / "site.tar"
    with installation(source_uri, tmp_path / "a") as app:
        fill(app)
        before = snapshot(app)
        result = app.test_cli_runner().invoke(args=["backup", str(archive)])
        assert result.exit_code == 0, result.output
        assert "3 signatures, 78 groups" in result.output
    assert len(before["signatures"]) == 3 and len(before["groups"]) == 78 and len(before["files"]) == 2

    with installation(target_uri, tmp_path / "b") as app:
        result = app.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        db.engine.dispose()
        after = snapshot(app)
        assert not (Path(app.config["DOCUMENTS_DIR"]) / "press").exists()
        # the restored site works: its pages show what the old one showed
        page = app.test_client().get("/it/registro?q=piu")
        assert page.status_code == 200
        again = app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert after == before
    assert again.exit_code == 1
    assert "not empty" in again.output and "signature: 3" in again.output


def test_backup_and_restore_on_sqlite(tmp_path):
    round_trip(f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}", tmp_path)


def test_restore_refuses_an_installation_with_files(tmp_path):
    with installation(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "a") as app:
        assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "empty.tar")]).exit_code == 0
    with installation(f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "b") as app:
        uploads = Path(app.config["UPLOADS_DIR"])
        uploads.mkdir(parents=True)
        (uploads / "left-over.png").write_bytes(b"x")
        result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "empty.tar")])
    assert result.exit_code == 1
    assert "not empty" in result.output and "holds files" in result.output


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    import tarfile

    bogus = tmp_path / "bogus.tar"
    with tarfile.open(bogus, "w") as tar:
        tar.add(__file__, arcname="x.py")
    with installation(f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "b") as app:
        result = app.test_cli_runner().invoke(args=["restore", str(bogus)])
    assert result.exit_code == 1 and "not a backup" in result.output


@pytest.mark.postgres
def test_backup_and_restore_on_postgresql(tmp_path):
    with scratch_databases("backup_a", "backup_b") as (source, target):
        round_trip(source, target, tmp_path)


@pytest.mark.postgres
def test_restore_into_a_new_database_without_tables(tmp_path):
    """`flask restore` right after `createdb`, before any migration, also works."""
    archive = tmp_path / "site.tar"
    with scratch_databases("backup_c", "backup_d") as (source, target):
        with installation(source, tmp_path / "a") as app:
            fill(app)
            before = snapshot(app)
            assert app.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
        with installation(target, tmp_path / "b", schema=False) as app:
            result = app.test_cli_runner().invoke(args=["restore", str(archive)])
            assert result.exit_code == 0, result.output
            assert snapshot(app) == before


def test_backup_of_postgresql_is_refused_by_sqlite(tmp_path):
    """A backup restores only into the same kind of database, and says so."""
    import io
    import json
    import tarfile

    archive = tmp_path / "pg.tar"
    data = json.dumps({"format": 1, "database": "postgresql", "rows": {}, "files": {}}).encode()
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with installation(f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "b") as app:
        result = app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 1 and "same kind of database" in result.output

