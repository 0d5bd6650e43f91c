"""Updates emailed to the signers who asked for news ("send me news of this campaign").

A moderator starts a mailing (one per update: a unique constraint, so a second press of the
button sends nothing more); the mail senders then queue its emails at MAILING_PER_MINUTE
(`pump`, each round of app.worker), so the outbox never holds more than a minute's worth and
confirm links keep going out within seconds. Each signer gets it once (a unique constraint on
mailing and signature), in their language, with an RFC 8058 one-click unsubscribe link whose
token only the email holds (its SHA-256 is stored). Recipients: confirmed, counted signatures
(app.stats.counted) that asked for news and were not invalidated, at the time their turn comes.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from markdown_it import MarkdownIt
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.admin.service import audit
from app.extensions import db
from app.models import Mailing, MailingRecipient, MailStatus, OutboxMail, Signature, Update
from app.models.base import utcnow
from app.outbox import enqueue
from app.security import new_token, token_digest
from app.stats import counted

log = logging.getLogger(__name__)
TEMPLATE = "update_mailing"  # templates/email/update_mailing.<lang>.txt and .html
LANGS = ("it", "en")


class AlreadyMailed(Exception):
    """This update has been emailed already (or is being emailed)."""


class NotPublished(Exception):
    """Only a published update can be emailed: the email links to its page."""


def recipients():
    """The condition of a signature that gets the campaign's news: counted (confirmed, not held,
    not invalidated: app.stats.counted) and asked for news."""
    return counted() & Signature.news.is_(True)


def audience() -> dict[str, int]:
    """How many signers would get a mailing now, per language (both always present)."""
    rows = db.session.execute(select(Signature.lang, func.count(Signature.id)).where(recipients())
                              .group_by(Signature.lang)).all()
    counts = dict.fromkeys(LANGS, 0)
    for lang, n in rows:
        counts[lang if lang in counts else "it"] += n
    return counts


def mailing_of(update_id: int) -> Mailing | None:
    """The mailing of an update, if it was started."""
    return db.session.scalar(select(Mailing).where(Mailing.update_id == update_id))


def start(update: Update, actor: str) -> Mailing:
    """Start emailing `update`, in the audit log; the caller commits. AlreadyMailed when it was
    started before (by this or another moderator, even at the same instant: the database
    decides, and only this insert is undone)."""
    if update.published_at is None:
        raise NotPublished(update.id)
    now = utcnow()
    mailing = Mailing(update_id=update.id, started_by=actor, started_at=now,
                      next_at=now - burst(), last_signature_id=0)
    try:
        with db.session.begin_nested():
            db.session.add(mailing)
    except IntegrityError:
        raise AlreadyMailed(update.id) from None
    audit("update.mail", "update", update.id, after={"mailing_id": mailing.id, "recipients": audience()},
          actor=actor)
    return mailing


def per_minute() -> int:
    """MAILING_PER_MINUTE, at least 1."""
    return max(int(current_app.config["MAILING_PER_MINUTE"]), 1)


def burst() -> timedelta:
    """The most time whose share may be queued at once: ten seconds' worth (or one email), so
    a sender that was busy (a hand-over render) or down never queues a minute's worth at once."""
    return timedelta(seconds=max(10, 60 / per_minute()))


def pump(limit: int = 100) -> int:
    """Queue the next emails of every mailing under way, at the pace allowed; commits. Returns
    how many were queued. Run by each mail sender's round (app.worker)."""
    ids = db.session.scalars(select(Mailing.id).where(Mailing.finished_at.is_(None)).order_by(Mailing.id)).all()
    db.session.rollback()
    queued = 0
    for mailing_id in ids:
        try:
            queued += _pump_one(mailing_id, limit)
        except (IntegrityError, OperationalError):  # another sender queued these first
            db.session.rollback()
            log.info("mailing %s: another sender took this batch", mailing_id)
    return queued


def _pump_one(mailing_id: int, limit: int) -> int:
    """One batch of one mailing, under its row lock (another sender skips it meanwhile)."""
    mailing = db.session.scalar(select(Mailing).where(Mailing.id == mailing_id, Mailing.finished_at.is_(None))
                                .with_for_update(skip_locked=True))
    now = utcnow()
    if mailing is None or mailing.next_at > now:
        db.session.rollback()
        return 0
    rate = per_minute()
    base = max(mailing.next_at, now - burst())
    budget = min(limit, rate, int((now - base).total_seconds() * rate / 60))
    if budget <= 0:  # the next email's turn has not come yet
        db.session.rollback()
        return 0
    update = db.session.get(Update, mailing.update_id)
    if update is None or update.published_at is None:  # taken off the site meanwhile: paused
        db.session.rollback()
        return 0
    batch = db.session.execute(
        select(Signature.id, Signature.email, Signature.name, Signature.lang)
        .where(recipients(), Signature.id > mailing.last_signature_id)
        .order_by(Signature.id).limit(budget)).all()
    for signature_id, email, name, lang in batch:
        lang = lang if lang in LANGS else "it"
        token, digest = new_token()
        unsubscribe = url_for("campaign.unsubscribe", token=token, lang_code=lang, _external=True)
        mail_id = enqueue(
            email, TEMPLATE, lang, ref=f"signature:{signature_id}", name=name, title=update.title(lang),
            body_md=update.body(lang), update_url=url_for("campaign.update", update_id=update.id,
                                                          lang_code=lang, _external=True),
            unsubscribe_url=unsubscribe,
            mail_headers={"List-Unsubscribe": f"<{unsubscribe}>",
                          "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
        db.session.add(MailingRecipient(mailing_id=mailing.id, signature_id=signature_id, lang=lang,
                                        token_digest=digest, mail_id=mail_id, queued_at=now))
    if batch:
        mailing.last_signature_id = batch[-1][0]
        mailing.next_at = base + timedelta(seconds=len(batch) * 60 / rate)
    if len(batch) < budget:  # nobody else to email now
        mailing.finished_at = now
    db.session.commit()
    return len(batch)


@dataclass(frozen=True)
class Progress:
    """How far a mailing is."""

    queued: dict[str, int]  # per language
    sent: int
    waiting: int  # signers not queued yet (who would get it now)
    finished_at: datetime | None

    @property
    def total_queued(self) -> int:
        """Queued in all languages."""
        return sum(self.queued.values())


def progress(mailing: Mailing) -> Progress:
    """Queued (per language) and sent so far, and how many signers are still to come."""
    queued = dict.fromkeys(LANGS, 0)
    for lang, n in db.session.execute(
            select(MailingRecipient.lang, func.count(MailingRecipient.id))
            .where(MailingRecipient.mailing_id == mailing.id).group_by(MailingRecipient.lang)):
        queued[lang] = n
    sent = db.session.scalar(
        select(func.count(MailingRecipient.id)).join(OutboxMail, OutboxMail.id == MailingRecipient.mail_id)
        .where(MailingRecipient.mailing_id == mailing.id, OutboxMail.status == MailStatus.sent)) or 0
    waiting = 0 if mailing.finished_at else db.session.scalar(
        select(func.count(Signature.id)).where(recipients(), Signature.id > mailing.last_signature_id)) or 0
    return Progress(queued, sent, waiting, mailing.finished_at)


def for_token(token: str) -> MailingRecipient | None:
    """The email an unsubscribe link came in, if its signature still exists."""
    return db.session.scalar(select(MailingRecipient).where(MailingRecipient.token_digest == token_digest(token)))


def subscribed(row: MailingRecipient) -> bool:
    """True while the signer behind `row` still gets the news."""
    return bool(db.session.scalar(select(Signature.news).where(Signature.id == row.signature_id)))


def unsubscribe(row: MailingRecipient) -> None:
    """No more news for this signer: the flag goes off and their emails not sent yet are
    dropped from the outbox. The caller commits."""
    signature = db.session.get(Signature, row.signature_id)
    if signature is None:
        return
    signature.news = False
    db.session.execute(delete(OutboxMail).where(
        OutboxMail.ref == f"signature:{signature.id}", OutboxMail.template == TEMPLATE,
        OutboxMail.status == MailStatus.pending, OutboxMail.claimed_by.is_(None)))


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def markdown_text(source: str) -> str:
    """An update's Markdown as plain text for the email: paragraphs, list items with a dash,
    links as "text (address)"."""
    blocks, prefix = [], ""
    for token in _md.parse(source or ""):
        if token.type == "list_item_open":
            prefix = "- "
        if token.type != "inline":
            continue
        parts, href = [], None
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append("\n")
            elif child.type == "link_open":
                href = child.attrGet("href")
            elif child.type == "link_close" and href:
                parts.append(f" ({href})")
                href = None
        blocks.append(prefix + "".join(parts))
        prefix = ""
    return "\n\n".join(blocks)


def preview(update: Update, lang: str) -> tuple[str, str, str]:
    """(subject, text, HTML) of the update's email in `lang`, as a signer named Maria gets it."""
    from app.outbox import own_site, render

    return render(TEMPLATE, lang, {
        "name": "Maria", "title": update.title(lang), "body_md": update.body(lang), "own_site": own_site(),
        "update_url": url_for("campaign.update", update_id=update.id, lang_code=lang, _external=True),
        "unsubscribe_url": url_for("campaign.unsubscribe", token="preview", lang_code=lang, _external=True)})
