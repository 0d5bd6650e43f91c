"""The queue digest: when confirmed reports or held signatures wait longer than
QUEUE_ALERT_HOURS, every active moderator gets one mail (at the real SMTP server), at most once
a period, from the mail sender's pass or from `flask moderator digest`."""
from datetime import timedelta

from sqlalchemy import update

from app.extensions import db
from app.models import AlertSent, Signature, SignatureStatus
from app.models.base import utcnow
from tests.helpers.admin import EMAIL, make_moderator, queued_report
from tests.helpers.mail import text_part

OTHER = "secondo@example.org"


def _held(ago: timedelta, n: int = 1) -> None:
    now = utcnow()
    for i in range(n):
        db.session.add(Signature(name=f"Famiglia {i}", email=f"f{i}@example.org", email_canonical=f"f{i}@example.org",
                                 lang="it", suspect=True, status=SignatureStatus.pending,
                                 created_at=now - ago, expires_at=now + timedelta(days=7)))
    db.session.commit()


def _pass(client):
    """Any request: the test client then lets the mail sender do its pass."""
    client.get("/it/")


def test_the_digest_arrives_once_a_period(app, client, smtp):
    make_moderator()
    make_moderator(OTHER)
    disabled = make_moderator("via@example.org")
    disabled.active = False
    db.session.commit()
    queued_report(app, confirmed_ago=timedelta(hours=13))
    queued_report(app, name="Recente", confirmed_ago=timedelta(hours=1))  # not waiting long yet
    _held(timedelta(hours=20), n=3)
    _pass(client)

    [mail] = smtp.to(EMAIL)
    assert len(smtp.to(OTHER)) == 1 and smtp.to("via@example.org") == []
    assert mail["Subject"].strip() == "Moderazione: c’è chi aspetta da più di 12 ore"
    body = text_part(mail)
    assert "- 1 segnalazione confermata in coda: http://localhost/admin/" in body
    assert "- 3 firme trattenute, da rilasciare o invalidare: http://localhost/admin/" in body
    assert "— La coalizione “Cara Umanità”" in body

    _pass(client)
    _pass(client)
    assert len(smtp.to(EMAIL)) == 1  # at most one a period

    # A period later, still waiting: the next one.
    db.session.execute(update(AlertSent).values(sent_at=utcnow() - timedelta(hours=12, minutes=1)))
    db.session.commit()
    _pass(client)
    assert len(smtp.to(EMAIL)) == 2


def test_no_digest_while_nothing_waits_long(app, client, smtp):
    make_moderator()
    queued_report(app, confirmed_ago=timedelta(hours=11))
    _held(timedelta(hours=2))
    _pass(client)
    assert smtp.to(EMAIL) == []
    assert db.session.get(AlertSent, "queue_digest") is None  # the period has not started


def test_the_cron_command_sends_it_and_the_setting_sets_the_period(app, client, runner, smtp):
    client.sender = False  # only the command works here
    app.config["QUEUE_ALERT_HOURS"] = 6
    make_moderator()
    _held(timedelta(hours=7))
    result = runner.invoke(args=["moderator", "digest"])
    assert result.exit_code == 0 and "digest queued for 1 moderators" in result.output
    assert runner.invoke(args=["moderator", "digest"]).output.strip() == "no digest due"
    from app.worker import work_until_idle

    work_until_idle()
    [mail] = smtp.to(EMAIL)
    assert "6 ore" in mail["Subject"]
    assert "firma trattenuta" in text_part(mail) and "segnalazion" not in text_part(mail)

    app.config["QUEUE_ALERT_HOURS"] = 0  # off
    db.session.execute(update(AlertSent).values(sent_at=utcnow() - timedelta(days=2)))
    db.session.commit()
    assert runner.invoke(args=["moderator", "digest"]).output.strip() == "no digest due"
