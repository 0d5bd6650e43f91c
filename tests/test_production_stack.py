"""The production shape with two instances: nginx (deploy/nginx.conf) in front of two gunicorn
instances on one PostgreSQL database and one Redis, with two mail senders, all started once
for this module by deploy/serve.py (`make serve`). Each test is something a visitor, a
journalist or an attacker would notice when the site runs on more than one instance.

Requests come from different loopback addresses (127.0.0.x), so that the per-address rate
limits see different clients, as they would on the internet."""
import http.client
import os
import re
import secrets
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from stack import Stack, free_port, prepare  # deploy/stack.py (deploy/ is on pytest's path)

from app import create_app
from app.extensions import db
from tests.helpers.apps import make_test_config
from tests.helpers.production import base_env, need_nginx, scratch_databases
from tests.helpers.services import REDIS_URI

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SIGN_FIELDS = {"name": "Giulia Bianchi", "city": "Torino", "country": "IT", "privacy": "y", "public": "y",
               "website": ""}
_next_ip = iter(range(2, 250))


def new_ip() -> str:
    """A loopback address no other test has used: a new client for the rate limits."""
    return f"127.0.{os.getpid() % 200 + 1}.{next(_next_ip)}"


class Answer:
    """Status, headers (lower-case names; Set-Cookie as a list) and body of one response."""

    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.getheaders()}
        self.cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
        self.body = response.read()


def call(base: str, method: str, path: str, body: bytes | str | dict | None = None,
         headers: dict | None = None, source: str = "127.0.0.1") -> Answer:
    """One HTTP request from the loopback address `source` (no redirect is followed)."""
    from urllib.parse import urlencode, urlsplit

    host = urlsplit(base)
    if isinstance(body, dict):
        body = urlencode(body)
    headers = dict(headers or {})
    if body is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30, source_address=(source, 0))
    try:
        conn.request(method, path, body=body, headers=headers)
        return Answer(conn.getresponse())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, smtp_server):
    """nginx, two instances, two senders, on a PostgreSQL database of this module's own."""
    need_nginx()
    tmp = tmp_path_factory.mktemp("stack")
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    prefix = f"prod-{secrets.token_hex(4)}:"
    # One stack per xdist worker that runs tests of this module, each on its own database.
    with scratch_databases(f"stack_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}") as (uri,):
        env = base_env(tmp)
        env.update(FLASK_SQLALCHEMY_DATABASE_URI=uri, FLASK_SITE_URL=site,
                   FLASK_RATELIMIT_STORAGE_URI=REDIS_URI, FLASK_RATELIMIT_KEY_PREFIX=prefix,
                   FLASK_CACHE_TYPE="RedisCache", FLASK_CACHE_REDIS_URL=REDIS_URI,
                   FLASK_CACHE_KEY_PREFIX=prefix, FLASK_MAIL_SERVER="127.0.0.1",
                   FLASK_MAIL_PORT=str(smtp_server.port), FLASK_MAIL_BACKEND="smtp",
                   FLASK_PRESS_RENDER_SECONDS="0", WEB_CONCURRENCY="1")
        prepare(env)
        running = Stack(env, tmp, instances=2, senders=2, port=port).start()
        app = create_app(make_test_config(uri, SITE_URL=site))
        running.app = app
        running.site = site
        running.documents = tmp / "documents"
        try:
            yield running
        finally:
            running.stop()
            with app.app_context():
                db.engine.dispose()


def same_site(stack) -> dict:
    """The headers a browser sends with a form posted from the site's own page."""
    return {"Origin": stack.site, "Sec-Fetch-Site": "same-origin", "Referer": stack.site + "/it/firma"}


def sign(stack, base: str, email: str, source: str, headers: dict | None = None) -> Answer:
    """Sign as a browser does: open the form, post it (with its CSRF token and cookie, if the
    page gives any) with same-site headers unless `headers` says otherwise."""
    page = call(base, "GET", "/it/firma", source=source)
    fields = {**SIGN_FIELDS, "email": email}
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.body)
    if token:
        fields["csrf_token"] = token.group(1).decode()
    sent = dict(same_site(stack) if headers is None else headers)
    if page.cookies:
        sent["Cookie"] = "; ".join(c.split(";", 1)[0] for c in page.cookies)
    return call(base, "POST", "/it/firma", fields, sent, source=source)


def settle(stack, seconds: float = 40) -> None:
    """Wait until the mail senders have registered every submitted signature (the sign POST
    only records a submission; a sender turns it into a signature within a second or so)."""
    from sqlalchemy import inspect, text

    with stack.app.app_context():
        if "signature_submission" in inspect(db.engine).get_table_names():
            deadline = time.monotonic() + seconds
            while db.session.scalar(text("SELECT count(*) FROM signature_submission")):
                assert time.monotonic() < deadline, "submissions still waiting for a sender"
                db.session.rollback()
                time.sleep(0.1)
        db.session.remove()


def signatures(stack, email_like: str) -> list:
    """The signature rows whose address matches (SQL LIKE), once the senders have caught up."""
    from app.models import Signature

    settle(stack)
    with stack.app.app_context():
        rows = list(db.session.scalars(select(Signature).where(Signature.email.like(email_like))))
        db.session.remove()
    return rows


def is_held(signature) -> bool:
    """Over the sign rate limit: taken, but not counted (held for review)."""
    status = getattr(signature.status, "value", signature.status)
    return bool(getattr(signature, "suspect", False)) or status == "held"


def test_the_same_new_email_signed_through_both_instances_at_once_gives_one_signature(stack):
    email = f"twice-{secrets.token_hex(3)}@example.org"
    barrier = threading.Barrier(2)
    answers = {}

    def post(base):
        barrier.wait()
        answers[base] = sign(stack, base, email, new_ip())

    threads = [threading.Thread(target=post, args=(base,)) for base in stack.instance_urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(a.status for a in answers.values()) == [200, 200], [a.body[:300] for a in answers.values()]
    assert len(signatures(stack, email)) == 1


def test_the_sign_rate_limit_counts_across_both_instances(stack):
    ip = new_ip()
    first, second = (f"limit-{n}-{secrets.token_hex(3)}@example.org" for n in (1, 2))
    one, two = stack.instance_urls
    assert sign(stack, one, first, ip).status == 200
    # Another instance, same client, within the minute: over "1 per minute", quietly not counted.
    assert sign(stack, two, second, ip).status == 200
    [kept], [over] = signatures(stack, first), signatures(stack, second)
    assert not is_held(kept)
    assert is_held(over)


def test_two_senders_send_every_mail_once(stack, smtp_server):
    tag = secrets.token_hex(3)
    addresses = [f"mail-{tag}-{n}@example.org" for n in range(16)]
    for address in addresses:
        assert sign(stack, stack.url, address, new_ip()).status == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sum(bool(smtp_server.to(a)) for a in addresses) < len(addresses):
        time.sleep(0.2)
    time.sleep(2)  # a mail sent twice would arrive within the senders' next round (1 s)
    assert {a: len(smtp_server.to(a)) for a in addresses} == {a: 1 for a in addresses}


def test_a_press_document_is_rendered_once_and_both_instances_serve_the_same_bytes(stack):
    barrier = threading.Barrier(2)
    answers = {}

    def get(base):
        barrier.wait()
        answers[base] = call(base, "GET", "/it/stampa/lettera.pdf")

    threads = [threading.Thread(target=get, args=(base,)) for base in stack.instance_urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    one, two = answers.values()
    assert one.status == two.status == 200
    assert one.body.startswith(b"%PDF") and one.body == two.body
    assert one.headers["etag"] == two.headers["etag"]
    rendered = list(Path(stack.documents).rglob("lettera-aperta-it.pdf"))
    assert len(rendered) == 1
    stamp = rendered[0].stat().st_mtime_ns
    through_nginx = [call(stack.url, "GET", "/it/stampa/lettera.pdf") for _ in range(2)]
    assert [a.body for a in through_nginx] == [one.body, one.body]
    assert through_nginx[1].headers["x-cache-status"] == "HIT"
    assert rendered[0].stat().st_mtime_ns == stamp  # served again, never rendered again


def test_a_cross_site_post_is_refused_and_a_same_site_one_passes(stack):
    def attempt(headers):
        email = f"origin-{secrets.token_hex(3)}@example.org"
        return sign(stack, stack.url, email, new_ip(), headers), email

    refused, email = attempt({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
    assert refused.status in (400, 403) and signatures(stack, email) == []
    refused, email = attempt({"Origin": "https://evil.example"})  # an older browser: Origin only
    assert refused.status in (400, 403) and signatures(stack, email) == []
    passed, email = attempt(same_site(stack))
    assert passed.status == 200 and len(signatures(stack, email)) == 1


def test_an_anonymous_public_get_sets_no_cookie_and_is_cached_by_nginx(stack):
    first = call(stack.url, "GET", "/it/lettera")
    assert first.status == 200
    assert first.cookies == []
    assert "public" in first.headers["cache-control"]
    assert re.search(r"max-age=\d+", first.headers["cache-control"])
    again = call(stack.url, "GET", "/it/lettera")
    assert again.headers["x-cache-status"] == "HIT" and again.body == first.body


def test_a_request_with_a_session_cookie_is_never_answered_from_the_cache(stack):
    call(stack.url, "GET", "/en/letter")
    answer = call(stack.url, "GET", "/en/letter", headers={"Cookie": "session=someone"})
    assert answer.status == 200 and answer.headers["x-cache-status"] == "BYPASS"


def test_nginx_refuses_a_body_over_30_mb_without_reading_it(stack):
    conn = http.client.HTTPConnection("127.0.0.1", int(stack.url.rsplit(":", 1)[1]), timeout=10)
    conn.putrequest("POST", "/it/firma")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(31 * 1024 * 1024))
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413
    conn.close()


def test_nginx_limits_a_flood_of_posts_from_one_address(stack):
    ip = new_ip()
    statuses = [call(stack.url, "POST", "/healthz", b"", source=ip).status for _ in range(40)]
    assert 429 in statuses
    assert statuses[0] != 429  # a person posting a form is never refused
    assert call(stack.url, "GET", "/healthz", source=ip).status == 200  # GETs are not limited


def test_a_forged_forwarded_prefix_or_host_never_reaches_a_page(stack):
    """The attack of the 2026-12-01 review, through the proxy: a visitor's own X-Forwarded-Prefix
    or X-Forwarded-Host must not end up in a page that nginx then serves to everyone."""
    forged = {"X-Forwarded-Prefix": "//evil.example", "X-Forwarded-Host": "evil.example"}
    for path in ("/en/letter?utm=1", "/it/firma?utm=1"):
        attacked = call(stack.url, "GET", path, headers=forged, source=new_ip())
        assert attacked.status == 200 and b"evil.example" not in attacked.body
        after = call(stack.url, "GET", path, source=new_ip())
        assert b"evil.example" not in after.body
