"""Moderation: the state changes of reports and groups that the back office (app/admin/) makes.

None of these functions commits: the caller writes its audit log entry and queues the reporter's
mail (`report.reporter_email`, `report.lang`, `report.reject_reason`) in the same transaction,
then commits. They raise `ModerationError` (a ValueError) when the report or group is not in a
state that allows the action.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Crew, Group, GroupEvent, GroupEventKind, GroupStatus, RejectReason, Report, ReportStatus,
)
from app.models.base import utcnow
from app.registry.reports import normalize_facebook_url
from app.text import fold, slugify
from app.urls import MAX_INT

SOURCE_REPORT = "report"
SLUG_ATTEMPTS = 20  # slug collisions in a row before giving up (each needs a concurrent insert)

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


def moderation_queue():
    """Confirmed reports waiting for a moderator, oldest first (a Select; run it with scalars)."""
    return (select(Report).where(Report.status == ReportStatus.queued)
            .order_by(Report.confirmed_at, Report.id))


def every_group(search: str = ""):
    """Every group, published or not, newest first; with `search`, those whose name holds it,
    or the one whose id it is (a Select, as moderation_queue)."""
    query = select(Group).order_by(Group.id.desc())
    term = fold(search or "")
    if not term:
        return query
    if term.isascii() and term.isdigit() and int(term) <= MAX_INT:  # an id INTEGER can hold
        return query.where(Group.id == int(term))
    return query.where(Group.name_folded.contains(term, autoescape=True))


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


def _require(report: Report, *allowed: ReportStatus) -> None:
    """ModerationError unless the report is in one of the `allowed` states."""
    if report.status not in allowed:
        raise ModerationError(f"report {report.id} is {report.status.value}")


def _forget_figures() -> None:
    """The headline figures and the sign form's list of groups changed: recompute them on the
    next request, on every instance (they are in the shared cache)."""
    from app.extensions import forget
    from app.petition.listing import GROUPS_KEY
    from app.stats import FIGURES_KEY

    forget(FIGURES_KEY, GROUPS_KEY)


def proposed_entry(report: Report) -> dict:
    """The entry's fields (EDITABLE) as the report proposes them: what the reporter typed, their
    account of it in their own language's field."""
    return {
        "name": report.name, "facebook_url": report.facebook_url, "status": report.group_status,
        "crew": report.crew, "hijacked_on": report.hijacked_on,
        "members_at_hijack": report.members_at_hijack, "members_after": report.members_after,
        "account_it": report.account if report.lang == "it" else "",
        "account_en": report.account if report.lang == "en" else "",
    }


def _create_group(report: Report, edits: dict) -> Group:
    """A new published entry from a report and the moderator's edits."""
    values = proposed_entry(report)
    values.update(_clean_edits(edits))
    if values["facebook_url"]:
        existing = db.session.scalar(select(Group).where(Group.facebook_url == values["facebook_url"]))
        if existing is not None:
            raise DuplicateGroupError(existing)
    group = Group(name_folded=fold(values["name"]), source=SOURCE_REPORT, published=True,
                  published_at=utcnow(), **values)
    _insert_with_free_slug(group)
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


def unique_slug(name: str) -> str:
    """A readable slug for `name` that no other group has yet ("name", "name-2", …). Another
    transaction may take it before we insert: insert with `_insert_with_free_slug`."""
    base = slugify(name)
    taken = set(db.session.scalars(select(Group.slug).where(Group.slug.like(f"{base}%"))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _next_slug(base: str, slug: str) -> str:
    """The slug after `slug` in the series "base", "base-2", "base-3", …"""
    suffix = slug[len(base) + 1:] if slug != base else "1"
    return f"{base}-{int(suffix) + 1 if suffix.isdigit() else 2}"


def _insert_with_free_slug(group: Group) -> None:
    """Insert a new group under a free slug. The database's unique constraint decides: when a
    concurrent insert took the slug, try the next one in a fresh SAVEPOINT; when it took the
    Facebook URL, DuplicateGroupError."""
    base = slugify(group.name)
    group.slug = unique_slug(group.name)
    for _attempt in range(SLUG_ATTEMPTS):
        try:
            with db.session.begin_nested():
                db.session.add(group)
                db.session.flush()
            return
        except IntegrityError:
            if group.facebook_url:
                existing = db.session.scalar(select(Group).where(Group.facebook_url == group.facebook_url))
                if existing is not None:
                    raise DuplicateGroupError(existing) from None
            if db.session.scalar(select(Group.id).where(Group.slug == group.slug)) is None:
                raise  # neither the URL nor the slug: not ours to handle
            group.slug = _next_slug(base, group.slug)
    raise ModerationError(f"no free slug for {group.name!r} after {SLUG_ATTEMPTS} attempts")
