"""The public list's review: a consenting signer's name, city, reason and admin claim appear on
the public list only once a moderator approved them (the count does not wait). Moderators can
hide an entry later, clear its reason, and verify an admin claim (which also counts as verified
when the same person's report of that group was published: listing.verified_ids). Every change
is written to the audit log; the caller commits."""
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.admin.service import Actor, audit
from app.extensions import db
from app.models import ListingState, Signature
from app.stats import counted

# What a moderator can do to an entry: the audit log's action code for each.
ACTIONS = {
    "approve": "listing.approve",
    "approve_no_reason": "listing.approve_no_reason",
    "hide": "listing.hide",
    "remove_reason": "listing.remove_reason",
    "verify": "listing.verify",
    "unverify": "listing.unverify",
}
# The actions each state of the list offers (the review page shows these buttons).
OFFERED = {
    ListingState.waiting: ("approve", "approve_no_reason", "hide", "verify"),
    ListingState.approved: ("hide", "remove_reason", "verify", "unverify"),
    ListingState.hidden: ("approve", "approve_no_reason", "remove_reason"),
}


def reviewable():
    """The condition of an entry the review deals with: counted and consenting to be listed."""
    return counted() & Signature.public.is_(True)


def review_query(state: ListingState, search: str = ""):
    """Entries in `state`: the waiting ones oldest first (a queue), the others newest first;
    `search` narrows by name or city (case ignored)."""
    query = (select(Signature).options(joinedload(Signature.group))
             .where(reviewable(), Signature.listing == state))
    term = search.strip()
    if term:
        query = query.where(Signature.name.icontains(term, autoescape=True)
                            | Signature.city.icontains(term, autoescape=True))
    if state == ListingState.waiting:
        return query.order_by(Signature.confirmed_at, Signature.id)
    return query.order_by(Signature.confirmed_at.desc(), Signature.id.desc())


def waiting_count() -> int:
    """How many entries wait for a moderator."""
    return db.session.scalar(select(func.count(Signature.id))
                             .where(reviewable(), Signature.listing == ListingState.waiting)) or 0


def _snapshot(signature: Signature) -> dict:
    """What the audit log keeps of an entry (never the email address)."""
    return {"listing": signature.listing, "reason": signature.reason,
            "admin_verified": signature.admin_verified}


def apply(signatures: Iterable[Signature], action: str, actor: Actor = "cli") -> int:
    """Do `action` (a key of ACTIONS) to each entry that offers it, one audit entry each;
    returns how many changed. The caller commits."""
    code = ACTIONS[action]
    changed = 0
    for signature in signatures:
        if action not in OFFERED[signature.listing]:
            continue
        if action in ("verify", "unverify") and not signature.is_admin:
            continue
        before = _snapshot(signature)
        if action in ("approve", "approve_no_reason"):
            signature.listing = ListingState.approved
        if action == "hide":
            signature.listing = ListingState.hidden
        if action in ("approve_no_reason", "remove_reason"):
            signature.reason = ""
        if action in ("verify", "unverify"):
            signature.admin_verified = action == "verify"
        after = _snapshot(signature)
        if after == before:
            continue
        audit(code, "signature", signature.id, before=before, after=after, actor=actor)
        changed += 1
    return changed


def locked(ids: Iterable[int]) -> list[Signature]:
    """The reviewable entries among `ids`, locked for this transaction (two moderators, one entry)."""
    ids = sorted(set(ids))
    if not ids:
        return []
    return list(db.session.scalars(select(Signature).where(reviewable(), Signature.id.in_(ids))
                                   .order_by(Signature.id).with_for_update()))
