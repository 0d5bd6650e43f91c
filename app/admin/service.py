"""Back-office logic shared by the views and the CLI: the audit log and the registry's
moderation (accounts are in app/admin/accounts.py)."""
import json

from flask import url_for

from app.extensions import db
from app.models import AuditLog, Group, Moderator, ReportStatus
from app.outbox import enqueue
from app.registry import moderation

# --- Audit log ------------------------------------------------------------------------------

# Who acted: a moderator's account (the log keeps its id and email; a view passes
# current_user), or the name of who else did ("cli", "system", "anonymous", an email).
Actor = Moderator | str


def audit(action: str, target_type: str, target_id: int | None, before: dict | None = None,
          after: dict | None = None, actor: Actor = "cli") -> AuditLog:
    """Record an action in the current transaction, by `actor`. The caller commits, so the log
    row and the change stand or fall together."""
    moderator_id = None
    if isinstance(actor, Moderator):
        moderator_id, actor = actor.id, actor.email
    entry = AuditLog(moderator_id=moderator_id, actor=actor, action=action, target_type=target_type,
                     target_id=target_id, before=_json(before), after=_json(after))
    db.session.add(entry)
    return entry


def _json(data: dict | None) -> str | None:
    """JSON text for the log (dates and enums as strings), None for nothing."""
    if data is None:
        return None
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value):
    """JSON fallback: enums by value, everything else as text."""
    return getattr(value, "value", None) or str(value)


# --- Moderation: the registry's state changes, each with its audit entry and mail -----------

def group_snapshot(group: Group | None) -> dict | None:
    """The facts of a group as the audit log keeps them (`Group.AUDIT_FIELDS`)."""
    return None if group is None else group.to_dict(Group.AUDIT_FIELDS)


def report_snapshot(report) -> dict:
    """A report's moderation state as the audit log keeps it."""
    return {"status": report.status, "group_id": report.group_id,
            "reject_reason": report.reject_reason, "moderator_note": report.moderator_note,
            "evidence_public": [e.id for e in report.evidence if e.published],
            "screenshots_public": [s.id for s in report.screenshots if s.published]}


def public_group_url(group, lang: str) -> str:
    """The absolute address of a group's public page in `lang` (for mails and the back office)."""
    return url_for("registry.group", slug=group.slug, lang_code=lang, _external=True)


def publish(report, edits: dict, actor: Actor = "cli"):
    """Publish a queued report with the moderator's edits, log it, mail the reporter. The caller
    commits. Raises the registry's ModerationError (or DuplicateGroupError)."""
    before = {"report": report_snapshot(report), "group": group_snapshot(report.group)}
    group = moderation.publish_report(report, edits)
    audit("report.publish", "report", report.id, before=before,
          after={"report": report_snapshot(report), "group": group_snapshot(group),
                 "note": edits.get("note") or ""}, actor=actor)
    _mail_published(report, group)
    return group


def merge(report, group, note: str = "", evidence_ids=(), screenshot_ids=(), actor: Actor = "cli"):
    """Fold a queued report into `group` as additional information, making public the evidence
    links and screenshots chosen (the others stay private), log it, mail the reporter (their
    information now stands on a public entry). The caller commits."""
    before = {"report": report_snapshot(report), "group": group_snapshot(group)}
    moderation.merge_report(report, group, {"note": note, "evidence_ids": list(evidence_ids),
                                          "screenshot_ids": list(screenshot_ids)})
    audit("report.merge", "report", report.id, before=before,
          after={"report": report_snapshot(report), "group": group_snapshot(group), "note": note},
          actor=actor)
    _mail_published(report, group)
    return group


def reject(report, reason, note: str = "", message: str = "", actor: Actor = "cli"):
    """Reject a report with a reason (and an internal note), log it, and mail the reporter the
    reason and `message` in their language. The caller commits. Only a queued report: an
    unconfirmed one may carry an address its owner never confirmed, which must get no mail."""
    if report.status != ReportStatus.queued:
        raise moderation.ModerationError(f"report {report.id} is {report.status.value}")
    before = {"report": report_snapshot(report)}
    moderation.reject_report(report, reason, note)
    audit("report.reject", "report", report.id, before=before,
          after={"report": report_snapshot(report), "message": message}, actor=actor)
    enqueue(report.reporter_email, "report_rejected", report.lang, ref=f"report:{report.id}",
            name=report.reporter_name, group_name=report.name, reason=report.reject_reason.value,
            message=message.strip(),
            report_url=_report_form_url(report.lang))


def change_status(group, new_status, note: str = "", actor: Actor = "cli"):
    """A later status change of a group, on its public timeline and in the log. The caller commits."""
    before = group_snapshot(group)
    event = moderation.change_status(group, new_status, note)
    audit("group.status", "group", group.id, before={"status": before["status"]},
          after={"status": group.status, "note": note}, actor=actor)
    return event


def set_account(group, account_it: str, account_en: str, actor: Actor = "cli") -> bool:
    """Write a group's public account in both languages and log it; False when nothing changed.
    The caller commits."""
    before = {"account_it": group.account_it, "account_en": group.account_en}
    after = {"account_it": (account_it or "").strip(), "account_en": (account_en or "").strip()}
    if before == after:
        return False
    group.account_it, group.account_en = after["account_it"], after["account_en"]
    audit("group.account", "group", group.id, before=before, after=after, actor=actor)
    return True


def _mail_published(report, group) -> None:
    """Tell the reporter, in their language, that their report is on the public registry."""
    enqueue(report.reporter_email, "report_published", report.lang, ref=f"report:{report.id}",
            name=report.reporter_name, group_name=report.name,
            group_url=public_group_url(group, report.lang))


def _report_form_url(lang: str) -> str:
    """The report form, absolute, in `lang`."""
    return url_for("registry.report", lang_code=lang, _external=True)



_MOVED = {"MIN_PASSWORD_LENGTH", "ModeratorExists", "create_moderator", "get_moderator", "set_active"}


def __getattr__(name: str):
    """Accounts moved to app/admin/accounts.py: these names still answer here, for the callers
    that had them (looked up lazily, as accounts.py imports this module)."""
    if name in _MOVED:
        from app.admin import accounts

        return getattr(accounts, name)
    raise AttributeError(name)
