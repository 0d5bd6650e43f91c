"""Back-office views of moderation: the queue, a report and its decisions, screenshots, the
groups (status and public account); the audit log is in audit_views.py. Login is enforced for all of them by
`routes.require_moderator`. Every action is a POST with a CSRF token and writes an audit entry."""
from functools import wraps

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.admin import bp, service
from app.admin.forms import AccountForm, MergeForm, PublishForm, RejectForm, SearchForm, StatusForm
from app.models.registry import CREW_LABELS, REJECT_LABELS, STATUS_LABELS
from app.extensions import db
from app.i18n import current_lang
from app.models import Group, Report, ReportStatus, Screenshot
from app.models.registry import ReporterRole
from app.registry.images import screenshot_file
from app.registry.moderation import (
    EDITABLE, DuplicateGroupError, ModerationError, every_group, moderation_queue, proposed_entry,
)
from app.registry.reports import NotFacebook
from app.urls import query_int

PER_PAGE = 50


def _labels() -> dict:
    """The translated names of statuses, crews, reasons and roles, for the templates."""
    return {
        "status_labels": STATUS_LABELS, "crew_labels": CREW_LABELS, "reject_labels": REJECT_LABELS,
        "report_status_labels": {
            ReportStatus.pending_email: _("Waiting for the reporter’s confirmation"),
            ReportStatus.queued: _("In the queue"),
            ReportStatus.published: _("Published"),
            ReportStatus.rejected: _("Rejected"),
            ReportStatus.merged: _("Merged"),
        },
        "role_labels": {ReporterRole.admin: _("admin"), ReporterRole.moderator: _("moderator"),
                        ReporterRole.member: _("member")},
        "language_names": {"it": _("Italian"), "en": _("English")},
    }


def _text(field) -> str:
    """A text field's value, stripped ("" when it was not sent at all)."""
    return (field.data or "").strip()


def _report_or_404(report_id: int, lock: bool = False) -> Report:
    """The report, locked for this transaction when about to change (two moderators, one report).
    404 for one nobody confirmed yet: its address may be a stranger's, typed by someone else,
    so the back office neither shows it nor acts on it until the owner clicks the mailed link."""
    report = db.session.get(Report, report_id, with_for_update=lock)
    if report is None or report.status == ReportStatus.pending_email:
        abort(404)
    return report


def _group_or_404(group_id: int, lock: bool = False) -> Group:
    """The group, locked for this transaction when about to change."""
    group = db.session.get(Group, group_id, with_for_update=lock)
    if group is None:
        abort(404)
    return group


@bp.route("/")
def queue():
    """The queue: confirmed reports waiting for a decision, oldest first, a page at a time."""
    # The rows show each report's entry and how much evidence it has: load those in three
    # queries for the whole page instead of three per row.
    query = moderation_queue().options(
        selectinload(Report.group), selectinload(Report.evidence), selectinload(Report.screenshots))
    pagination = db.paginate(query, page=query_int("page", 1), per_page=PER_PAGE, error_out=False)
    return render_template("admin/queue.html", reports=pagination.items, pagination=pagination)


def _publish_form_for(report: Report) -> PublishForm:
    """The publish form filled with what the entry would show: the existing entry's facts for
    an addition, else what the reporter typed (their text in their language)."""
    group = report.group if report.is_addition else None
    facts = {name: getattr(group, name) for name in EDITABLE} if group is not None else proposed_entry(report)
    data = {**facts, "facebook_url": facts["facebook_url"] or "", "status": facts["status"].value,
            "crew": facts["crew"].value, "hijacked_on": facts["hijacked_on"] or ""}
    return PublishForm(formdata=None, data=data)


def _chosen(name: str) -> list[int]:
    """The ids ticked in the checkboxes `name` ("evidence" or "screenshots") of the form sent."""
    return [int(i) for i in request.form.getlist(name) if i.isdigit()]


def _render_report(report: Report, status: int = 200, **forms):
    """The report page with its three decision forms (those given keep what was typed, their
    evidence boxes as ticked)."""
    publish_form = forms.get("publish_form") or _publish_form_for(report)
    reject_form = forms.get("reject_form") or RejectForm(formdata=None)
    merge_form = forms.get("merge_form") or MergeForm(
        formdata=None, data={"group_id": report.group_id} if report.group_id else None)
    ticked = (set(_chosen("evidence")), set(_chosen("screenshots")))
    nothing = (set(), set())
    return render_template(
        "admin/report.html", report=report, publish_form=publish_form, reject_form=reject_form,
        merge_form=merge_form,
        publish_chosen=ticked if "publish_form" in forms else nothing,
        merge_chosen=ticked if "merge_form" in forms else nothing, **_labels()), status


@bp.route("/reports/<int:report_id>")
def report(report_id: int):
    """Everything about one report (the reporter's email too), with the decisions to take."""
    return _render_report(_report_or_404(report_id))


def _already_decided(report_id: int):
    """Back to the report, saying someone else decided it meanwhile."""
    flash(_("This report is no longer in the queue: someone has already decided on it."), "error")
    return redirect(url_for("admin.report", report_id=report_id))


def _decision(form_class, form_name: str):
    """For the views that decide a report (publish, reject, merge): the form validated first,
    so an invalid one is shown again (422) with nothing locked; then the report locked for this
    transaction (two moderators, one report). 404 when unknown or unconfirmed, and back to it
    with a word when it is no longer queued (before or while deciding: the registry then raises
    ModerationError, having written nothing). The view gets the report and the valid form."""
    def wrap(view):
        @wraps(view)
        def decide(report_id: int):
            form = form_class()
            valid = form.validate()
            report = _report_or_404(report_id, lock=valid)
            if report.status != ReportStatus.queued:
                return _already_decided(report_id)
            if not valid:
                return _render_report(report, 422, **{form_name: form})
            try:
                return view(report, form)
            except ModerationError:
                return _already_decided(report_id)
        return decide
    return wrap


def _decided(message: str):
    """Commit the decision (its audit entry and mail with it) and go back to the queue."""
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin.queue"))


@bp.route("/reports/<int:report_id>/publish", methods=["POST"])
@_decision(PublishForm, "publish_form")
def publish(report: Report, form: PublishForm):
    """Publish a report with the moderator's edits; the reporter gets a mail."""
    edits = {name: form[name].data for name in EDITABLE}
    edits["hijacked_on"] = edits["hijacked_on"] or None
    edits["account_it"], edits["account_en"] = _text(form.account_it), _text(form.account_en)
    edits["evidence_ids"] = _chosen("evidence")
    edits["screenshot_ids"] = _chosen("screenshots")
    edits["note"] = _text(form.note)
    try:
        group = service.publish(report, edits, actor=current_user)
    except DuplicateGroupError as exc:  # refused before anything is written, like NotFacebook
        form.facebook_url.errors = [_("Entry no. %(id)s (%(name)s) already has this address: merge "
                                      "the report into it instead.", id=exc.group.id, name=exc.group.name)]
        return _render_report(report, 422, publish_form=form)
    except NotFacebook:
        form.facebook_url.errors = [_("This is not the address of a Facebook group or page.")]
        return _render_report(report, 422, publish_form=form)
    return _decided(_("Published: %(name)s. The reporter has been told.", name=group.name))


@bp.route("/reports/<int:report_id>/reject", methods=["POST"])
@_decision(RejectForm, "reject_form")
def reject(report: Report, form: RejectForm):
    """Reject a report with a reason; the reporter gets the reason by mail in their language."""
    service.reject(report, form.reason.data, _text(form.note), _text(form.message), actor=current_user)
    return _decided(_("Rejected: %(name)s. The reporter has been told.", name=report.name))


@bp.route("/reports/<int:report_id>/merge", methods=["POST"])
@_decision(MergeForm, "merge_form")
def merge(report: Report, form: MergeForm):
    """Fold a report into an existing entry as additional information, with the evidence chosen."""
    group = db.session.get(Group, form.group_id.data, with_for_update=True)
    if group is None:
        form.group_id.errors = [_("There is no entry with this number.")]
        return _render_report(report, 422, merge_form=form)
    service.merge(report, group, _text(form.note), _chosen("evidence"), _chosen("screenshots"),
                  actor=current_user)
    return _decided(_("Merged into %(name)s. The reporter has been told.", name=group.name))


@bp.route("/screenshots/<int:screenshot_id>")
def screenshot(screenshot_id: int):
    """A screenshot, published or not, from UPLOADS_DIR (never from static/); 404 while its
    report is unconfirmed, like the report itself."""
    shot = db.session.get(Screenshot, screenshot_id)
    if shot is None or shot.report.status == ReportStatus.pending_email:
        abort(404)
    path = screenshot_file(shot)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=shot.mimetype, max_age=0)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/groups")
def groups():
    """Every group, published or not, searchable by name, newest first."""
    form = SearchForm(request.args)
    query = every_group(form.q.data if form.validate() else "")
    pagination = db.paginate(query, page=query_int("page", 1), per_page=PER_PAGE, error_out=False)
    return render_template("admin/groups.html", form=form, pagination=pagination, **_labels())


def _render_group(group: Group, status: int = 200, **forms):
    """The group page with its status and account forms (those given keep what was typed)."""
    status_form = forms.get("status_form") or StatusForm(formdata=None, data={"status": group.status.value})
    account_form = forms.get("account_form") or AccountForm(
        formdata=None, data={"account_it": group.account_it, "account_en": group.account_en})
    # Unconfirmed reports are not the back office's yet (see _report_or_404).
    reports = [r for r in group.reports if r.status != ReportStatus.pending_email]
    return render_template("admin/group.html", group=group, status_form=status_form,
                           account_form=account_form, reports=reports,
                           public_url=service.public_group_url(group, current_lang()), **_labels()), status


@bp.route("/groups/<int:group_id>")
def group(group_id: int):
    """One group: its facts, timeline and reports; change its status, write its account."""
    return _render_group(_group_or_404(group_id))


@bp.route("/groups/<int:group_id>/status", methods=["POST"])
def group_status(group_id: int):
    """A later status change (e.g. recovered), shown on the group's public timeline."""
    form = StatusForm()
    if not form.validate():
        return _render_group(_group_or_404(group_id), 422, status_form=form)
    group = _group_or_404(group_id, lock=True)
    try:
        service.change_status(group, form.status.data, _text(form.note), actor=current_user)
    except ModerationError:  # refused before anything is written
        form.status.errors = [_("The group already has this status.")]
        return _render_group(group, 422, status_form=form)
    db.session.commit()
    flash(_("Status changed."), "success")
    return redirect(url_for("admin.group", group_id=group.id))


@bp.route("/groups/<int:group_id>/account", methods=["POST"])
def group_account(group_id: int):
    """Save the group's public account in both languages."""
    form = AccountForm()
    if not form.validate():
        return _render_group(_group_or_404(group_id), 422, account_form=form)
    group = _group_or_404(group_id, lock=True)
    if service.set_account(group, form.account_it.data, form.account_en.data, actor=current_user):
        db.session.commit()
        flash(_("Public account saved."), "success")
    else:
        flash(_("Nothing changed."), "success")
    return redirect(url_for("admin.group", group_id=group.id))
