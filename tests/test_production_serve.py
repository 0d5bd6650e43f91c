"""`make serve`'s supervisor (deploy/serve.py) on SQLite: nginx in front of a gunicorn instance
and a mail sender, and SIGTERM stops every one of them. Skipped without nginx (Debian's
package) unless TEST_REQUIRE_SERVICES=1."""
import os
import secrets
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
from stack import Stack, alive, prepare  # noqa: E402

from tests.conftest import REQUIRE_SERVICES  # noqa: E402

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


def test_serve_answers_through_nginx_and_sigterm_leaves_nothing_behind(tmp_path):
    need_nginx()
    env = base_env(tmp_path)
    prepare(env, seed=False)
    stack = Stack(env, tmp_path, instances=1, senders=1).start()
    try:
        pids = stack.pids()
        with urllib.request.urlopen(stack.url + "/healthz", timeout=10) as response:
            assert response.status == 200
        with urllib.request.urlopen(stack.url + "/static/css/site.css", timeout=10) as response:
            assert response.status == 200
            assert "max-age=3600" in response.headers["Cache-Control"]
        # the supervisor, nginx (master and workers), gunicorn (master and worker), the sender
        assert len(pids) >= 6, stack.logs()
    finally:
        status = stack.stop()
    assert status == 0, stack.logs()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [pid for pid in pids if alive(pid)] == []
