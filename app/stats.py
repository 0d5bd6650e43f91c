"""The campaign's figures, as the home page, the press room and /api/v1/stats show them.

Computed with aggregate queries over the tables, never kept in a counter row that every
signature would update (one hot row is what brought the UK petitions site down in 2019);
cached per process for at most STATS_TTL seconds, so the count lags by at most that.
"""
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Group
from app.models.base import utcnow
from app.ttl import Remembered

STATS_TTL = 10.0
_kept = Remembered(STATS_TTL)


@dataclass(frozen=True)
class Figures:
    """The headline figures, with the time they were computed."""

    signatures: int  # confirmed, counted signatures
    admins: int  # of which: signers who say they were admins of a hijacked group
    groups: int  # published registry entries
    members_affected: int  # sum of the known member counts at the time of the hijacking
    groups_without_count: int  # published groups whose member count is unknown ("at least")
    updated_at: datetime

    def as_dict(self) -> dict:
        """JSON-ready, with the time in ISO 8601."""
        data = asdict(self)
        data["updated_at"] = self.updated_at.isoformat()
        return data


def figures() -> Figures:
    """The current figures, at most STATS_TTL seconds old."""
    return _kept.get("figures", _compute_figures)


def figures_expire_at() -> float | None:
    """When the figures last shown go stale (monotonic time), or None if none are kept."""
    return _kept.expires_at("figures")


def _compute_figures() -> Figures:
    from app.petition.service import signature_counts

    signatures, admins = signature_counts()
    groups, members, unknown = _kept.get("registry", _registry_totals)
    return Figures(signatures, admins, groups, members, unknown, utcnow())


def _registry_totals() -> tuple[int, int, int]:
    """(published groups, sum of their known member counts, groups whose count is unknown)."""
    groups, members, unknown = db.session.execute(
        select(
            func.count(Group.id),
            func.coalesce(func.sum(Group.members_at_hijack), 0),
            func.count(Group.id).filter(Group.members_at_hijack.is_(None)),
        ).where(Group.published.is_(True))
    ).one()
    return groups, int(members), unknown


def clear_cache() -> None:
    """Forget cached figures (tests, and after a moderator publishes)."""
    _kept.clear()
