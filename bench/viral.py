"""The viral day, on the production shape: `make bench` (and `bench/soak`).

nginx in front of two gunicorn instances, PostgreSQL, Redis, two mail senders and a local SMTP
server (aiosmtpd), all on loopback, started by deploy/serve.py as `make serve` does. For 60 s,
open-loop at fixed offered rates: 1,000 page views a second (home, letter, registry, signature
list), 150 sign POSTs (each a new address) and 150 confirm POSTs (each a different pending
signature). Then the same offered load against a bare Flask app served the same way (nginx,
gunicorn, same settings), as the baseline. Reports per kind: errors, p50 and p99 from when each
request was due; when each confirm mail reached the SMTP server after its sign POST; whether
the public count is exact 10 s after the end; and each worker's memory growth. See
bench/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "deploy"))
import instance  # noqa: E402  (bench/instance.py)
from instance import ROOT, code_version  # noqa: E402
from stack import Stack, descendants, free_port  # noqa: E402  (deploy/stack.py)

PAGES = ["/it/", "/it/lettera", "/it/registro", "/it/firme"]
SIGN_PATH, CONFIRM_PREFIX = "/it/firma", "/it/firma/conferma/"
SIGN_FIELDS = {"name": "Viral Signer __N__", "email": "viral.__N__@bench.example.org", "city": "Roma",
               "country": "IT", "reason": "", "public": "y", "privacy": "y", "website": ""}
OK_POST = [200, 302, 303]  # a form that succeeded answers with a redirect (Post/Redirect/Get)
P99_TARGET_MS, MAIL_TARGET_S, RSS_TARGET = 250, 5.0, 0.10
RESULTS = BENCH / "results"
README = BENCH / "README.md"
MARK_BEGIN, MARK_END = "<!-- viral:begin -->", "<!-- viral:end -->"


def parse_args(argv=None) -> argparse.Namespace:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-d", "--duration", type=float, default=60, help="seconds of load (default 60)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every rate (soak: 1/3)")
    p.add_argument("--pages", type=float, default=1000, help="page views a second (default 1000)")
    p.add_argument("--signs", type=float, default=150, help="sign POSTs a second (default 150)")
    p.add_argument("--confirms", type=float, default=150, help="confirm POSTs a second (default 150)")
    p.add_argument("--baseline-duration", type=float, default=20,
                   help="seconds of the same load on bare Flask (default 20; 0: no baseline)")
    p.add_argument("--warmup", type=float, default=None,
                   help="seconds of warm-up before measuring: at a tenth of the rates (default 5), "
                        "soak: at its own rates (default 60)")
    p.add_argument("--instances", type=int, default=2)
    p.add_argument("--senders", type=int, default=2)
    p.add_argument("--generators", type=int, default=2, help="load generator processes (default 2)")
    p.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URI",
                                                        "postgresql://postgres@127.0.0.1:5432/postgres"),
                   help="PostgreSQL server: a database is made there for the run and dropped after "
                        "(env BENCH_DATABASE_URI)")
    p.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URI", "redis://127.0.0.1:6379/0"),
                   help="Redis (keys under a prefix of this run; env BENCH_REDIS_URI)")
    p.add_argument("--soak", action="store_true",
                   help="the soak test: 10 minutes (unless -d) at a third of the rates, no baseline; "
                        "passes when no worker's memory grew by 10 %% or more")
    p.add_argument("--write-readme", action="store_true", help="put the table into bench/README.md")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = p.parse_args(argv)
    if args.soak:
        if "-d" not in (argv or sys.argv) and "--duration" not in (argv or sys.argv):
            args.duration = 600
        if "--scale" not in (argv or sys.argv):
            args.scale = 1 / 3
        args.baseline_duration = 0
    if args.warmup is None:
        args.warmup = min(60.0, args.duration / 5) if args.soak else 5.0
    return args


def worker_rss(stack: Stack) -> dict[int, int]:
    """Resident memory (kB) of every gunicorn worker, by pid."""
    rss = {}
    for inst in stack.state["instances"]:
        for pid in descendants(inst["pid"]):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        rss[pid] = int(line.split()[1])
            except FileNotFoundError:
                continue
    return rss


PARTS = (("app workers", "gunicorn"), ("mail senders", "mail send"), ("PostgreSQL", "postgres"),
         ("nginx", "nginx"), ("Redis", "redis-server"), ("load generators", "loadgen.py"),
         ("SMTP sink", "smtp_sink.py"))


def cpu_by_part() -> dict[str, float]:
    """CPU seconds (user + system) used so far by every process on the machine, summed by part
    of the scenario (by command line; anything else is "other", the engineers' own work
    included). Compared before and after the load, it says where the machine's cores went."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        part = next((name for name, needle in PARTS if needle in cmdline), "other")
        used[part] = used.get(part, 0.0) + (int(stat[11]) + int(stat[12])) / tick
    return used


def children_cpu() -> float:
    """CPU seconds used by this process's children that have exited (the load generators)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_line(before: dict[str, float], after: dict[str, float], duration: float) -> str:
    """Where the cores went during the load, as a sentence for the report (processes that
    started or ended during the load count only for the part they ran in the window)."""
    spent = {part: max(0.0, after.get(part, 0.0) - before.get(part, 0.0)) for part in after}
    total = sum(spent.values())
    cores = os.cpu_count() or 1
    parts = ", ".join(f"{name} {spent.get(name, 0.0) / duration:.2f}"
                      for name in [n for n, _ in PARTS] + ["other"] if spent.get(name, 0.0) > 0)
    return (f"CPU during the load, in cores (of {cores}): {total / duration:.2f} used; {parts}.")


def plan(args, host: str, port: int, tokens_file: Path, duration: float, generators: int, k: int) -> dict:
    """The load of generator process k (of `generators`): its share of every rate."""
    share = args.scale / generators
    body = urllib.parse.urlencode(SIGN_FIELDS)
    site = f"http://{host}:{port}"
    return {"host": host, "port": port, "duration": duration,
            # What a browser sends with a form from the site's own page (the anonymous forms
            # check Sec-Fetch-Site / Origin).
            "headers": {"User-Agent": "bench-viral", "Origin": site, "Sec-Fetch-Site": "same-origin"},
            "kinds": [
                {"name": "pages", "rate": args.pages * share, "paths": PAGES, "expect": [200]},
                {"name": "sign", "rate": args.signs * share, "method": "POST", "path": SIGN_PATH,
                 "body": body, "unique_prefix": f"g{k}n", "expect": OK_POST},
                {"name": "confirm", "rate": args.confirms * share, "method": "POST", "path": CONFIRM_PREFIX,
                 "body": "", "tokens_file": str(tokens_file), "token_offset": k, "token_step": generators,
                 "expect": OK_POST},
            ]}


def generate(args, port: int, tokens_file: Path, duration: float, tmp: Path, label: str,
             token_base: int = 0) -> dict:
    """Run the generator processes against 127.0.0.1:port; their results merged per kind.
    Measured runs use the tokens from the start of the file, a warm-up those from the end."""
    procs = []
    for k in range(args.generators):
        plan_file, result_file = tmp / f"plan-{label}-{k}.json", tmp / f"result-{label}-{k}.json"
        spec = plan(args, "127.0.0.1", port, tokens_file, duration, args.generators, k)
        if token_base:
            spec["kinds"][2]["tokens_file"] = str(reversed_tokens(tokens_file, token_base))
            spec["kinds"][1]["unique_prefix"] = f"w{k}n"
        plan_file.write_text(json.dumps(spec))
        procs.append((subprocess.Popen([sys.executable, str(BENCH / "loadgen.py"), str(plan_file),
                                        str(result_file)]), result_file))
    merged: dict = {}
    for proc, result_file in procs:
        if proc.wait() != 0:
            sys.exit(f"a load generator failed ({proc.returncode})")
        result = json.loads(result_file.read_text())
        merged["elapsed"] = max(merged.get("elapsed", 0), result["elapsed"])
        for name, data in result["kinds"].items():
            into = merged.setdefault("kinds", {}).setdefault(name, {"rate": 0, "latencies_us": [], "statuses": {},
                                                                     "errors": {}, "sent": [], "late": 0, "due": 0,
                                                                     "retried": 0})
            into["rate"] += data["rate"]
            into["latencies_us"] += data["latencies_us"]
            into["sent"] += data["sent"]
            into["late"] += data["late"]
            into["retried"] += data.get("retried", 0)
            into["due"] += data["due"]
            for key in ("statuses", "errors"):
                for code, n in data[key].items():
                    into[key][code] = into[key].get(code, 0) + n
    return merged


def reversed_tokens(tokens_file: Path, n: int) -> Path:
    """The last `n` tokens of the file (for a warm-up), in a file of their own."""
    target = tokens_file.with_name("tokens-warmup.txt")
    target.write_text("\n".join(tokens_file.read_text().split()[-n:]) + "\n")
    return target


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def summarise(kinds: dict, duration: float) -> dict:
    """Per kind: offered and achieved rates, errors, p50/p99 in ms."""
    out = {}
    for name, data in kinds.items():
        lat = [v / 1000 for v in data["latencies_us"]]
        errors = sum(data["errors"].values())
        out[name] = {"offered": data["rate"], "achieved": len(lat) / duration, "requests": data["due"],
                     "errors": errors, "error_kinds": data["errors"], "statuses": data["statuses"],
                     "p50": percentile(lat, 50), "p99": percentile(lat, 99), "late": data["late"],
                     "retried": data["retried"]}
    return out


def mail_delays(sent: list, record_file: Path) -> tuple[list[float], int]:
    """Seconds from each sign POST to its confirm mail's arrival; and how many never arrived."""
    arrived: dict[str, float] = {}
    if record_file.exists():
        for line in record_file.read_text().splitlines():
            stamp, rcpt = line.split("\t")
            arrived.setdefault(rcpt, float(stamp))
    delays, missing = [], 0
    for unique, when in sent:
        got = arrived.get(f"viral.{unique}@bench.example.org")
        if got is None:
            missing += 1
        else:
            delays.append(got - when)
    return delays, missing


def confirmed_in_database(app) -> int:
    """Confirmed signatures, counted in the database itself."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Signature
    from app.models.petition import SignatureStatus

    with app.app_context():
        n = db.session.scalar(select(func.count(Signature.id)).where(Signature.status == SignatureStatus.confirmed))
        db.session.remove()
    return n


def public_count(url: str) -> int:
    """The signature count as a visitor gets it now (through nginx, its cache included)."""
    with urllib.request.urlopen(url + "/api/v1/stats", timeout=30) as response:
        return json.loads(response.read())["signatures"]


def fmt(value, unit: str = "") -> str:
    """A figure for the table."""
    if value is None:
        return "–"
    return f"{value:,.0f}{unit}" if value >= 100 else f"{value:,.1f}{unit}"


def table(site: dict, bare: dict | None, mail: dict, count: dict, rss: dict, meta: dict, cpu: str) -> str:
    """The Markdown report."""
    names = {"pages": "page views (home, letter, registry, signatures)", "sign": "sign POST (new address)",
             "confirm": "confirm POST (pending signature)"}
    lines = [f"Run of {meta['when']}, code {meta['code']}, `{meta['command']}`, on a {meta['cores']}-core "
             f"machine ({meta['platform']}; load average {meta['load_before']} before, "
             f"{meta['load_after']} after). {meta['shape']}",
             "",
             "| kind | offered/s | answered/s | requests | errors | p50 ms | p99 ms | target p99 | result "
             "| bare Flask p50 / p99 ms | bare Flask errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    for name, s in site.items():
        ok = s["errors"] == 0 and s["p99"] is not None and s["p99"] < P99_TARGET_MS
        b = (bare or {}).get(name)
        lines.append(f"| {names[name]} | {fmt(s['offered'])} | {fmt(s['achieved'])} | {s['requests']:,} | "
                     f"{s['errors']:,} | {fmt(s['p50'])} | {fmt(s['p99'])} | < {P99_TARGET_MS} | "
                     f"{'pass' if ok else 'FAIL'} | "
                     + (f"{fmt(b['p50'])} / {fmt(b['p99'])} | {b['errors']:,} |" if b else "– | – |"))
    mail_ok = mail["missing"] == 0 and mail["p99"] is not None and mail["p99"] <= MAIL_TARGET_S
    lines.append(f"| confirm mail at the SMTP server after its sign POST | | | {mail['expected']:,} | "
                 f"{mail['missing']:,} missing | {fmt(mail['p50'], ' s')} | {fmt(mail['p99'], ' s')} | "
                 f"≤ {MAIL_TARGET_S:.0f} s | {'pass' if mail_ok else 'FAIL'} | | |")
    lines.append(f"| public count 10 s after the end | | | | | | | exact | "
                 f"{'pass' if count['exact'] else 'FAIL'}: {count['shown']:,} shown, {count['database']:,} "
                 "in the database | | |")
    if rss:
        verdict = ("pass" if rss["max_growth"] < RSS_TARGET else "FAIL") if rss["soak"] else "(informative)"
        lines.append(f"| worker memory growth (largest of {rss['workers']}"
                     f", after the warm-up) | | | | | | | "
                     f"{'< 10 %' if rss['soak'] else '(soak: < 10 %)'} | {verdict}: {rss['max_growth']:.1%} | | |")
    lines += ["", cpu]
    errors = {name: s["error_kinds"] for name, s in site.items() if s["error_kinds"]}
    if errors:
        lines += ["", f"Errors by kind: {json.dumps(errors)}."]
    retried = {name: s["retried"] for name, s in site.items() if s["retried"]}
    if retried:
        lines += ["", "Requests sent again on a new connection because the kept-alive one had been "
                  f"closed by the server before answering, as browsers do (not errors): {json.dumps(retried)}."]
    late = {name: s["late"] for name, s in site.items() if s["late"]}
    if late:
        lines += ["", "Requests the generator itself started more than 50 ms late (the machine was "
                  f"saturated; their latency still counts from when they were due): {json.dumps(late)}."]
    return "\n".join(lines)


def load_average() -> str:
    """The 1-minute load average."""
    return f"{os.getloadavg()[0]:.1f}"


def main(argv=None) -> int:
    """Run the scenario; 0 when every target is met."""
    args = parse_args(argv)
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        sys.exit("nginx is not installed (Debian: apt-get install nginx)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-viral-"))
    load_before = load_average()
    db_uri, drop = create_database(args.database)
    smtp_port, record_file = free_port(), tmp / "smtp-arrivals.tsv"
    sink = subprocess.Popen([sys.executable, str(BENCH / "smtp_sink.py"), str(smtp_port), str(record_file)],
                            stdout=subprocess.PIPE, text=True)
    stacks: list[Stack] = []
    try:
        sink.stdout.readline()  # "ready"
        port = free_port()
        site = f"http://127.0.0.1:{port}"
        prefix = f"bench-{secrets.token_hex(4)}:"
        env = instance.instance_env(tmp, "outbox", db_uri)
        env.update(FLASK_SITE_URL=site, FLASK_MAIL_SERVER="127.0.0.1", FLASK_MAIL_PORT=str(smtp_port),
                   FLASK_MAIL_BACKEND="smtp",
                   FLASK_RATELIMIT_STORAGE_URI=args.redis, FLASK_RATELIMIT_KEY_PREFIX=prefix,
                   FLASK_CACHE_TYPE="RedisCache", FLASK_CACHE_REDIS_URL=args.redis, FLASK_CACHE_KEY_PREFIX=prefix,
                   GUNICORN_ACCESSLOG=str(tmp / "gunicorn-access.log"), GUNICORN_LOGLEVEL="warning")
        app, notes = instance.prepare_database(ROOT, tmp, env)
        tokens_file = tmp / "tokens.txt"
        n_tokens = int(args.confirms * args.scale * (args.duration + 60)) + 200
        with app.app_context():
            instance.insert_pending_signatures(n_tokens, tokens_file)
        confirmed_before = confirmed_in_database(app)

        stack = Stack(env, tmp, instances=args.instances, senders=args.senders, port=port).start()
        stacks.append(stack)
        for path in PAGES:  # every page once, as the first visitors of the day would
            urllib.request.urlopen(site + path, timeout=60).read()
        # The site was up before the news: a warm-up, so that every worker has loaded its
        # templates, catalogs and connections (soak: a minute at the soak rates, and memory is
        # compared from after it).
        if args.warmup > 0:
            warm = argparse.Namespace(**{**vars(args), "scale": args.scale if args.soak else args.scale / 10})
            print(f"site up at {site}; {args.warmup:.0f} s of warm-up…", flush=True)
            generate(warm, port, tokens_file, args.warmup, tmp, "warmup",
                     token_base=int(warm.confirms * warm.scale * args.warmup) + 10)
        rss_before = worker_rss(stack)
        print(f"site up at {site}; {args.duration:.0f} s of load…", flush=True)
        cpu_before, started = cpu_by_part(), time.time()
        generators_before = children_cpu()
        result = generate(args, port, tokens_file, args.duration, tmp, "site")
        ended = time.time()
        cpu_after = cpu_by_part()
        # The generators have exited by now: their CPU is what this process's children used.
        cpu_after["load generators"] = cpu_before.get("load generators", 0.0) + children_cpu() - generators_before
        cpu = cpu_line(cpu_before, cpu_after, ended - started)
        rss_after = worker_rss(stack)
        site_summary = summarise(result["kinds"], args.duration)
        time.sleep(max(0.0, ended + 10 - time.time()))
        shown = public_count(site)
        in_db = confirmed_in_database(app)
        confirms_ok = sum(result["kinds"]["confirm"]["statuses"].get(str(c), 0) for c in OK_POST)
        # Exact: what a visitor sees equals the database. (Confirms the generator gave up on,
        # after 10 s, may still have been done by the server: "expected" is for the notes only.)
        count = {"shown": shown, "database": in_db, "answered_confirms": confirms_ok,
                 "confirmed_before": confirmed_before, "exact": shown == in_db}
        deadline = time.time() + 30  # mails still on their way: give them time, then count
        sent = result["kinds"]["sign"]["sent"]
        delays, missing = mail_delays(sent, record_file)
        while missing and time.time() < deadline:
            time.sleep(1)
            delays, missing = mail_delays(sent, record_file)
        mail = {"expected": len(sent), "missing": missing, "p50": percentile(delays, 50),
                "p99": percentile(delays, 99) if not missing else None, "max": max(delays, default=None)}
        growth = {pid: (rss_after[pid] - kb) / kb for pid, kb in rss_before.items() if pid in rss_after}
        rss = {"workers": len(growth), "max_growth": max(growth.values(), default=0.0), "soak": args.soak,
               "before_kb": rss_before, "after_kb": rss_after}
        stack.stop()

        bare_summary = None
        if args.baseline_duration > 0:
            bare_port = free_port()
            bare = Stack({**env, "FLASK_RATELIMIT_ENABLED": "false"}, tmp / "bare-run", instances=args.instances,
                         senders=0, port=bare_port, extra_args=["--wsgi", "bench.bare_app:app"])
            (tmp / "bare-run").mkdir()
            bare.start()
            stacks.append(bare)
            if args.warmup > 0:
                warm = argparse.Namespace(**{**vars(args), "scale": args.scale / 10})
                generate(warm, bare_port, tokens_file, min(args.warmup, 5.0), tmp, "bare-warmup")
            print(f"bare Flask up; {args.baseline_duration:.0f} s of the same load…", flush=True)
            bare_result = generate(args, bare_port, tokens_file, args.baseline_duration, tmp, "bare")
            bare_summary = summarise(bare_result["kinds"], args.baseline_duration)
            bare.stop()

        meta = {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "code": code_version(""),
                "command": " ".join(["bench/viral.py", *(argv if argv is not None else sys.argv[1:])]) or "make bench",
                "cores": os.cpu_count(), "platform": f"{platform.system()} {platform.release()}, Python "
                f"{platform.python_version()}", "load_before": load_before, "load_after": load_average(),
                "shape": (f"nginx → {args.instances} gunicorn instances × {stack_workers(env)} sync workers "
                          f"(gunicorn.conf.py), PostgreSQL {server_version(app)}, Redis, {args.senders} "
                          f"mail senders, aiosmtpd; {args.duration:.0f} s at {args.scale:.2f} × the offered rates, "
                          f"{args.generators} open-loop generator processes (bench/loadgen.py), after {args.warmup:.0f} s "
                          f"of warm-up; bare Flask: "
                          f"the same nginx and gunicorn settings, {args.baseline_duration:.0f} s.")}
        report = table(site_summary, bare_summary, mail, count, rss, meta, cpu)
        print("\n" + report + "\n")
        RESULTS.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        (RESULTS / f"viral-{stamp}.json").write_text(json.dumps(
            {"meta": meta, "site": site_summary, "bare": bare_summary, "mail": mail, "count": count,
             "rss": rss, "cpu": cpu, "notes": notes}, indent=1, default=str))
        if args.write_readme:
            write_readme(report)
        passed = (all(s["errors"] == 0 and (s["p99"] or 1e9) < P99_TARGET_MS for s in site_summary.values())
                  and mail["missing"] == 0 and (mail["p99"] or 1e9) <= MAIL_TARGET_S and count["exact"]
                  and (rss["max_growth"] < RSS_TARGET or not args.soak))
        return 0 if passed else 1
    finally:
        for s in stacks:
            s.stop()
        sink.terminate()
        sink.wait(10)
        drop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def create_database(server_uri: str):
    """(address, drop function) of a new PostgreSQL database for this run, named after the
    database in `server_uri` (…/test_p gives test_p_viral_<random>), dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_uri)
    if not url.drivername.startswith("postgresql"):
        sys.exit("the viral day runs on PostgreSQL: --database postgresql://user@host:port/db")
    name = f"{url.database or 'postgres'}_viral_{secrets.token_hex(3)}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False), drop


def stack_workers(env: dict) -> int:
    """Workers per instance, as gunicorn.conf.py computes them."""
    return int(env.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) * 2 + 1)


def server_version(app) -> str:
    """PostgreSQL's version."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        version = db.session.scalar(text("SHOW server_version"))
        db.session.remove()
    return version.split()[0]


def write_readme(report: str) -> None:
    """Replace the viral-day figures in bench/README.md."""
    text = README.read_text()
    if MARK_BEGIN in text and MARK_END in text:
        head, rest = text.split(MARK_BEGIN, 1)
        _, tail = rest.split(MARK_END, 1)
        README.write_text(f"{head}{MARK_BEGIN}\n{report}\n{MARK_END}{tail}")
    else:
        README.write_text(f"{text.rstrip()}\n\n{MARK_BEGIN}\n{report}\n{MARK_END}\n")


if __name__ == "__main__":
    sys.exit(main())
