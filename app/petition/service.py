"""Petition logic shared by the views and the CLI: signing, confirming, withdrawing, purging,
the count and the public list.

The count is an aggregate COUNT over the signatures (cached by app.stats), never a counter row
that every signature would update. One signature per person is enforced by the UNIQUE
constraint on the canonical email: we insert and catch IntegrityError.
"""
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from limits import parse_many
from sqlalchemy import case, delete, extract, func, insert, literal_column, select, update
from sqlalchemy.orm import joinedload

from app import prepared
from app.extensions import db, limit_hit, limit_key_for, limiter
from app.i18n import kept_url
from app.models import Group, OutboxMail, Signature, SignatureStatus, SignatureToken, TokenPurpose
from app.models.base import utcnow
from app.outbox import deliver_after_response, enqueue, mail_row
from app.prepared import prepared_insert
from app.security import ip_hash, new_token, token_digest
from app.ttl import Remembered

log = logging.getLogger(__name__)


def link_days() -> int:
    """How long a confirm link lasts; an unconfirmed signature is purged after it (SIGNATURE_LINK_DAYS)."""
    return current_app.config["SIGNATURE_LINK_DAYS"]


def ip_hash_days() -> int:
    """How long the hashed IP is kept, for abuse analysis (IP_HASH_DAYS, shown on the privacy notice)."""
    return current_app.config["IP_HASH_DAYS"]

MAX_MAILS = 5  # mails per signature, whatever anyone submits
PER_PAGE = 50
GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}
MILESTONES = (100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000)
_CACHE_SECONDS = 10.0


def _cached(key: str, compute):
    """`compute()`, remembered for _CACHE_SECONDS in this app (per process)."""
    kept = current_app.extensions.setdefault("petition_cache", Remembered(_CACHE_SECONDS))
    return kept.get(key, compute)


def canonical_email(email: str) -> str:
    """The form in which two addresses of one mailbox compare equal: case and spaces ignored,
    `+tags` dropped, and for Gmail the dots too (googlemail.com is gmail.com)."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def counted():
    """The condition of a signature that counts: confirmed and not over the rate limit."""
    return (Signature.status == SignatureStatus.confirmed) & Signature.suspect.is_(False)


def signature_counts() -> tuple[int, int]:
    """(confirmed signatures counted, of which group admins), by one aggregate query."""
    total, admins = db.session.execute(
        select(func.count(Signature.id), func.count(Signature.id).filter(Signature.is_admin.is_(True)))
        .where(counted())
    ).one()
    return total, admins


def next_milestone(count: int) -> int:
    """The next round figure to reach: 100, 250, 500, 1,000 … then every 100,000."""
    for milestone in MILESTONES:
        if count < milestone:
            return milestone
    return (count // 100000 + 1) * 100000


def absolute_url(endpoint: str, **values) -> str:
    """An absolute URL for mails and sharing (the app builds external URLs on SITE_URL)."""
    return kept_url(endpoint, _external=True, **values)


def over_rate_limit(ip: str) -> bool:
    """Count this attempt against RATELIMIT_SIGN for `ip`; True when over any of the limits.
    It never raises: over the limit the visitor gets the normal answer, scripts learn nothing."""
    if not limiter.enabled:
        return False
    over = False
    try:
        for item in parse_many(current_app.config["RATELIMIT_SIGN"]):
            # Hit every limit, so that the sustained one also counts attempts the burst one refused.
            if not limit_hit(item, "petition-sign", limit_key_for(ip)):
                over = True
    except Exception:  # the limits' storage (Redis) is down: take the signature, unmarked
        log.exception("rate limit storage unavailable; signature not checked")
    return over


@dataclass
class SignatureData:
    """What the form gives the service."""

    name: str
    email: str
    city: str = ""
    country: str = "IT"
    is_admin: bool = False
    group_id: int | None = None
    group_name: str = ""
    reason: str = ""
    public: bool = False


def _details(data: SignatureData, lang: str, suspect: bool, hashed_ip: str) -> dict:
    """The columns a submission sets (with this request's rate-limit verdict). The email is not
    among them: a pending signature keeps the address its mails already went to."""
    return {
        "name": data.name, "city": data.city, "country": data.country or "IT",
        "is_admin": data.is_admin, "group_id": data.group_id if data.is_admin else None,
        "group_name": data.group_name if data.is_admin else "", "reason": data.reason,
        "public": data.public, "lang": lang, "suspect": suspect, "ip_hash": hashed_ip,
    }


def sign(data: SignatureData, lang: str, ip: str) -> None:
    """Record a signature and queue its mail; commits. Answers nothing on purpose: the caller
    shows the same page whether the email was new, pending or already confirmed.

    The campaign's busiest POST, so: everything computed first, then one short transaction of
    three prepared INSERTs (the signature, its confirm link, the mail; app.prepared) instead of
    the ORM's unit of work. The unique constraint on the canonical address decides whether the
    person has signed already."""
    suspect = over_rate_limit(ip)
    now = utcnow()
    expires = now + timedelta(days=link_days())
    token, digest = new_token()
    signature = {**_details(data, lang, suspect, ip_hash(ip)), "email": data.email,
                 "email_canonical": canonical_email(data.email), "status": SignatureStatus.pending,
                 "mails_sent": 1, "created_at": now, "expires_at": expires, "confirmed_at": None}
    confirm_url = absolute_url("petition.confirm", token=token, lang_code=lang)
    if db.session.registry.has():
        db.session.close()  # a request holds one pooled connection at a time
    try:
        with prepared.transaction() as cursor:
            signature_id = prepared_insert(Signature.__table__).execute(cursor, signature)
            prepared_insert(SignatureToken.__table__).execute(cursor, {
                "digest": digest, "signature_id": signature_id, "purpose": TokenPurpose.confirm,
                "expires_at": expires, "created_at": now})
            mail_id = prepared_insert(OutboxMail.__table__).execute(cursor, mail_row(
                data.email, "signature_confirm", lang, ref=f"signature:{signature_id}",
                name=data.name, days=link_days(), confirm_url=confirm_url))
    except prepared.integrity_errors():  # that person has signed already (or is signing right now)
        if not _has_signed(signature["email_canonical"]):
            raise  # another constraint failed: never answer "check your mail" for a lost signature
        _again(data, lang, suspect, signature["ip_hash"])
        return
    deliver_after_response(mail_id)


def _has_signed(canonical: str) -> bool:
    """True when a signature (pending or confirmed) holds this canonical address."""
    return db.session.scalar(select(Signature.id).where(Signature.email_canonical == canonical)) is not None


def _again(data: SignatureData, lang: str, suspect: bool, hashed_ip: str) -> None:
    """Someone submitted an address that has a signature: mail its owner, at most MAX_MAILS
    mails in all. Pending: the submission replaces the details (whoever typed them first),
    and the confirm link goes out again; the confirm page shows the details to be confirmed.
    Confirmed: nothing changes (a stranger must not edit a signer's public text); the owner
    gets "you have already signed"."""
    canonical = canonical_email(data.email)
    # One conditional UPDATE takes a mail from the allowance, so concurrent requests cannot
    # exceed it, and it is the transaction's first statement (SQLite then waits its turn).
    # A pending signature keeps the last mail for the thank-you with the withdraw link.
    allowance = case((Signature.status == SignatureStatus.pending, MAX_MAILS - 1), else_=MAX_MAILS)
    taken = db.session.execute(
        update(Signature).where(Signature.email_canonical == canonical, Signature.mails_sent < allowance)
        .values(mails_sent=Signature.mails_sent + 1)
    )
    if not taken.rowcount:
        _no_mail(canonical, lang)
        return
    signature = db.session.scalar(select(Signature).where(Signature.email_canonical == canonical))
    if signature is None:  # withdrawn meanwhile
        db.session.rollback()
        return
    if signature.status == SignatureStatus.pending:
        for column, value in _details(data, lang, suspect, hashed_ip).items():
            setattr(signature, column, value)
        signature.expires_at = utcnow() + timedelta(days=link_days())
        _send_confirm(signature.id, signature.email, signature.name, lang)
    else:
        withdraw_token = _new_link(signature.id, TokenPurpose.withdraw)
        enqueue(signature.email, "signature_already", signature.lang, ref=f"signature:{signature.id}",
                name=signature.name,
                withdraw_url=absolute_url("petition.withdraw", token=withdraw_token,
                                          lang_code=signature.lang),
                list_url=absolute_url("petition.signatures", lang_code=signature.lang))
    db.session.commit()


def _no_mail(canonical: str, lang: str) -> None:
    """The address has used up its mails: send nothing, but do the work the other answers do
    (row writes, a token, a commit), so the time taken does not tell whether an address has
    signed."""
    db.session.execute(update(Signature).where(Signature.email_canonical == canonical)
                       .values(mails_sent=Signature.mails_sent))
    db.session.scalar(select(Signature).where(Signature.email_canonical == canonical))
    token, _digest = new_token()
    absolute_url("petition.confirm", token=token, lang_code=lang)
    db.session.commit()


def _new_link(signature_id: int, purpose: TokenPurpose) -> str:
    """A new token for a mailed link of a signature, in the session's transaction; only its
    digest is stored."""
    token, digest = new_token()
    now = utcnow()
    expires = now + timedelta(days=link_days()) if purpose == TokenPurpose.confirm else None
    db.session.connection().execute(insert(SignatureToken.__table__), {
        "digest": digest, "signature_id": signature_id, "purpose": purpose, "expires_at": expires,
        "created_at": now})
    return token


def _send_confirm(signature_id: int, email: str, name: str, lang: str) -> None:
    """Queue the mail with the confirm link, in `lang` (the language of the form just sent)."""
    token = _new_link(signature_id, TokenPurpose.confirm)
    enqueue(email, "signature_confirm", lang, ref=f"signature:{signature_id}", name=name, days=link_days(),
            confirm_url=absolute_url("petition.confirm", token=token, lang_code=lang))


def details_digest(signature: Signature) -> str:
    """A fingerprint of what the confirm page shows, so that confirming confirms what was seen."""
    details = [signature.name, signature.city, signature.country, signature.is_admin, signature.group_id,
               signature.group_name, signature.reason, signature.public]
    return hashlib.sha256(json.dumps(details).encode()).hexdigest()


def find_token(token: str, purpose: TokenPurpose) -> SignatureToken | None:
    """The live token row for a mailed link, or None (unknown, expired or already used)."""
    row = db.session.scalar(
        select(SignatureToken).options(joinedload(SignatureToken.signature))
        .where(SignatureToken.digest == token_digest(token), SignatureToken.purpose == purpose)
    )
    if row is None or (row.expires_at is not None and row.expires_at < utcnow()):
        return None
    return row


def confirm(token: str, lang: str, shown: str | None = None) -> bool | None:
    """Confirm the signature behind a confirm link; commits. True if it is (now or already)
    confirmed, False if the link is dead, None if its details are no longer those the page
    showed (`shown`, their details_digest): someone submitted the address again meanwhile.
    Only the request that flips it sends the thank-you mail, so ten concurrent clicks count
    once and mail once."""
    row = find_token(token, TokenPurpose.confirm)
    if row is None:
        return False
    signature_id = row.signature_id
    seen = row.signature
    if shown is not None and seen.status == SignatureStatus.pending and details_digest(seen) != shown:
        db.session.rollback()
        return None
    now = utcnow()
    # The details in the WHERE: a submission landing between the check above and this update
    # leaves the signature pending instead of confirming details nobody saw.
    flipped = db.session.execute(
        update(Signature).where(Signature.id == signature_id, Signature.status == SignatureStatus.pending,
                                Signature.name == seen.name, Signature.city == seen.city,
                                Signature.reason == seen.reason, Signature.public == seen.public)
        .values(status=SignatureStatus.confirmed, confirmed_at=now)
    ).rowcount
    if not flipped:
        status = db.session.scalar(select(Signature.status).where(Signature.id == signature_id))
        if status == SignatureStatus.pending:  # changed under our feet
            db.session.rollback()
            return None
    if flipped:
        # The confirm links stay valid until they expire: a second click says "confirmed".
        signature = db.session.get(Signature, signature_id)
        signature.lang = lang
        withdraw_token = _new_link(signature_id, TokenPurpose.withdraw)
        if signature.mails_sent < MAX_MAILS:  # always true: resends leave room for this one
            signature.mails_sent += 1
            enqueue(signature.email, "signature_confirmed", lang, ref=f"signature:{signature_id}",
                    name=signature.name,
                    withdraw_url=absolute_url("petition.withdraw", token=withdraw_token, lang_code=lang),
                    list_url=absolute_url("petition.signatures", lang_code=lang),
                    share_url=absolute_url("petition.sign", lang_code=lang))
    db.session.commit()
    return True


def withdraw(token: str) -> bool:
    """Erase the signature behind a withdraw link: the row, its links and its mails; commits.
    False when the link is unknown (for instance, already used)."""
    row = find_token(token, TokenPurpose.withdraw)
    if row is None:
        return False
    erase(row.signature_id)
    return True


def erase(signature_id: int) -> None:
    """Delete a signature with everything that holds its data; commits."""
    db.session.execute(delete(OutboxMail).where(OutboxMail.ref == f"signature:{signature_id}"))
    db.session.execute(delete(SignatureToken).where(SignatureToken.signature_id == signature_id))
    db.session.execute(delete(Signature).where(Signature.id == signature_id))
    db.session.commit()


def purge(now: datetime | None = None) -> tuple[int, int]:
    """Delete unconfirmed signatures whose links expired, and drop IP hashes older than IP_HASH_DAYS.
    Returns (signatures deleted, IP hashes dropped); commits."""
    now = now or utcnow()
    expired = list(db.session.scalars(
        select(Signature.id).where(Signature.status == SignatureStatus.pending, Signature.expires_at < now)))
    for signature_id in expired:
        erase(signature_id)
    db.session.execute(delete(SignatureToken).where(SignatureToken.expires_at < now))
    dropped = db.session.execute(
        update(Signature).where(Signature.ip_hash.is_not(None),
                                Signature.created_at < now - timedelta(days=ip_hash_days()))
        .values(ip_hash=None)
    ).rowcount
    db.session.commit()
    return len(expired), dropped


def public_page(page: int):
    """One page of the consenting signers, newest first (Flask-SQLAlchemy pagination); it
    aborts with 404 past the last page (page 1 of an empty list is an empty page)."""
    query = (select(Signature).options(joinedload(Signature.group))
             .where(counted(), Signature.public.is_(True))
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
    cached a few seconds. The database counts per UTC hour (portable: epoch seconds, on SQLite
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

    return _cached("daily", compute)


@dataclass(frozen=True)
class Chart:
    """A cumulative line chart, laid out for an inline <svg> (coordinates in the viewBox)."""

    width: int
    height: int
    points: str  # "x,y x,y …" for <polyline>
    area: str  # the same line closed along the x axis, for a filled <polygon>
    first: date | None
    last: date | None
    total: int
    y_ticks: list[tuple[float, int]]  # (y, value)


def chart(days: list[tuple[date, int]], width: int = 600, height: int = 220, pad: int = 40) -> Chart:
    """Lay out the running total of `days` as a line from the first day to the last."""
    if not days:
        return Chart(width, height, "", "", None, None, 0, [])
    first, last = days[0][0], days[-1][0]
    span = max((last - first).days, 1)
    total = sum(n for _, n in days)
    plot_w, plot_h = width - 2 * pad, height - 2 * pad

    def y_of(value: int) -> float:
        return pad + plot_h * (1 - value / total)

    coords, running = [], 0
    for day, n in days:
        running += n
        coords.append((pad + plot_w * (day - first).days / span, y_of(running)))
    if len(days) == 1:  # a single day: a level line across the chart
        coords = [(pad, coords[0][1]), (pad + plot_w, coords[0][1])]
    base = pad + plot_h
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    area = f"{coords[0][0]:.1f},{base:.1f} {line} {coords[-1][0]:.1f},{base:.1f}"
    ticks = [(y_of(v), v) for v in sorted({0, total // 2, total})]
    return Chart(width, height, line, area, first, last, total, ticks)


def group_choices() -> list[tuple[int, str]]:
    """Published groups of the registry as (id, name), by name; cached a few seconds."""
    def compute():
        rows = db.session.execute(
            select(Group.id, Group.name).where(Group.published.is_(True)).order_by(Group.name_folded))
        return [(gid, name) for gid, name in rows]

    return _cached("groups", compute)


def clear_cache() -> None:
    """Forget this app's cached groups and chart data (tests)."""
    current_app.extensions.pop("petition_cache", None)
