"""Fixtures shared by the whole suite (the helpers they use, and tests import, are in tests/helpers/).

The database is SQLite in a temporary file by default; TEST_DATABASE_URI runs the whole suite on
PostgreSQL instead (CI does both). Tests marked `postgres` or `redis` need those servers: they skip
with a reason when unreachable, and fail instead when TEST_REQUIRE_SERVICES=1 (CI sets it).
"""
import os
import threading

import pytest

from app import create_app
from app.extensions import db
from tests.helpers import csrf_token
from tests.helpers.admin import login, make_administrator, make_moderator, queued_report
from tests.helpers.apps import app_on, make_test_config
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS
from tests.helpers.mail import SMTPSink
from tests.helpers.services import (
    POSTGRES_URI,
    REQUIRE_SERVICES,
    normalise_pg,
    postgres_unreachable,
    redis_unreachable,
    worker_database,
)


def pytest_collection_modifyitems(config, items):
    """Skip tests whose server is unreachable, or, with TEST_REQUIRE_SERVICES=1, make them fail."""
    checks = {"postgres": postgres_unreachable, "redis": redis_unreachable}
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


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    """The suite's database: TEST_DATABASE_URI, else a SQLite file (threads can share it)."""
    uri = os.environ.get("TEST_DATABASE_URI")
    if uri:
        return worker_database(uri)  # its own per pytest-xdist worker
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


@pytest.fixture
def app(_schema, database_uri, tmp_path, config_overrides):
    """A fresh app on the shared schema; every table is emptied after the test."""
    with app_on(database_uri, tmp_path, config_overrides) as app:
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
    with app_on(_pg_schema, tmp_path, config_overrides) as app:
        yield app


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def _seed_template(_schema, database_uri, tmp_path_factory):
    """The rows that `make run`'s seeding writes (the letter, the 2014 groups), made once per
    session by the real functions and kept as a template: `seeded` copies them in, instead of
    seeding every test anew (0.4 s each, for some 200 tests)."""
    from app.letter.service import load_letters
    from app.registry.service import seed_groups

    app = create_app(make_test_config(database_uri, INSTANCE_TMP=str(tmp_path_factory.mktemp("seed"))))
    with app.app_context():
        load_letters()
        seed_groups()
        with db.engine.begin() as conn:
            template = [(table, [row._asdict() for row in conn.execute(table.select())])
                        for table in db.metadata.sorted_tables]
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()
    return [(table, rows) for table, rows in template if rows]


@pytest.fixture
def seeded(app, _seed_template):
    """The letter and the 2014 groups loaded, as `make run` does (from the session's template,
    row for row what `flask seed` writes)."""
    from app.letter.service import clear_cache

    with db.engine.begin() as conn:
        for table, rows in _seed_template:
            conn.execute(table.insert(), rows)
    clear_cache()  # what load_letters does after it stores a version
    return app


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


@pytest.fixture
def site(seeded, client):
    """The letter and groups, a report in the queue, an administrator logged in (CSRF token in
    hand): what the fuzzing tests walk."""
    queued_report(seeded)
    make_administrator()
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    assert login(client, email="amministratrice@example.org", csrf_token=token).status_code == 302
    return seeded


@pytest.fixture
def mod_client(app, client):
    """A client logged in as a moderator."""
    make_moderator()
    assert login(client).status_code == 302
    return client
