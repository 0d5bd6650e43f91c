"""Mail waiting to be sent: written in the same transaction as what caused it."""
import enum
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.registry import enum_column


class MailStatus(enum.Enum):
    """Where a mail is in its life."""

    pending = "pending"
    sent = "sent"
    failed = "failed"  # gave up after MAIL_MAX_ATTEMPTS


class OutboxMail(db.Model):
    """One mail: its template, language and context, rendered by the sender (app.outbox). The
    context is cleared once delivered, so the links it carried are not kept."""

    __tablename__ = "outbox_mail"
    __table_args__ = (Index("ix_outbox_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))  # "" until sent
    # Rendered bodies: only in rows queued before mails were rendered at sending time.
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(2))
    template: Mapped[str] = mapped_column(String(60))
    context: Mapped[str | None] = mapped_column(Text)  # the template's values, as JSON
    # What the mail is about, e.g. "signature:42": lets erasure delete its mails too.
    ref: Mapped[str | None] = mapped_column(String(60), index=True)
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus), default=MailStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Lease taken by a sender, so that two senders never send one mail twice.
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
