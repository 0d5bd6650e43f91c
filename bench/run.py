"""Load-test the campaign site against a bare Flask app, in one run: `make bench`.

1. A throwaway instance in a temporary directory (SQLite file, documents, mail there):
   `flask db upgrade`, `flask seed`, and pending signatures for the confirm scenario.
2. The site (wsgi:app) and bench/bare_app.py (answers "hello") served by gunicorn with the SAME
   settings on free loopback ports.
3. Per scenario: a short warm-up of both, then wrk alternating baseline and site in short
   slices (B S B S …), so that both see the same background load; ratio = site / baseline.
4. Phase 1 runs with the 78 groups of 2014 (letter page, sign and confirm POSTs); then 10,000
   published groups are bulk-inserted, the site restarted, and phase 2 runs (registry, API,
   press downloads, and the letter page again).
5. A table, and the raw figures as JSON in bench/results/ (git-ignored).

A scenario whose page does not exist yet (404, or the skeleton's "Coming soon" placeholder) is
skipped with a note, so the script runs at every stage of the project. See bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
import instance  # noqa: E402  (bench/instance.py, next to this file)
from instance import BENCH, ROOT, fetch, wrk  # noqa: E402

RESULTS = BENCH / "results"


@dataclass
class Settings:
    """Command-line settings, recorded with the results."""

    duration: int
    warmup: int
    rounds: int
    connections: int
    threads: int
    workers: int
    groups: int
    only: list[str]
    mail: str
    keep: bool
    ref: str
    src: str
    database: str = ""


def parse_args(argv: list[str] | None = None) -> Settings:
    """Read the command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-d", "--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 10)),
                   help="seconds of measurement per scenario and server (default 10; env BENCH_DURATION)")
    p.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per server and scenario")
    p.add_argument("--rounds", type=int, default=5,
                   help="slices the measurement is cut into, alternating baseline and site (default 5)")
    p.add_argument("-c", "--connections", type=int, default=4,
                   help="wrk connections (default 4: 2 sync workers, a little queueing)")
    p.add_argument("-t", "--threads", type=int, default=1,
                   help="wrk threads (default 1: the load generator shares the 2 cores)")
    p.add_argument("-w", "--workers", type=int, default=2, help="gunicorn sync workers, both servers")
    p.add_argument("--groups", type=int, default=10_000,
                   help="published groups added for phase 2 (default 10000; 0: no phase 2)")
    p.add_argument("--only", default="", help="comma-separated scenario names (default: all)")
    p.add_argument("--mail", choices=("outbox",), default="outbox",
                   help="outbox (the only choice since #11): the sign POST records a submission "
                        "and nobody registers it or sends mail during the run (the mail sender "
                        "does that in production; bench/viral.py runs it)")
    p.add_argument("--keep", action="store_true", help="keep the temporary instance (prints its path)")
    p.add_argument("--ref", default="",
                   help="benchmark a commit (e.g. HEAD) exported to the temporary directory "
                        "instead of the work tree")
    p.add_argument("--src", default="",
                   help="benchmark another copy of the project (a directory with wsgi.py and "
                        "compiled catalogs), e.g. to try a change before committing it")
    p.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URI", ""),
                   help="a PostgreSQL server (e.g. postgresql://postgres@127.0.0.1:5432/test): the "
                        "run creates a database of its own there and drops it at the end "
                        "(default: a SQLite file in the temporary directory; env BENCH_DATABASE_URI)")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    a = p.parse_args(argv)
    if a.list:
        for sc in SCENARIOS:
            print(f"{sc.name:16} phase {sc.phase}  {sc.title}  (target ≥{sc.target:.0%} of {sc.baseline_title})")
        sys.exit(0)
    return Settings(a.duration, a.warmup, max(1, min(a.rounds, a.duration)), a.connections, a.threads,
                    a.workers, a.groups, [s for s in a.only.split(",") if s], a.mail, a.keep, a.ref,
                    a.src, a.database)


# ---------------------------------------------------------------- scenarios

@dataclass
class Context:
    """What the scenarios can see: the servers, the Flask app (in this process), the settings."""

    site: instance.Server  # the site as in production (CSRF on), for GETs
    site_post: instance.Server | None  # the same site with CSRF off, for the POST scenarios
    bare: instance.Server
    app: object
    settings: Settings
    tmp: Path
    wrk_bin: str
    state: dict = field(default_factory=dict)


@dataclass
class Scenario:
    """One measurement: a request to the site, the same request to the baseline, a target."""

    name: str
    title: str
    path: str  # on the site
    target: float  # minimum ratio site / baseline
    phase: int = 1  # 1: the 78 groups of 2014; 2: with the 10,000 extra groups
    post: bool = False  # served by the CSRF-off site (wrk cannot fetch tokens)
    script: str = "get.lua"
    baseline: str = "bare"  # "bare": the same request to bare Flask; else a path on the site
    baseline_title: str = "bare Flask"
    # Returns None when the scenario can run, else why it is skipped; may fill ctx.state.
    check: Callable[[Context, "Scenario"], str | None] | None = None
    # Extra environment for wrk, per run ("site" or "base").
    wrk_env: Callable[[Context, str], dict] | None = None
    # Called after each site run with wrk's figures (e.g. to move along a list of tokens).
    after_site_run: Callable[[Context, dict], None] | None = None
    # After all runs: (valid, notes); invalid means the runs did not measure what they claim.
    verify: Callable[[Context, dict], tuple[bool, list[str]]] | None = None
    informative: bool = False  # shown with its ratio, but not a target of the issues


def templates_for(ctx: Context, path: str) -> tuple[int, list[str]]:
    """(status, templates rendered) for a GET made in-process with the test client."""
    from flask import template_rendered

    seen: list[str] = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    with template_rendered.connected_to(record, ctx.app):
        response = ctx.app.test_client().get(path)
    return response.status_code, seen


def page_exists(ctx: Context, sc: Scenario) -> str | None:
    """The page answers 200 on the site and is not the skeleton's "Coming soon" placeholder."""
    status, templates = templates_for(ctx, sc.path)
    if status == 404:
        return f"{sc.path.split('?')[0]} does not exist yet (404)"
    if "placeholder.html" in templates:
        return f"{sc.path.split('?')[0]} is still the 'Coming soon' placeholder"
    status, _, body = fetch(ctx.site.base + sc.path)
    if status != 200:
        return f"{sc.path} answers {status} on the site"
    ctx.state[f"{sc.name}_bytes"] = len(body)
    return None


# -- sign: POST /it/firma with a new email each time

# Field names from app/petition/forms.py (SignForm). CSRF is off; the honeypot `website` is
# sent empty, as a browser sends it. Consent to the public list on, privacy acknowledged.
SIGN_FIELDS = {"name": "Bench Signer __N__", "email": "bench.__N__@bench.example.org",
               "city": "Roma", "country": "IT", "group_id": "", "group_name": "",
               "reason": "Perché i gruppi rubati vanno restituiti.", "public": "y",
               "privacy": "y", "website": ""}
SIGN_BODY = urllib.parse.urlencode(SIGN_FIELDS)  # "__N__" survives URL-encoding unchanged


# A successful sign POST answers with the check-your-mail page (200), or redirects to it
# (Post/Redirect/Get: 303, or 302).
SUCCESS = (200, 302, 303)


def looks_like_form_error(status: int, body: bytes) -> bool:
    """A re-rendered form with errors (422, or the error markup of templates/macros.html)."""
    return status == 422 or b"error-summary" in body or b'aria-invalid="true"' in body


def sign_check(ctx: Context, sc: Scenario) -> str | None:
    """The sign form exists, takes our fields, and one POST creates one pending signature."""
    reason = page_exists(ctx, sc)
    if reason:
        return reason
    try:
        from app.petition.forms import SignForm
    except ImportError:
        return "app/petition/forms.py has no SignForm yet"
    with ctx.app.test_request_context("/it/firma"):
        names = {f.name for f in SignForm(formdata=None, meta={"csrf": False})}
    unknown = set(SIGN_FIELDS) - names
    if unknown:
        return f"SignForm no longer has the fields {sorted(unknown)}: update SIGN_FIELDS in bench/run.py"
    body = SIGN_BODY.replace("__N__", "precheck").encode()
    status, _, page = fetch(ctx.site_post.base + sc.path, data=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    if status not in SUCCESS or looks_like_form_error(status, page):
        errors = re.findall(rb'<p class="error"[^>]*>(.*?)</p>', page)[:3]
        return f"a sample sign POST was not a success ({status}; {b' / '.join(errors).decode()})"
    if count_signatures(ctx, "bench.precheck@%") != 1:
        return "a sample sign POST answered 200 but stored no pending signature"
    return None


def count_signatures(ctx: Context, email_like: str, status: str | None = None) -> int:
    """Signatures whose email matches `email_like` (SQL LIKE), optionally in one status."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Signature

    with ctx.app.app_context():
        query = select(func.count(Signature.id)).where(Signature.email.like(email_like),
                                                        Signature.suspect.is_(False))
        if status:
            query = query.where(Signature.status == status)
        return db.session.scalar(query)


def sign_verify(ctx: Context, site: dict) -> tuple[bool, list[str]]:
    """Every site request of the measured slices made a new pending, counted signature."""
    made = count_signatures(ctx, "bench.site%", "pending")  # labels site0, site1, … (not warm-up)
    counts = site.get("counts", {})
    ok_answers = sum(counts.get(f"status_{code}", 0) for code in SUCCESS)
    notes = [f"{made} pending signatures made by {site['requests']} measured POSTs "
             f"({ok_answers} answered with the check-your-mail page or a redirect to it, "
             f"{counts.get('form_error', 0)} with a form error)"]
    valid = made >= site["requests"] and ok_answers == site["requests"] and not counts.get("form_error")
    return valid, notes


# -- confirm: POST /it/firma/conferma/<token>, one pending signature each

def confirm_check(ctx: Context, sc: Scenario) -> str | None:
    """The confirm route exists and a sample token confirms its signature."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    tokens_file = ctx.state.get("tokens_file")
    if not tokens_file:
        return "no pending signatures were prepared (the petition models were missing)"
    tokens = tokens_file.read_text().split()
    adapter = ctx.app.url_map.bind("localhost")
    try:
        adapter.match(f"/it/firma/conferma/{tokens[0]}", method="POST")
    except (NotFound, MethodNotAllowed):
        return "/it/firma/conferma/<token> does not take a POST yet"
    status, _, body = fetch(f"{ctx.site_post.base}/it/firma/conferma/{tokens[0]}", data=b"",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    if status not in SUCCESS or count_signatures(ctx, "confirm.%", "confirmed") != 1:
        return f"a sample confirm POST did not confirm its signature ({status})"
    ctx.state["token_offset"] = 1
    return None


def confirm_env(ctx: Context, run: str) -> dict:
    """The token file, and where this run starts in it (the baseline reuses the first ones)."""
    return {"BENCH_TOKENS": str(ctx.state["tokens_file"]), "BENCH_PATH_PREFIX": "/it/firma/conferma/",
            "BENCH_TOKEN_OFFSET": str(ctx.state["token_offset"] if run == "site" else 0)}


def confirm_advance(ctx: Context, data: dict) -> None:
    """Skip the tokens this run used (and a margin for requests in flight when wrk stopped)."""
    ctx.state["token_offset"] += data["requests"] + 4 * ctx.settings.connections


def confirm_verify(ctx: Context, site: dict) -> tuple[bool, list[str]]:
    """Each measured confirm POST confirmed one more signature, none reused a token."""
    confirmed = count_signatures(ctx, "confirm.%", "confirmed")
    counts = site.get("counts", {})
    ok_answers = sum(counts.get(f"status_{code}", 0) for code in SUCCESS)
    notes = [f"{confirmed} signatures confirmed in all (warm-up and sample included) by "
             f"{site['requests']} measured POSTs; {ok_answers} answered with the thank-you page "
             "or a redirect to it"]
    valid = (confirmed >= site["requests"] and ok_answers == site["requests"]
             and not counts.get("tokens_wrapped"))
    if counts.get("tokens_wrapped"):
        notes.append(f"{counts['tokens_wrapped']} requests reused a token: prepare more (raise CONFIRM_TOKENS)")
    return valid, notes


# -- press: a cached PDF against a static file of the same app

def pdf_check(ctx: Context, sc: Scenario) -> str | None:
    """The PDF exists; its first request renders it (timed), the second is served from disk."""
    status, templates = templates_for(ctx, "/it/stampa")
    if status == 404 or "placeholder.html" in templates:
        return "the press room is not built yet"
    started = time.perf_counter()
    status, headers, body = fetch(ctx.site.base + sc.path)
    ctx.state["pdf_fresh_render_s"] = time.perf_counter() - started
    if status != 200 or not body.startswith(b"%PDF"):
        return f"{sc.path} answers {status} without a PDF"
    started = time.perf_counter()
    fetch(ctx.site.base + sc.path)
    ctx.state["pdf_cached_s"] = time.perf_counter() - started
    ctx.state["pdf_bytes"] = len(body)
    static_status, _, css = fetch(ctx.site.base + sc.baseline)
    if static_status != 200:
        return f"the static baseline {sc.baseline} answers {static_status}"
    ctx.state["static_bytes"] = len(css)
    return None


def pdf_verify(ctx: Context, site: dict) -> tuple[bool, list[str]]:
    """Notes: the fresh render time and the sizes."""
    return True, [f"one fresh render (first request, nothing on disk): "
                  f"{ctx.state['pdf_fresh_render_s']:.2f} s; then from disk: "
                  f"{ctx.state['pdf_cached_s'] * 1000:.0f} ms; PDF {ctx.state['pdf_bytes']:,} bytes, "
                  f"site.css {ctx.state['static_bytes']:,} bytes"]


SCENARIOS = [
    Scenario("letter", "letter page GET /it/lettera", "/it/lettera", 0.50, check=page_exists),
    Scenario("sign", "sign POST /it/firma (new pending signature)", "/it/firma", 0.25,
             post=True, script="post_unique.lua", check=sign_check,
             wrk_env=lambda ctx, run: {"BENCH_BODY": SIGN_BODY}, verify=sign_verify),
    Scenario("confirm", "confirm POST /it/firma/conferma/<token>", "/it/firma/conferma/", 0.25,
             post=True, script="post_tokens.lua", check=confirm_check, wrk_env=confirm_env,
             after_site_run=confirm_advance, verify=confirm_verify, informative=True),
    Scenario("registry", "registry first page GET /it/registro", "/it/registro", 0.30,
             phase=2, check=page_exists),
    Scenario("search", "registry search GET /it/registro?q=piu", "/it/registro?q=piu", 0.30,
             phase=2, check=page_exists),
    Scenario("api", "API GET /api/v1/groups", "/api/v1/groups", 0.30, phase=2, check=page_exists),
    Scenario("pdf", "cached PDF GET /it/stampa/lettera.pdf", "/it/stampa/lettera.pdf", 0.50,
             phase=2, baseline="/static/css/site.css", baseline_title="static site.css, same app",
             check=pdf_check, verify=pdf_verify),
    Scenario("letter_10k", "letter page GET /it/lettera, 10,000 groups", "/it/lettera", 0.50,
             phase=2, check=page_exists, informative=True),
]
CONFIRM_TOKENS_PER_SECOND = 1500  # generous: more than two sync workers confirm per second


# ---------------------------------------------------------------- the run

def measure(ctx: Context, sc: Scenario) -> dict:
    """Warm up both, then alternate baseline and site slices; the scenario's figures."""
    s = ctx.settings
    site_server = ctx.site_post if sc.post else ctx.site
    site_url = site_server.base + sc.path
    base_url = (ctx.bare.base + sc.path) if sc.baseline == "bare" else site_server.base + sc.baseline
    base_script = sc.script if sc.baseline == "bare" else "get.lua"

    def run(url: str, script: str, seconds: int, which: str, label: str) -> dict:
        env = {**(sc.wrk_env(ctx, which) if sc.wrk_env else {}), "BENCH_PREFIX": label}
        server = ctx.bare if which == "base" and sc.baseline == "bare" else site_server
        cpu = server.cpu_seconds()
        data = wrk(ctx.wrk_bin, url, script, seconds, s.threads, s.connections, env)
        data["server_cpu_s"] = server.cpu_seconds() - cpu
        if which == "site" and sc.after_site_run:
            sc.after_site_run(ctx, data)
        return data

    load_before = os.getloadavg()[0]
    if s.warmup:
        run(base_url, base_script, s.warmup, "base", "warm-base")
        run(site_url, sc.script, s.warmup, "site", "warm-site")
    slice_s = max(1, s.duration // s.rounds)
    base_runs, site_runs = [], []
    for i in range(s.rounds):
        base_runs.append(run(base_url, base_script, slice_s, "base", f"base{i}"))
        site_runs.append(run(site_url, sc.script, slice_s, "site", f"site{i}"))
    site, base = combine(site_runs), combine(base_runs)
    ratio = site["rps"] / base["rps"] if base["rps"] else 0.0
    # Server CPU per request: what each request costs the workers, whatever else the machine
    # runs meanwhile. Its ratio is what the throughput ratio would be on a quiet machine with
    # a load generator of its own; reported next to it, the targets use the throughput ratio.
    cpu_ratio = base["cpu_ms_per_request"] / site["cpu_ms_per_request"] if site["cpu_ms_per_request"] else 0.0
    valid, notes = True, []
    for label, data in (("site", site), ("baseline", base)):
        bad = sum(data["errors"].values())
        if bad:
            valid = False
            notes.append(f"{label}: {bad} socket errors or answers outside 2xx/3xx, of {data['requests']}")
    if sc.verify:
        verified, more = sc.verify(ctx, site)
        valid = valid and verified
        notes.extend(more)
    return {
        "name": sc.name, "title": sc.title, "phase": sc.phase, "site_url": site_url,
        "baseline_url": base_url, "baseline": sc.baseline_title, "target": sc.target,
        "informative": sc.informative, "rps": site["rps"], "baseline_rps": base["rps"],
        "ratio": ratio, "cpu_ms_per_request": {"site": site["cpu_ms_per_request"],
                                                "baseline": base["cpu_ms_per_request"]},
        "cpu_ratio": cpu_ratio, "valid": valid, "pass": bool(valid and ratio >= sc.target),
        "latency_ms": {"site_mean": site["latency_us"]["mean"] / 1000,
                       "site_p99_max": site["latency_us"]["p99"] / 1000,
                       "baseline_mean": base["latency_us"]["mean"] / 1000},
        "page_bytes": ctx.state.get(f"{sc.name}_bytes"),
        "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
        "notes": notes, "wrk": {"site": site_runs, "baseline": base_runs},
    }


def combine(runs: list[dict]) -> dict:
    """Several wrk slices as one: requests over total time, error and status counts summed,
    latency mean weighted by requests, p99 the worst slice's."""
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["duration_us"] for r in runs) / 1e6
    errors: dict[str, int] = {}
    counts: dict[str, int] = {}
    for r in runs:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
        for k, v in (r.get("counts") or {}).items():
            counts[k] = counts.get(k, 0) + v
    mean = sum(r["latency_us"]["mean"] * r["requests"] for r in runs) / max(requests, 1)
    cpu = sum(r["server_cpu_s"] for r in runs)
    return {"requests": requests, "seconds": seconds, "rps": requests / seconds if seconds else 0.0,
            "cpu_ms_per_request": cpu * 1000 / max(requests, 1),
            "errors": errors, "counts": counts,
            "latency_us": {"mean": mean, "p99": max(r["latency_us"]["p99"] for r in runs)}}


def table(rows: list[dict], skipped: list[dict]) -> str:
    """The results as a Markdown table (printed, and ready to paste into bench/README.md)."""
    lines = ["| scenario | requests/s | baseline | baseline requests/s | ratio | target | result "
             "| server CPU ms/request (site / baseline) | CPU ratio |",
             "|---|---:|---|---:|---:|---:|---|---:|---:|"]
    for r in rows:
        verdict = "pass" if r["pass"] else ("INVALID" if not r["valid"] else "FAIL")
        if r["informative"]:
            verdict = f"({verdict}; informative)"
        lines.append(f"| {r['title']} | {r['rps']:,.0f} | {r['baseline']} | {r['baseline_rps']:,.0f} "
                     f"| {r['ratio']:.0%} | ≥{r['target']:.0%} | {verdict} "
                     f"| {r['cpu_ms_per_request']['site']:.2f} / {r['cpu_ms_per_request']['baseline']:.2f} "
                     f"| {r['cpu_ratio']:.0%} |")
    for sk in skipped:
        lines.append(f"| {sk['title']} | – | – | – | – | ≥{sk['target']:.0%} | skipped: {sk['reason']} | – | – |")
    return "\n".join(lines)


def run_phase(ctx: Context, phase: int, rows: list, skipped: list) -> None:
    """Run this phase's scenarios (those selected), printing as it goes."""
    for sc in SCENARIOS:
        if sc.phase != phase or (ctx.settings.only and sc.name not in ctx.settings.only):
            continue
        reason = sc.check(ctx, sc) if sc.check else None
        if reason:
            print(f"- {sc.name}: SKIPPED ({reason})", flush=True)
            skipped.append({"name": sc.name, "title": sc.title, "target": sc.target, "reason": reason})
            continue
        print(f"- {sc.name}: {sc.title} …", flush=True)
        row = measure(ctx, sc)
        rows.append(row)
        print(f"  {row['rps']:,.0f} req/s vs {row['baseline_rps']:,.0f} ({row['baseline']}): "
              f"{row['ratio']:.0%} (target ≥{sc.target:.0%}); server CPU per request "
              f"{row['cpu_ms_per_request']['site']:.2f} ms vs {row['cpu_ms_per_request']['baseline']:.2f} ms "
              f"({row['cpu_ratio']:.0%}); load average {row['load_average_1min']['before']:.1f}"
              + "".join(f"\n  note: {n}" for n in row["notes"]), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every scenario that ran met its target, 1 otherwise."""
    settings = parse_args(argv)
    wrk_bin = instance.find_wrk()
    if not wrk_bin:
        print(instance.WRK_HELP, file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    src = (instance.export_ref(settings.ref, tmp) if settings.ref
           else Path(settings.src).resolve() if settings.src else ROOT)
    database_uri, drop_database = instance.create_database(settings.database, tmp)
    env = instance.instance_env(tmp, settings.mail, database_uri)
    started = datetime.now(UTC)
    print(f"bench: code {(settings.src or instance.code_version(settings.ref))}; instance in {tmp}\n"
          f"  gunicorn {' '.join(instance.gunicorn_args(settings.workers, '<port>'))} (site and bare Flask)\n"
          f"  wrk -t{settings.threads} -c{settings.connections}; per scenario {settings.warmup} s warm-up, "
          f"then {settings.rounds} × {max(1, settings.duration // settings.rounds)} s per server, alternating\n"
          f"  database: {instance.describe_database(database_uri)}\n"
          f"  load average now: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    app, notes = instance.prepare_database(src, tmp, env)
    wanted = lambda name: not settings.only or name in settings.only  # noqa: E731
    with app.app_context():
        try:
            from app.models import Signature  # noqa: F401
        except ImportError:
            pass
        else:
            if wanted("confirm"):
                n = CONFIRM_TOKENS_PER_SECOND * (settings.duration + settings.warmup) + 1000
                tokens_file = tmp / "confirm-tokens.txt"
                try:
                    instance.insert_pending_signatures(n, tokens_file)
                except Exception as exc:  # the models changed under us: skip that scenario only
                    from app.extensions import db

                    db.session.rollback()
                    tokens_file.unlink(missing_ok=True)
                    notes.append(f"could not prepare pending signatures ({type(exc).__name__}: "
                                 f"{str(exc)[:200]}); the confirm scenario will be skipped")
                else:
                    notes.append(f"prepared {n} pending signatures with confirm links")
    for note in notes:
        print("  " + note, flush=True)
    site = site_post = bare = None
    # GETs are measured on the site as configured for production (CSRF on: pages with a form
    # carry a token and set the session cookie); POSTs on a twin with CSRF off.
    env_get = {**env, "FLASK_WTF_CSRF_ENABLED": "true"}
    rows: list[dict] = []
    skipped: list[dict] = []
    try:
        site = instance.start_server("site", "wsgi:app", src, env_get, settings.workers, tmp, "/healthz")
        site_post = instance.start_server("site-post", "wsgi:app", src, env, settings.workers, tmp,
                                          "/healthz")
        bare = instance.start_server("bare", "bare_app:app", BENCH, env, settings.workers, tmp, "/")
        ctx = Context(site, site_post, bare, app, settings, tmp, wrk_bin)
        if (tmp / "confirm-tokens.txt").exists():
            ctx.state["tokens_file"] = tmp / "confirm-tokens.txt"
        print("phase 1: the 78 groups of 2014", flush=True)
        run_phase(ctx, 1, rows, skipped)
        if settings.groups:
            with app.app_context():
                t0 = time.perf_counter()
                instance.insert_groups(settings.groups)
            note = f"inserted {settings.groups:,} published groups in {time.perf_counter() - t0:.1f} s"
            notes.append(note)
            # A fresh site process: no figures or group lists cached from phase 1.
            site.stop()
            site_post.stop()
            ctx.site = site = instance.start_server("site", "wsgi:app", src, env_get, settings.workers,
                                                    tmp, "/healthz")
            print(f"phase 2: {note}; site restarted", flush=True)
            run_phase(ctx, 2, rows, skipped)
    finally:
        for server in (site, site_post, bare):
            if server:
                server.stop()
        if not settings.keep:
            from app.extensions import db

            with app.app_context():
                db.engine.dispose()
            drop_database()
    text = table(rows, skipped)
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps({
        "code": (settings.src or instance.code_version(settings.ref)),
        "started": started.isoformat(), "finished": datetime.now(UTC).isoformat(),
        "command": " ".join(["bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "gunicorn": " ".join(instance.gunicorn_args(settings.workers, "<free port>")),
        "wrk": f"{wrk_bin} -t{settings.threads} -c{settings.connections}",
        "settings": settings.__dict__, "preparation": notes,
        "scenarios": rows, "skipped": skipped, "table_markdown": text,
    }, indent=2, default=str))
    print(f"\nraw results: {out.relative_to(ROOT)}")
    if settings.keep:
        print(f"instance kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(r["pass"] for r in rows if not r["informative"]) else 1


if __name__ == "__main__":
    sys.exit(main())
