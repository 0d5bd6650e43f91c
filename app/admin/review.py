"""Back-office views of the public list's review (/admin/list-review): the consenting signers
waiting for a moderator, approved or hidden; approve, approve without the reason, hide, clear
the reason, verify an admin claim, one entry at a time or the ticked ones at once. Login is
enforced by `routes.require_moderator`; every action is a POST with a CSRF token and writes an
audit entry per entry (app/petition/review.py)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from app.admin import bp
from app.admin.forms import ActionForm
from app.extensions import db
from app.models import ListingState
from app.petition import listing, review
from app.safeform import SafeForm
from app.urls import MAX_INT, query_int

PER_PAGE = 50
STATE_LABELS = {ListingState.waiting: _l("Waiting"), ListingState.approved: _l("On the public list"),
                ListingState.hidden: _l("Hidden")}
ACTION_LABELS = {
    "approve": _l("Approve"),
    "approve_no_reason": _l("Approve without the reason"),
    "hide": _l("Hide"),
    "remove_reason": _l("Remove the reason"),
    "verify": _l("Verify the admin claim"),
    "unverify": _l("Withdraw the verification"),
}


class ReviewFilterForm(SafeForm):
    """Which entries to show (GET, so no CSRF)."""

    class Meta:
        csrf = False

    state = SelectField(_l("Show"), choices=lambda: [(s.value, label) for s, label in STATE_LABELS.items()],
                        default=ListingState.waiting.value, validators=[Optional()])
    q = StringField(_l("Name or city"), validators=[Optional(), Length(max=120)])


def _filters() -> tuple[ReviewFilterForm, ListingState, str]:
    """The filter form as sent, the state and the search it asks for (waiting, nothing, when
    the values are not valid)."""
    form = ReviewFilterForm(request.args)
    if not form.validate():  # a crafted or outdated link: the queue, without a word
        form.state.data, form.q.data = ListingState.waiting.value, ""
        form.state.errors, form.q.errors = [], []
        return form, ListingState.waiting, ""
    state = ListingState(form.state.data or ListingState.waiting.value)
    return form, state, (form.q.data or "").strip()


@bp.route("/list-review")
def list_review():
    """The entries of the public list in one state (waiting ones first, oldest first), with the
    actions each offers."""
    form, state, search = _filters()
    pagination = db.paginate(review.review_query(state, search), page=query_int("page", 1),
                             per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/review.html", form=form, state=state, search=search, pagination=pagination,
        verified=listing.verified_ids(pagination.items), offered=review.OFFERED[state],
        action_labels=ACTION_LABELS, state_labels=STATE_LABELS, action_form=ActionForm(),
        waiting=review.waiting_count())


def _id(text: str) -> bool:
    """True for a whole number an INTEGER column can hold."""
    return text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_INT


def _chosen_action() -> tuple[str, list[int]]:
    """(action, ids) of the button pressed: "approve:12" acts on entry 12, "approve" on the
    ticked entries. Anything else is a 400."""
    action, _sep, one = (request.form.get("action") or "").partition(":")
    if action not in review.ACTIONS:
        abort(400)
    if one:
        if not _id(one):
            abort(400)
        return action, [int(one)]
    return action, [int(i) for i in request.form.getlist("ids") if _id(i)]


@bp.route("/list-review", methods=["POST"])
def list_review_act():
    """Do the chosen action to one entry or to the ticked ones, then back to the same view."""
    if not ActionForm().validate():
        abort(400)
    action, ids = _chosen_action()
    page = query_int("page", 1)
    back = url_for("admin.list_review", state=request.args.get("state") or None,
                   q=request.args.get("q") or None, page=page if page > 1 else None)
    if not ids:
        flash(_("Tick at least one entry first."), "error")
        return redirect(back, 303)
    changed = review.apply(review.locked(ids), action, actor=current_user)
    db.session.commit()
    if changed:
        flash(ngettext("Done: %(num)s entry changed.", "Done: %(num)s entries changed.", changed), "success")
    else:
        flash(_("Nothing changed: someone may have decided on these entries already."), "error")
    return redirect(back, 303)

