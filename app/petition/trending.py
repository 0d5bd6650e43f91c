"""Trending: the IP hashes and email domains with the most signatures lately, and the mail to
the moderators when one passes TRENDING_ALERT signatures in an hour (at most once an hour per
key, whichever mail sender notices it). Checked by the mail sender's round (app/worker.py)."""
import logging
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import delete, func, insert, literal_column, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db, first_in
from app.models import Moderator, Signature, TrendingAlert
from app.models.base import utcnow
from app.outbox import enqueue

log = logging.getLogger(__name__)
KINDS = ("ip_hash", "domain")
CHECKED_KEY = "trending:checked"  # in the shared cache while a sender checked lately


def _domain_column():
    """The domain of the canonical address, in SQL (PostgreSQL and SQLite spell it differently)."""
    # Literals, not bound parameters: PostgreSQL must see the same expression in GROUP BY.
    column, at = Signature.email_canonical, literal_column("'@'")
    if db.session.get_bind().dialect.name == "postgresql":
        return func.split_part(column, at, literal_column("2"))
    return func.substr(column, func.instr(column, at) + literal_column("1"))


def _key_column(kind: str):
    """What a trending key groups by."""
    return Signature.ip_hash if kind == "ip_hash" else _domain_column()


def top(kind: str, since: datetime, limit: int = 10, at_least: int = 1) -> list[tuple[str, int]]:
    """The `limit` keys of `kind` with the most signatures created since `since` (any state
    but invalidated: those are dealt with), most first: [(key, count)]."""
    key = _key_column(kind)
    count = func.count(Signature.id)
    rows = db.session.execute(
        select(key, count).where(Signature.created_at >= since, Signature.invalidation_id.is_(None),
                                 key.is_not(None))
        .group_by(key).having(count >= at_least).order_by(count.desc(), key).limit(limit))
    return [(value, n) for value, n in rows]


def trending(now: datetime | None = None, limit: int = 10) -> dict:
    """{"hour": {kind: [(key, count)]}, "day": {…}} for the trending page."""
    now = now or utcnow()
    return {period: {kind: top(kind, now - span, limit) for kind in KINDS}
            for period, span in (("hour", timedelta(hours=1)), ("day", timedelta(days=1)))}


def _claim(kind: str, value: str, now: datetime) -> bool:
    """True if this key may be mailed about now (not in the last hour): claimed for this
    transaction by a conditional UPDATE, or by inserting its row (the unique constraint decides
    between two senders)."""
    claimed = db.session.execute(
        update(TrendingAlert).where(TrendingAlert.kind == kind, TrendingAlert.value == value,
                                    TrendingAlert.alerted_at <= now - timedelta(hours=1))
        .values(alerted_at=now)).rowcount
    if claimed:
        return True
    try:
        with db.session.begin_nested():
            db.session.execute(insert(TrendingAlert).values(kind=kind, value=value, alerted_at=now))
    except IntegrityError:
        return False  # mailed within the hour (by us or another sender)
    return True


def _list_url(kind: str, value: str) -> str:
    """The back office's list of that key's signatures, absolute."""
    return url_for("admin.signatures", _external=True, **{kind: value})


def alert(now: datetime | None = None) -> int:
    """Mail every active moderator (in their language if their account has one, else Italian)
    about each key that passed TRENDING_ALERT signatures in the last hour and was not mailed
    about in the hour before; commits. Returns how many keys were mailed about."""
    now = now or utcnow()
    threshold = current_app.config["TRENDING_ALERT"]
    if not threshold or threshold < 1:
        return 0
    passing = [(kind, value, count) for kind in KINDS
               for value, count in top(kind, now - timedelta(hours=1), limit=20, at_least=threshold)]
    if not passing:
        return 0
    db.session.execute(delete(TrendingAlert).where(TrendingAlert.alerted_at < now - timedelta(days=1)))
    moderators = db.session.scalars(select(Moderator).where(Moderator.active.is_(True))).all()
    mailed = 0
    for kind, value, count in passing:
        if not moderators or not _claim(kind, value, now):
            continue
        mailed += 1
        for moderator in moderators:
            lang = getattr(moderator, "lang", None)  # accounts may get a language later
            lang = lang if lang in current_app.config["LANGUAGES"] else "it"
            enqueue(moderator.email, "trending_alert", lang, ref=f"trending:{kind}",
                    kind=kind, value=value, count=count, threshold=threshold,
                    list_url=_list_url(kind, value),
                    trending_url=url_for("admin.signatures_trending", _external=True))
    db.session.commit()
    return mailed


def alert_if_due() -> int:
    """`alert()`, at most once per TRENDING_CHECK_SECONDS across every sender that shares the
    cache (each round would otherwise run two GROUP BYs over the last hour; while the cache is
    down, not at all). Never raises: a failed check is logged and tried again later."""
    # While the cache is down, not at all: every round would run the GROUP BYs.
    if not first_in(CHECKED_KEY, current_app.config["TRENDING_CHECK_SECONDS"], when_down=False):
        return 0
    try:
        return alert()
    except Exception:
        log.exception("the trending check failed")
        db.session.rollback()
        return 0
