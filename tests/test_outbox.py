"""The mail outbox: delivery over real SMTP, retries with back-off, nothing sent twice."""
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import MailStatus, OutboxMail
from app.models.base import utcnow
from app.outbox import deliver, enqueue
from tests.helpers.mail import html_part, text_part
from tests.helpers.services import free_port


def _queue(to="ada@example.org", lang="en"):
    mail_id = enqueue(to, "test_probe", lang, link="http://localhost/en/sign/confirm/abc")
    db.session.commit()
    return mail_id


def _smtp_port(app, port):
    """Point the mailer at `port` (Flask-Mailman reads its settings at init_app)."""
    from app.extensions import mail

    app.config["MAIL_PORT"] = port
    mail.init_app(app)


def _row(mail_id):
    db.session.expire_all()
    return db.session.get(OutboxMail, mail_id)


def test_a_queued_mail_arrives_with_both_parts_and_the_site_name_as_sender(app, smtp):
    mail_id = _queue(lang="it")
    assert deliver() == (1, 0)
    [message] = smtp.to("ada@example.org")
    assert message["Subject"] == "Prova di consegna"
    assert message["From"] == "Cara Umanità <noreply@localhost>"
    assert "http://localhost/en/sign/confirm/abc" in text_part(message)
    assert '<a href="http://localhost/en/sign/confirm/abc">' in html_part(message)
    row = _row(mail_id)
    assert row.status is MailStatus.sent and row.context is None and row.body_text == "" and row.body_html == ""
    assert deliver() == (0, 0)  # nothing is sent twice
    assert len(smtp.to("ada@example.org")) == 1


def test_a_batch_of_mails_goes_over_one_smtp_connection(app, smtp):
    for n in range(5):
        _queue(to=f"batch{n}@example.org")
    assert deliver() == (5, 0)
    assert len(smtp.messages) == 5
    assert len(set(smtp.peers)) == 1  # one connection (one client port), not one per mail


def test_server_down_is_a_failed_attempt_retried_with_back_off(app, smtp, monkeypatch):
    up_port = app.config["MAIL_PORT"]
    _smtp_port(app, free_port())  # nothing listens there
    mail_id = _queue()
    assert deliver() == (0, 1)
    row = _row(mail_id)
    assert row.status is MailStatus.pending and row.attempts == 1 and row.last_error
    assert row.claimed_by is None
    assert row.next_attempt_at > utcnow() + timedelta(seconds=30)
    assert deliver() == (0, 0)  # not due yet

    _smtp_port(app, up_port)
    later = utcnow() + timedelta(minutes=2)
    monkeypatch.setattr("app.outbox.utcnow", lambda: later)
    assert deliver() == (1, 0)
    assert len(smtp.to("ada@example.org")) == 1


def test_a_mail_is_given_up_after_the_attempt_limit(app, smtp, monkeypatch):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    _smtp_port(app, free_port())
    mail_id = _queue()
    clock = [utcnow()]
    monkeypatch.setattr("app.outbox.utcnow", lambda: clock[0])
    for _ in range(3):
        deliver()
        clock[0] += timedelta(hours=7)
    assert _row(mail_id).status is MailStatus.failed
    assert deliver() == (0, 0)


def test_mail_send_command_delivers_what_is_due(app, smtp, runner):
    _queue("one@example.org")
    _queue("two@example.org")
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "sent 2, failed 0" in result.output
    assert smtp.to("one@example.org") and smtp.to("two@example.org")


def test_without_a_server_mails_go_to_files_and_the_link_is_logged(app, caplog, tmp_path):
    from app.extensions import mail

    app.config.update(MAIL_SERVER="", MAIL_BACKEND="file", MAIL_FILE_PATH=str(tmp_path / "mail"))
    mail.init_app(app)
    _queue()
    with caplog.at_level(logging.WARNING, logger="app.outbox"):
        assert deliver() == (1, 0)
    assert "http://localhost/en/sign/confirm/abc" in caplog.text
    written = list((tmp_path / "mail").iterdir())
    assert written and "Delivery test" in written[0].read_text()
    assert db.session.scalar(select(OutboxMail.status)) is MailStatus.sent


def test_a_sender_whose_lease_ran_out_does_not_send_what_another_took(app, smtp, monkeypatch):
    from app import outbox

    first = _queue("first@example.org")
    _queue("second@example.org")
    real_renew = outbox._renew

    def slow_then_overtaken(me, mail_id):
        # While this sender was busy, its lease on the second mail expired and another took it.
        if mail_id != first:
            db.session.execute(
                outbox.update(OutboxMail).where(OutboxMail.id == mail_id).values(claimed_by="other"))
            db.session.commit()
        return real_renew(me, mail_id)

    monkeypatch.setattr(outbox, "_renew", slow_then_overtaken)
    assert deliver() == (1, 0)
    assert smtp.to("first@example.org") and not smtp.to("second@example.org")


def test_only_links_to_our_own_site_are_clickable_and_mails_are_signed(app, smtp):
    enqueue("ada@example.org", "test_probe", "en", link="http://localhost/en/sign/confirm/abc https://evil.example/x")
    db.session.commit()
    deliver()
    [message] = smtp.to("ada@example.org")
    html = html_part(message)
    assert '<a href="http://localhost/en/sign/confirm/abc">' in html
    assert "https://evil.example/x" in html and 'href="https://evil.example' not in html
    assert text_part(message).rstrip().endswith("— The “Dear Humanity” coalition")


def test_a_queued_mail_is_rendered_by_the_sender_in_its_language(app, smtp):
    """The request stores the template's values only; the sender renders the mail (here in a
    plain app context, as `flask mail send` does), in the recipient's language."""
    mail_id = _queue("bea@example.org", lang="it")
    row = _row(mail_id)
    assert (row.subject, row.body_text, row.body_html) == ("", "", "")
    assert "http://localhost/en/sign/confirm/abc" in row.context
    assert deliver() == (1, 0)
    [message] = smtp.to("bea@example.org")
    assert message["Subject"] == "Prova di consegna" and '<html lang="it">' in html_part(message)
    assert _row(mail_id).subject == "Prova di consegna"


def test_a_mail_queued_with_its_bodies_by_an_earlier_version_is_sent_as_it_is(app, smtp):
    db.session.add(OutboxMail(to_addr="old@example.org", subject="Queued before", body_text="Old text\n",
                              body_html="<p>Old text</p>", lang="en", template="test_probe"))
    db.session.commit()
    assert deliver() == (1, 0)
    [message] = smtp.to("old@example.org")
    assert message["Subject"] == "Queued before" and text_part(message).strip() == "Old text"


def test_only_plain_values_can_be_queued(app):
    with pytest.raises(TypeError):  # a model object would be serialised wrongly or not at all
        enqueue("ada@example.org", "test_probe", "en", link=object())
    db.session.rollback()
