"""`make serve`'s supervisor (deploy/serve.py) on SQLite: nginx in front of a gunicorn instance
and a mail sender, and SIGTERM stops every one of them. Skipped without nginx (Debian's
package) unless TEST_REQUIRE_SERVICES=1."""
import re
import secrets
import time
import urllib.request

import pytest
from stack import Stack, alive, prepare  # deploy/stack.py (deploy/ is on pytest's path)

from tests.helpers.production import base_env, need_nginx


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


# ---------------------------------------------------------------- nginx.conf, on an echo app
# The proxy's own behaviour, whatever the site answers: deploy/serve.py serves tests/echo_app.py,
# which says what it received and sends the Cache-Control a test asks for.


@pytest.fixture(scope="module")
def echo(tmp_path_factory):
    """nginx in front of two instances of the echo app (no database, no sender)."""
    need_nginx()
    tmp = tmp_path_factory.mktemp("echo")
    stack = Stack(base_env(tmp), tmp, instances=2, senders=0,
                  extra_args=["--wsgi", "tests.echo_app:app"]).start()
    yield stack
    stack.stop()


def get(stack, path: str, headers: dict | None = None, source: str = "127.0.0.1", method: str = "GET"):
    """(status, headers, JSON body or None) of one request from loopback address `source`."""
    import http.client
    import json

    port = int(stack.url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20, source_address=(source, 0))
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def fresh(path: str = "/page") -> str:
    """A URL nobody has asked for yet (so nothing of it is cached)."""
    return f"{path}?id={secrets.token_hex(4)}"


def test_the_app_sees_the_client_address_and_scheme_and_never_a_clients_forwarded_host(echo):
    _, _, seen = get(echo, "/", {"X-Forwarded-Host": "evil.example", "X-Forwarded-Prefix": "/evil",
                                 "X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https",
                                 "Forwarded": "for=6.6.6.6;host=evil.example"}, source="127.0.0.9")
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert headers["x-forwarded-for"] == "127.0.0.9"  # replaced, not appended: no spoofed client
    assert headers["x-forwarded-proto"] == "http"  # the scheme nginx was reached by
    for forged in ("x-forwarded-host", "x-forwarded-prefix", "forwarded"):
        assert forged not in headers


def test_public_answers_are_cached_and_private_ones_never(echo):
    public = fresh() + "&cc=public,max-age=60"
    first, second = get(echo, public), get(echo, public)
    assert second[1]["x-cache-status"] == "HIT" and second[2]["n"] == first[2]["n"]
    for private in ("private,no-store", "no-cache", None):
        url = fresh() + (f"&cc={private}" if private else "")
        answers = [get(echo, url) for _ in range(2)]
        assert answers[0][2] != answers[1][2], private  # both from the app
    with_cookie = fresh() + "&cc=public,max-age=60&cookie=1"
    a, b = get(echo, with_cookie), get(echo, with_cookie)
    assert a[2] != b[2]  # an answer that sets a cookie is never given to someone else


def test_a_visitor_with_a_session_cookie_gets_the_app_and_leaves_nothing_in_the_cache(echo):
    url = fresh() + "&cc=public,max-age=60"
    status, headers, mine = get(echo, url, {"Cookie": "session=moderator"})
    assert status == 200 and headers["x-cache-status"] == "BYPASS"
    _, headers, anonymous = get(echo, url)
    assert headers["x-cache-status"] == "MISS"
    assert (anonymous["pid"], anonymous["n"]) != (mine["pid"], mine["n"])


def test_many_visitors_of_an_expired_page_cost_the_app_one_request(echo):
    url = fresh() + "&cc=public,max-age=60&sleep=0.5"
    import threading

    answers = []
    threads = [threading.Thread(target=lambda: answers.append(get(echo, url)[2])) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(answers) == 8 and len({(a["pid"], a["n"]) for a in answers}) == 1  # proxy_cache_lock


def test_a_stale_page_is_served_at_once_while_it_is_renewed(echo):
    url = fresh() + "&cc=public,max-age=1&sleep=0.3"
    _, _, first = get(echo, url)
    time.sleep(2.5)  # nginx counts in whole seconds: past max-age=1 for sure
    started = time.monotonic()
    _, headers, stale = get(echo, url)
    assert headers["x-cache-status"] in ("STALE", "UPDATING") and stale == first
    assert time.monotonic() - started < 0.3  # nobody waits for the renewal
    time.sleep(0.8)
    _, headers, renewed = get(echo, url)
    assert renewed != first


def test_requests_are_spread_over_both_instances(echo):
    pids = {get(echo, fresh(), method="POST")[2]["pid"] for _ in range(12)}
    assert len(pids) == 2


def test_ratelimit_enabled_false_also_drops_nginxs_post_limit(tmp_path):
    from serve import write_nginx_config

    write_nginx_config(tmp_path / "on", 8000, [8001], {}, False)
    write_nginx_config(tmp_path / "off", 8000, [8001], {"FLASK_RATELIMIT_ENABLED": "false"}, False)
    limit = re.compile(r"^\s*limit_req zone=posts", re.M)
    assert limit.search((tmp_path / "on" / "locations.conf").read_text())
    assert not limit.search((tmp_path / "off" / "locations.conf").read_text())
