"""The audit log in words: each action code as a sentence in the reader's language, its item
as a link, and the few facts worth reading (a reason, a status, a note), never the raw JSON.
An action this table does not know yet reads as a generic sentence."""
from dataclasses import dataclass, field

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.routing import BuildError

from app.admin.forms import ROLE_LABELS
from app.admin.signature_forms import BLOCK_LABELS
from app.models import AuditLog, BlockKind, GroupStatus, RejectReason, Role
from app.models.registry import REJECT_LABELS, STATUS_LABELS

# I18N: the audit log's sentences: what the person in the "Who" column did.
SENTENCES = {
    "login.success": _l("Logged in"),
    "login.failure": _l("Tried to log in and failed"),
    "login.locked": _l("Locked an address out of an account after failed logins"),
    "moderator.create": _l("Created an account"),
    "moderator.enable": _l("Enabled an account"),
    "moderator.disable": _l("Disabled an account"),
    "moderator.password": _l("Set a new password for an account"),
    "moderator.reset_2fa": _l("Reset the second factor of an account"),
    "moderator.enrol_2fa": _l("Set up their second factor"),
    "report.publish": _l("Published a report"),
    "report.merge": _l("Merged a report into an entry"),
    "report.reject": _l("Rejected a report"),
    "group.status": _l("Changed the status of a group"),
    "group.account": _l("Edited the public account of a group"),
    "endorsement.approve": _l("Approved an endorsement"),
    "endorsement.reject": _l("Rejected an endorsement"),
    "update.save": _l("Saved an update"),
    "update.publish": _l("Published an update"),
    "update.unpublish": _l("Withdrew an update from the public pages"),
    "update.mail": _l("Emailed an update to the signers who asked for news"),
    "handover.request": _l("Asked for a new hand-over document"),
    "handover.generate": _l("Generated the hand-over document"),
    "handover.publish": _l("Published the hand-over document"),
    "timeline.save": _l("Saved a step of the timeline"),
    "timeline.delete": _l("Deleted a step of the timeline"),
    "listing.approve": _l("Approved a signer for the public list"),
    "listing.approve_no_reason": _l("Approved a signer for the public list without their reason"),
    "listing.hide": _l("Hid a signer from the public list"),
    "listing.remove_reason": _l("Removed a signer’s reason from the public list"),
    "listing.verify": _l("Verified a signer’s admin claim"),
    "listing.unverify": _l("Withdrew the verification of a signer’s admin claim"),
    "signature.release": _l("Released held signatures"),
    "signature.invalidate": _l("Invalidated signatures"),
    "signature.invalidation_undo": _l("Undid an invalidation"),
    "blocklist.add": _l("Added an entry to a block list"),
    "blocklist.remove": _l("Removed an entry from a block list"),
    "export.signatures": _l("Exported the signatures, without email addresses"),
    "export.signatures_email": _l("Exported the signatures with their email addresses"),
}
GENERIC = _l("Did something the log has no words for yet")

# Who did it, when it was not a moderator.
ACTORS = {"anonymous": _l("Someone not logged in"), "system": _l("The site"), "cli": _l("The command line")}

LOGIN_FAILURES = {
    "unknown": _l("no account has this email address"),
    "password": _l("wrong password"),
    "code": _l("wrong or reused code"),
    "disabled": _l("the account is disabled"),
    "locked": _l("this address is locked out"),
}


@dataclass
class Line:
    """One entry as the page shows it."""

    entry: AuditLog
    who: str
    sentence: str
    item: str | None = None
    item_url: str | None = None
    facts: list[str] = field(default_factory=list)


def sentence(action: str) -> str:
    """The action in words."""
    return str(SENTENCES.get(action, GENERIC))


def who(actor: str) -> str:
    """The actor in words: a moderator's email, or who else acted."""
    label = ACTORS.get(actor)
    return str(label) if label is not None else actor


def _url(endpoint: str, **values) -> str | None:
    """The address of a back-office page, None when it does not exist (a part not installed)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _item(entry: AuditLog, administrator: bool, emails: dict[int, str]) -> tuple[str | None, str | None]:
    """(label, link) of the entry's item."""
    kind, ident = entry.target_type, entry.target_id
    if ident is None:
        return (_("the signatures") if kind == "signatures" else None), None
    if kind == "report":
        return _("report %(id)s", id=ident), _url("admin.report", report_id=ident)
    if kind == "group":
        return _("group %(id)s", id=ident), _url("admin.group", group_id=ident)
    if kind == "moderator":
        label = _("account %(email)s", email=emails[ident]) if ident in emails else _("account %(id)s", id=ident)
        return label, _url("admin.account_list") if administrator else None
    if kind == "signature":
        return _("signature %(id)s", id=ident), _url("admin.signature", signature_id=ident)
    if kind == "invalidation":
        return _("invalidation %(id)s", id=ident), _url("admin.invalidations")
    if kind == "block":
        return _("block list entry %(id)s", id=ident), _url("admin.blocklist") if administrator else None
    if kind in ("handover", "handover_request"):
        return _("hand-over document %(id)s", id=ident), _url("campaign.admin_handover")
    if kind == "endorsement":
        return _("endorsement %(id)s", id=ident), _url("campaign.admin_endorsements")
    if kind == "update":
        return _("update %(id)s", id=ident), _url("campaign.admin_update", update_id=ident)
    if kind == "timeline_step":
        return _("step %(id)s of the timeline", id=ident), _url("campaign.admin_timeline", step_id=ident)
    return _("item %(id)s", id=ident), None


def _label(labels: dict, enum_cls, value) -> str | None:
    """The translated label of an enum's stored value, None when unknown."""
    try:
        return str(labels[enum_cls(value)])
    except (KeyError, ValueError):
        return None


def _facts(entry: AuditLog) -> list[str]:
    """The facts of an entry worth reading, in words."""
    before, after = entry.before_data() or {}, entry.after_data() or {}
    facts: list[str] = []
    if entry.action == "login.failure":
        why = LOGIN_FAILURES.get(after.get("why") or "")
        if why:
            facts.append(_("Why: %(why)s", why=why))
        if after.get("email"):
            facts.append(_("Email typed: %(email)s", email=after["email"]))
    elif entry.action == "report.reject":
        reason = _label(REJECT_LABELS, RejectReason, (after.get("report") or {}).get("reject_reason"))
        if reason:
            facts.append(_("Reason: %(text)s", text=reason))
    elif entry.action == "group.status":
        old = _label(STATUS_LABELS, GroupStatus, before.get("status"))
        new = _label(STATUS_LABELS, GroupStatus, after.get("status"))
        if old and new:
            facts.append(_("From “%(old)s” to “%(new)s”", old=old, new=new))
    elif entry.action == "group.account":
        if after.get("account_it"):
            facts.append(_("In Italian: %(text)s", text=after["account_it"]))
        if after.get("account_en"):
            facts.append(_("In English: %(text)s", text=after["account_en"]))
    elif entry.action == "moderator.create":
        role = _label(ROLE_LABELS, Role, after.get("role"))
        if role:
            facts.append(_("Role: %(role)s", role=role))
    elif entry.action.startswith("export.") and isinstance(after.get("rows"), int):
        facts.append(ngettext("%(num)s signature", "%(num)s signatures", after["rows"]))
    elif entry.action == "update.mail" and isinstance(after.get("recipients"), int):
        facts.append(ngettext("%(num)s recipient", "%(num)s recipients", after["recipients"]))
    elif entry.action.startswith("signature.") and isinstance(after.get("count"), int):
        facts.append(ngettext("%(num)s signature", "%(num)s signatures", after["count"]))
    elif entry.action == "blocklist.add":
        kind = _label(BLOCK_LABELS, BlockKind, after.get("kind"))
        if kind and after.get("value"):
            facts.append(_("%(kind)s: %(value)s", kind=kind, value=after["value"]))
    elif entry.action in ("listing.approve_no_reason", "listing.remove_reason") and before.get("reason"):
        facts.append(_("Reason removed: %(text)s", text=before["reason"]))
    if not entry.action.startswith("listing."):
        for key, label in (("note", _l("Note: %(text)s")), ("message", _l("Message to the reporter: %(text)s")),
                           ("reason", _l("Reason: %(text)s"))):
            text = after.get(key)
            if key == "note" and not text and isinstance(after.get("report"), dict):
                text = after["report"].get("moderator_note")  # a rejection's internal note
            if isinstance(text, str) and text.strip():
                facts.append(str(label) % {"text": text.strip()})
    return facts


def lines(entries: list[AuditLog], administrator: bool, emails: dict[int, str]) -> list[Line]:
    """The entries of a page in words; `emails` names the accounts they are about."""
    result = []
    for entry in entries:
        item, item_url = _item(entry, administrator, emails)
        result.append(Line(entry=entry, who=who(entry.actor), sentence=sentence(entry.action),
                           item=item, item_url=item_url, facts=_facts(entry)))
    return result
