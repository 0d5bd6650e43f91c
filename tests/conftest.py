"""Fixtures shared by the whole suite.

The database is SQLite in a temporary file by default; TEST_DATABASE_URI runs the whole suite on
PostgreSQL instead (CI does both). Tests marked `postgres` or `redis` need those servers: they skip
with a reason when unreachable, and fail instead when TEST_REQUIRE_SERVICES=1 (CI sets it).
"""
import os
import threading
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from app import create_app
from app.config import TestConfig
from app.extensions import db, limiter

POSTGRES_URI = os.environ.get("TEST_POSTGRES_URI", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URI = os.environ.get("TEST_REDIS_URI", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("TEST_REQUIRE_SERVICES") == "1"


def normalise_pg(uri: str) -> str:
    """Use the psycopg 3 driver for postgresql:// addresses."""
    if uri.startswith("postgresql://"):
        return "postgresql+psycopg://" + uri[len("postgresql://"):]
    return uri


def _reachable_postgres() -> str | None:
    try:
        engine = create_engine(normalise_pg(POSTGRES_URI), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"PostgreSQL unreachable at {POSTGRES_URI}: {exc.__class__.__name__}"


def _reachable_redis() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URI, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:
        return f"Redis unreachable at {REDIS_URI}: {exc.__class__.__name__}"


def pytest_collection_modifyitems(config, items):
    """Skip tests whose server is unreachable, or, with TEST_REQUIRE_SERVICES=1, make them fail."""
    checks = {"postgres": _reachable_postgres, "redis": _reachable_redis}
    reasons = {}
    for item in items:
        for name, check in checks.items():
            if name in item.keywords:
                if name not in reasons:
                    reasons[name] = check()
                if reasons[name]:
                    if REQUIRE_SERVICES:
                        item.stash[_UNREACHABLE] = reasons[name]
                    else:
                        item.add_marker(pytest.mark.skip(reason=reasons[name]))


_UNREACHABLE = pytest.StashKey[str]()


def pytest_runtest_setup(item):
    """With TEST_REQUIRE_SERVICES=1, a test whose server is unreachable fails (CI)."""
    reason = item.stash.get(_UNREACHABLE, None)
    if reason:
        pytest.fail(f"TEST_REQUIRE_SERVICES=1 but {reason}", pytrace=False)


def make_test_config(database_uri: str, **overrides) -> type:
    """A TestConfig subclass on `database_uri` with `overrides` applied."""
    attrs = {"SQLALCHEMY_DATABASE_URI": database_uri, **overrides}
    return type("Config", (TestConfig,), attrs)


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    """The suite's database: TEST_DATABASE_URI, else a SQLite file (threads can share it)."""
    uri = os.environ.get("TEST_DATABASE_URI")
    if uri:
        return normalise_pg(uri)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_uri, tmp_path_factory):
    """Create the schema once per session (from the models; test_migrations checks they match)."""
    app = create_app(make_test_config(database_uri, INSTANCE_TMP=str(tmp_path_factory.mktemp("inst"))))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def config_overrides():
    """Override settings for one test module: redefine this fixture in it."""
    return {}


class BufferedClient(FlaskClient):
    """A test client that reads and closes each response, like a real server does, and then
    lets the mail sender do its rounds (app.worker: what `flask mail send --loop` does within a
    second in production), so a test sees the signature registered when the call returns and,
    with the `smtp` fixture (MAIL_SERVER set), its mail at the real SMTP server; without it the
    mails stay in the outbox for the test to read. `client.sender = False` leaves all the work
    queued."""

    sender = True

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        response = super().open(*args, **kwargs)
        if self.sender:
            from app.worker import work_until_idle

            with self.application.app_context():  # the test's own, or a thread's new one
                work_until_idle(send=bool(self.application.config.get("MAIL_SERVER")))
        return response


def _fresh_g():
    """Forget what a previous request of the same test left in `g` (locale, user, language)."""
    from flask import g

    from app.i18n import LANG_ARG

    lang = g.get(LANG_ARG)  # set just now by the URL value preprocessor
    for key in list(g):
        g.pop(key)
    g.setdefault(LANG_ARG, lang)


@contextmanager
def _app_on(database_uri: str, tmp_path, overrides: dict):
    """An app on `database_uri` inside its app context; every table is emptied afterwards."""
    settings = {
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "UPLOADS_DIR": str(tmp_path / "uploads"),
        "MAIL_FILE_PATH": str(tmp_path / "mail"),
        **overrides,
    }
    app = create_app(make_test_config(database_uri, **settings))
    app.test_client_class = BufferedClient
    # The fixture keeps an app context pushed (so tests can use db.session), and Flask reuses it
    # for the test client's requests; give each request a fresh `g`, as production does.
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
            db.engine.dispose()  # each test's app has its own pool: close it
    if limiter.enabled:
        limiter.reset()


@pytest.fixture
def app(_schema, database_uri, tmp_path, config_overrides):
    """A fresh app on the shared schema; every table is emptied after the test."""
    with _app_on(database_uri, tmp_path, config_overrides) as app:
        yield app


@pytest.fixture(scope="session")
def _pg_schema(database_uri):
    """The schema on PostgreSQL for `postgres` tests (the suite's own when it runs on PostgreSQL)."""
    uri = normalise_pg(POSTGRES_URI)
    if uri == database_uri:
        yield uri  # the suite's session schema is already there
        return
    app = create_app(make_test_config(uri))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield uri
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def pg_app(request, _pg_schema, tmp_path, config_overrides):
    """An app on PostgreSQL (tests marked `postgres`), emptied after the test."""
    request.getfixturevalue("_schema")  # the session schema exists even when they coincide
    with _app_on(_pg_schema, tmp_path, config_overrides) as app:
        yield app


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def seeded(app):
    """The letter and the 2014 groups loaded, as `make run` does."""
    from app.letter.service import load_letters
    from app.registry.service import seed_groups

    load_letters()
    seed_groups()
    return app


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (right now)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.peers = []  # the client end of the connection each message came over
        self.lock = threading.Lock()
        # aiosmtpd checks the server is up by connecting to the port: it cannot use port 0.
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
            self.peers.append(session.peer)  # (address, port): one per SMTP connection
        return "250 OK"

    def start(self):
        self.controller.start()
        self.port = self.controller.port
        return self

    def stop(self):
        self.controller.stop()

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.peers.clear()

    def to(self, address: str):
        """Messages received for `address`."""
        with self.lock:
            return [m for m in self.messages if address in m["To"]]


@pytest.fixture(scope="session")
def smtp_server():
    """One loopback SMTP server for the session."""
    sink = SMTPSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp(smtp_server, app):
    """The SMTP server, emptied, with the app sending to it."""
    smtp_server.clear()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_BACKEND="smtp")
    from app.extensions import mail

    mail.init_app(app)
    return smtp_server


def text_part(message) -> str:
    """The plain-text body of a received mail."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message) -> str:
    """The HTML body of a received mail."""
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP on a free loopback port, in a thread; yields its base
    URL. Data created in the test (through `app`'s context, committed) is what it serves."""
    from werkzeug.serving import make_server

    def with_sender(environ, start_response):
        """The app, then a round of the mail sender before the answer goes out (as the test
        client does), so a test sees what the request submitted registered."""
        from app.worker import work_until_idle

        answer = app(environ, start_response)
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        with app.app_context():
            work_until_idle(send=bool(app.config.get("MAIL_SERVER")))
        return [body]

    server = make_server("127.0.0.1", 0, with_sender, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session, driven by Playwright."""
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page (own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server, locale="it-IT")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


_axe = None


def audit_pages(page, paths, base_url: str) -> dict:
    """Open each path as a visitor would and collect what they would hit: axe-core's serious and
    critical violations, CSP violations, requests to another origin, and sideways scrolling on a
    360 px phone. A path of None audits the page as it is now (say, a form showing its errors).
    Returns {path: [problems]}: empty when all is well."""
    global _axe
    from axe_playwright_python.sync_playwright import Axe

    _axe = _axe or Axe()
    problems: dict = {}
    current: list = []
    on_request = lambda r: None if r.url.startswith(base_url) else current.append(("other origin", r.url))  # noqa: E731
    on_console = lambda m: current.append(("CSP", m.text)) if "Content Security Policy" in m.text else None  # noqa: E731
    page.on("request", on_request)
    page.on("console", on_console)
    try:
        for path in paths:
            current.clear()
            page.set_viewport_size({"width": 1280, "height": 900})
            if path is not None:
                page.goto(path)
            for v in _axe.run(page).response["violations"]:
                if v["impact"] in ("serious", "critical"):
                    current.append((v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]))
            page.set_viewport_size({"width": 360, "height": 740})
            if page.evaluate("document.documentElement.scrollWidth - window.innerWidth") > 0:
                current.append(("wider than a 360 px phone",))
            if current:
                problems[path or page.url] = list(current)
    finally:
        page.remove_listener("request", on_request)
        page.remove_listener("console", on_console)
    return problems
