"""Reports from the public form: intake, the mailed confirmation, and the purge of what its
senders never confirmed or we no longer need."""
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, url_for
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import Group, OutboxMail, Report, ReportEvidence, ReportStatus, Screenshot
from app.models.base import utcnow
from app.outbox import enqueue
from app.registry import kept
from app.registry.images import CleanImage, remove_files
from app.security import new_token, token_digest
from app.text import fold



def confirm_days() -> int:
    """How long a report's confirmation link works; unconfirmed, it goes then (REPORT_LINK_DAYS)."""
    return current_app.config["REPORT_LINK_DAYS"]


def ip_hash_days() -> int:
    """How long a report keeps its IP hash (IP_HASH_DAYS, shown on the privacy notice)."""
    return current_app.config["IP_HASH_DAYS"]



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


def create_report(data: dict, evidence: list[str], images: list[CleanImage], lang: str,
                  ip_hash: str | None) -> tuple[Report, str, str]:
    """Store an unconfirmed report, its evidence links and screenshots; returns (report,
    confirmation token, status token). `data` has the Report columns the form asks for. Writes
    the screenshot files but does not commit: the caller commits inside `files_gone_on_failure`,
    which removes them if that fails."""
    token, digest = new_token()
    status_token, status_digest = new_token()
    existing = find_existing_group(data["name"], data.get("facebook_url"))
    report = Report(name_folded=fold(data["name"]), lang=lang, ip_hash=ip_hash, token_digest=digest,
                    status_digest=status_digest, status=ReportStatus.pending_email, group=existing,
                    is_addition=existing is not None, **data)
    for position, url in enumerate(evidence):
        report.evidence.append(ReportEvidence(url=url, position=position))
    try:
        for position, image in enumerate(images):
            report.screenshots.append(Screenshot(position=position, **image.save()))
        db.session.add(report)
        db.session.flush()
    except BaseException:
        remove_files(shot.path for shot in report.screenshots)
        raise
    return report, token, status_token


def submit_report(data: dict, evidence: list[str], images: list[CleanImage], lang: str,
                  ip_hash: str | None) -> tuple[Report, str]:
    """Store a report and queue its confirmation mail (with the private status link) in one
    transaction, which the caller commits inside `files_gone_on_failure(report)`. Returns
    (report, status token). If anything here fails, the screenshot files already written are
    removed: no orphans on disk."""
    report, token, status_token = create_report(data, evidence, images, lang, ip_hash)
    with files_gone_on_failure(report):
        enqueue(report.reporter_email, "report_confirm", lang, ref=f"report:{report.id}",
                name=report.reporter_name, group_name=report.name, existing=report.group is not None,
                confirm_url=url_for("registry.confirm", token=token, lang_code=lang, _external=True),
                status_url=url_for("registry.status", token=status_token, lang_code=lang, _external=True),
                days=confirm_days())
    return report, status_token


@contextmanager
def files_gone_on_failure(report: Report) -> Iterator[None]:
    """Around the commit of a new report: if it fails, the transaction is rolled back and the
    report's screenshot files are removed, so none is left on disk without its row."""
    written = [shot.path for shot in report.screenshots]
    try:
        yield
    except BaseException:
        db.session.rollback()
        remove_files(written)
        raise


def report_for_token(token: str) -> Report | None:
    """The unconfirmed or confirmed report behind a mailed token (None if unknown)."""
    return db.session.scalar(select(Report).where(Report.token_digest == token_digest(token)))


def report_for_status(token: str) -> Report | None:
    """The report behind a private status link (None if unknown: mistyped, or purged)."""
    return db.session.scalar(select(Report).where(Report.status_digest == token_digest(token)))


# What the reporter's status page says of each status: received (waiting for the mailed
# confirmation), review (in the queue), published (a merge also put it on the registry), rejected.
STAGES = {ReportStatus.pending_email: "received", ReportStatus.queued: "review",
          ReportStatus.published: "published", ReportStatus.merged: "published",
          ReportStatus.rejected: "rejected"}


def report_stage(report: Report) -> str:
    """The step of `report` as its sender follows it: received, review, published or rejected."""
    return STAGES[report.status]


def published_entry(report: Report) -> Group | None:
    """The public entry a published or merged report went into (None before, or if gone)."""
    group = report.group
    if report_stage(report) != "published" or group is None or not group.published:
        return None
    return group


def link_expired(report: Report) -> bool:
    """True when the confirmation link is older than REPORT_LINK_DAYS."""
    return utcnow() - report.created_at > timedelta(days=confirm_days())


def confirm_report(report: Report) -> bool:
    """Put a pending report in the moderation queue; False if it was already confirmed.
    The token stays valid (a second click says "already confirmed") until a decision.
    Does not commit."""
    if report.status != ReportStatus.pending_email:
        return False
    report.status = ReportStatus.queued
    report.confirmed_at = utcnow()
    return True


def confirm_and_notify(report: Report) -> bool:
    """Confirm a report and mail its sender that it is in the queue, in one transaction (the
    caller commits). False (and no mail) if it was already confirmed."""
    if not confirm_report(report):
        return False
    enqueue(report.reporter_email, "report_queued", report.lang, ref=f"report:{report.id}",
            name=report.reporter_name, group_name=report.name, existing=report.group is not None,
            registry_url=url_for("registry.index", lang_code=report.lang, _external=True))
    return True


def purge_unconfirmed(now: datetime | None = None) -> int:
    """Delete reports never confirmed within REPORT_LINK_DAYS, with their mails and screenshot files:
    we keep no personal data that its owner did not confirm (commits; files go only once the
    deletion is committed). Returns how many went."""
    cutoff = (now or utcnow()) - timedelta(days=confirm_days())
    stale = db.session.scalars(select(Report).where(Report.status == ReportStatus.pending_email,
                                                    Report.created_at < cutoff)).all()
    files = [shot.path for report in stale for shot in report.screenshots]
    for report in stale:
        db.session.execute(delete(OutboxMail).where(OutboxMail.ref == f"report:{report.id}"))
        db.session.delete(report)
    db.session.commit()
    remove_files(files)
    return len(stale)


def drop_old_ip_hashes(now: datetime | None = None) -> int:
    """Forget the IP hash of reports older than IP_HASH_DAYS (commits). Returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=ip_hash_days())
    dropped = db.session.execute(
        update(Report).where(Report.ip_hash.is_not(None), Report.created_at < cutoff)
        .values(ip_hash=None)
    ).rowcount
    db.session.commit()
    return dropped


def purge_reports(now: datetime | None = None) -> dict:
    """The registry's part of `flask purge`: expired unconfirmed reports go, and IP hashes
    older than IP_HASH_DAYS are dropped (commits); screenshots kept for a retry more than an
    hour ago go too. Returns {"reports_deleted": n, "ip_hashes_dropped": n}."""
    now = now or utcnow()
    kept.sweep()
    return {"reports_deleted": purge_unconfirmed(now), "ip_hashes_dropped": drop_old_ip_hashes(now)}
