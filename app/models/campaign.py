"""The campaign after the letter: updates from the coalition (and, in later steps, endorsements,
the demand's timeline, mailings to supporters and the hand-over document)."""
import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Index, String, Text
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
