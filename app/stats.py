"""The campaign's figures, as the home page, the press room and /api/v1/stats show them.

Computed with aggregate queries over the tables, never kept in a counter row that every
signature would update (one hot row is what brought the UK petitions site down in 2019).
They are kept in the shared cache (Flask-Caching: SimpleCache locally, Redis in production)
for CACHE_DEFAULT_TIMEOUT seconds, and forgotten at once when a signature is confirmed or
withdrawn, a moderator publishes, invalidates, undoes or releases, so the count lags by at most that.
"""
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import cached, db, forget
from app.models import Group, Signature, SignatureStatus
from app.models.base import utcnow

FIGURES_KEY = "figures"


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


def counted():
    """The condition of a signature that counts (and may be listed): confirmed, not held (over
    a limit, on a block list) and not invalidated by a moderator."""
    return ((Signature.status == SignatureStatus.confirmed) & Signature.suspect.is_(False)
            & Signature.invalidation_id.is_(None))


def figures() -> Figures:
    """The current figures, from the shared cache or computed now."""
    return cached(FIGURES_KEY, _compute_figures)


def forget_figures() -> None:
    """Drop the kept figures, so the next page shows the change (after confirming,
    withdrawing, publishing)."""
    forget(FIGURES_KEY)


def signature_counts() -> tuple[int, int]:
    """(confirmed signatures counted, of which group admins), by one aggregate query."""
    total, admins = db.session.execute(
        select(func.count(Signature.id), func.count(Signature.id).filter(Signature.is_admin.is_(True)))
        .where(counted())
    ).one()
    return total, admins


def _compute_figures() -> Figures:
    signatures, admins = signature_counts()
    groups, members, unknown = db.session.execute(
        select(
            func.count(Group.id),
            func.coalesce(func.sum(Group.members_at_hijack), 0),
            func.count(Group.id).filter(Group.members_at_hijack.is_(None)),
        ).where(Group.published.is_(True))
    ).one()
    return Figures(signatures, admins, groups, int(members), unknown, utcnow())
