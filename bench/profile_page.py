"""Where does a request's time go? Profile one page in-process on a benchmark's instance.

    .venv/bin/python bench/run.py --keep --only none      # prints "instance kept in /tmp/bench-…"
    .venv/bin/python bench/profile_page.py /tmp/bench-… /it/lettera
    .venv/bin/python bench/profile_page.py /tmp/bench-… /it/firma --sign
    .venv/bin/python bench/profile_page.py /tmp/bench-… /it/firma/conferma/ --confirm

Prints the CPU time per request, the SQL statements by time, and a call tree: pyinstrument's if
it is installed (`.venv/bin/pip install pyinstrument`, for investigations only; it is not a
requirement), else the standard library's cProfile. For a live gunicorn worker under wrk, use
py-spy instead (`.venv/bin/pip install py-spy`; `py-spy record -p <worker pid> --format raw`).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from run import SIGN_FIELDS


def main() -> int:
    """Profile `path` on the kept instance `tmp`."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tmp", type=Path, help="a kept benchmark instance (bench/run.py --keep)")
    p.add_argument("path", help="e.g. /it/lettera, /api/v1/groups, /it/firma")
    p.add_argument("-n", type=int, default=100, help="requests to profile (default 100)")
    p.add_argument("--sign", action="store_true", help="POST the sign form, a new email each time")
    p.add_argument("--confirm", action="store_true",
                   help="POST unused confirm tokens of the instance (path = the prefix)")
    p.add_argument("--time", action="store_true",
                   help="no profiler: call the WSGI app directly (no test client) and print the "
                        "CPU time per request, beside bare Flask's for the same requests")
    a = p.parse_args()
    src = a.tmp / "src" if (a.tmp / "src").is_dir() else Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(src))
    os.environ.update({
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{a.tmp}/bench.db", "FLASK_SECRET_KEY": "p" * 40,
        "FLASK_RATELIMIT_ENABLED": "false",
        # As in bench/run.py: GETs as in production (CSRF on), POSTs without tokens.
        "FLASK_WTF_CSRF_ENABLED": "false" if a.sign or a.confirm else "true",
        "FLASK_DOCUMENTS_DIR": str(a.tmp / "documents"),
        "FLASK_PRESS_RENDER_SECONDS": "0", "FLASK_SITE_URL": "http://127.0.0.1",
    })
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from app import create_app

    app = create_app()
    logging.disable(logging.WARNING)
    client = app.test_client()
    sql: dict[str, list] = {}

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, executemany):
        conn.info["bench_t0"] = time.process_time()

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, executemany):
        entry = sql.setdefault(" ".join(statement.split())[:100], [0, 0.0])
        entry[0] += 1
        entry[1] += time.process_time() - conn.info.pop("bench_t0", time.process_time())

    tokens = []
    if a.confirm:
        tokens = (a.tmp / "confirm-tokens.txt").read_text().split()[-(a.n + 5):]
    stamp = time.time_ns()

    def request(i: int):
        if a.sign:
            data = {k: v.replace("__N__", f"prof{stamp}-{i}") for k, v in SIGN_FIELDS.items()}
            return client.post(a.path, data=data)
        if a.confirm:
            return client.post(a.path + tokens[i])
        return client.get(a.path)

    first = request(0)
    print(f"{a.path}: {first.status_code}, {len(first.data):,} bytes")
    if a.time:
        return time_requests(a, app, tokens, stamp)
    sql.clear()
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if Profiler:
        profiler = Profiler(interval=0.0005)
        profiler.start()
    else:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.process_time()
    for i in range(1, a.n + 1):
        request(i)
    cpu_ms = (time.process_time() - started) * 1000 / a.n
    if Profiler:
        profiler.stop()
    else:
        profiler.disable()
    print(f"{cpu_ms:.2f} ms CPU per request (profiler overhead included)\nSQL, per request:")
    for statement, (count, seconds) in sorted(sql.items(), key=lambda kv: -kv[1][1])[:8]:
        print(f"  {seconds * 1000 / a.n:6.2f} ms  ×{count / a.n:.1f}  {statement}")
    if Profiler:
        print(profiler.output_text(unicode=False, color=False))
    else:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return 0


def time_requests(a, app, tokens: list[str], stamp: int) -> int:
    """CPU per request of the app and of bare Flask, called in-process with prepared environs."""
    from werkzeug.test import EnvironBuilder

    import bare_app

    def environs(offset: int) -> list[dict]:
        out = []
        for i in range(offset, offset + a.n):
            if a.sign:
                data = {k: v.replace("__N__", f"time{stamp}-{i}") for k, v in SIGN_FIELDS.items()}
                builder = EnvironBuilder(path=a.path, method="POST", data=data)
            elif a.confirm:
                builder = EnvironBuilder(path=a.path + tokens[i], method="POST")
            else:
                builder = EnvironBuilder(path=a.path)
            out.append(builder.get_environ())
        return out

    def cpu_ms(wsgi, prepared: list[dict]) -> float:
        started = time.process_time()
        for environ in prepared:
            body = wsgi(environ, lambda status, headers, exc_info=None: None)
            for _ in body:
                pass
            getattr(body, "close", lambda: None)()
        return (time.process_time() - started) * 1000 / len(prepared)

    site = cpu_ms(app, environs(1))
    bare = cpu_ms(bare_app.app, environs(1 + a.n) if not a.confirm else environs(1))
    print(f"{site:.3f} ms CPU per request in-process (bare Flask: {bare:.3f} ms); "
          "gunicorn's own work per request comes on top of both")
    return 0


if __name__ == "__main__":
    sys.exit(main())
