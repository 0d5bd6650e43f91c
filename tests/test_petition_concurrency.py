"""The petition under concurrent requests: one row per person, one confirmation, one mail each."""
import pytest
from sqlalchemy import func, select

from app.extensions import db, mail
from app.models import OutboxMail, Signature
from app.outbox import deliver, enqueue
from tests.helpers import in_threads
from tests.helpers.mail import queued_link
from tests.helpers.petition import count, form_data


def concurrent_signing_gives_one_row(app):
    """50 clients post the same new address at once."""
    data = form_data(email="Same.Person@example.org")
    statuses = in_threads(50, lambda i: app.test_client().post("/it/firma", data=data).status_code)
    assert statuses == [200] * 50  # each the check-your-mail page
    db.session.rollback()
    assert db.session.scalar(select(func.count(Signature.id))) == 1
    mails = db.session.scalar(select(func.count(OutboxMail.id)))
    assert 1 <= mails <= 5
    assert db.session.scalar(select(Signature.mails_sent)) == mails


def test_50_concurrent_posts_of_one_email_give_one_row_sqlite(app):
    # Threads need a database they can share: a file (or PostgreSQL), not SQLite in memory.
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith(("sqlite:///", "postgresql"))
    concurrent_signing_gives_one_row(app)


@pytest.mark.postgres
def test_50_concurrent_posts_of_one_email_give_one_row_postgres(pg_app):
    assert pg_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    concurrent_signing_gives_one_row(pg_app)


def concurrent_confirms_count_once(app):
    """Ten clicks on one confirm button at once."""
    client = app.test_client()
    client.post("/en/sign", data=form_data(email="click@example.org"))
    path = queued_link("click@example.org")
    statuses = in_threads(10, lambda i: app.test_client().post(path).status_code)
    assert statuses == [303] * 10  # each to the thank-you page
    db.session.rollback()
    assert count() == 1
    thanks = db.session.scalar(
        select(func.count(OutboxMail.id)).where(OutboxMail.template == "signature_confirmed"))
    assert thanks == 1


def test_10_concurrent_confirms_count_once_sqlite(app):
    concurrent_confirms_count_once(app)


@pytest.mark.postgres
def test_10_concurrent_confirms_count_once_postgres(pg_app):
    concurrent_confirms_count_once(pg_app)


@pytest.mark.postgres
def test_two_senders_never_send_one_mail_twice(pg_app, smtp_server):
    smtp_server.clear()
    pg_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_BACKEND="smtp")
    mail.init_app(pg_app)
    for i in range(40):
        enqueue(f"reader{i}@example.org", "signature_confirm", "en", ref=f"test:{i}",
                name="Reader", days=7, confirm_url=f"http://localhost/en/sign/confirm/t{i}")
    db.session.commit()

    def sender(i):
        sent = 0
        with pg_app.app_context():
            while True:
                done, failed = deliver(limit=3)
                sent += done
                if done + failed == 0:
                    return sent

    sent = in_threads(4, sender)
    assert sum(sent) == 40
    assert sum(1 for s in sent if s) >= 2, "the senders did not actually run side by side"
    received = sorted(m["To"] for m in smtp_server.messages)
    assert received == sorted(f"reader{i}@example.org" for i in range(40))
