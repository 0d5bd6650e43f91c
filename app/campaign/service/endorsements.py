"""Endorsements: organisations and elected representatives who stand behind the letter. Sent
through a form, confirmed by a mailed link (a button), approved by a moderator, then shown."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.admin.service import audit
from app.extensions import db
from app.models import Endorsement, EndorsementKind, EndorsementStatus
from app.models.base import utcnow
from app.outbox import enqueue
from app.security import new_token, token_digest

CONFIRM_DAYS = 7  # the mailed link works for this long


@dataclass(frozen=True)
class EndorsementData:
    """What the form asks for."""

    name: str
    kind: EndorsementKind
    city: str
    website: str
    email: str
    statement: str


@dataclass(frozen=True)
class PublicEndorsement:
    """What the public may see of an approved endorsement: never its contact email."""

    name: str
    kind: EndorsementKind
    city: str
    website: str
    statement: str
    lang: str
    approved_at: datetime

    @classmethod
    def of(cls, row: Endorsement) -> "PublicEndorsement":
        """The public part of `row`."""
        return cls(row.name, row.kind, row.city, row.website, row.statement, row.lang,
                   row.reviewed_at or row.created_at)


def submit(data: EndorsementData, lang: str, ip_hash: str | None, confirm_url) -> Endorsement:
    """Store an unconfirmed endorsement and queue the confirmation mail (the caller commits).
    `confirm_url(token)` builds the mailed link."""
    token, digest = new_token()
    row = Endorsement(name=data.name, kind=data.kind, city=data.city, website=data.website,
                      email=data.email, statement=data.statement, lang=lang, ip_hash=ip_hash,
                      token_digest=digest, status=EndorsementStatus.pending_email,
                      expires_at=utcnow() + timedelta(days=CONFIRM_DAYS))
    db.session.add(row)
    db.session.flush()
    enqueue(data.email, "endorsement_confirm", lang, ref=f"endorsement:{row.id}", name=data.name,
            confirm_url=confirm_url(token), days=CONFIRM_DAYS)
    return row


def for_token(token: str) -> Endorsement | None:
    """The endorsement a mailed link is for, else None."""
    return db.session.scalar(select(Endorsement).where(Endorsement.token_digest == token_digest(token)))


def link_expired(row: Endorsement) -> bool:
    """True when an unconfirmed endorsement's link is past its date."""
    return row.status == EndorsementStatus.pending_email and row.expires_at < utcnow()


def confirm(row: Endorsement) -> bool:
    """Confirm the contact address: the endorsement goes to the moderators. False if it was
    already confirmed (the same link pressed twice)."""
    if row.status != EndorsementStatus.pending_email:
        return False
    row.status = EndorsementStatus.pending_review
    row.confirmed_at = utcnow()
    return True


def review(row: Endorsement, approve: bool, actor: str) -> None:
    """A moderator's decision, in the audit log."""
    before = {"status": row.status}
    row.status = EndorsementStatus.approved if approve else EndorsementStatus.rejected
    row.reviewed_at, row.reviewed_by = utcnow(), actor
    audit("endorsement.approve" if approve else "endorsement.reject", "endorsement", row.id,
          before=before, after={"status": row.status}, actor=actor)


def waiting() -> list[Endorsement]:
    """Confirmed endorsements waiting for a moderator, oldest first; then the decided ones."""
    order = (Endorsement.status != EndorsementStatus.pending_review, Endorsement.id)
    return list(db.session.scalars(
        select(Endorsement).where(Endorsement.status != EndorsementStatus.pending_email).order_by(*order)))


def approved() -> list[PublicEndorsement]:
    """Approved endorsements, oldest first."""
    rows = db.session.scalars(select(Endorsement).where(Endorsement.status == EndorsementStatus.approved)
                              .order_by(Endorsement.reviewed_at, Endorsement.id))
    return [PublicEndorsement.of(row) for row in rows]


def by_kind() -> list[tuple[EndorsementKind, list[PublicEndorsement]]]:
    """Approved endorsements grouped by kind, in the order of EndorsementKind; empty kinds left out."""
    rows = approved()
    return [(kind, [e for e in rows if e.kind == kind]) for kind in EndorsementKind
            if any(e.kind == kind for e in rows)]
