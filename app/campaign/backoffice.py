"""Back-office pages of the campaign under /admin/…: updates and their mailings, endorsements,
the timeline (the hand-over is in app/campaign/handover.py). Every view requires a logged-in moderator, like the rest of /admin/, and
answers with the back office's private, unindexed headers; every form carries a CSRF token."""
from functools import wraps

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.routes import private_response, require_moderator
from app.campaign import bp
from app.campaign.forms import KIND_LABELS, ButtonForm, TimelineForm, UpdateForm
from app.campaign.service import endorsements, mailings, timeline, updates
from app.extensions import db
from app.models import Endorsement, EndorsementStatus, TimelineStep, Update


def moderator_required(view):
    """The back office's login check (app.admin.routes.require_moderator) and its private
    headers, for views outside the admin blueprint."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        refused = require_moderator()
        if refused is not None:
            return private_response(refused)
        return private_response(make_response(view(*args, **kwargs)))

    return wrapper


def _actor() -> str:
    """Who is acting, as the audit log names them."""
    return current_user.email


@bp.route("/admin/updates")
@moderator_required
def admin_updates():
    """Every update, drafts first, with what is missing before it can be published."""
    return render_template("campaign/admin/updates.html", items=updates.all_updates(), button=ButtonForm())


@bp.route("/admin/updates/new", methods=["GET", "POST"])
@bp.route("/admin/updates/<int:update_id>", methods=["GET", "POST"])
@moderator_required
def admin_update(update_id: int | None = None):
    """Write or edit an update, with a preview of both languages."""
    found = None
    if update_id is not None:
        found = db.session.get(Update, update_id)
        if found is None:
            abort(404)
    form = UpdateForm(obj=found)
    if form.validate_on_submit():
        try:
            saved = updates.save(found, form.values(), _actor())
        except updates.Incomplete:  # refused before anything changed
            flash(_("A published update needs a title and a text in both languages."), "error")
            return render_template("campaign/admin/update.html", form=form, item=found, button=ButtonForm(),
                                   preview=_preview(form)), 422
        db.session.commit()
        flash(_("Update saved."), "success")
        return redirect(url_for("campaign.admin_update", update_id=saved.id), 303)
    status = 422 if form.errors else 200
    return render_template("campaign/admin/update.html", form=form, item=found, button=ButtonForm(),
                           preview=_preview(form)), status


def _preview(form: UpdateForm) -> dict:
    """Both languages as the public page will show them."""
    return {lang: (getattr(form, f"title_{lang}").data or "",
                   updates.render_markdown(getattr(form, f"body_{lang}").data or ""))
            for lang in ("it", "en")}


@bp.route("/admin/updates/<int:update_id>/publish", methods=["POST"])
@moderator_required
def admin_update_publish(update_id: int):
    """Publish an update (refused while a language is missing)."""
    found = db.session.get(Update, update_id) or abort(404)
    if ButtonForm().validate_on_submit():
        try:
            updates.publish(found, _actor())
        except updates.Incomplete:
            flash(_("An update is published only when both languages have a title and a text."), "error")
        else:
            db.session.commit()
            flash(_("Update published."), "success")
    return redirect(url_for("campaign.admin_update", update_id=update_id), 303)


@bp.route("/admin/updates/<int:update_id>/unpublish", methods=["POST"])
@moderator_required
def admin_update_unpublish(update_id: int):
    """Take an update off the public pages."""
    found = db.session.get(Update, update_id) or abort(404)
    if ButtonForm().validate_on_submit():
        updates.unpublish(found, _actor())
        db.session.commit()
        flash(_("Update withdrawn from the public pages."), "success")
    return redirect(url_for("campaign.admin_update", update_id=update_id), 303)


@bp.route("/admin/updates/<int:update_id>/mailing", methods=["GET", "POST"])
@moderator_required
def admin_mailing(update_id: int):
    """Email an update to the signers who asked for news: the email in both languages, how
    many would get it, the button (POST), then how far it is. Sent once, however often pressed."""
    found = db.session.get(Update, update_id) or abort(404)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            mailings.start(found, _actor())
        except mailings.AlreadyMailed:
            flash(_("This update has been emailed already: each signer gets it once."), "error")
        except mailings.NotPublished:
            flash(_("Publish the update first: the email links to its page."), "error")
        else:
            db.session.commit()
            flash(_("The emails are on their way, %(n)s a minute.", n=mailings.per_minute()), "success")
        return redirect(url_for("campaign.admin_mailing", update_id=update_id), 303)
    mailing = mailings.mailing_of(update_id)
    return render_template("campaign/admin/mailing.html", item=found, button=form, mailing=mailing,
                           previews={lang: mailings.preview(found, lang) for lang in mailings.LANGS},
                           audience=mailings.audience(), per_minute=mailings.per_minute(),
                           progress=mailings.progress(mailing) if mailing else None)


@bp.route("/admin/endorsements")
@moderator_required
def admin_endorsements():
    """Confirmed endorsements waiting for a decision, then the decided ones."""
    return render_template("campaign/admin/endorsements.html", items=endorsements.waiting(),
                           kind_labels=KIND_LABELS, button=ButtonForm())


@bp.route("/admin/endorsements/<int:endorsement_id>/approve", methods=["POST"])
@moderator_required
def admin_endorsement_approve(endorsement_id: int):
    """Approve a confirmed endorsement: it shows on the site."""
    return _review(endorsement_id, True)


@bp.route("/admin/endorsements/<int:endorsement_id>/reject", methods=["POST"])
@moderator_required
def admin_endorsement_reject(endorsement_id: int):
    """Reject a confirmed endorsement: it never shows."""
    return _review(endorsement_id, False)


def _review(endorsement_id: int, approve: bool):
    """A moderator's decision on a confirmed endorsement, then back to the list."""
    found = db.session.get(Endorsement, endorsement_id)
    if found is None or found.status == EndorsementStatus.pending_email:
        abort(404)
    if ButtonForm().validate_on_submit():
        endorsements.review(found, approve, _actor())
        db.session.commit()
        flash(_("Endorsement approved: it shows on the site.") if approve else _("Endorsement rejected."), "success")
    return redirect(url_for("campaign.admin_endorsements"), 303)


@bp.route("/admin/timeline", methods=["GET", "POST"])
@bp.route("/admin/timeline/<int:step_id>", methods=["GET", "POST"])
@moderator_required
def admin_timeline(step_id: int | None = None):
    """The demand's timeline: every step, a form to add one, or the form to change one."""
    step = None
    if step_id is not None:
        step = db.session.get(TimelineStep, step_id) or abort(404)
    form = TimelineForm(obj=step)
    if form.validate_on_submit():
        timeline.save(step, form.happened_on.data, form.label_it.data, form.label_en.data, _actor())
        db.session.commit()
        flash(_("Timeline saved."), "success")
        return redirect(url_for("campaign.admin_timeline"), 303)
    status = 422 if form.errors else 200
    return render_template("campaign/admin/timeline.html", form=form, step=step, steps=timeline.steps(),
                           button=ButtonForm()), status


@bp.route("/admin/timeline/<int:step_id>/delete", methods=["POST"])
@moderator_required
def admin_timeline_delete(step_id: int):
    """Remove a step from the timeline."""
    step = db.session.get(TimelineStep, step_id) or abort(404)
    if ButtonForm().validate_on_submit():
        timeline.delete(step, _actor())
        db.session.commit()
        flash(_("Step removed from the timeline."), "success")
    return redirect(url_for("campaign.admin_timeline"), 303)
