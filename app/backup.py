"""Backups: `flask --app wsgi backup FILE` and `flask --app wsgi restore FILE`.

A backup is one tar file holding a consistent copy of the database (SQLite's online backup API,
or `pg_dump --format=custom` on PostgreSQL: both read one snapshot while the site keeps
running), the uploaded screenshots (UPLOADS_DIR), whatever else is kept in DOCUMENTS_DIR except
the press editions (rendered again from the database on demand), and a manifest. The database is
copied first, then the files: a screenshot's file is written before its row is committed, so
every screenshot the copied database knows has its file in the backup.

A restore goes only into an empty installation (no rows in any table, no uploaded files, the
same kind of database): it never merges into or overwrites a live site.
"""
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, inspect, select

from app.extensions import db

FORMAT = 1
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Rendered again from the database when asked for: not worth keeping.
RECREATABLE = ("press",)


class BackupError(click.ClickException):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def _dialect() -> str:
    """"sqlite" or "postgresql" (anything else is refused)."""
    name = db.engine.dialect.name
    if name not in DB_MEMBER:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def _file_trees() -> dict[str, Path]:
    """The directories whose files go into a backup, by their name in the tar file."""
    return {"uploads": Path(current_app.config["UPLOADS_DIR"]),
            "documents": Path(current_app.config["DOCUMENTS_DIR"])}


def _files(name: str, root: Path) -> list[Path]:
    """The files under `root` that a backup keeps (not the re-creatable ones, not lock files)."""
    if not root.is_dir():
        return []
    kept = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or path.name.startswith("."):
            continue
        if name == "documents" and relative.parts[0] in RECREATABLE:
            continue
        kept.append(path)
    return kept


def row_counts() -> dict[str, int]:
    """Rows per table of the models, for the tables that exist in the database."""
    existing = set(inspect(db.engine).get_table_names())
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name in existing:
            counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    db.session.rollback()
    return counts


def _pg_command(tool: str) -> tuple[list[str], dict[str, str]]:
    """`tool` (pg_dump, pg_restore) with the database's address, the password in the environment
    (not on the command line, where `ps` shows it)."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} not found: install PostgreSQL's client tools "
                          "(Debian: apt-get install postgresql-client), the server's major version")
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    address = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return [tool, f"--dbname={address}"], env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    """Run a PostgreSQL tool; its own message when it fails (e.g. a version mismatch)."""
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip() or done.stdout.strip()}"
                          + (" (pg_dump's major version must be at least the server's: see "
                             "`pg_dump --version`)" if "version mismatch" in done.stderr else ""))


def _dump_database(dialect: str, target: Path) -> None:
    """A consistent copy of the whole database into `target`."""
    if dialect == "sqlite":
        source_file = db.engine.url.database
        if not source_file or source_file == ":memory:":
            raise BackupError("the SQLite database is in memory: there is nothing on disk to back up")
        db.session.remove()
        source = sqlite3.connect(source_file)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)  # page by page, while other connections keep writing
        finally:
            copy.close()
            source.close()
    else:
        cmd, env = _pg_command("pg_dump")
        _run([*cmd, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], env)


def backup(path: Path) -> dict:
    """Write a backup to `path` (replaced atomically); its manifest."""
    dialect = _dialect()
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as tmp:
        dump = Path(tmp) / DB_MEMBER[dialect]
        _dump_database(dialect, dump)
        counts = row_counts()
        files = {name: _files(name, root) for name, root in _file_trees().items()}
        manifest = {
            "format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": dialect, "rows": counts,
            "files": {name: len(paths) for name, paths in files.items()},
        }
        partial = Path(tmp) / "backup.tar"
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=DB_MEMBER[dialect])
            for name, paths in files.items():
                root = _file_trees()[name]
                for file in paths:
                    tar.add(file, arcname=f"{name}/{file.relative_to(root).as_posix()}", recursive=False)
        os.replace(partial, path)
    return manifest


def refuse_unless_empty(dialect: str, manifest: dict) -> None:
    """Raise unless this installation is empty and of the backup's kind."""
    if manifest.get("format") != FORMAT:
        raise BackupError(f"this file is not a backup this version can read (format {manifest.get('format')})")
    if manifest["database"] != dialect:
        raise BackupError(f"the backup is of a {manifest['database']} database and this installation uses "
                          f"{dialect}: restore it into the same kind of database")
    filled = {table: n for table, n in row_counts().items() if n}
    if filled:
        shown = ", ".join(f"{table}: {n}" for table, n in sorted(filled.items()))
        raise BackupError("this installation is not empty (rows in " + shown + "). A backup is restored "
                          "only into an empty installation: a new database (migrated or not, but without "
                          "`flask seed`) and empty upload and document directories.")
    for name, root in _file_trees().items():
        if _files(name, root):
            raise BackupError(f"this installation is not empty: {root} holds files. A backup is restored "
                              "only into an empty installation.")


def restore(path: Path) -> dict:
    """Bring the backup at `path` back into this (empty) installation; its manifest."""
    dialect = _dialect()
    with tarfile.open(path) as tar, tempfile.TemporaryDirectory(prefix="restore-") as tmp:
        try:
            manifest = json.load(tar.extractfile("manifest.json"))
        except KeyError:
            raise BackupError(f"{path} is not a backup made by `flask backup` (no manifest)") from None
        refuse_unless_empty(dialect, manifest)
        tar.extractall(tmp, filter="data")  # no absolute paths, no "..", no devices
        dump = Path(tmp) / DB_MEMBER[dialect]
        db.session.remove()
        db.engine.dispose()  # no connection of ours holds the database while it is replaced
        if dialect == "sqlite":
            source = sqlite3.connect(dump)
            target = sqlite3.connect(db.engine.url.database)
            try:
                with target:
                    source.backup(target)  # replaces every page, schema included
            finally:
                target.close()
                source.close()
        else:
            cmd, env = _pg_command("pg_restore")
            # --clean --if-exists: a migrated but empty database has the tables already.
            _run([*cmd, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", str(dump)], env)
        for name, root in _file_trees().items():
            extracted = Path(tmp) / name
            if extracted.is_dir():
                shutil.copytree(extracted, root, dirs_exist_ok=True)
    return manifest


def _summary(manifest: dict) -> str:
    """One line about what a backup holds."""
    rows = manifest["rows"]
    return (f"{manifest['database']} database, {rows.get('signature', 0)} signatures, "
            f"{rows.get('group', 0)} groups, {sum(rows.values())} rows in all; "
            f"{manifest['files'].get('uploads', 0)} uploaded files, "
            f"{manifest['files'].get('documents', 0)} other documents")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Write a consistent copy of the database and the uploaded files to FILE (a tar file)."""
    manifest = backup(file)
    click.echo(f"backup written to {file}: {_summary(manifest)}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path):
    """Restore FILE (from `flask backup`) into this installation, which must be empty."""
    manifest = restore(file)
    click.echo(f"restored {file} (made {manifest['created_at']}): {_summary(manifest)}")
