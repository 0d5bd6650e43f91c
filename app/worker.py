"""The mail sender's work, outside web requests: register the signatures submitted since the
last round (app.petition.signing), mail the moderators when a key trends past TRENDING_ALERT
(app.petition.trending, after a round that registered signatures), queue the next emails of a
mailing (app.campaign), send the mails that are due (app.outbox), and now and then render a new
edition of the press documents (app.press.service); once per pass, the moderators' digest of
queues left waiting (app.admin.digest). Run by
`flask mail send --loop` (as many as you like: rows are taken with locks and leases) and, in
the tests, after each request of the test client."""
import logging
import time

from flask import current_app

from app.extensions import db

log = logging.getLogger(__name__)


def work_once(limit: int = 100, send: bool = True) -> tuple[int, int, int]:
    """One round: (submissions registered and mailing emails queued, mails sent, mails failed); `send=False` leaves the
    mails queued. Runs in a request context on SITE_URL, so that the links it builds (confirm,
    withdraw) are the site's own."""
    from app.outbox import deliver
    from app.petition.signing import register_submissions
    from app.petition.trending import alert_if_due

    base = current_app.config.get("SITE_URL") or "http://localhost"
    with current_app.test_request_context("/", base_url=base):
        try:
            registered = register_submissions(limit)
        except Exception:  # a broken row must not stop the mail: it stays for the next round
            log.exception("registering submitted signatures failed")
            db.session.rollback()
            registered = 0
        if registered:
            alert_if_due()  # logs its own failures
        registered += _queue_mailings(limit)
        sent, failed = deliver(limit=limit) if send else (0, 0)
        if registered + sent + failed == 0:  # only when idle: mail first, documents after
            _render_handover()
            render_press_if_due()
    return registered, sent, failed


def render_press_if_due() -> int:
    """Every PRESS_RENDER_SECONDS, in a round that found no other work, render the press
    documents of a new edition (content or figures changed), so that no web worker renders
    them in a thread of its own and the press room soon lists each file with its SHA-256. On
    a busy day the first download renders a document instead (under its lock, the previous
    edition served meanwhile). How many were rendered; a failure is logged, tried next time."""
    every = current_app.config["PRESS_RENDER_SECONDS"]
    checked = current_app.extensions.setdefault("press-render", {"at": float("-inf")})
    if not every or time.monotonic() - checked["at"] < every:
        return 0
    checked["at"] = time.monotonic()
    from app.press.service import NotReady, render_missing

    try:
        return render_missing()
    except NotReady:  # no letter loaded yet: nothing to render
        return 0
    except Exception:
        log.exception("rendering the press documents failed")
        db.session.rollback()
        return 0


def _render_handover() -> int:
    """A hand-over document a moderator asked for (app.campaign): too long a render for a web
    request once thousands have signed. How many were rendered; a failure is logged."""
    from app.campaign.service.handover import render_requested

    try:
        return render_requested()
    except Exception:
        log.exception("rendering the hand-over document failed")
        db.session.rollback()
        return 0


def _queue_mailings(limit: int) -> int:
    """The next emails of the updates being emailed, at MAILING_PER_MINUTE (app.campaign)."""
    from app.campaign.service.mailings import pump

    try:
        return pump(limit)
    except Exception:  # like a broken submission: logged, and the next round tries again
        log.exception("queueing the emails of a mailing failed")
        db.session.rollback()
        return 0


def alert_moderators() -> int:
    """Queue the moderators' digest when queues have waited too long (app/admin/digest.py, at
    most once a period); mails queued. A failure is logged and never stops the sending."""
    from app.admin.digest import CHECK_EVERY, CHECKED_KEY, send_digest
    from app.extensions import first_in
    from app.models.base import utcnow

    # One look a minute among all senders (the shared cache; without one, every pass looks).
    if not first_in(CHECKED_KEY, CHECK_EVERY, when_down=True):
        return 0
    base = current_app.config.get("SITE_URL") or "http://localhost"
    with current_app.test_request_context("/", base_url=base):
        try:
            queued = send_digest(utcnow())
            db.session.commit()
        except Exception:
            log.exception("the moderators' digest failed")
            db.session.rollback()
            queued = 0
    return queued


def work_until_idle(send: bool = True) -> tuple[int, int]:
    """The moderators' digest if due, then rounds until nothing is left to do now: (mails
    sent, mails failed) in all."""
    alert_moderators()
    total_sent = total_failed = 0
    while True:
        registered, sent, failed = work_once(send=send)
        total_sent, total_failed = total_sent + sent, total_failed + failed
        if registered + sent + failed == 0:
            return total_sent, total_failed
