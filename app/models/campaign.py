"""The campaign after the letter: updates from the coalition (and, in later steps, endorsements,
the demand's timeline, mailings to supporters and the hand-over document)."""
import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.registry import enum_column


class Update(db.Model):
    """News from the coalition, written in Markdown in both languages. Published only when both
    languages have a title and a text: the database refuses anything else."""

    __tablename__ = "campaign_update"
    __table_args__ = (
        CheckConstraint(
            "published_at IS NULL OR (title_it <> '' AND title_en <> '' AND body_it <> '' AND body_en <> '')",
            name="published_in_both_languages"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_it: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    body_it: Mapped[str] = mapped_column(Text, default="")  # Markdown, no raw HTML
    body_en: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def title(self, lang: str) -> str:
        """The title in `lang`."""
        return self.title_it if lang == "it" else self.title_en

    def body(self, lang: str) -> str:
        """The Markdown text in `lang`."""
        return self.body_it if lang == "it" else self.body_en

    def complete(self) -> bool:
        """True when both languages have a title and a text (it may then be published)."""
        return all((self.title_it.strip(), self.title_en.strip(), self.body_it.strip(), self.body_en.strip()))


class EndorsementKind(enum.Enum):
    """Who endorses the letter, besides individual signers."""

    association = "association"
    group = "group"
    council = "council"  # a local council
    representative = "representative"  # an elected representative


class EndorsementStatus(enum.Enum):
    """Waiting for the mailed confirmation, then for a moderator; shown only once approved."""

    pending_email = "pending_email"
    pending_review = "pending_review"
    approved = "approved"
    rejected = "rejected"


class Endorsement(db.Model):
    """An association, group, local council or elected representative endorsing the letter.
    The contact email is for the moderators only: it never leaves the back office."""

    __tablename__ = "endorsement"
    __table_args__ = (Index("ix_endorsement_public", "status", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EndorsementKind] = mapped_column(enum_column(EndorsementKind))
    city: Mapped[str] = mapped_column(String(120))
    website: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(320))
    statement: Mapped[str] = mapped_column(String(500), default="")
    lang: Mapped[str] = mapped_column(String(2))
    status: Mapped[EndorsementStatus] = mapped_column(
        enum_column(EndorsementStatus), default=EndorsementStatus.pending_email)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the mailed link's token
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the confirm link works until then
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(320))


class TimelineStep(db.Model):
    """A dated step of the demand (the letter published, sent to Facebook, Facebook's answer),
    in both languages. A step without a date is still to come, and is shown last."""

    __tablename__ = "timeline_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    happened_on: Mapped[date | None] = mapped_column(Date)
    label_it: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def label(self, lang: str) -> str:
        """The step's words in `lang`."""
        return self.label_it if lang == "it" else self.label_en


class Mailing(db.Model):
    """An update emailed to the signers who asked for news. One per update: the database
    refuses a second, so pressing the button twice sends it once. The mail senders queue its
    emails at MAILING_PER_MINUTE (`next_at` is when the next ones may go, `last_signature_id`
    how far through the signers they are)."""

    __tablename__ = "mailing"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("campaign_update.id", ondelete="CASCADE"), unique=True)
    started_by: Mapped[str] = mapped_column(String(320))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signature_id: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # every signer queued


class MailingRecipient(db.Model):
    """One signer's email of a mailing: at most one per signer and mailing (the database says
    so, whatever two senders do). Holds the SHA-256 of the email's unsubscribe token; goes with
    the signature when it is withdrawn."""

    __tablename__ = "mailing_recipient"
    __table_args__ = (UniqueConstraint("mailing_id", "signature_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailing_id: Mapped[int] = mapped_column(ForeignKey("mailing.id", ondelete="CASCADE"))
    signature_id: Mapped[int] = mapped_column(ForeignKey("signature.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    mail_id: Mapped[int | None]  # its row in the outbox (erased with the signature)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Handover(db.Model):
    """A hand-over document (PDF) as generated in the back office: kept under
    DOCUMENTS_DIR/handover, listed in the press room once the coalition publishes it."""

    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(120), unique=True)  # within DOCUMENTS_DIR/handover
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    text_version: Mapped[int]  # of the letter
    signatures: Mapped[int]  # the count it states
    listed: Mapped[int]  # signers named in it
    generated_by: Mapped[str] = mapped_column(String(320))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(320))


class HandoverRequest(db.Model):
    """A moderator asked for a hand-over document: the mail sender renders it when idle (a PDF
    of thousands of names takes longer than a web request may), under a lease, then deletes
    this row in the transaction that records the Handover."""

    __tablename__ = "handover_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by: Mapped[str] = mapped_column(String(320))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
