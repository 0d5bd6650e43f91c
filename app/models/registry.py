"""The public registry of hijacked groups, and the reports that feed it.

Life of a report: `pending_email` (sent, the reporter has not clicked the mailed link yet) →
`queued` (confirmed, in the moderators' queue, oldest first) → `published` (it created or updated
a Group), `rejected` (with a reason) or `merged` (folded into an existing Group as additional
information). Nothing of a report is public until a moderator publishes it; the reporter's name,
email and IP hash never are. The state changes live in app/registry/moderation.py.
"""
import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l, lazy_pgettext
from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class GroupStatus(enum.Enum):
    """Where a hijacked group stands now."""

    hijacked = "hijacked"  # still in the hijackers' hands
    recreated = "recreated"  # the admins started a new group
    closed = "closed"  # deleted by Facebook after reports
    recovered = "recovered"  # given back to its admins


# What each value is called on pages, in documents and in the back office (both languages).
STATUS_LABELS = {
    GroupStatus.hijacked: _l("Still hijacked"),
    GroupStatus.recreated: _l("Recreated by its admins"),
    GroupStatus.closed: _l("Closed by Facebook"),
    GroupStatus.recovered: _l("Recovered"),
}


class Crew(enum.Enum):
    """Who took the group. The 2014 list names "Shitstorm / Nameless" jointly for most groups."""

    shitstorm = "shitstorm"
    nameless = "nameless"
    shitstorm_nameless = "shitstorm_nameless"
    shitarmy = "shitarmy"
    other = "other"
    unknown = "unknown"


CREW_LABELS = {
    Crew.shitstorm: "Shitstorm",
    Crew.nameless: "Nameless",
    Crew.shitstorm_nameless: "Shitstorm / Nameless",
    Crew.shitarmy: "ShitArmy",
    Crew.other: _l("Another crew"),
    Crew.unknown: lazy_pgettext("crew", "Unknown"),
}


def enum_column(enum_cls, name: str | None = None, length: int = 20):
    """An enum stored as its value in a VARCHAR with a CHECK constraint (portable, readable).
    Pass `name` when one table has two columns of the same enum (constraint names are unique)."""
    return Enum(enum_cls, native_enum=False, create_constraint=True, length=length,
                values_callable=lambda e: [m.value for m in e], name=name or enum_cls.__name__.lower())


def _json_value(value):
    """A field's value as JSON holds it: an enum by its value, a time in ISO 8601."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class Group(db.Model):
    """A hijacked group as the public sees it (published) or as moderators keep it."""

    __tablename__ = "group"
    __table_args__ = (Index("ix_group_name_folded", "name_folded"),)

    # The public fields, in the order of the API's JSON and of the CSV's columns (the open data,
    # the press room's CSV): never anything about who reported the group.
    PUBLIC_FIELDS = ("id", "slug", "name", "status", "crew", "hijacked_on", "members_at_hijack",
                     "members_after", "facebook_url", "source", "published_at", "account_it",
                     "account_en")
    # What the audit log keeps of a group, before and after a moderator's change.
    AUDIT_FIELDS = ("id", "name", "facebook_url", "status", "crew", "hijacked_on", "members_at_hijack",
                    "members_after", "account_it", "account_en", "published")

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

    reports: Mapped[list["Report"]] = relationship(
        back_populates="group", order_by="Report.id", foreign_keys="Report.group_id")
    events: Mapped[list["GroupEvent"]] = relationship(
        back_populates="group", order_by="GroupEvent.id", cascade="all, delete-orphan")

    def account(self, lang: str) -> tuple[str, str | None]:
        """(public account, its language) in `lang`, else in the other language, else ("", None)."""
        own = self.account_it if lang == "it" else self.account_en
        if own.strip():
            return own, lang
        other_lang = "en" if lang == "it" else "it"
        other = self.account_en if lang == "it" else self.account_it
        return (other, other_lang) if other.strip() else ("", None)

    def to_dict(self, fields: tuple[str, ...] = PUBLIC_FIELDS) -> dict:
        """The group's `fields` (the public ones unless told), in that order, as JSON values."""
        return {name: _json_value(getattr(self, name)) for name in fields}


class ReportStatus(enum.Enum):
    """Where a report is in moderation."""

    pending_email = "pending_email"  # waiting for the reporter to confirm their address
    queued = "queued"  # confirmed: in the moderation queue
    published = "published"  # a moderator published it (created or updated its Group)
    rejected = "rejected"  # a moderator rejected it (reject_reason, moderator_note)
    merged = "merged"  # a moderator folded it into an existing Group


class ReporterRole(enum.Enum):
    """What the reporter was in the group."""

    admin = "admin"
    moderator = "moderator"
    member = "member"


ROLE_LABELS = {
    ReporterRole.admin: _l("Administrator"),
    ReporterRole.moderator: _l("Moderator"),
    ReporterRole.member: _l("Member"),
}


class RejectReason(enum.Enum):
    """Why a moderator rejected a report (the list the back office offers, plus a free note)."""

    not_hijacked = "not_hijacked"  # not a hijacking (e.g. an ordinary admin dispute)
    insufficient_evidence = "insufficient_evidence"
    not_verifiable = "not_verifiable"  # the group or page cannot be found or checked
    duplicate = "duplicate"  # already reported; nothing new
    abusive = "abusive"  # spam, trolling, offensive content
    other = "other"  # see the note


REJECT_LABELS = {
    RejectReason.abusive: _l("Spam or abuse"),
    RejectReason.not_hijacked: _l("Not a hijacking"),
    RejectReason.duplicate: _l("Duplicate"),
    RejectReason.insufficient_evidence: _l("Insufficient evidence"),
    RejectReason.not_verifiable: _l("Cannot be verified"),
    RejectReason.other: _l("Other"),
}


class GroupEventKind(enum.Enum):
    """What happened to a group, as its public timeline shows it."""

    published = "published"  # added to the registry
    status_changed = "status_changed"  # old_status → new_status
    updated = "updated"  # a report added information to the entry


class Report(db.Model):
    """A report of a hijacked group, as the reporter sent it. Moderators edit the public text
    on the Group when publishing, never here: this row keeps what the reporter wrote."""

    __tablename__ = "report"
    __table_args__ = (Index("ix_report_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus), default=ReportStatus.pending_email)
    # The Group it targets: the existing entry when it was recognised as a duplicate at
    # submission (is_addition=True), or the entry a moderator published or merged it into.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id", ondelete="SET NULL"), index=True)
    is_addition: Mapped[bool] = mapped_column(default=False)

    # What the form asked, as typed (URL normalized).
    name: Mapped[str] = mapped_column(String(300))
    name_folded: Mapped[str] = mapped_column(String(300), index=True)
    facebook_url: Mapped[str | None] = mapped_column(String(300), index=True)
    group_status: Mapped[GroupStatus] = mapped_column(enum_column(GroupStatus))
    crew: Mapped[Crew] = mapped_column(enum_column(Crew))
    hijacked_on: Mapped[str | None] = mapped_column(String(10))  # "YYYY-MM" or "YYYY-MM-DD"
    members_at_hijack: Mapped[int | None]
    members_after: Mapped[int | None]
    account: Mapped[str] = mapped_column(Text, default="")  # plain text, ≤ 4000 characters
    lang: Mapped[str] = mapped_column(String(2))  # the language the reporter wrote in

    # Never public.
    reporter_name: Mapped[str] = mapped_column(String(200))
    reporter_email: Mapped[str] = mapped_column(String(320))
    reporter_role: Mapped[ReporterRole] = mapped_column(enum_column(ReporterRole))
    consent: Mapped[bool] = mapped_column(default=False)
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    # SHA-256 of the mailed confirmation token; cleared once confirmed.
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    # SHA-256 of the private status link's token (mailed and shown once, at submission); kept
    # for the report's life, so its sender can follow it. None on reports sent before it existed.
    status_digest: Mapped[str | None] = mapped_column(String(64), unique=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[RejectReason | None] = mapped_column(enum_column(RejectReason, length=30))
    moderator_note: Mapped[str] = mapped_column(Text, default="")  # internal, never public

    group: Mapped[Group | None] = relationship(back_populates="reports", foreign_keys=[group_id])
    evidence: Mapped[list["ReportEvidence"]] = relationship(
        back_populates="report", order_by="ReportEvidence.position", cascade="all, delete-orphan")
    screenshots: Mapped[list["Screenshot"]] = relationship(
        back_populates="report", order_by="Screenshot.position", cascade="all, delete-orphan")


class ReportEvidence(db.Model):
    """A link the reporter gave as evidence (http/https only); public once `published`."""

    __tablename__ = "report_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    url: Mapped[str] = mapped_column(String(2000))
    published: Mapped[bool] = mapped_column(default=False)

    report: Mapped[Report] = relationship(back_populates="evidence")


class Screenshot(db.Model):
    """A screenshot, re-encoded on upload (only pixels survive), stored under UPLOADS_DIR (never
    in static/). Served publicly only when `published`; moderators see all through /admin/."""

    __tablename__ = "screenshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # Relative to app.config["UPLOADS_DIR"], e.g. "screenshots/3f…9a.png" (random name).
    path: Mapped[str] = mapped_column(String(200), unique=True)
    mimetype: Mapped[str] = mapped_column(String(20))  # "image/png" or "image/jpeg"
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="screenshots")


class GroupEvent(db.Model):
    """One entry of a group's public timeline. `note` is PUBLIC text (shown on the group page)."""

    __tablename__ = "group_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"), index=True)
    kind: Mapped[GroupEventKind] = mapped_column(enum_column(GroupEventKind))
    old_status: Mapped[GroupStatus | None] = mapped_column(enum_column(GroupStatus, name="old_status"))
    new_status: Mapped[GroupStatus | None] = mapped_column(enum_column(GroupStatus, name="new_status"))
    note: Mapped[str] = mapped_column(Text, default="")
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship(back_populates="events")
