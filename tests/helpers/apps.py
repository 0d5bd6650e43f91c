"""Apps for tests: a TestConfig on a given database, the test client that behaves like a real
server (and runs the mail sender after each request), and an app for one `with` block."""
from contextlib import contextmanager

from flask.testing import FlaskClient
from jinja2 import BytecodeCache

from app import create_app
from app.config import TestConfig
from app.extensions import db, limiter


def make_test_config(database_uri: str, **overrides) -> type:
    """A TestConfig subclass on `database_uri` with `overrides` applied."""
    attrs = {"SQLALCHEMY_DATABASE_URI": database_uri, **overrides}
    return type("Config", (TestConfig,), attrs)


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


class SharedTemplateCode(BytecodeCache):
    """Jinja's bytecode cache, in memory, shared by every test's app: each new app would
    otherwise lex, parse and compile every template it renders anew (a quarter of the form
    fuzzing's time). Jinja checks each template's source against the code it keeps."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket):
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


def _fresh_g():
    """Forget what a previous request of the same test left in `g` (locale, user, language)."""
    from flask import g

    from app.i18n import LANG_ARG

    lang = g.get(LANG_ARG)  # set just now by the URL value preprocessor
    for key in list(g):
        g.pop(key)
    g.setdefault(LANG_ARG, lang)


@contextmanager
def app_on(database_uri: str, tmp_path, overrides: dict):
    """An app on `database_uri` inside its app context; every table is emptied afterwards."""
    settings = {
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "UPLOADS_DIR": str(tmp_path / "uploads"),
        "MAIL_FILE_PATH": str(tmp_path / "mail"),
        **overrides,
    }
    app = create_app(make_test_config(database_uri, **settings))
    app.test_client_class = BufferedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
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
