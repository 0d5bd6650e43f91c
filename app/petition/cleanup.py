"""Erasing a signature with everything that holds its data, and the daily purge (`flask purge`)."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import OutboxMail, Signature, SignatureStatus, SignatureToken
from app.models.base import utcnow


def ip_hash_days() -> int:
    """How long the hashed IP is kept, for abuse analysis (IP_HASH_DAYS, shown on the privacy notice)."""
    return current_app.config["IP_HASH_DAYS"]


def erase(signature_id: int) -> None:
    """Delete a signature with everything that holds its data (the caller commits)."""
    db.session.execute(delete(OutboxMail).where(OutboxMail.ref == f"signature:{signature_id}"))
    db.session.execute(delete(SignatureToken).where(SignatureToken.signature_id == signature_id))
    db.session.execute(delete(Signature).where(Signature.id == signature_id))


def purge(now: datetime | None = None) -> tuple[int, int]:
    """Delete unconfirmed signatures whose links expired, and drop IP hashes older than
    IP_HASH_DAYS, in one transaction (`flask purge`: commits). Returns (signatures deleted, IP
    hashes dropped)."""
    now = now or utcnow()
    expired = list(db.session.scalars(
        select(Signature.id).where(Signature.status == SignatureStatus.pending, Signature.expires_at < now)))
    for signature_id in expired:
        erase(signature_id)
    db.session.execute(delete(SignatureToken).where(SignatureToken.expires_at < now))
    dropped = db.session.execute(
        update(Signature).where(Signature.ip_hash.is_not(None),
                                Signature.created_at < now - timedelta(days=ip_hash_days()))
        .values(ip_hash=None)
    ).rowcount
    db.session.commit()
    return len(expired), dropped
