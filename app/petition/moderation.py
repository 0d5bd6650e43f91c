"""Moderating signatures: the back office's filters, releasing held signatures, invalidating
(and undoing it) and the block lists. Used by app/admin/signatures.py; trending keys are in
app/petition/trending.py.

Every function takes plain arguments (the actor's name, the filter) and leaves the commit to
the caller, who forgets the figures afterwards (`app.stats.forget_figures`)."""
import json
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import false, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import BlockKind, Signature, SignatureBlock, SignatureInvalidation, SignatureStatus
from app.models.base import utcnow
from app.petition.listing import site_timezone
from app.text import canonical_email

STATES = ("pending", "confirmed", "held", "invalidated")
PREVIEW_ROWS = 20  # the signatures a bulk invalidation's preview lists


def domain_of(email: str) -> str:
    """The domain of an address (what moderators see of it)."""
    return email.rpartition("@")[2].lower()


def state_of(signature: Signature) -> str:
    """One of STATES: invalidated first, then held, then its status."""
    if signature.invalidation_id is not None:
        return "invalidated"
    if signature.suspect:
        return "held"
    return signature.status.value


def _state_condition(state: str):
    """The WHERE condition of a state (see state_of)."""
    valid = Signature.invalidation_id.is_(None)
    if state == "invalidated":
        return Signature.invalidation_id.is_not(None)
    if state == "held":
        return valid & Signature.suspect.is_(True)
    status = SignatureStatus.confirmed if state == "confirmed" else SignatureStatus.pending
    return valid & Signature.suspect.is_(False) & (Signature.status == status)


@dataclass(frozen=True)
class SignatureFilter:
    """What the back office searches signatures by; every criterion is optional and they add up.
    Dates are days of the site's time zone, `until` included. `up_to`: only signatures
    with an id up to it (a preview's snapshot: what arrives after it is not taken)."""

    name: str = ""  # part of the name, any case
    email: str = ""  # one address (compared in canonical form)
    domain: str = ""  # the email's domain, or several separated by commas or spaces
    ip_hash: str = ""
    country: str = ""
    state: str = ""  # one of STATES
    since: date | None = None
    until: date | None = None
    invalidation: int | None = None  # taken by this invalidation
    ids: tuple[int, ...] = field(default_factory=tuple)
    up_to: int | None = None

    def domains(self) -> list[str]:
        """The domains of `domain`: one, or several separated by commas or spaces."""
        return [d.lstrip("@") for d in re.split(r"[\s,;]+", self.domain.lower()) if d.lstrip("@")]

    def is_empty(self) -> bool:
        """True when nothing is chosen (a bulk action on it would take every signature)."""
        return not any(v for k, v in asdict(self).items() if k != "up_to")

    def conditions(self) -> list:
        """The WHERE conditions of this filter."""
        found = []
        if self.name:
            found.append(func.lower(Signature.name).contains(self.name.lower(), autoescape=True))
        if self.email:
            found.append(Signature.email_canonical == canonical_email(self.email))
        if self.domain:
            domains = self.domains()
            found.append(or_(*(Signature.email_canonical.endswith("@" + domain, autoescape=True)
                               for domain in domains)) if domains else false())
        if self.ip_hash:
            found.append(Signature.ip_hash == self.ip_hash.lower())
        if self.country:
            found.append(Signature.country == self.country.upper())
        if self.state in STATES:
            found.append(_state_condition(self.state))
        if self.since:
            found.append(Signature.created_at >= _day_start(self.since))
        if self.until:
            found.append(Signature.created_at < _day_start(self.until + timedelta(days=1)))
        if self.invalidation:
            found.append(Signature.invalidation_id == self.invalidation)
        if self.ids:
            found.append(Signature.id.in_(self.ids))
        if self.up_to:
            found.append(Signature.id <= self.up_to)
        return found

    def as_dict(self) -> dict:
        """The criteria that are set, JSON-ready (dates as ISO days), without the snapshot."""
        data = {k: v for k, v in asdict(self).items() if v and k != "up_to"}
        for key in ("since", "until"):
            if key in data:
                data[key] = data[key].isoformat()
        if "ids" in data:
            data["ids"] = list(data["ids"])
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "SignatureFilter":
        """The filter `as_dict` wrote."""
        values = dict(data)
        for key in ("since", "until"):
            if values.get(key):
                values[key] = date.fromisoformat(values[key])
        if "ids" in values:
            values["ids"] = tuple(values["ids"])
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def _day_start(day: date) -> datetime:
    """Midnight of `day` in the site's time zone."""
    return datetime.combine(day, time(), tzinfo=site_timezone())


def search(flt: SignatureFilter):
    """The signatures matching `flt`, newest first (a select, for db.paginate)."""
    return select(Signature).where(*flt.conditions()).order_by(Signature.id.desc())


def latest_id() -> int:
    """The newest signature's id (0 when none): a preview's snapshot."""
    return db.session.scalar(select(func.max(Signature.id))) or 0


def preview(flt: SignatureFilter) -> tuple[dict[str, int], list[Signature]]:
    """What invalidating `flt` would take: how many per state (the invalidated ones stay as
    they are) and the first PREVIEW_ROWS of them, newest first."""
    conditions = [*flt.conditions(), Signature.invalidation_id.is_(None)]
    counts = {state: 0 for state in STATES if state != "invalidated"}
    rows = db.session.execute(select(Signature.status, Signature.suspect, func.count(Signature.id))
                              .where(*conditions).group_by(Signature.status, Signature.suspect))
    for status, suspect, n in rows:
        counts["held" if suspect else status.value] += n
    first = db.session.scalars(select(Signature).where(*conditions).order_by(Signature.id.desc())
                               .limit(PREVIEW_ROWS)).all()
    return counts, list(first)


class NothingToInvalidate(Exception):
    """The filter matched no valid signature (or none was chosen)."""


def invalidate(flt: SignatureFilter, reason: str, actor: str, moderator_id: int | None = None) -> SignatureInvalidation:
    """Take every valid signature matching `flt` (pending, held and confirmed alike) out of the
    count and the public list, as one invalidation with `reason`. One UPDATE: two moderators
    invalidating overlapping filters each take only what is still valid. Raises
    NothingToInvalidate for an empty filter or when nothing matched."""
    if flt.is_empty():
        raise NothingToInvalidate
    record = SignatureInvalidation(reason=reason.strip(), criteria=json.dumps(flt.as_dict(), sort_keys=True),
                                   actor=actor, moderator_id=moderator_id, created_at=utcnow(), count=0)
    db.session.add(record)
    db.session.flush()
    taken = db.session.execute(
        update(Signature).where(*flt.conditions(), Signature.invalidation_id.is_(None))
        .values(invalidation_id=record.id).execution_options(synchronize_session=False)).rowcount
    if not taken:
        db.session.delete(record)
        db.session.flush()
        raise NothingToInvalidate
    record.count = taken
    db.session.flush()
    db.session.expire_all()  # signatures loaded before see their invalidation
    return record


def criteria(record: SignatureInvalidation) -> SignatureFilter:
    """The filter an invalidation was made with."""
    return SignatureFilter.from_dict(json.loads(record.criteria or "{}"))


def undo(invalidation_id: int, actor: str) -> int | None:
    """Give back every signature the invalidation took (exactly those); None when it is unknown
    or already undone. Returns how many came back (fewer than it took if some were withdrawn)."""
    record = db.session.get(SignatureInvalidation, invalidation_id, with_for_update=True)
    if record is None or record.undone_at is not None:
        return None
    back = db.session.execute(
        update(Signature).where(Signature.invalidation_id == record.id).values(invalidation_id=None)
        .execution_options(synchronize_session=False)).rowcount
    record.undone_at, record.undone_by = utcnow(), actor
    db.session.flush()
    db.session.expire_all()
    return back


def release(flt: SignatureFilter) -> list[int]:
    """Release the held signatures matching `flt`: a pending one gets its confirm mail now
    (signing.release), a confirmed one counts from now. Returns the ids released."""
    from app.petition import signing

    rows = db.session.execute(
        select(Signature.id, Signature.status)
        .where(*flt.conditions(), _state_condition("held")).order_by(Signature.id)
        .with_for_update()).all()
    released = []
    for signature_id, status in rows:
        if status == SignatureStatus.confirmed:
            db.session.execute(update(Signature).where(Signature.id == signature_id).values(suspect=False))
            released.append(signature_id)
        elif signing.release(signature_id):
            released.append(signature_id)
    return released


# --- Block lists ------------------------------------------------------------------------------

class BlockExists(Exception):
    """The block list has this entry already."""


def normalise_block(kind: BlockKind, value: str) -> str | None:
    """The stored form of a block list value (a domain lower-cased without "@", an address in
    canonical form, a hash in lower case), or None when it cannot be one."""
    value = (value or "").strip().lower()
    if kind == BlockKind.domain:
        value = value.lstrip("@").rstrip(".")
        labels = value.split(".")
        ok = len(labels) > 1 and all(labels) and not any(c.isspace() or c in "@/:" for c in value)
        return value if ok and len(value) <= 253 else None
    if kind == BlockKind.email:
        local, _, domain = value.rpartition("@")
        if not local or "." not in domain or any(c.isspace() for c in value):
            return None
        return canonical_email(value)
    ok = len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    return value if ok else None


def add_block(kind: BlockKind, value: str, note: str, actor: str) -> SignatureBlock:
    """Add an entry (value already normalised); raises BlockExists. The caller commits."""
    entry = SignatureBlock(kind=kind, value=value, note=note.strip(), actor=actor, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        raise BlockExists from None
    return entry


def remove_block(block_id: int) -> SignatureBlock | None:
    """Remove an entry; the removed entry, or None when there is none. The caller commits."""
    entry = db.session.get(SignatureBlock, block_id)
    if entry is not None:
        db.session.delete(entry)
    return entry


def block_list() -> list[SignatureBlock]:
    """Every entry, by kind then value."""
    return list(db.session.scalars(select(SignatureBlock).order_by(SignatureBlock.kind, SignatureBlock.value)))


def is_blocked(email: str, ip_hash: str | None) -> bool:
    """True when a block list entry matches the address (itself, its domain or a parent
    domain) or the IP hash: registering then holds the signature, silently."""
    canonical = canonical_email(email)
    domain = domain_of(canonical)
    labels = domain.split(".")
    domains = [".".join(labels[i:]) for i in range(len(labels) - 1)] or [domain]
    matches = [(SignatureBlock.kind == BlockKind.email) & (SignatureBlock.value == canonical),
               (SignatureBlock.kind == BlockKind.domain) & SignatureBlock.value.in_(domains)]
    if ip_hash:
        matches.append((SignatureBlock.kind == BlockKind.ip_hash) & (SignatureBlock.value == ip_hash))
    return db.session.scalar(select(SignatureBlock.id).where(or_(*matches)).limit(1)) is not None


def with_state(flt: SignatureFilter, state: str) -> SignatureFilter:
    """The same filter restricted to one state."""
    return replace(flt, state=state)
