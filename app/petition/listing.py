"""The public side of the petition: the count's helpers, the list of consenting signers and
the days of the chart."""
from collections.abc import Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import extract, func, literal_column, select
from sqlalchemy.orm import joinedload

from app.extensions import cached, db
from app.models import Group, ListingState, Report, ReporterRole, ReportStatus, Signature
from app.stats import counted
from app.text import canonical_email

PER_PAGE = 50
GROUPS_KEY = "petition:groups"  # forgotten when a moderator publishes
MILESTONES = (100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000)


def next_milestone(count: int) -> int:
    """The next round figure to reach: 100, 250, 500, 1,000 … then every 100,000."""
    for milestone in MILESTONES:
        if count < milestone:
            return milestone
    return (count // 100000 + 1) * 100000


def public_page(page: int):
    """One page of the consenting signers a moderator approved, newest first (Flask-SQLAlchemy
    pagination); it aborts with 404 past the last page (page 1 of an empty list is an empty page)."""
    query = (select(Signature).options(joinedload(Signature.group))
             .where(counted(), Signature.public.is_(True), Signature.listing == ListingState.approved)
             .order_by(Signature.confirmed_at.desc(), Signature.id.desc()))
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=True)


def site_timezone() -> ZoneInfo:
    """The site's time zone (BABEL_DEFAULT_TIMEZONE, Europe/Rome), in which pages show dates."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")


def local_date(moment: datetime) -> date:
    """The calendar day of `moment` in the site's time zone (what `dateformat` shows)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(site_timezone()).date()


def daily_counts() -> list[tuple[date, int]]:
    """Counted signatures per day of confirmation in the site's time zone, oldest first;
    kept in the shared cache. The database counts per UTC hour (portable: epoch seconds, on SQLite
    and PostgreSQL alike, whatever the session's time zone); Python puts each hour on its local
    day. Rome's offsets are whole hours, so no hour straddles two days."""
    def compute():
        epoch = extract("epoch", Signature.confirmed_at)
        # A literal, not a bound parameter: PostgreSQL must see the same expression in GROUP BY.
        hour = epoch - epoch % literal_column("3600")
        rows = db.session.execute(
            select(hour, func.count(Signature.id)).where(counted()).group_by(hour))
        days: dict[date, int] = {}
        for start, n in rows:
            day = local_date(datetime.fromtimestamp(int(start), UTC))
            days[day] = days.get(day, 0) + n
        return sorted(days.items())

    return cached("petition:daily", compute)


def group_choices() -> list[tuple[int, str]]:
    """Published groups of the registry as (id, name), by name; kept in the shared cache."""
    def compute():
        rows = db.session.execute(
            select(Group.id, Group.name).where(Group.published.is_(True)).order_by(Group.name_folded))
        return [(gid, name) for gid, name in rows]

    return cached(GROUPS_KEY, compute)


PUBLISHED_REPORT = (ReportStatus.published, ReportStatus.merged)


def verified_ids(signatures: Iterable[Signature]) -> set[int]:
    """The ids among `signatures` whose admin claim is verified: by a moderator, or because the
    same person (canonical email) reported the same group as its admin and the report was
    published (or merged into the entry). One query for the whole page."""
    claims = [s for s in signatures if s.is_admin]
    verified = {s.id for s in claims if s.admin_verified}
    by_group: dict[int, list[Signature]] = {}
    for s in claims:
        if s.id not in verified and s.group_id is not None:
            by_group.setdefault(s.group_id, []).append(s)
    if not by_group:
        return verified
    reporters = db.session.execute(
        select(Report.group_id, Report.reporter_email)
        .where(Report.group_id.in_(list(by_group)), Report.status.in_(PUBLISHED_REPORT),
               Report.reporter_role == ReporterRole.admin))
    known = {(group_id, canonical_email(email)) for group_id, email in reporters}
    for group_id, group_signers in by_group.items():
        verified |= {s.id for s in group_signers if (group_id, s.email_canonical) in known}
    return verified

