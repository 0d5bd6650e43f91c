"""Registry logic shared by the views, the back office and the CLI.

# For the moderation back office (app/admin/)

These functions make the state changes of moderation. None of them commits: the caller writes
its audit log entry and queues the reporter's mail (`report.reporter_email`, `report.lang`,
`report.reject_reason`) in the same transaction, then commits. They raise `ModerationError`
(a ValueError) when the report or group is not in a state that allows the action.

- `moderation_queue()`: confirmed reports waiting for a decision, oldest first.
- `publish_report(report, moderator_edits)` → Group: publishes a queued report (a new entry, or
  additional information on the entry it was recognised as a duplicate of).
- `reject_report(report, reason, note)`: rejects it (the reporter's mail is the caller's).
- `merge_report(report, group, moderator_edits)` → Group: folds it into an existing entry.
- `change_status(group, new_status, note)` → GroupEvent: a later status change, on the timeline.
- `screenshot_file(screenshot)` → Path: the file on disk, to serve unpublished screenshots to
  moderators (public pages only serve published ones, through `registry.screenshot`).
"""
import csv
import io
import secrets
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Crew, Group, GroupEvent, GroupEventKind, GroupStatus, RejectReason, Report, ReportEvidence,
    ReportStatus, Screenshot,
)
from app.models.base import utcnow
from app.text import fold, slugify

GROUPS_CSV = Path(__file__).resolve().parents[2] / "content" / "groups-2014.csv"
SOURCE_2014 = "letter-2014"
SOURCE_REPORT = "report"
# Crews as the 2014 list writes them.
CREWS_2014 = {"shitstorm / nameless": Crew.shitstorm_nameless, "shitstorm": Crew.shitstorm,
              "nameless": Crew.nameless, "shitarmy": Crew.shitarmy}
CONFIRM_DAYS = 7  # a report's confirmation link works for this long

# Group fields a moderator may set through `moderator_edits`.
EDITABLE = ("name", "facebook_url", "status", "crew", "hijacked_on", "members_at_hijack",
            "members_after", "account_it", "account_en")


class ModerationError(ValueError):
    """The action does not apply to this report or group in its current state."""


class DuplicateGroupError(ModerationError):
    """Publishing would create a second entry with the same Facebook URL: merge instead.
    `group` is the entry that already has it."""

    def __init__(self, group: Group):
        super().__init__(f"group {group.id} already has this Facebook URL")
        self.group = group


# ---------------------------------------------------------------------------------------------
# Moderation (called by app/admin/)
# ---------------------------------------------------------------------------------------------

def moderation_queue():
    """Confirmed reports waiting for a moderator, oldest first (a Select; run it with scalars)."""
    return (select(Report).where(Report.status == ReportStatus.queued)
            .order_by(Report.confirmed_at, Report.id))


def publish_report(report: Report, moderator_edits: dict | None = None) -> Group:
    """Publish a queued report and return its public Group (does not commit).

    A report recognised at submission as a duplicate (`report.is_addition`, `report.group`) adds
    to that entry; any other report creates a new published entry, whose facts default to what
    the reporter typed and whose public account defaults to the reporter's text in
    `account_<report.lang>`.

    `moderator_edits` (all keys optional):
      - the Group fields in EDITABLE: "name", "facebook_url" (normalized here), "status"
        (GroupStatus or its value), "crew" (Crew or value), "hijacked_on" ("YYYY-MM[-DD]" or
        None), "members_at_hijack", "members_after" (int or None), "account_it", "account_en"
        (the public text; moderators write it in either or both languages);
      - "evidence_ids": ids of this report's ReportEvidence to make public (default: none);
      - "screenshot_ids": ids of this report's Screenshots to make public (default: none);
      - "note": public text on the group's timeline entry for this change (default "").
    Adds a GroupEvent (`published` for a new entry, `updated` for an addition, plus
    `status_changed` when the status changes). Raises DuplicateGroupError when a new entry would
    reuse another entry's Facebook URL, ModerationError unless the report is queued.
    """
    _require(report, ReportStatus.queued)
    edits = dict(moderator_edits or {})
    if report.is_addition and report.group is not None:
        group = _apply_to_existing(report, report.group, edits)
    else:
        group = _create_group(report, edits)
    report.status = ReportStatus.published
    report.group = group
    report.token_digest = None  # the mailed link has done its job
    report.decided_at = utcnow()
    _forget_figures()
    return group


def reject_report(report: Report, reason: RejectReason | str, note: str = "") -> Report:
    """Reject a queued (or still unconfirmed) report with a reason from RejectReason and an
    internal note (never public); nothing of it becomes public (does not commit)."""
    _require(report, ReportStatus.queued, ReportStatus.pending_email)
    report.status = ReportStatus.rejected
    report.reject_reason = RejectReason(reason)
    report.moderator_note = note or ""
    report.token_digest = None
    report.decided_at = utcnow()
    return report


def merge_report(report: Report, group: Group, moderator_edits: dict | None = None) -> Group:
    """Fold a queued report into an existing `group` as additional information (does not commit).

    `moderator_edits` as in `publish_report`: only the keys given change the entry (the
    reporter's facts do not overwrite it); "evidence_ids"/"screenshot_ids" become public on the
    entry. Adds an `updated` GroupEvent (and `status_changed` if "status" changes it).
    The report's status becomes `merged`. The group is published if it was not.
    """
    _require(report, ReportStatus.queued)
    _apply_to_existing(report, group, dict(moderator_edits or {}))
    report.status = ReportStatus.merged
    report.group = group
    report.token_digest = None
    report.decided_at = utcnow()
    _forget_figures()
    return group


def change_status(group: Group, new_status: GroupStatus | str, note: str = "") -> GroupEvent:
    """Change a published group's status (e.g. recovered) and add it to the public timeline with
    `note` (PUBLIC text; "" for none). Does not commit. ModerationError if unchanged."""
    new_status = GroupStatus(new_status)
    if group.status == new_status:
        raise ModerationError("the group already has this status")
    event = GroupEvent(kind=GroupEventKind.status_changed, old_status=group.status,
                       new_status=new_status, note=note or "")
    group.status = new_status
    group.events.append(event)
    db.session.flush()
    return event


def screenshot_file(screenshot: Screenshot) -> Path:
    """Where a screenshot's (re-encoded) file is on disk."""
    return Path(current_app.config["UPLOADS_DIR"]) / screenshot.path


def _require(report: Report, *allowed: ReportStatus) -> None:
    """ModerationError unless the report is in one of the `allowed` states."""
    if report.status not in allowed:
        raise ModerationError(f"report {report.id} is {report.status.value}")


def _forget_figures() -> None:
    """The headline figures changed: recompute them on the next request."""
    from app import stats

    stats.clear_cache()


def _create_group(report: Report, edits: dict) -> Group:
    """A new published entry from a report and the moderator's edits."""
    values = {
        "name": report.name, "facebook_url": report.facebook_url, "status": report.group_status,
        "crew": report.crew, "hijacked_on": report.hijacked_on,
        "members_at_hijack": report.members_at_hijack, "members_after": report.members_after,
        "account_it": report.account if report.lang == "it" else "",
        "account_en": report.account if report.lang == "en" else "",
    }
    values.update(_clean_edits(edits))
    if values["facebook_url"]:
        existing = db.session.scalar(select(Group).where(Group.facebook_url == values["facebook_url"]))
        if existing is not None:
            raise DuplicateGroupError(existing)
    now = utcnow()
    group = Group(slug=unique_slug(values["name"]), name_folded=fold(values["name"]),
                  source=SOURCE_REPORT, published=True, published_at=now, **values)
    try:
        with db.session.begin_nested():
            db.session.add(group)
            db.session.flush()
    except IntegrityError:
        # Another moderator published the same URL (or slug) at the same moment.
        existing = db.session.scalar(select(Group).where(Group.facebook_url == values["facebook_url"]))
        if existing is not None:
            raise DuplicateGroupError(existing) from None
        raise
    group.events.append(GroupEvent(kind=GroupEventKind.published, new_status=group.status,
                                   note=edits.get("note") or "", report_id=report.id))
    _publish_media(report, edits)
    db.session.flush()
    return group


def _apply_to_existing(report: Report, group: Group, edits: dict) -> Group:
    """Apply the moderator's edits and the chosen evidence of `report` to an existing entry."""
    values = _clean_edits(edits)
    old_status = group.status
    for key, value in values.items():
        if key == "name":
            group.name_folded = fold(value)
        setattr(group, key, value)
    if not group.published:
        group.published, group.published_at = True, utcnow()
    note = edits.get("note") or ""
    group.events.append(GroupEvent(kind=GroupEventKind.updated, note=note, report_id=report.id))
    if group.status != old_status:
        group.events.append(GroupEvent(kind=GroupEventKind.status_changed, old_status=old_status,
                                       new_status=group.status, report_id=report.id))
    _publish_media(report, edits)
    db.session.flush()
    return group


def _clean_edits(edits: dict) -> dict:
    """The Group fields among `edits`, with enums and the URL normalized."""
    values = {k: edits[k] for k in EDITABLE if k in edits}
    if "status" in values:
        values["status"] = GroupStatus(values["status"])
    if "crew" in values:
        values["crew"] = Crew(values["crew"])
    if values.get("facebook_url"):
        values["facebook_url"] = normalize_facebook_url(values["facebook_url"])
    elif "facebook_url" in values:
        values["facebook_url"] = None
    for key in ("account_it", "account_en"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if "name" in values and not (values["name"] or "").strip():
        raise ModerationError("the name cannot be empty")
    return values


def _publish_media(report: Report, edits: dict) -> None:
    """Mark the evidence links and screenshots the moderator chose as public."""
    evidence_ids = {int(i) for i in edits.get("evidence_ids") or ()}
    screenshot_ids = {int(i) for i in edits.get("screenshot_ids") or ()}
    for link in report.evidence:
        link.published = link.id in evidence_ids
    for shot in report.screenshots:
        shot.published = shot.id in screenshot_ids


# ---------------------------------------------------------------------------------------------
# Reports (the public form)
# ---------------------------------------------------------------------------------------------

class NotFacebook(ValueError):
    """Not the address of a Facebook group or page."""


_FACEBOOK_HOSTS = ("facebook.com",)
_FACEBOOK_SUBDOMAINS = {"www", "m", "mbasic", "web", "touch", "mobile", "business"}
# First path segments that are Facebook features, not pages.
_NOT_PAGES = {
    "profile.php", "people", "events", "watch", "login", "login.php", "share", "sharer",
    "sharer.php", "photo.php", "photo", "photos", "permalink.php", "story.php", "hashtag",
    "marketplace", "gaming", "help", "policies", "privacy", "settings", "messages", "notifications",
    "friends", "search", "home.php", "reel", "reels", "stories", "video.php", "l.php", "dialog",
    "plugins", "ads", "business", "legal", "terms", "about", "bookmarks", "saved", "live", "fundraisers",
}
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789.-_")


def normalize_facebook_url(raw: str) -> str:
    """The canonical address of a Facebook group or page, or NotFacebook.

    Accepts facebook.com with or without www., m., mbasic., a locale like it-it., http or https
    or no scheme; drops the query, fragment and sub-pages. Groups become
    https://www.facebook.com/groups/<id-or-name>, pages https://www.facebook.com/<page>
    (lower-cased: Facebook names are case-insensitive)."""
    raw = (raw or "").strip()
    if not raw:
        raise NotFacebook("empty")
    if "://" not in raw:
        if ":" in raw.split("/", 1)[0] and not raw.lower().startswith(("www.", "facebook.", "m.")):
            raise NotFacebook("scheme")
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise NotFacebook("unparseable") from None
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password or port:
        raise NotFacebook("scheme")
    host = (parts.hostname or "").rstrip(".").lower()
    if host != "facebook.com":
        sub, _, rest = host.partition(".")
        locale_like = len(sub) == 5 and sub[2] == "-" and sub.replace("-", "").isalpha()
        if rest != "facebook.com" or not (sub in _FACEBOOK_SUBDOMAINS or locale_like):
            raise NotFacebook("host")
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        raise NotFacebook("path")
    first = segments[0].lower()
    if first == "groups":
        if len(segments) < 2 or not _is_name(segments[1]):
            raise NotFacebook("group")
        return f"https://www.facebook.com/groups/{segments[1].lower()}"
    if first == "pg" and len(segments) >= 2:  # old page addresses: /pg/<page>/posts
        first = segments[1].lower()
    if first == "pages" and len(segments) >= 3 and segments[-1].isdigit():  # /pages/Name/123
        return f"https://www.facebook.com/{segments[-1]}"
    if first in _NOT_PAGES or not _is_name(first):
        raise NotFacebook("path")
    return f"https://www.facebook.com/{first}"


def _is_name(segment: str) -> bool:
    """A Facebook group or page name or id: letters, digits, dots, dashes, underscores."""
    segment = segment.lower()
    return 0 < len(segment) <= 100 and set(segment) <= _NAME_CHARS and segment.strip(".") != ""


def find_existing_group(name: str, facebook_url: str | None) -> Group | None:
    """The published entry that a report is about: same normalized URL, else same folded name."""
    if facebook_url:
        group = db.session.scalar(select(Group).where(Group.facebook_url == facebook_url,
                                                      Group.published.is_(True)))
        if group is not None:
            return group
    return db.session.scalar(select(Group).where(Group.name_folded == fold(name),
                                                 Group.published.is_(True)).order_by(Group.id).limit(1))


def create_report(data: dict, evidence: list[str], images: list["CleanImage"], lang: str,
                  ip_hash: str | None) -> tuple[Report, str]:
    """Store an unconfirmed report, its evidence links and screenshots; returns (report, token).
    `data` has the Report columns the form asks for. Does not commit."""
    from app.security import new_token

    token, digest = new_token()
    existing = find_existing_group(data["name"], data.get("facebook_url"))
    report = Report(name_folded=fold(data["name"]), lang=lang, ip_hash=ip_hash, token_digest=digest,
                    status=ReportStatus.pending_email, group=existing, is_addition=existing is not None,
                    **data)
    for position, url in enumerate(evidence):
        report.evidence.append(ReportEvidence(url=url, position=position))
    for position, image in enumerate(images):
        report.screenshots.append(Screenshot(position=position, **image.save()))
    db.session.add(report)
    db.session.flush()
    return report, token


def report_for_token(token: str) -> Report | None:
    """The unconfirmed or confirmed report behind a mailed token (None if unknown)."""
    from app.security import token_digest

    return db.session.scalar(select(Report).where(Report.token_digest == token_digest(token)))


def link_expired(report: Report) -> bool:
    """True when the confirmation link is older than CONFIRM_DAYS."""
    return utcnow() - report.created_at > timedelta(days=CONFIRM_DAYS)


def confirm_report(report: Report) -> bool:
    """Put a pending report in the moderation queue; False if it was already confirmed.
    The token stays valid (a second click says "already confirmed") until a decision."""
    if report.status != ReportStatus.pending_email:
        return False
    report.status = ReportStatus.queued
    report.confirmed_at = utcnow()
    return True


def purge_unconfirmed() -> int:
    """Delete reports never confirmed within CONFIRM_DAYS, with their screenshot files: we keep
    no personal data that its owner did not confirm (committed). Returns how many went."""
    cutoff = utcnow() - timedelta(days=CONFIRM_DAYS)
    stale = db.session.scalars(select(Report).where(Report.status == ReportStatus.pending_email,
                                                    Report.created_at < cutoff)).all()
    from app.models import OutboxMail

    for report in stale:
        for shot in report.screenshots:
            screenshot_file(shot).unlink(missing_ok=True)
        db.session.execute(OutboxMail.__table__.delete().where(OutboxMail.ref == f"report:{report.id}"))
        db.session.delete(report)
    db.session.commit()
    return len(stale)


# ---------------------------------------------------------------------------------------------
# Screenshots
# ---------------------------------------------------------------------------------------------

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 5 MB PNG can decompress to gigabytes: refuse before decoding


class BadImage(ValueError):
    """Not a PNG or JPEG we accept; the message is a code: "type", "size" or "pixels"."""


class CleanImage:
    """An uploaded screenshot re-encoded from its pixels alone (no EXIF, GPS, text chunks, ICC
    profile or anything else the file carried)."""

    def __init__(self, data: bytes, fmt: str, width: int, height: int):
        self.data, self.format, self.width, self.height = data, fmt, width, height

    @property
    def mimetype(self) -> str:
        """The MIME type of the re-encoded file."""
        return "image/png" if self.format == "PNG" else "image/jpeg"

    def save(self) -> dict:
        """Write the file under UPLOADS_DIR with a random name; the Screenshot columns."""
        ext = "png" if self.format == "PNG" else "jpg"
        relative = f"screenshots/{secrets.token_hex(16)}.{ext}"
        target = Path(current_app.config["UPLOADS_DIR"]) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.data)
        return {"path": relative, "mimetype": self.mimetype, "width": self.width,
                "height": self.height, "size_bytes": len(self.data)}


def clean_image(stream) -> CleanImage:
    """Read an uploaded PNG or JPEG (at most 5 MB) and re-encode its pixels only."""
    data = stream.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise BadImage("size")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("PNG", "JPEG"):
                raise BadImage("type")
            if img.width * img.height > MAX_PIXELS:
                raise BadImage("pixels")
            fmt = img.format
            img.load()
            # Keep the picture the right way up, since its EXIF orientation goes away.
            img = ImageOps.exif_transpose(img)
            if fmt == "JPEG":
                img = img.convert("RGB")
            elif img.mode not in ("RGB", "RGBA", "L", "LA"):
                img = img.convert("RGBA")
            # A new image from the raw pixels: nothing else of the upload survives.
            pixels = Image.frombytes(img.mode, img.size, img.tobytes())
    except BadImage:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise BadImage("type") from None
    out = io.BytesIO()
    if fmt == "PNG":
        pixels.save(out, "PNG", optimize=True)
    else:
        pixels.save(out, "JPEG", quality=90, optimize=True)
    return CleanImage(out.getvalue(), fmt, pixels.width, pixels.height)


# ---------------------------------------------------------------------------------------------
# The public registry: search, figures, exports
# ---------------------------------------------------------------------------------------------

SORTS = {
    "name": lambda: (Group.name_folded, Group.id),
    "-date": lambda: (Group.hijacked_on.is_(None), Group.hijacked_on.desc(), Group.id),
    "date": lambda: (Group.hijacked_on.is_(None), Group.hijacked_on, Group.id),
    "-members": lambda: (Group.members_at_hijack.is_(None), Group.members_at_hijack.desc(), Group.id),
    "members": lambda: (Group.members_at_hijack.is_(None), Group.members_at_hijack, Group.id),
    "-added": lambda: (Group.published_at.desc(), Group.id.desc()),
}


def _like_escape(text: str) -> str:
    """`text` with LIKE's wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def published_filter(q: str = "", status: str = "", crew: str = "") -> list:
    """WHERE clauses for published groups matching a search (folded: case, accents and
    look-alikes ignored) and the status and crew filters (unknown values are ignored)."""
    clauses = [Group.published.is_(True)]
    folded = fold(q or "")
    if folded:
        for word in folded.split(" ")[:8]:
            clauses.append(Group.name_folded.like(f"%{_like_escape(word)}%", escape="\\"))
    if status in GroupStatus._value2member_map_:
        clauses.append(Group.status == GroupStatus(status))
    if crew in Crew._value2member_map_:
        clauses.append(Group.crew == Crew(crew))
    return clauses


def search_groups(q: str = "", status: str = "", crew: str = "", sort: str = "name",
                  page: int = 1, per_page: int = 25, total: int | None = None) -> tuple[list[Group], int]:
    """(groups on this page, total matching); pass `total` when already known (from `totals`)."""
    clauses = published_filter(q, status, crew)
    if total is None:
        total = db.session.scalar(select(func.count(Group.id)).where(*clauses))
    order = SORTS.get(sort, SORTS["name"])()
    rows = db.session.scalars(select(Group).where(*clauses).order_by(*order)
                              .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return list(rows), total


def totals(q: str = "", status: str = "", crew: str = "") -> dict:
    """Figures of the matching groups: how many, members affected, how many without a count."""
    clauses = published_filter(q, status, crew)
    groups, members, unknown = db.session.execute(select(
        func.count(Group.id), func.coalesce(func.sum(Group.members_at_hijack), 0),
        func.count(Group.id).filter(Group.members_at_hijack.is_(None)),
    ).where(*clauses)).one()
    return {"groups": groups, "members": int(members), "unknown": unknown}


def group_by_slug(slug: str) -> Group | None:
    """A published group by its slug."""
    return db.session.scalar(select(Group).where(Group.slug == slug, Group.published.is_(True)))


def public_evidence(group: Group) -> tuple[list[ReportEvidence], list[Screenshot]]:
    """The evidence links and screenshots a moderator made public for this group."""
    links = db.session.scalars(
        select(ReportEvidence).join(Report).where(Report.group_id == group.id,
                                                  ReportEvidence.published.is_(True))
        .order_by(ReportEvidence.report_id, ReportEvidence.position)).all()
    shots = db.session.scalars(
        select(Screenshot).join(Report).where(Report.group_id == group.id, Screenshot.published.is_(True))
        .order_by(Screenshot.report_id, Screenshot.position)).all()
    return list(links), list(shots)


def public_screenshot(screenshot_id: int) -> Screenshot | None:
    """A screenshot that may be shown to anyone: published, of a published group."""
    return db.session.scalar(
        select(Screenshot).join(Report).join(Group, Report.group_id == Group.id)
        .where(Screenshot.id == screenshot_id, Screenshot.published.is_(True),
               Group.published.is_(True)))


def admin_signers(group: Group) -> int:
    """How many confirmed signers say they were admins of this group (0 until the petition's
    Signature model with its group_id column exists)."""
    try:
        from app.models.petition import Signature
    except ImportError:
        return 0
    if not hasattr(Signature, "group_id"):
        return 0
    clauses = [Signature.group_id == group.id]
    if hasattr(Signature, "is_admin"):
        clauses.append(Signature.is_admin.is_(True))
    if hasattr(Signature, "status"):
        from app.models.petition import SignatureStatus

        clauses.append(Signature.status == SignatureStatus.confirmed)
    if hasattr(Signature, "suspect"):
        clauses.append(Signature.suspect.is_(False))
    return db.session.scalar(select(func.count(Signature.id)).where(*clauses)) or 0


def recent_published(limit: int = 50) -> list[Group]:
    """The most recently published groups, newest first (the Atom feed)."""
    return list(db.session.scalars(select(Group).where(Group.published.is_(True))
                                   .order_by(Group.published_at.desc(), Group.id.desc()).limit(limit)))


def parse_hijacked_on(value: str) -> date | None:
    """The first day of an ISO 'YYYY-MM' or 'YYYY-MM-DD', or None."""
    try:
        if len(value or "") == 7:
            return date.fromisoformat(value + "-01")
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


CSV_COLUMNS = ("id", "slug", "name", "status", "crew", "hijacked_on", "members_at_hijack",
               "members_after", "facebook_url", "source", "published_at", "account_it", "account_en")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def group_row(group: Group) -> dict:
    """The public fields of a group (API and CSV): never anything about who reported it."""
    return {
        "id": group.id, "slug": group.slug, "name": group.name, "status": group.status.value,
        "crew": group.crew.value, "hijacked_on": group.hijacked_on,
        "members_at_hijack": group.members_at_hijack, "members_after": group.members_after,
        "facebook_url": group.facebook_url, "source": group.source,
        "published_at": group.published_at.isoformat() if group.published_at else None,
        "account_it": group.account_it, "account_en": group.account_en,
    }


def groups_csv(clauses: list) -> str:
    """All matching published groups as CSV text (header row; formula-safe cells)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group in db.session.scalars(select(Group).where(*clauses).order_by(Group.id)):
        row = group_row(group)
        writer.writerow([csv_safe(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# The 2014 list
# ---------------------------------------------------------------------------------------------

def unique_slug(name: str) -> str:
    """A readable slug for `name` that no other group has ("name", "name-2", …)."""
    base = slugify(name)
    taken = set(db.session.scalars(select(Group.slug).where(Group.slug.like(f"{base}%"))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _int_or_none(value: str) -> int | None:
    """An integer, or None for an empty cell."""
    return int(value) if value.strip() else None


def seed_groups(path: Path = GROUPS_CSV) -> int:
    """Load the groups of the 2014 list as published entries; a group already there (same
    folded name, from the same source) is left alone. Returns how many were added."""
    existing = set(db.session.scalars(select(Group.name_folded).where(Group.source == SOURCE_2014)))
    added = 0
    now = utcnow()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            folded = fold(row["name"])
            if folded in existing:
                continue
            db.session.add(Group(
                slug=unique_slug(row["name"]), name=row["name"], name_folded=folded,
                status=GroupStatus(row["status"]),
                crew=CREWS_2014.get(row["hijacked_by"].strip().casefold(), Crew.unknown),
                hijacked_on=row["hijacked_on"] or None,
                members_at_hijack=_int_or_none(row["members_at_hijack"]),
                members_after=_int_or_none(row["members_after"]),
                account_it=row["notes_it"], account_en=row["notes_en"],
                source=SOURCE_2014, published=True, published_at=now,
            ))
            db.session.flush()
            existing.add(folded)
            added += 1
    db.session.commit()
    return added
