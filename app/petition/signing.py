"""Signing, confirming, withdrawing and purging: shared by the views, the mail sender and the CLI.
The functions the views call leave the commit to them; the sender's (`register_submissions`,
`register`) commit each submission themselves.

The sign POST only records a submission (`submit`); the mail sender registers it (`register`):
it inserts the signature, or mails the owner of an address that has one. So the POST does the
same work whatever the address, and a crawler timing it learns nothing. One signature per
person is enforced by the UNIQUE constraint on the canonical email: we insert and catch
IntegrityError. The count is an aggregate (app.stats), never a counter row.
"""
import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Signature, SignatureStatus, SignatureSubmission, SignatureToken, TokenPurpose
from app.models.base import utcnow
from app.outbox import enqueue
from app.petition.cleanup import erase
from app.petition.moderation import is_blocked
from app.security import new_token, token_digest
from app.text import canonical_email

log = logging.getLogger(__name__)


def link_days() -> int:
    """How long a confirm link lasts; an unconfirmed signature is purged after it (SIGNATURE_LINK_DAYS)."""
    return current_app.config["SIGNATURE_LINK_DAYS"]


MAX_MAILS = 5  # mails per signature, whatever anyone submits


@dataclass
class SignatureData:
    """What the form gives the service."""

    name: str
    email: str
    city: str = ""
    country: str = "IT"
    is_admin: bool = False
    group_id: int | None = None
    group_name: str = ""
    reason: str = ""
    public: bool = False
    news: bool = False  # mail me the campaign's updates (app.campaign.service.mailings)


def submit(data: SignatureData, lang: str, ip_hash: str, held: bool) -> None:
    """Record a submitted sign form for the sender to register (one INSERT, whoever signs);
    the caller commits. `held`: over the signing rate limit, so no mail goes out for it."""
    details = {k: v for k, v in asdict(data).items() if k != "email"}
    db.session.add(SignatureSubmission(email=data.email, lang=lang, details=json.dumps(details),
                                       ip_hash=ip_hash, held=held))


def register_submissions(limit: int = 100) -> int:
    """Register up to `limit` waiting submissions, oldest first, each in its own transaction
    (run by the mail sender). Several senders may run: a submission is taken by deleting its
    row in the transaction that registers it. Returns how many were registered."""
    ids = db.session.scalars(select(SignatureSubmission.id).order_by(SignatureSubmission.id).limit(limit)).all()
    db.session.rollback()
    registered = 0
    for submission_id in ids:
        try:
            registered += register(submission_id)
        except Exception:  # it stays queued (never lost) and does not hold up the others
            log.exception("submission %s could not be registered; kept for the next round", submission_id)
            db.session.rollback()
    return registered


def _take(submission_id: int) -> bool:
    """Delete the submission in the current transaction: True if it was still there (ours)."""
    return bool(db.session.execute(
        delete(SignatureSubmission).where(SignatureSubmission.id == submission_id)).rowcount)


def register(submission_id: int) -> bool:
    """Turn one submission into a new signature with its confirm mail, or, when the address
    has signed already, into a mail to its owner (`_again`); commits. False if another sender
    took it first. A crash leaves the submission for the next round: nothing is lost."""
    row = db.session.scalar(select(SignatureSubmission).where(SignatureSubmission.id == submission_id)
                            .with_for_update(skip_locked=True))  # another sender has it: skip
    if row is None:
        db.session.rollback()
        return False
    email, lang, ip_hash = row.email, row.lang, row.ip_hash
    # Over the limit or on a block list: held, silently (the signer's pages are the same).
    held = row.held or is_blocked(email, ip_hash)
    data = SignatureData(email=email, **json.loads(row.details))
    db.session.expunge(row)
    if not _take(submission_id):
        db.session.rollback()
        return False
    now = utcnow()
    signature = Signature(**_details(data, lang, held, ip_hash), email=email,
                          email_canonical=canonical_email(email), status=SignatureStatus.pending,
                          mails_sent=0 if held else 1, created_at=now,
                          expires_at=now + timedelta(days=link_days()))
    db.session.add(signature)
    try:
        db.session.flush()
    except IntegrityError:  # that person has signed already: start again, the other way
        db.session.rollback()
        if not _has_signed(signature.email_canonical):
            raise  # another constraint failed: keep the submission, never answer it as a duplicate
        if not _take(submission_id):
            db.session.rollback()
            return False
        _again(data, lang, held, ip_hash)
        db.session.commit()
        return True
    if not held:
        _send_confirm(signature.id, email, data.name, lang)
    db.session.commit()
    return True


def _has_signed(canonical: str) -> bool:
    """True when a signature (pending or confirmed) holds this canonical address."""
    return db.session.scalar(select(Signature.id).where(Signature.email_canonical == canonical)) is not None


def _details(data: SignatureData, lang: str, held: bool, hashed_ip: str) -> dict:
    """The columns a submission sets (with its rate-limit verdict). The email is not among
    them: a pending signature keeps the address its mails already went to."""
    return {
        "name": data.name, "city": data.city, "country": data.country or "IT",
        "is_admin": data.is_admin, "group_id": data.group_id if data.is_admin else None,
        "group_name": data.group_name if data.is_admin else "", "reason": data.reason,
        "public": data.public, "news": data.news, "lang": lang, "suspect": held, "ip_hash": hashed_ip,
    }


def _again(data: SignatureData, lang: str, held: bool, hashed_ip: str) -> None:
    """Someone submitted an address that has a signature: mail its owner, at most MAX_MAILS
    mails in all. Pending: the submission replaces the details (whoever typed them first),
    and the confirm link goes out again unless this submission is held; the confirm page shows
    the details to be confirmed. Confirmed: nothing changes (a stranger must not edit a
    signer's public text); the owner gets "you have already signed"."""
    canonical = canonical_email(data.email)
    signature = db.session.scalar(select(Signature).where(Signature.email_canonical == canonical))
    if signature is None:  # withdrawn meanwhile
        return
    if signature.status == SignatureStatus.pending:
        for column, value in _details(data, lang, held, hashed_ip).items():
            setattr(signature, column, value)
        signature.expires_at = utcnow() + timedelta(days=link_days())
    if held:
        return
    # A conditional UPDATE takes a mail from the allowance, so concurrent senders cannot
    # exceed it. A pending signature keeps the last mail for the thank-you with the withdraw link.
    allowance = case((Signature.status == SignatureStatus.pending, MAX_MAILS - 1), else_=MAX_MAILS)
    taken = db.session.execute(
        update(Signature).where(Signature.id == signature.id, Signature.mails_sent < allowance)
        .values(mails_sent=Signature.mails_sent + 1)
    ).rowcount
    if not taken:
        return
    if signature.status == SignatureStatus.pending:
        _send_confirm(signature.id, signature.email, signature.name, lang)
    else:
        withdraw_token = _new_link(signature.id, TokenPurpose.withdraw)
        enqueue(signature.email, "signature_already", signature.lang, ref=f"signature:{signature.id}",
                name=signature.name,
                withdraw_url=url_for("petition.withdraw", token=withdraw_token, lang_code=signature.lang,
                                     _external=True),
                list_url=url_for("petition.signatures", lang_code=signature.lang, _external=True))


def release(signature_id: int) -> bool:
    """Send a held signature's confirm link (a moderator released it); the caller commits.
    False if it is not a pending held (and not invalidated) signature."""
    signature = db.session.get(Signature, signature_id)
    if (signature is None or signature.status != SignatureStatus.pending or not signature.suspect
            or signature.invalidation_id is not None):
        return False
    signature.suspect = False
    signature.mails_sent += 1
    _send_confirm(signature.id, signature.email, signature.name, signature.lang)
    return True


def _new_link(signature_id: int, purpose: TokenPurpose) -> str:
    """A new token for a mailed link of a signature, in the session's transaction; only its
    digest is stored."""
    token, digest = new_token()
    now = utcnow()
    expires = now + timedelta(days=link_days()) if purpose == TokenPurpose.confirm else None
    db.session.connection().execute(insert(SignatureToken.__table__), {
        "digest": digest, "signature_id": signature_id, "purpose": purpose, "expires_at": expires,
        "created_at": now})
    return token


def _send_confirm(signature_id: int, email: str, name: str, lang: str) -> None:
    """Queue the mail with the confirm link, in `lang` (the language of the form sent)."""
    token = _new_link(signature_id, TokenPurpose.confirm)
    enqueue(email, "signature_confirm", lang, ref=f"signature:{signature_id}", name=name, days=link_days(),
            confirm_url=url_for("petition.confirm", token=token, lang_code=lang, _external=True))


def details_digest(signature: Signature) -> str:
    """A fingerprint of what the confirm page shows, so that confirming confirms what was seen."""
    details = [signature.name, signature.city, signature.country, signature.is_admin, signature.group_id,
               signature.group_name, signature.reason, signature.public, signature.news]
    return hashlib.sha256(json.dumps(details).encode()).hexdigest()


def find_token(token: str, purpose: TokenPurpose) -> SignatureToken | None:
    """The live token row for a mailed link, or None (unknown, expired or already used)."""
    row = db.session.scalar(
        select(SignatureToken).options(joinedload(SignatureToken.signature))
        .where(SignatureToken.digest == token_digest(token), SignatureToken.purpose == purpose)
    )
    if row is None or (row.expires_at is not None and row.expires_at < utcnow()):
        return None
    return row


class ConfirmResult:
    """What pressing a confirm link's button did."""

    CONFIRMED = "confirmed"  # confirmed now, or already
    DEAD = "dead"  # unknown or expired link
    CHANGED = "changed"  # the details changed since the page was shown: show them again


def confirm(token: str, lang: str, shown: str | None = None) -> str:
    """Confirm the signature behind a confirm link; returns a ConfirmResult value. CONFIRMED
    now: the confirmation and its thank-you mail are one transaction, which the caller commits
    before forgetting the figures (`app.stats.forget_figures`); otherwise nothing is written.
    `shown` is the details_digest of what the page showed: if someone submitted the address
    again meanwhile, nothing is confirmed. Only the request that flips it sends the thank-you
    mail, so ten concurrent clicks count once and mail once."""
    row = find_token(token, TokenPurpose.confirm)
    if row is None:
        return ConfirmResult.DEAD
    signature_id = row.signature_id
    seen = row.signature
    if shown is not None and seen.status == SignatureStatus.pending and details_digest(seen) != shown:
        db.session.expire_all()  # the page shows the details again: read them afresh
        return ConfirmResult.CHANGED
    # The details in the WHERE: a submission landing between the check above and this update
    # leaves the signature pending instead of confirming details nobody saw.
    flipped = db.session.execute(
        update(Signature).where(Signature.id == signature_id, Signature.status == SignatureStatus.pending,
                                Signature.name == seen.name, Signature.city == seen.city,
                                Signature.reason == seen.reason, Signature.public == seen.public,
                                Signature.news == seen.news)
        .values(status=SignatureStatus.confirmed, confirmed_at=utcnow(), lang=lang,
                mails_sent=Signature.mails_sent + 1)
    ).rowcount
    if not flipped:
        status = db.session.scalar(select(Signature.status).where(Signature.id == signature_id))
        db.session.expire_all()  # changed meanwhile: what the page shows next is read afresh
        return ConfirmResult.CHANGED if status == SignatureStatus.pending else ConfirmResult.CONFIRMED
    # The confirm links stay valid until they expire: a second click says "confirmed". The
    # allowance of MAX_MAILS keeps one mail for this thank-you (see _again).
    signature = db.session.get(Signature, signature_id)
    withdraw_token = _new_link(signature_id, TokenPurpose.withdraw)
    enqueue(signature.email, "signature_confirmed", lang, ref=f"signature:{signature_id}",
            name=signature.name,
            withdraw_url=url_for("petition.withdraw", token=withdraw_token, lang_code=lang, _external=True),
            list_url=url_for("petition.signatures", lang_code=lang, _external=True),
            share_url=url_for("petition.sign", lang_code=lang, _external=True))
    return ConfirmResult.CONFIRMED


def withdraw(token: str) -> bool:
    """Erase the signature behind a withdraw link: the row, its links and its mails (the
    caller commits, then forgets the figures). False when the link is unknown (for instance,
    already used)."""
    row = find_token(token, TokenPurpose.withdraw)
    if row is None:
        return False
    erase(row.signature_id)
    return True
