"""The mail sender's work, outside web requests: register the signatures submitted since the
last round (app.petition.signing), then send the mails that are due (app.outbox). Run by
`flask mail send --loop` (as many as you like: rows are taken with locks and leases) and, in
the tests, after each request of the test client."""
import logging

from flask import current_app

from app.extensions import db

log = logging.getLogger(__name__)


def work_once(limit: int = 100, send: bool = True) -> tuple[int, int, int]:
    """One round: (submissions registered, mails sent, mails failed); `send=False` leaves the
    mails queued. Runs in a request context on SITE_URL, so that the links it builds (confirm,
    withdraw) are the site's own."""
    from app.outbox import deliver
    from app.petition.signing import register_submissions

    base = current_app.config.get("SITE_URL") or "http://localhost"
    with current_app.test_request_context("/", base_url=base):
        try:
            registered = register_submissions(limit)
        except Exception:  # a broken row must not stop the mail: it stays for the next round
            log.exception("registering submitted signatures failed")
            db.session.rollback()
            registered = 0
        sent, failed = deliver(limit=limit) if send else (0, 0)
    return registered, sent, failed


def work_until_idle(send: bool = True) -> tuple[int, int]:
    """Rounds until nothing is left to do now: (mails sent, mails failed) in all."""
    total_sent = total_failed = 0
    while True:
        registered, sent, failed = work_once(send=send)
        total_sent, total_failed = total_sent + sent, total_failed + failed
        if registered + sent + failed == 0:
            return total_sent, total_failed
