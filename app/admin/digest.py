"""The queue digest: a mail to every active moderator when confirmed reports or held signatures
have waited longer than QUEUE_ALERT_HOURS, at most once in that many hours. Checked by the mail
sender at each pass (app/worker.py) and by `flask moderator digest` (cron). Several senders may
check at once: the one whose conditional UPDATE (or first INSERT) of the alert's row wins sends
it. The caller commits."""
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import AlertSent, Moderator, Report, ReportStatus, Signature, SignatureStatus
from app.outbox import enqueue

NAME = "queue_digest"
TEMPLATE = "queue_digest"
# The sender looks at most this often (seconds), whichever sender it is (a key in the shared
# cache): the digest is about hours, a pass comes every half second.
CHECK_EVERY = 60
CHECKED_KEY = "digest:checked"


def period() -> timedelta | None:
    """QUEUE_ALERT_HOURS as a time span; None when the digest is off (0 or less)."""
    hours = float(current_app.config.get("QUEUE_ALERT_HOURS") or 0)
    return timedelta(hours=hours) if hours > 0 else None


def waiting(cutoff: datetime) -> tuple[int, int]:
    """(confirmed reports queued before `cutoff`, held signatures made before it and neither
    released nor invalidated)."""
    reports = db.session.scalar(select(func.count(Report.id)).where(
        Report.status == ReportStatus.queued, Report.confirmed_at < cutoff)) or 0
    held = db.session.scalar(select(func.count(Signature.id)).where(
        Signature.suspect.is_(True), Signature.status == SignatureStatus.pending,
        Signature.invalidation_id.is_(None), Signature.created_at < cutoff)) or 0
    return reports, held


def _claim(now: datetime, span: timedelta) -> bool:
    """Take the right to send this period's digest: True for the one sender that gets it."""
    taken = db.session.execute(update(AlertSent).where(AlertSent.name == NAME, AlertSent.sent_at <= now - span)
                               .values(sent_at=now))
    if taken.rowcount == 1:
        return True
    if db.session.get(AlertSent, NAME) is not None:
        return False
    db.session.add(AlertSent(name=NAME, sent_at=now))
    try:
        db.session.flush()
    except IntegrityError:  # another sender wrote the first row meanwhile: theirs to send
        db.session.rollback()
        return False
    return True


def _held_url() -> str:
    """The queue of held signatures (app/admin/signatures.py), absolute."""
    return url_for("admin.signatures", state="held", _external=True)


def send_digest(now: datetime) -> int:
    """Queue the digest for every active moderator when something has waited too long and no
    digest went out in the period; returns how many mails were queued. Needs a request context
    on SITE_URL (links). The caller commits."""
    span = period()
    if span is None:
        return 0
    last = db.session.get(AlertSent, NAME)
    if last is not None and last.sent_at > now - span:
        return 0  # the cheap answer of almost every pass
    reports, held = waiting(now - span)
    if not reports and not held:
        return 0
    recipients = db.session.scalars(select(Moderator.email).where(Moderator.active.is_(True))
                                    .order_by(Moderator.id)).all()
    if not recipients or not _claim(now, span):
        return 0
    lang = current_app.config.get("BABEL_DEFAULT_LOCALE") or "it"
    hours = int(span.total_seconds() // 3600) or 1
    context = {"reports": reports, "held": held, "hours": hours,
               "queue_url": url_for("admin.queue", _external=True), "held_url": _held_url()}
    for email in recipients:
        enqueue(email, TEMPLATE, lang, ref="digest:queue", **context)
    return len(recipients)
