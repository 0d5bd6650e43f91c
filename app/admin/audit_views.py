"""The audit log's page (/admin/audit): who did what to which item, in words and with links,
newest first, filtered by person and by action, a page at a time. Login is enforced by
`routes.require_moderator`."""
from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField

from app.admin import audit_log, bp
from app.extensions import db
from app.models import AuditLog, Moderator
from app.safeform import SafeForm
from app.urls import query_int

PER_PAGE = 50


class AuditFilterForm(SafeForm):
    """Whose entries, which action (GET, so no CSRF); the choices are set per request."""

    class Meta:
        csrf = False

    who = SelectField(_l("Who"), choices=[], default="")
    action = SelectField(_l("What"), choices=[], default="")


def _filter_form() -> AuditFilterForm:
    """The filter form with every account and every action the log knows, in words."""
    form = AuditFilterForm(request.args)
    emails = db.session.scalars(select(Moderator.email).order_by(Moderator.email)).all()
    form.who.choices = ([("", str(_l("Everyone")))] + [(e, e) for e in emails]
                        + [(key, str(label)) for key, label in audit_log.ACTORS.items()])
    actions = sorted(audit_log.SENTENCES, key=lambda code: audit_log.sentence(code).casefold())
    form.action.choices = [("", str(_l("Every action")))] + [(c, audit_log.sentence(c)) for c in actions]
    return form


@bp.route("/audit")
def audit():
    """The audit log, newest first, in words."""
    form = _filter_form()
    query = select(AuditLog).order_by(AuditLog.id.desc())
    who = action = ""
    if form.validate():
        who, action = form.who.data or "", form.action.data or ""
    else:  # an unknown person or action (an old link): the whole log, the form back at "all"
        form.who.data = form.action.data = ""
        form.who.errors, form.action.errors = [], []
    if who:
        query = query.where(AuditLog.actor == who)
    if action:
        query = query.where(AuditLog.action == action)
    pagination = db.paginate(query, page=query_int("page", 1), per_page=PER_PAGE, error_out=False)
    ids = {e.target_id for e in pagination.items if e.target_type == "moderator" and e.target_id}
    emails = {row.id: row.email for row in db.session.execute(
        select(Moderator.id, Moderator.email).where(Moderator.id.in_(ids)))} if ids else {}
    return render_template("admin/audit.html", form=form, who=who, action=action, pagination=pagination,
                           lines=audit_log.lines(pagination.items, current_user.is_administrator, emails))
