"""The hand-over document: what the coalition gives Facebook, as one PDF. The letter in both
languages, the count and its breakdown by country, the signers who consented to be listed
(name, city, date: never an email address), the approved endorsements and the registry's
published groups, with the date and the letter's text version. Rendered like the press
documents (WeasyPrint, our embedded fonts, nothing fetched from outside), kept under
DOCUMENTS_DIR/handover (every instance serves the same bytes), its SHA-256 stored beside it;
generating and publishing are in the audit log."""
import hashlib
import logging
import os
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import delete, or_, select, update

from app.admin.service import audit
from app.campaign.service import endorsements
from app.extensions import db
from app.formats import when
from app.letter.countries import signatures_by_country
from app.letter.service import current_letter, statement_version
from app.models import Handover, HandoverRequest, ListingState, Signature
from app.petition.listing import local_date
from app.models.base import utcnow
# The press room's renderer: its stylesheet, our embedded fonts, and a fetcher of local files only.
from app.press.service.renderers import html_to_pdf
from app.press.service.renderers import crew_label, in_lang, now, published_groups, site_context, status_label
from app.stats import counted, signature_counts

log = logging.getLogger(__name__)
LANGS = ("it", "en")
LEASE = timedelta(minutes=15)  # a sender that died while rendering leaves the request to another
# Headings shown in both languages, one after the other.
HEADINGS = {
    "title": _l("The open letter to Facebook and to Humanity: the hand-over"),
    "endorsements": _l("Endorsements"),
    "signers": _l("Signers who agreed to be listed"),
    "groups": _l("The registry of hijacked groups"),
    "name": _l("Name"), "city": _l("City"), "date": _l("Date"), "group": _l("Group"),
    "status": _l("Status"), "crew": _l("Hijacked by"), "hijacked_on": _l("Hijacked on"),
    "members": _l("Members then"),
}


class NotReady(RuntimeError):
    """The letter is not loaded (`flask seed`)."""


def folder() -> Path:
    """Where the documents are kept: DOCUMENTS_DIR/handover."""
    return Path(current_app.config["DOCUMENTS_DIR"]) / "handover"


def path_of(row: Handover) -> Path:
    """The file of a generated document."""
    return folder() / row.filename


def _both(key: str) -> dict[str, str]:
    """A heading in each language."""
    out = {}
    for lang in LANGS:
        with in_lang(lang):
            out[lang] = str(HEADINGS[key])
    return out


def listed_signers() -> list[tuple[str, str, str]]:
    """(name, city, day confirmed as YYYY-MM-DD, Italian time) of the counted signers on the public list (they
    agreed, and a moderator approved them), in the order they signed. No email address: it is never selected."""
    query = select(Signature.name, Signature.city, Signature.confirmed_at).where(
        counted(), Signature.public.is_(True), Signature.listing == ListingState.approved)
    rows = db.session.execute(query.order_by(Signature.confirmed_at, Signature.id))
    return [(name, city, local_date(confirmed).isoformat()) for name, city, confirmed in rows]


def render_pdf(generated: datetime) -> tuple[bytes, dict]:
    """The document's bytes, and what it states (count, listed signers, text version)."""
    total, admins = signature_counts()
    signers = listed_signers()
    version = statement_version()
    approved = endorsements.by_kind()
    groups = published_groups()
    with site_context():
        sections = []
        for lang in LANGS:
            with in_lang(lang):
                letter = current_letter(lang)
                if letter is None:
                    raise NotReady("The letter is not loaded: run `flask --app wsgi seed`.")
                sections.append(render_template(
                    "campaign/print/handover_letter.html", letter=letter, lang=lang, total=total, admins=admins,
                    countries=signatures_by_country(lang), version=version, generated_text=when(generated, "il"),
                    listed=len(signers), endorsements=sum(len(rows) for _k, rows in approved), groups=len(groups)))
        from app.campaign.forms import KIND_HEADINGS

        kinds = {}
        for kind, _rows in approved:
            kinds[kind] = {}
            for lang in LANGS:
                with in_lang(lang):
                    kinds[kind][lang] = str(KIND_HEADINGS[kind])
        labels = {}
        for lang in LANGS:
            with in_lang(lang):
                labels[lang] = {"status": {g.status: status_label(g.status.value) for g in groups},
                                "crew": {g.crew: crew_label(g.crew.value) for g in groups},
                                "generated": when(generated, "il"),
                                "dateline": _("Text version %(v)s, generated %(when)s.", v=version,
                                              when=when(generated, "il"))}
        with in_lang("it"):
            html = render_template(
                "campaign/print/handover.html", sections=sections, h={k: _both(k) for k in HEADINGS},
                approved=approved, kinds=kinds, signers=signers, groups=groups, labels=labels,
                version=version, generated=generated, total=total)
    return html_to_pdf(html), {"signatures": total, "listed": len(signers), "text_version": version}


def generate(actor: str) -> Handover:
    """Render the document, keep it on disk, record it (and its SHA-256) in the audit log;
    the caller commits."""
    generated = now()
    data, stated = render_pdf(generated)
    digest = hashlib.sha256(data).hexdigest()
    filename = f"handover-{generated:%Y%m%d-%H%M%S}-{digest[:12]}.pdf"
    _write_atomic(folder() / filename, data)
    row = Handover(filename=filename, sha256=digest, size=len(data), generated_by=actor, generated_at=generated,
                   **stated)
    db.session.add(row)
    db.session.flush()
    audit("handover.generate", "handover", row.id, actor=actor,
          after={"sha256": digest, "size": len(data), "filename": filename, **stated})
    return row


def request(actor: str) -> HandoverRequest:
    """Ask for a new document: the mail sender renders it when idle (`render_requested`); the
    caller commits."""
    row = HandoverRequest(requested_by=actor, requested_at=utcnow())
    db.session.add(row)
    db.session.flush()
    audit("handover.request", "handover_request", row.id, actor=actor)
    return row


def waiting() -> list[HandoverRequest]:
    """Documents asked for and not rendered yet, oldest first."""
    return list(db.session.scalars(select(HandoverRequest).order_by(HandoverRequest.id)))


def render_requested() -> int:
    """Render the oldest document asked for, if any (run by an idle mail sender), under a lease
    so that two senders never render it both; commits. How many were rendered (0 or 1)."""
    now = utcnow()
    free = or_(HandoverRequest.claimed_until.is_(None), HandoverRequest.claimed_until < now)
    request_id = db.session.scalar(select(HandoverRequest.id).where(free).order_by(HandoverRequest.id).limit(1))
    if request_id is None:
        db.session.rollback()
        return 0
    me = uuid.uuid4().hex
    taken = db.session.execute(update(HandoverRequest).where(HandoverRequest.id == request_id, free)
                               .values(claimed_by=me, claimed_until=now + LEASE)).rowcount
    db.session.commit()  # the lease, before the long render (no write transaction held meanwhile)
    if not taken:
        return 0
    actor = db.session.scalar(select(HandoverRequest.requested_by).where(HandoverRequest.id == request_id))
    try:
        generate(actor)
    except NotReady:
        db.session.rollback()
        log.warning("hand-over document asked for before the letter was loaded: dropped")
    gone = db.session.execute(delete(HandoverRequest).where(HandoverRequest.id == request_id,
                                                            HandoverRequest.claimed_by == me)).rowcount
    if not gone:  # our lease ran out and another sender has it: leave the document to it
        db.session.rollback()
        return 0
    db.session.commit()
    return 1


def publish(row: Handover, actor: str) -> bool:
    """List the document in the press room, in the audit log; False if it already is. The
    caller commits."""
    if row.published_at is not None:
        return False
    row.published_at, row.published_by = utcnow(), actor
    audit("handover.publish", "handover", row.id, actor=actor, after={"sha256": row.sha256})
    return True


def all_documents() -> list[Handover]:
    """Every generated document, newest first (back office)."""
    return list(db.session.scalars(select(Handover).order_by(Handover.generated_at.desc(), Handover.id.desc())))


@dataclass(frozen=True)
class Published:
    """A published document as the press room lists it."""

    id: int
    generated_at: datetime
    sha256: str
    size: int
    signatures: int


def published() -> list[Published]:
    """Published documents, newest first."""
    rows = db.session.scalars(select(Handover).where(Handover.published_at.is_not(None))
                              .order_by(Handover.generated_at.desc(), Handover.id.desc()))
    return [Published(r.id, r.generated_at, r.sha256, r.size, r.signatures) for r in rows]


def published_one(handover_id: int) -> Handover | None:
    """A published document by id, whose file is there; else None."""
    row = db.session.get(Handover, handover_id)
    if row is None or row.published_at is None or not path_of(row).is_file():
        return None
    return row


def _write_atomic(target: Path, data: bytes) -> None:
    """Write to a temporary file and rename: a reader never sees half a document."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
