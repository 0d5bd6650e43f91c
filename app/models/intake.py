"""Signatures as submitted, waiting for the mail sender to register them.

The sign POST only writes one of these rows, whatever the address (new, pending, confirmed,
used up): so it takes the same time for everyone and says nothing about who has signed. The
sender (app.petition.signing.register) turns each into a signature or a mail and deletes it."""
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class SignatureSubmission(db.Model):
    """One accepted sign form, as typed (JSON details), with the request's verdicts."""

    __tablename__ = "signature_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    lang: Mapped[str] = mapped_column(String(2))
    details: Mapped[str] = mapped_column(Text)  # name, city, country, group, reason, public, news: JSON
    ip_hash: Mapped[str] = mapped_column(String(64))
    held: Mapped[bool] = mapped_column(default=False)  # over the signing rate limit: no mail
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
