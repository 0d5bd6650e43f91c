"""Back-office views around signatures: the invalidations (and undoing one), the trending IP
hashes and email domains, and the block lists (administrators only). Every action is a POST
with a CSRF token and writes an audit entry."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from app.admin import bp, service
from app.admin.forms import ActionForm
from app.admin.routes import administrators_only
from app.admin.signature_forms import BlockForm
from app.admin.signatures import PER_PAGE, labels
from app.extensions import db
from app.models import BlockKind, SignatureInvalidation
from app.petition import moderation, trending
from app.stats import forget_figures, signature_counts
from app.urls import query_int


@bp.route("/invalidations")
def invalidations():
    """Every invalidation, newest first: reason, who, when, how many, and undo."""
    query = select(SignatureInvalidation).order_by(SignatureInvalidation.id.desc())
    pagination = db.paginate(query, page=query_int("page", 1), per_page=PER_PAGE, error_out=False)
    described = {record.id: moderation.criteria(record) for record in pagination.items}
    return render_template("admin/invalidations.html", pagination=pagination, described=described,
                           counted=signature_counts()[0], action_form=ActionForm(), **labels())


@bp.route("/invalidations/<int:invalidation_id>/undo", methods=["POST"])
def invalidation_undo(invalidation_id: int):
    """Give back exactly the signatures an invalidation took; they count again at once."""
    if not ActionForm().validate():
        abort(400)
    back = moderation.undo(invalidation_id, current_user.email)
    if back is None:  # refused before anything is written
        flash(_("This invalidation is already undone."), "error")
        return redirect(url_for("admin.invalidations"))
    service.audit("signature.invalidation_undo", "invalidation", invalidation_id, after={"count": back},
                  actor=current_user)
    db.session.commit()
    forget_figures()
    flash(ngettext("Undone: %(num)s signature is valid again.", "Undone: %(num)s signatures are valid again.",
                   back), "success")
    return redirect(url_for("admin.invalidations"))


@bp.route("/signatures/trending")
def signatures_trending():
    """The IP hashes and email domains with the most signatures in the last hour and day."""
    return render_template("admin/signatures_trending.html", trending=trending.trending(),
                           threshold=current_app.config["TRENDING_ALERT"])


def _render_blocklist(form: BlockForm | None = None, status: int = 200):
    """The block lists with the form to add an entry (keeping what was typed when given)."""
    if form is None:  # a link from a signature may suggest an entry (?kind=…&value=…)
        kind = request.args.get("kind")
        data = {"kind": kind if kind in {k.value for k in BlockKind} else BlockKind.domain.value,
                "value": request.args.get("value", "")[:320]}
        form = BlockForm(formdata=None, data=data)
    return render_template("admin/blocklist.html", form=form, entries=moderation.block_list(),
                           action_form=ActionForm(), **labels()), status


@bp.route("/blocklist")
@administrators_only
def blocklist():
    """Email domains, addresses and IP hashes whose new signatures are held, silently."""
    return _render_blocklist()


@bp.route("/blocklist", methods=["POST"])
@administrators_only
def blocklist_add():
    """Add an entry: from now on, a matching signature is held (no mail, not counted)."""
    form = BlockForm()
    if not form.validate():
        return _render_blocklist(form, 422)
    kind = BlockKind(form.kind.data)
    value = moderation.normalise_block(kind, form.value.data)
    if value is None:
        form.value.errors = [{
            BlockKind.domain: _("Enter a domain, for example example.com."),
            BlockKind.email: _("Enter an email address, for example name@example.com."),
            BlockKind.ip_hash: _("Enter an IP hash: the 64 letters and digits a signature shows."),
        }[kind]]
        return _render_blocklist(form, 422)
    try:
        entry = moderation.add_block(kind, value, form.note.data or "", current_user.email)
    except moderation.BlockExists:
        form.value.errors = [_("This is on the block list already.")]
        return _render_blocklist(form, 422)
    db.session.flush()
    # The log keeps no address: moderators read it.
    service.audit("blocklist.add", "block", entry.id,
                  after={"kind": kind.value, "value": value if kind != BlockKind.email else "…@"
                         + moderation.domain_of(value), "note": entry.note}, actor=current_user)
    db.session.commit()
    flash(_("Added to the block list. New signatures that match it are held, silently."), "success")
    return redirect(url_for("admin.blocklist"))


@bp.route("/blocklist/<int:block_id>/remove", methods=["POST"])
@administrators_only
def blocklist_remove(block_id: int):
    """Remove an entry (signatures already held stay held until released)."""
    if not ActionForm().validate():
        abort(400)
    entry = moderation.remove_block(block_id)
    if entry is None:
        abort(404)
    service.audit("blocklist.remove", "block", block_id, before={"kind": entry.kind.value}, actor=current_user)
    db.session.commit()
    flash(_("Removed from the block list."), "success")
    return redirect(url_for("admin.blocklist"))
