"""The site is no mail cannon and no oracle: written as the attacks of the hardening issue."""
import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import OutboxMail, Signature, SignatureSubmission
from tests.helpers.petition import fetch, form_data, last_link


@pytest.fixture
def config_overrides():
    """Rate limits on, as in production (memory storage)."""
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_SIGN": "1000 per minute", "MAIL_PROMPTED_LIMIT": "3 per day"}


def sign_from(client, ip: str, **fields):
    return fetch(client, "/en/sign", "POST", data=form_data(**fields), environ_base={"REMOTE_ADDR": ip},
                 follow_redirects=False)


def test_a_flood_of_submissions_for_one_victim_mails_them_three_times_a_day_at_most(seeded, client, smtp):
    for n in range(8):  # many addresses of a crew, the same victim's mailbox written many ways
        victim = ["victim@example.org", "Victim@Example.org", "victim+x@example.org"][n % 3]
        assert sign_from(client, f"10.9.{n}.1", name=f"Crew {n}", email=victim).status_code == 200
    assert len(smtp.to("victim@example.org")) + len(smtp.to("Victim@Example.org")) \
        + len(smtp.to("victim+x@example.org")) == 3
    db.session.rollback()
    assert db.session.scalar(select(func.count(Signature.id))) == 1


def test_over_the_sign_limit_no_mail_goes_out(seeded, client, smtp, app):
    app.config["RATELIMIT_SIGN"] = "1 per minute"
    for n in range(10):
        sign_from(client, "10.8.0.1", name="Buy at scam now", email=f"stranger{n}@example.org")
    assert sum(len(smtp.to(f"stranger{n}@example.org")) for n in range(10)) == 1


def statements_of(client, **fields) -> list[str]:
    """The SQL statements (without values) a sign POST runs, with the sender kept away."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    client.sender = False
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert sign_from(client, "10.7.0.1", **fields).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        client.sender = True
    return seen


def test_new_pending_confirmed_and_used_up_addresses_run_the_same_statements(seeded, client, smtp):
    """No probing by timing: the POST records the submission whoever signs; the sender does the
    rest. (bench/ measures the times; here, the work is the same statement for statement.)"""
    sign_from(client, "10.7.1.1", email="pending@example.org")
    sign_from(client, "10.7.1.2", email="confirmed@example.org")
    fetch(client, last_link(smtp, "confirmed@example.org"), "POST")
    db.session.execute(Signature.__table__.update().where(Signature.email == "pending@example.org")
                       .values(mails_sent=99))  # a used-up allowance is the same row, more mails
    sign_from(client, "10.7.1.3", email="usedup@example.org")
    db.session.execute(Signature.__table__.update().where(Signature.email == "usedup@example.org")
                       .values(mails_sent=99))
    db.session.commit()
    cases = {address: statements_of(client, email=address) for address in
             ("new@example.org", "pending@example.org", "confirmed@example.org", "usedup@example.org")}
    first = next(iter(cases.values()))
    assert first and all(statements == first for statements in cases.values()), cases
    assert not any("signature " in s.lower() and "insert" in s.lower() for s in first)
    db.session.rollback()
    assert db.session.scalar(select(func.count(SignatureSubmission.id))) == 4
    assert db.session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.to_addr == "new@example.org")) == 0
