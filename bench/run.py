"""Load-test the campaign site against a bare Flask app, in one run: `make bench`.

What it does (see bench/README.md for the why and the latest figures):
1. makes a throwaway instance in a temporary directory (SQLite file, documents, mail there),
   runs `flask db upgrade` and `flask seed`, and bulk-inserts 10,000 published groups;
2. serves the site (wsgi:app) and bench/bare_app.py (answers "hello") with the SAME gunicorn
   settings on free loopback ports;
3. for each scenario: a short warm-up, then wrk against the baseline, the site, the baseline
   again (their mean is the baseline figure), and the ratio against the issue's target;
4. prints a table, and saves the raw figures as JSON in bench/results/ (git-ignored).

A scenario whose page does not exist yet (404, or still the "Coming soon" placeholder) is
skipped with a note, so the script runs at every stage of the project.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Callable

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SRC = ROOT  # the code under test: the work tree, or a snapshot of a commit (--ref)
LUA = BENCH / "lua"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
WRK_HELP = ("wrk, the HTTP load generator, is not installed. On Debian/Ubuntu: "
            "`sudo apt-get install wrk` (it installs /usr/bin/wrk), then run `make bench` again.")


# ---------------------------------------------------------------- settings and the instance

@dataclass
class Settings:
    """Command-line settings, recorded with the results."""

    duration: int
    warmup: int
    connections: int
    threads: int
    workers: int
    groups: int
    only: list[str]
    mail: str
    keep: bool
    ref: str


def code_version(ref: str) -> str:
    """The commit under test, marked "+ uncommitted changes" for a dirty work tree."""
    commit = subprocess.run(["git", "rev-parse", "--short", ref or "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    if ref:
        return commit
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return commit + (" + uncommitted changes" if dirty else "")


def parse_args(argv: list[str] | None = None) -> Settings:
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-d", "--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 10)),
                   help="seconds of measurement per wrk run (default 10; env BENCH_DURATION)")
    p.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per server and scenario")
    p.add_argument("-c", "--connections", type=int, default=4,
                   help="wrk connections (default 4: 2 sync workers, a little queueing)")
    p.add_argument("-t", "--threads", type=int, default=1,
                   help="wrk threads (default 1: the load generator shares the 2 cores)")
    p.add_argument("-w", "--workers", type=int, default=2, help="gunicorn sync workers, both servers")
    p.add_argument("--groups", type=int, default=10_000,
                   help="published groups to add for the registry scenarios (default 10000)")
    p.add_argument("--only", default="", help="comma-separated scenario names (default: all)")
    p.add_argument("--mail", choices=("outbox", "file"), default="outbox",
                   help="outbox: mails are queued rows, sent later by `flask mail send` "
                        "(MAIL_SEND_ON_COMMIT off, the default); file: also written to files "
                        "after each response, in the worker")
    p.add_argument("--keep", action="store_true", help="keep the temporary instance (prints its path)")
    p.add_argument("--ref", default="",
                   help="benchmark a commit (e.g. HEAD) exported to the temporary directory "
                        "instead of the work tree, e.g. while others have half-saved files in it")
    a = p.parse_args(argv)
    return Settings(a.duration, a.warmup, a.connections, a.threads, a.workers, a.groups,
                    [s for s in a.only.split(",") if s], a.mail, a.keep, a.ref)


def export_ref(ref: str, tmp: Path) -> Path:
    """`git archive REF` into tmp/src with its catalogs compiled; the directory."""
    src = tmp / "src"
    src.mkdir()
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    subprocess.run([str(VENV_BIN / "pybabel"), "compile", "-d", "translations"], cwd=src,
                   check=True, capture_output=True)
    return src


def instance_env(tmp: Path, settings: Settings) -> dict[str, str]:
    """The environment of the throwaway instance (also used by `flask db upgrade` and `seed`)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FLASK_") and k not in ("TEST_DATABASE_URI",)}
    env.update({
        "FLASK_APP": "wsgi",
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
        "FLASK_SECRET_KEY": secrets.token_hex(32),
        # Rate limits would turn a load test into a test of the limiter's silent path.
        "FLASK_RATELIMIT_ENABLED": "false",
        # No CSRF token, so wrk can POST forms without fetching one first; everything else on
        # the path (validation, canonical email, insert, outbox row, commit) is the real thing.
        "FLASK_WTF_CSRF_ENABLED": "false",
        # Mails are rows in the outbox, written in the signature's transaction as in production;
        # no SMTP server is involved. "--mail file" also delivers them to files after each response.
        "FLASK_MAIL_SEND_ON_COMMIT": "true" if settings.mail == "file" else "false",
        "FLASK_MAIL_SERVER": '""',
        "FLASK_MAIL_BACKEND": "file",
        "FLASK_MAIL_FILE_PATH": str(tmp / "mail"),
        "FLASK_DOCUMENTS_DIR": str(tmp / "documents"),
        "FLASK_UPLOADS_DIR": str(tmp / "uploads"),
        "FLASK_SITE_URL": "http://127.0.0.1",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def run_flask(env: dict[str, str], *args: str) -> str:
    """Run `flask --app wsgi ARGS` in the instance's environment; its output, or exit on failure."""
    cmd = [str(VENV_BIN / "flask"), "--app", "wsgi", *args]
    proc = subprocess.run(cmd, cwd=SRC, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"`flask {' '.join(args)}` failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout.strip()


def prepare_database(tmp: Path, env: dict[str, str], settings: Settings) -> list[str]:
    """Migrate, seed and add the registry's 10,000 groups. Returns notes for the report."""
    notes = []
    run_flask(env, "db", "upgrade")
    os.environ.update(env)  # this process builds the app below on the same instance
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
            db.engine.dispose()
            for leftover in tmp.glob("bench.db*"):
                leftover.unlink()
            db.create_all()
    notes.append("flask seed: " + run_flask(env, "seed"))
    if settings.groups:
        with app.app_context():
            started = time.perf_counter()
            added = insert_groups(settings.groups)
            notes.append(f"inserted {added} published groups in {time.perf_counter() - started:.1f} s")
    return notes


def schema_drift(db) -> list:
    """What differs between the migrated database and the models (alembic's autogenerate)."""
    import logging

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line in our notes is enough

    import app.models  # noqa: F401  (every model registered on the metadata)

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
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop it (gunicorn shuts its workers down on SIGTERM)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def gunicorn_args(settings: Settings, port: int) -> list[str]:
    """The gunicorn settings, identical for the site and for bare Flask."""
    return ["-w", str(settings.workers), "--worker-class", "sync", "-b", f"127.0.0.1:{port}",
            "--log-level", "warning"]


def start_server(name: str, target: str, chdir: Path, env: dict, settings: Settings,
                 tmp: Path, probe: str) -> Server:
    """Start gunicorn for `target` and wait until `probe` answers."""
    port = free_port()
    log = tmp / f"gunicorn-{name}.log"
    cmd = [str(VENV_BIN / "gunicorn"), *gunicorn_args(settings, port), "--chdir", str(chdir), target]
    proc = subprocess.Popen(cmd, cwd=SRC, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = Server(name, port, proc, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.base + probe, timeout=5) as r:
                if r.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    server.stop()
    sys.exit(f"{name} did not start; its log ({log}):\n{log.read_text()[-3000:]}")


def wrk(url: str, script: str, seconds: int, settings: Settings, extra_env: dict | None = None) -> dict:
    """Run wrk for `seconds` against `url` with bench/lua/`script`; wrk's summary as a dict."""
    env = {**os.environ, "BENCH_LUA_DIR": str(LUA), **(extra_env or {})}
    cmd = [WRK, f"-t{settings.threads}", f"-c{settings.connections}", f"-d{seconds}s",
           "--timeout", "10s", "-s", str(LUA / script), url]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line[len("BENCH_JSON "):])
            data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
            data["non_2xx_3xx"] = data["errors"]["status"]
            return data
    sys.exit(f"wrk gave no summary for {url}:\n{proc.stdout}\n{proc.stderr}")


# ---------------------------------------------------------------- scenarios

@dataclass
class Scenario:
    """One measurement: a request to the site, the same request to the baseline, a target."""

    name: str
    title: str
    path: str  # on the site
    target: float  # minimum ratio site / baseline
    script: str = "get.lua"
    baseline: str = "bare"  # "bare": the same path on bare Flask; else a path on the site itself
    baseline_title: str = "bare Flask"
    # Returns None when the scenario can run, else why it is skipped.
    check: Callable[["Context"], str | None] | None = None
    # Extra environment for wrk (e.g. the POST body), computed once the page exists.
    wrk_env: Callable[["Context", str], dict] | None = None
    # Called after the site's run: notes, and False when the run did not measure what it says.
    verify: Callable[["Context", dict], tuple[bool, list[str]]] | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What the scenarios can see: the servers, the Flask app (in this process), the settings."""

    site: Server
    bare: Server
    app: object
    settings: Settings
    tmp: Path


def fetch(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(req, timeout=120) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def templates_for(ctx: Context, path: str, method: str = "GET") -> tuple[int, list[str]]:
    """(status, templates rendered) for a request made in-process with the test client."""
    from flask import template_rendered

    seen: list[str] = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    with template_rendered.connected_to(record, ctx.app):
        response = ctx.app.test_client().open(path, method=method)
    return response.status_code, seen


def page_exists(path: str) -> Callable[[Context], str | None]:
    """A check: the page answers 200 and is not the skeleton's "Coming soon" placeholder."""

    def check(ctx: Context) -> str | None:
        status, templates = templates_for(ctx, path)
        if status == 404:
            return f"{path} does not exist yet (404)"
        if "placeholder.html" in templates:
            return f"{path} is still the 'Coming soon' placeholder"
        if status != 200:
            return f"{path} answers {status}"
        return None

    return check


def scenarios() -> list[Scenario]:
    """Every scenario, in the order they run."""
    return [
        Scenario("letter", "letter page GET /it/lettera", "/it/lettera", 0.50,
                 check=page_exists("/it/lettera")),
    ]


# ---------------------------------------------------------------- the run

def measure(ctx: Context, sc: Scenario) -> dict:
    """Warm up, then baseline, site, baseline; the scenario's figures."""
    s = ctx.settings
    site_url = ctx.site.base + sc.path
    base_url = (ctx.bare.base + sc.path) if sc.baseline == "bare" else ctx.site.base + sc.baseline
    env_site = sc.wrk_env(ctx, "site") if sc.wrk_env else {}
    env_base = sc.wrk_env(ctx, "base") if sc.wrk_env else {}
    base_script = sc.script if sc.baseline == "bare" else "get.lua"
    if s.warmup:
        wrk(base_url, base_script, s.warmup, s, {**env_base, "BENCH_PREFIX": "warm-b"})
        wrk(site_url, sc.script, s.warmup, s, {**env_site, "BENCH_PREFIX": "warm-s"})
    before = wrk(base_url, base_script, s.duration, s, {**env_base, "BENCH_PREFIX": "base1"})
    site = wrk(site_url, sc.script, s.duration, s, {**env_site, "BENCH_PREFIX": "site"})
    after = wrk(base_url, base_script, s.duration, s, {**env_base, "BENCH_PREFIX": "base2"})
    baseline_rps = statistics.mean([before["rps"], after["rps"]])
    ratio = site["rps"] / baseline_rps if baseline_rps else 0.0
    ok, notes = True, list(sc.notes)
    for label, run in (("site", site), ("baseline", before), ("baseline", after)):
        bad = run["non_2xx_3xx"] + sum(v for k, v in run["errors"].items() if k != "status")
        if bad:
            ok = False
            notes.append(f"{label}: {bad} errors or non-2xx/3xx answers of {run['requests']}")
    if sc.verify:
        verified, more = sc.verify(ctx, site)
        ok = ok and verified
        notes.extend(more)
    return {
        "name": sc.name, "title": sc.title, "site_url": site_url, "baseline_url": base_url,
        "baseline": sc.baseline_title, "target": sc.target, "rps": site["rps"],
        "baseline_rps": baseline_rps, "ratio": ratio,
        "pass": bool(ok and ratio >= sc.target), "valid": ok, "notes": notes,
        "wrk": {"site": site, "baseline_before": before, "baseline_after": after},
    }


def print_table(rows: list[dict], skipped: list[dict]) -> str:
    """The results as a Markdown table (printed, and ready to paste into bench/README.md)."""
    lines = ["| scenario | requests/s | baseline | baseline requests/s | ratio | target | result |",
             "|---|---:|---|---:|---:|---:|---|"]
    for r in rows:
        verdict = "pass" if r["pass"] else ("INVALID" if not r["valid"] else "FAIL")
        lines.append(f"| {r['title']} | {r['rps']:,.0f} | {r['baseline']} | {r['baseline_rps']:,.0f} "
                     f"| {r['ratio']:.0%} | ≥{r['target']:.0%} | {verdict} |")
    for sk in skipped:
        lines.append(f"| {sk['title']} | – | – | – | – | ≥{sk['target']:.0%} | skipped: {sk['reason']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every scenario that ran met its target."""
    global WRK, SRC
    settings = parse_args(argv)
    WRK = shutil.which("wrk") or ("/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None)
    if not WRK:
        print(WRK_HELP, file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    if settings.ref:
        SRC = export_ref(settings.ref, tmp)
    sys.path.insert(0, str(SRC))  # `python bench/run.py` puts bench/ first, not the project
    env = instance_env(tmp, settings)
    started = datetime.now(UTC)
    print(f"bench: code from {settings.ref or 'the work tree'}; instance in {tmp}; {settings.duration} s per run, warm-up {settings.warmup} s; "
          f"gunicorn -w {settings.workers} sync; wrk -t{settings.threads} -c{settings.connections}")
    notes = prepare_database(tmp, env, settings)
    for n in notes:
        print("  " + n)
    from app import create_app

    app = create_app()
    site = bare = None
    rows, skipped = [], []
    try:
        site = start_server("site", "wsgi:app", SRC, env, settings, tmp, "/healthz")
        bare = start_server("bare", "bare_app:app", BENCH, env, settings, tmp, "/")
        ctx = Context(site, bare, app, settings, tmp)
        for sc in scenarios():
            if settings.only and sc.name not in settings.only:
                continue
            reason = sc.check(ctx) if sc.check else None
            if reason:
                print(f"- {sc.name}: SKIPPED ({reason})")
                skipped.append({"name": sc.name, "title": sc.title, "target": sc.target, "reason": reason})
                continue
            print(f"- {sc.name}: {sc.title} …", flush=True)
            row = measure(ctx, sc)
            rows.append(row)
            print(f"  {row['rps']:,.0f} req/s vs {row['baseline_rps']:,.0f} ({row['baseline']}): "
                  f"{row['ratio']:.0%} (target ≥{sc.target:.0%})"
                  + "".join(f"\n  note: {n}" for n in row["notes"]), flush=True)
    finally:
        for server in (site, bare):
            if server:
                server.stop()
    table = print_table(rows, skipped)
    print("\n" + table)
    RESULTS.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps({
        "code": code_version(settings.ref),
        "started": started.isoformat(), "finished": datetime.now(UTC).isoformat(),
        "command": "make bench" if not argv and len(sys.argv) == 1 else " ".join(sys.argv),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "gunicorn": " ".join(gunicorn_args(settings, 0)).replace(":0", ":<free port>"),
        "wrk": f"{WRK} -t{settings.threads} -c{settings.connections} -d{settings.duration}s",
        "settings": settings.__dict__, "preparation": notes,
        "scenarios": rows, "skipped": skipped, "table_markdown": table,
    }, indent=2, default=str))
    print(f"\nraw results: {out.relative_to(ROOT)}")
    if settings.keep:
        print(f"instance kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(r["pass"] for r in rows) else 1


WRK: str | None = None

if __name__ == "__main__":
    sys.exit(main())
