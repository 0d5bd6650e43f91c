"""Signatures of the open letter and the tokens of the links we mail about them."""
import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.registry import enum_column


class SignatureStatus(enum.Enum):
    """Pending until the signer confirms by mail."""

    pending = "pending"
    confirmed = "confirmed"


class ListingState(enum.Enum):
    """Where a consenting signer stands on the public list: shown only once a moderator
    approved the name, city, reason and admin claim (the count does not wait)."""

    waiting = "waiting"
    approved = "approved"
    hidden = "hidden"


class TokenPurpose(enum.Enum):
    """What a mailed link does."""

    confirm = "confirm"
    withdraw = "withdraw"


class Signature(db.Model):
    """One person's signature. Withdrawing it deletes the row (and its tokens and mails).
    Its state in the back office: invalidated (`invalidation_id`), else held (`suspect`: over
    the rate limit or on a block list), else pending or confirmed (`status`)."""

    __tablename__ = "signature"
    __table_args__ = (
        Index("ix_signature_counted", "status", "suspect"),
        Index("ix_signature_public_list", "public", "confirmed_at"),
        Index("ix_signature_listing", "listing", "confirmed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(320))  # as typed (normalised), where mails go
    # One signature per person: the address in canonical form (see service.canonical_email).
    email_canonical: Mapped[str] = mapped_column(String(320), unique=True)
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2), default="IT")  # ISO 3166-1 alpha-2
    is_admin: Mapped[bool] = mapped_column(default=False)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id", ondelete="SET NULL"))
    group_name: Mapped[str] = mapped_column(String(300), default="")  # as typed, when not in the registry
    reason: Mapped[str] = mapped_column(String(500), default="")
    public: Mapped[bool] = mapped_column(default=False)  # consent to show name and city
    news: Mapped[bool] = mapped_column(default=False)  # asked for the campaign's news by mail
    # The public list's review (app/petition/review.py); a moderator may also have verified the
    # admin claim.
    listing: Mapped[ListingState] = mapped_column(
        enum_column(ListingState), default=ListingState.waiting)
    admin_verified: Mapped[bool] = mapped_column(default=False)
    lang: Mapped[str] = mapped_column(String(2))
    status: Mapped[SignatureStatus] = mapped_column(
        enum_column(SignatureStatus), default=SignatureStatus.pending)
    # Over the rate limit: stored but neither counted nor listed.
    suspect: Mapped[bool] = mapped_column(default=False)
    mails_sent: Mapped[int] = mapped_column(default=0)  # never more than MAX_MAILS
    ip_hash: Mapped[str | None] = mapped_column(String(64))  # dropped after 30 days
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # a pending one is purged then
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a moderator invalidated it (app.petition.moderation): neither counted nor listed,
    # whatever its status, until the invalidation is undone. None: valid.
    invalidation_id: Mapped[int | None] = mapped_column(
        ForeignKey("signature_invalidation.id", ondelete="SET NULL"), index=True)

    group = relationship("Group", lazy="raise")
    tokens = relationship("SignatureToken", back_populates="signature", lazy="raise",
                          cascade="all, delete-orphan", passive_deletes=True)


class SignatureToken(db.Model):
    """A mailed link (confirm or withdraw): only the SHA-256 of its token is stored."""

    __tablename__ = "signature_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    signature_id: Mapped[int] = mapped_column(ForeignKey("signature.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: never (withdraw)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    signature = relationship("Signature", back_populates="tokens", lazy="raise")


class SignatureInvalidation(db.Model):
    """A moderator took signatures out of the count and the public list (one, or every one a
    filter matched), with a reason. Undoing it gives back exactly the signatures it took:
    those whose `invalidation_id` points here."""

    __tablename__ = "signature_invalidation"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(1000))
    criteria: Mapped[str] = mapped_column(Text)  # the filter, as JSON (app.petition.moderation)
    count: Mapped[int] = mapped_column(default=0)  # how many it took
    actor: Mapped[str] = mapped_column(String(320))  # who, as the audit log names them
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("moderator.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(320))


class BlockKind(enum.Enum):
    """What a block list entry matches at signing."""

    domain = "domain"  # the email's domain, and its subdomains
    email = "email"  # one address, in canonical form
    ip_hash = "ip_hash"  # the keyed hash of the signer's IP


class SignatureBlock(db.Model):
    """A block list entry (administrators): a new signature that matches it is stored held,
    silently (app.petition.signing.register)."""

    __tablename__ = "signature_block"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BlockKind] = mapped_column(enum_column(BlockKind))
    value: Mapped[str] = mapped_column(String(320))
    note: Mapped[str] = mapped_column(String(300), default="")
    actor: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrendingAlert(db.Model):
    """When the moderators were last mailed about a trending IP hash or email domain, so that
    each key is mailed at most once an hour (a conditional UPDATE claims it, whichever sender
    runs). Rows older than a day are dropped: they would keep IP hashes past their time."""

    __tablename__ = "trending_alert"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "ip_hash" or "domain"
    value: Mapped[str] = mapped_column(String(320))
    alerted_at: Mapped[datetime] = mapped_column(UTCDateTime)
