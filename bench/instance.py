"""The machinery of `bench/run.py`: a throwaway instance of the site, gunicorn servers, wrk.

Nothing here touches the developer's instance/: the database, documents, uploads and mail of
a benchmark live in a temporary directory that is deleted afterwards (unless --keep).
"""
from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LUA = BENCH / "lua"
VENV_BIN = Path(sys.executable).parent
WRK_HELP = ("wrk, the HTTP load generator, is not installed. On Debian/Ubuntu: "
            "`sudo apt-get install wrk` (it installs /usr/bin/wrk), then run `make bench` again.")


def find_wrk() -> str | None:
    """The wrk executable, or None."""
    return shutil.which("wrk") or ("/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None)


def code_version(ref: str) -> str:
    """The commit under test, marked "+ uncommitted changes" for a dirty work tree."""
    commit = subprocess.run(["git", "rev-parse", "--short", ref or "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    if ref:
        return commit
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return commit + (" + uncommitted changes" if dirty else "")


def export_ref(ref: str, tmp: Path) -> Path:
    """`git archive REF` into tmp/src with its catalogs compiled; the directory."""
    src = tmp / "src"
    src.mkdir()
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    subprocess.run([str(VENV_BIN / "pybabel"), "compile", "-d", "translations"], cwd=src,
                   check=True, capture_output=True)
    return src


def create_database(server_uri: str, tmp: Path):
    """(database URI, a function that drops it): a SQLite file in `tmp`, or, given a PostgreSQL
    server's URI, a new database of this run on that server."""
    if not server_uri:
        return f"sqlite:///{tmp}/bench.db", lambda: None
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_uri).set(drivername="postgresql+psycopg")
    name = f"bench_{tmp.name.replace('-', '_').lower()}"
    admin = url._replace(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


def describe_database(uri: str) -> str:
    """The database for the report, without a password."""
    from sqlalchemy.engine import make_url

    url = make_url(uri)
    return "SQLite (WAL), a file in the temporary directory" if url.drivername.startswith("sqlite") \
        else f"PostgreSQL, database {url.database} on {url.host}:{url.port or 5432} (made for this run)"


def instance_env(tmp: Path, mail: str, database_uri: str) -> dict[str, str]:
    """The environment of the throwaway instance (for gunicorn, `flask db upgrade`, `seed`)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FLASK_") and k not in ("TEST_DATABASE_URI",)}
    env.update({
        "FLASK_APP": "wsgi",
        "FLASK_SQLALCHEMY_DATABASE_URI": database_uri,
        "FLASK_SECRET_KEY": secrets.token_hex(32),
        # Rate limits would turn a load test into a test of the limiter's silent path.
        "FLASK_RATELIMIT_ENABLED": "false",
        # The public forms carry no CSRF token anyway (cross-site posts are refused by origin,
        # which the generators send); this only lets wrk post back-office-free scenarios.
        "FLASK_WTF_CSRF_ENABLED": "false",
        # Web workers never send mail (issue #11): the sign POST records a submission, which a
        # mail sender registers and mails (bench/viral.py runs senders; bench/run.py none).
        "FLASK_MAIL_SERVER": '""',
        "FLASK_MAIL_BACKEND": "file",
        "FLASK_MAIL_FILE_PATH": str(tmp / "mail"),
        "FLASK_DOCUMENTS_DIR": str(tmp / "documents"),
        "FLASK_UPLOADS_DIR": str(tmp / "uploads"),
        "FLASK_SITE_URL": "http://127.0.0.1",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def run_flask(src: Path, env: dict[str, str], *args: str) -> str:
    """Run `flask --app wsgi ARGS` in the instance's environment; its output, or exit on failure."""
    cmd = [str(VENV_BIN / "flask"), "--app", "wsgi", *args]
    proc = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"`flask {' '.join(args)}` failed:\n{proc.stdout}\n{proc.stderr}\n"
                 "If the work tree holds half-finished changes, benchmark the last commit "
                 "instead: .venv/bin/python bench/run.py --ref HEAD")
    return proc.stdout.strip()


def prepare_database(src: Path, tmp: Path, env: dict[str, str]):
    """Migrate and seed; returns (the app, built in this process on the same instance, notes)."""
    notes = []
    run_flask(src, env, "db", "upgrade")
    os.environ.update(env)
    sys.path.insert(0, str(src))
    from app import create_app
    from app.extensions import db

    app = create_app()
    with app.app_context():
        diffs = schema_drift(db)
        if diffs:
            # The lead writes migrations at integration; until then the models run ahead.
            notes.append(f"migrations lag the models ({len(diffs)} differences): schema built "
                         "with db.create_all() instead of `flask db upgrade`")
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
            for leftover in tmp.glob("bench.db*"):
                leftover.unlink()
            db.create_all()
    notes.append("flask seed: " + run_flask(src, env, "seed"))
    return app, notes


def schema_drift(db) -> list:
    """What differs between the migrated database and the models (alembic's autogenerate)."""
    import logging

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import app.models  # noqa: F401  (every model registered on the metadata)

    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line in our notes is enough
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), db.metadata)


WORDS_A = ["Amici", "Gruppo", "Quelli che", "Noi di", "Mercatino", "Fan club", "Ricette",
           "Foto storiche", "Sei di", "Cuori", "Mamme", "Nonni", "Cani e gatti", "Pescatori",
           "Ciclisti", "Musica", "Cinema", "Ricordi", "Annunci", "Vecchie glorie"]
WORDS_B = ["Roma", "Napoli", "Milano", "Torino", "Palermo", "Bari", "Cagliari", "Genova",
           "Bologna", "Firenze", "Verona", "Trieste", "Lecce", "Catania", "Perugia", "Ancona",
           "Potenza", "Aosta", "Trento", "Pescara", "Città Vecchia", "Sant'Antìoco", "Forlì"]
WORDS_C = ["", "", "", " ufficiale", " 2.0", " di una volta", " più belli", " per sempre",
           " (originale)", " – il ritorno", " ❤", " ⓤⓝⓘⓣⓘ"]


def insert_groups(n: int) -> int:
    """Bulk-insert `n` published groups with varied names (folded with app.text.fold)."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import Crew, Group, GroupStatus
    from app.text import fold, slugify

    rng = random.Random(2014)
    statuses, crews = list(GroupStatus), list(Crew)
    now = datetime.now(UTC)
    rows = []
    for i in range(1, n + 1):
        name = f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)}{rng.choice(WORDS_C)} {i}"
        day = datetime(2012, 1, 1) + timedelta(days=rng.randrange(5000))
        members = rng.choice([None, rng.randrange(50, 200_000)])
        rows.append({
            "slug": f"{slugify(name, 80)}-b{i}", "name": name, "name_folded": fold(name),
            "status": rng.choice(statuses), "crew": rng.choice(crews),
            "hijacked_on": day.strftime("%Y-%m-%d" if i % 3 else "%Y-%m"),
            "members_at_hijack": members,
            "members_after": members // rng.randrange(2, 50) if members else None,
            "account_it": "Gruppo sottratto ai suoi amministratori.",
            "account_en": "Group taken from its admins.",
            "source": "bench", "published": True,
            "published_at": now - timedelta(minutes=i),
        })
    db.session.execute(insert(Group), rows)
    db.session.commit()
    return n


def insert_pending_signatures(n: int, tokens_file: Path) -> int:
    """`n` pending signatures, each with a confirm link whose token goes to `tokens_file`
    (the database keeps only digests, as the petition does), for the confirm scenario."""
    from sqlalchemy import func, insert, select, text

    from app.extensions import db
    from app.models import Signature, SignatureToken
    from app.models.petition import SignatureStatus, TokenPurpose
    from app.security import token_digest

    now = datetime.now(UTC)
    expires = now + timedelta(days=7)
    first = (db.session.scalar(select(func.max(Signature.id))) or 0) + 1
    signatures, links, tokens = [], [], []
    for i in range(first, first + n):
        email = f"confirm.{i}@bench.example.org"
        signatures.append({"id": i, "name": f"Bench Confirmer {i}", "email": email,
                           "email_canonical": email, "lang": "it", "status": SignatureStatus.pending,
                           "expires_at": expires, "mails_sent": 1, "created_at": now})
        token = secrets.token_urlsafe(32)
        tokens.append(token)
        links.append({"digest": token_digest(token), "signature_id": i,
                      "purpose": TokenPurpose.confirm, "expires_at": expires})
    db.session.execute(insert(Signature), signatures)
    db.session.execute(insert(SignatureToken), links)
    if db.engine.dialect.name == "postgresql":  # ids given explicitly: move the sequence past them
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('signature', 'id'), "
                                "(SELECT max(id) FROM signature))"))
    db.session.commit()
    tokens_file.write_text("\n".join(tokens) + "\n")
    return n


# ---------------------------------------------------------------- servers and wrk

def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A gunicorn process serving one app on loopback."""

    name: str
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's worker processes."""
        total = 0.0
        for pid in worker_pids(self.proc.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        return total

    def stop(self) -> None:
        """Stop it (gunicorn shuts its workers down on SIGTERM)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def worker_pids(master: int) -> list[int]:
    """The child processes of `master` (gunicorn's workers), from /proc (Linux)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    if children.exists():
        return [int(p) for p in children.read_text().split()]
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return pids


def gunicorn_args(workers: int, port: int | str) -> list[str]:
    """The gunicorn settings, identical for the site and for bare Flask."""
    return ["-w", str(workers), "--worker-class", "sync", "-b", f"127.0.0.1:{port}",
            "--log-level", "warning"]


def start_server(name: str, target: str, chdir: Path, env: dict, workers: int, tmp: Path,
                 probe: str) -> Server:
    """Start gunicorn for `target` and wait until `probe` answers 200."""
    port = free_port()
    log = tmp / f"gunicorn-{name}.log"
    cmd = [str(VENV_BIN / "gunicorn"), *gunicorn_args(workers, port), "--chdir", str(chdir), target]
    proc = subprocess.Popen(cmd, cwd=chdir, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT)
    server = Server(name, port, proc, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(server.base + probe, timeout=5) as r:
                if r.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.stop()
    sys.exit(f"{name} did not start; its log ({log}):\n{log.read_text()[-3000:]}")


def wrk(wrk_bin: str, url: str, script: str, seconds: int, threads: int, connections: int,
        extra_env: dict | None = None) -> dict:
    """Run wrk for `seconds` against `url` with bench/lua/`script`; wrk's summary as a dict."""
    env = {**os.environ, "BENCH_LUA_DIR": str(LUA), "BENCH_THREADS": str(threads), **(extra_env or {})}
    cmd = [wrk_bin, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
           "-s", str(LUA / script), url]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line[len("BENCH_JSON "):])
            data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
            return data
    sys.exit(f"wrk gave no summary for {url}:\n{proc.stdout}\n{proc.stderr}")


def fetch(url: str, data: bytes | None = None, headers: dict | None = None,
          method: str | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with opener.open(req, timeout=300) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
