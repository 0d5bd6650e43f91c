"""Mails to the moderators that must not go out more than once a period (the queue digest):
one row per kind of alert, the time it last went out."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime


class AlertSent(db.Model):
    """When the alert `name` (e.g. "queue_digest") was last sent. Senders race for it with a
    conditional UPDATE (or the INSERT of the first row), so only one of them sends it."""

    __tablename__ = "alert_sent"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
