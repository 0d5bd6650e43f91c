"""The hand-over document: generated and published in the back office (/admin/handover),
downloaded from the press room once published."""
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from app.campaign import bp
from app.campaign.backoffice import _actor, moderator_required
from app.campaign.forms import ButtonForm
from app.campaign.service import handover
from app.extensions import db
from app.i18n import localized_route
from app.models import Handover
from app.security import public

MAX_AGE = 60  # like the press downloads: then revalidated by ETag (the SHA-256)


@bp.app_template_global("campaign_handovers")
def campaign_handovers():
    """The published hand-over documents, newest first (press room)."""
    return handover.published()


@bp.route("/admin/handover", methods=["GET", "POST"])
@moderator_required
def admin_handover():
    """Every generated document with its SHA-256, those being prepared, and the button to ask
    for a new one (POST: the mail sender renders it)."""
    form = ButtonForm()
    if form.validate_on_submit():
        handover.request(_actor())
        db.session.commit()
        flash(_("The document is being prepared in the background: reload this page in a minute or two."), "success")
        return redirect(url_for("campaign.admin_handover"), 303)
    from app.press.service import human_size

    return render_template("campaign/admin/handover.html", items=handover.all_documents(), button=form,
                           waiting=handover.waiting(), format_size=human_size)


@bp.route("/admin/handover/<int:handover_id>.pdf")
@moderator_required
def admin_handover_file(handover_id: int):
    """A generated document, published or not."""
    row = db.session.get(Handover, handover_id) or abort(404)
    if not handover.path_of(row).is_file():
        abort(404)
    return _send(row)


@bp.route("/admin/handover/<int:handover_id>/publish", methods=["POST"])
@moderator_required
def admin_handover_publish(handover_id: int):
    """List a document in the press room."""
    row = db.session.get(Handover, handover_id) or abort(404)
    if ButtonForm().validate_on_submit() and handover.publish(row, _actor()):
        db.session.commit()
        flash(_("Hand-over document published: it is listed in the press room."), "success")
    return redirect(url_for("campaign.admin_handover"), 303)


@localized_route(bp, {"it": "/consegna/<int:handover_id>.pdf", "en": "/handover/<int:handover_id>.pdf"})
@public
def handover_file(handover_id: int):
    """A published hand-over document, the same bytes whichever instance answers."""
    return _send(handover.published_one(handover_id) or abort(404))


def _send(row: Handover):
    """The file, with its SHA-256 as ETag (a repeated request answers 304)."""
    return send_file(handover.path_of(row), mimetype="application/pdf", download_name=row.filename,
                     conditional=True, etag=row.sha256, last_modified=row.generated_at, max_age=MAX_AGE)
