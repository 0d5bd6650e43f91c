"""The public registry of hijacked groups."""
import enum
from datetime import datetime

from sqlalchemy import Enum, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class GroupStatus(enum.Enum):
    """Where a hijacked group stands now."""

    hijacked = "hijacked"  # still in the hijackers' hands
    recreated = "recreated"  # the admins started a new group
    closed = "closed"  # deleted by Facebook after reports
    recovered = "recovered"  # given back to its admins


class Crew(enum.Enum):
    """Who took the group. The 2014 list names "Shitstorm / Nameless" jointly for most groups."""

    shitstorm = "shitstorm"
    nameless = "nameless"
    shitstorm_nameless = "shitstorm_nameless"
    shitarmy = "shitarmy"
    other = "other"
    unknown = "unknown"


def enum_column(enum_cls):
    """An enum stored as its value in a VARCHAR with a CHECK constraint (portable, readable)."""
    return Enum(enum_cls, native_enum=False, create_constraint=True, length=20,
                values_callable=lambda e: [m.value for m in e], name=enum_cls.__name__.lower())


class Group(db.Model):
    """A hijacked group as the public sees it (published) or as moderators keep it."""

    __tablename__ = "group"
    __table_args__ = (Index("ix_group_name_folded", "name_folded"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(90), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    name_folded: Mapped[str] = mapped_column(String(300))  # app.text.fold(name), for search
    facebook_url: Mapped[str | None] = mapped_column(String(300), unique=True)
    status: Mapped[GroupStatus] = mapped_column(enum_column(GroupStatus))
    crew: Mapped[Crew] = mapped_column(enum_column(Crew))
    # ISO 8601, a day ("2014-07-18") or a month ("2012-12"); sorts as text.
    hijacked_on: Mapped[str | None] = mapped_column(String(10))
    members_at_hijack: Mapped[int | None]
    members_after: Mapped[int | None]
    account_it: Mapped[str] = mapped_column(Text, default="")
    account_en: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="report")  # "letter-2014" or "report"
    published: Mapped[bool] = mapped_column(default=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
