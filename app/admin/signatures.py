"""Back-office views of signatures: the search (by name, email, domain, IP hash, country, state,
dates), one signature, the held ones released, and invalidation with its preview. Moderators
see an address's domain only; administrators see the address. Every action is a POST with a
CSRF token and writes an audit entry; the lists of invalidations, trending keys and block lists
are in app/admin/signature_lists.py."""
from dataclasses import replace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.admin import bp, service
from app.admin.forms import ActionForm
from app.admin.signature_forms import BLOCK_LABELS, STATE_LABELS, FilterForm, ReasonForm
from app.extensions import db
from app.i18n import current_lang
from app.models import Signature, SignatureInvalidation
from app.petition import moderation
from app.petition.moderation import SignatureFilter
from app.stats import forget_figures, signature_counts
from app.urls import MAX_INT, query_int, query_suffix

PER_PAGE = 50
MAX_CHOSEN = 1000  # ticked boxes read from one form


def _number(value: str | None) -> int | None:
    """A whole number from a form or query string, None when it is not one a column holds."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) <= MAX_INT:
        return int(value)
    return None


def read_filter(source) -> tuple[FilterForm, SignatureFilter]:
    """The filter form bound to `source` (query string or form) and the filter it describes;
    a field with an error is left out of the filter (and shows its error)."""
    form = FilterForm(source, lang=current_lang())
    form.validate()

    def text(field) -> str:
        return "" if field.errors else (field.data or "").strip()

    ids = tuple(dict.fromkeys(n for n in map(_number, source.getlist("ids")[:MAX_CHOSEN]) if n))
    flt = SignatureFilter(
        name=text(form.name), email=text(form.email), domain=text(form.domain),
        ip_hash=text(form.ip_hash), country=text(form.country), state=text(form.state),
        since=None if form.since.errors else form.since.day,
        until=None if form.until.errors else form.until.day,
        invalidation=_number(source.get("invalidation")), ids=ids, up_to=_number(source.get("up_to")))
    return form, flt


def audit_criteria(flt: SignatureFilter) -> dict:
    """The filter as the audit log and the invalidations page keep it: an address typed as a
    criterion is kept as its domain (moderators read the log)."""
    data = flt.as_dict()
    if "email" in data:
        data["email"] = "…@" + moderation.domain_of(data["email"])
    return data


def labels() -> dict:
    """Translated names for the templates."""
    return {"state_labels": STATE_LABELS, "block_labels": BLOCK_LABELS,
            "country_names": dict(FilterForm(formdata=None, lang=current_lang()).country.choices)}


@bp.route("/signatures")
def signatures():
    """The signatures matching the filter, newest first, a page at a time, with the count now."""
    form, flt = read_filter(request.args)
    pagination = db.paginate(moderation.search(flt), page=query_int("page", 1), per_page=PER_PAGE,
                             error_out=False)
    return render_template(
        "admin/signatures.html", form=form, flt=flt, pagination=pagination,
        counted=signature_counts()[0], latest=moderation.latest_id(), action_form=ActionForm(),
        pager_args={k: v for k, v in flt.as_dict().items() if k != "ids"},
        filter_query=query_suffix(exclude=("page",)), state_of=moderation.state_of,
        domain_of=moderation.domain_of, **labels())


@bp.route("/signatures/<int:signature_id>")
def signature(signature_id: int):
    """One signature: everything about it (the address for administrators), its state and
    the actions on it."""
    found = db.session.get(Signature, signature_id)
    if found is None:
        abort(404)
    invalidation = (db.session.get(SignatureInvalidation, found.invalidation_id)
                    if found.invalidation_id else None)
    return render_template("admin/signatures_detail.html", signature=found, invalidation=invalidation,
                           state=moderation.state_of(found), domain=moderation.domain_of(found.email),
                           action_form=ActionForm(), reason_form=ReasonForm(formdata=None), **labels())


def _back_to(flt: SignatureFilter):
    """Where an action on `flt` returns: the signature when it was one, else the held queue."""
    if len(flt.ids) == 1:
        return redirect(url_for("admin.signature", signature_id=flt.ids[0]))
    return redirect(url_for("admin.signatures", state="held"))


@bp.route("/signatures/release", methods=["POST"])
def signatures_release():
    """Release held signatures (the ticked ones, or all the filter matches up to the list's
    snapshot): a pending one gets its confirm mail now, a confirmed one counts from now."""
    if not ActionForm().validate():
        abort(400)
    _form, flt = read_filter(request.form)
    if flt.is_empty():
        flash(_("Choose at least one signature."), "error")
        return redirect(url_for("admin.signatures", state="held"))
    released = moderation.release(flt)
    if released:
        service.audit("signature.release", "signature", released[0] if len(released) == 1 else None,
                      after={"count": len(released), "ids": released, "criteria": audit_criteria(flt)},
                      actor=current_user)
    db.session.commit()
    forget_figures()
    if released:
        flash(ngettext("%(num)s held signature released: a pending one gets its confirm email now.",
                       "%(num)s held signatures released: the pending ones get their confirm email now.",
                       len(released)), "success")
    else:
        flash(_("None of these signatures is held any more."), "error")
    return _back_to(flt)


def invalidate_page(flt: SignatureFilter, reason_form: ReasonForm | None = None, status: int = 200):
    """The preview: how many valid signatures the filter takes, per state, and the first of
    them, with the reason to give. The snapshot (`up_to`) keeps later signatures out."""
    if flt.is_empty():
        flash(_("Choose at least one criterion or signature first: invalidating needs a filter."), "error")
        return redirect(url_for("admin.signatures"))
    if flt.up_to is None:
        flt = replace(flt, up_to=moderation.latest_id())
    counts, first = moderation.preview(flt)
    return render_template(
        "admin/signatures_invalidate.html", flt=flt, counts=counts, total=sum(counts.values()),
        first=first, reason_form=reason_form or ReasonForm(formdata=None), criteria=audit_criteria(flt),
        state_of=moderation.state_of, domain_of=moderation.domain_of, **labels()), status


@bp.route("/signatures/invalidate", methods=["GET", "POST"])
def signatures_invalidate():
    """GET: the preview of invalidating what the filter matches. POST with a reason: do it;
    they leave the count and the public list (the kept figures are forgotten at once)."""
    if request.method == "GET":
        return invalidate_page(read_filter(request.args)[1])
    _form, flt = read_filter(request.form)
    if request.form.get("action") != "confirm":  # from the held queue: preview first
        if not ActionForm().validate():
            abort(400)
        return invalidate_page(flt)
    reason_form = ReasonForm()
    if not reason_form.validate():
        return invalidate_page(flt, reason_form, 422)
    try:
        record = moderation.invalidate(flt, reason_form.reason.data, current_user.email,
                                       moderator_id=current_user.id)
    except moderation.NothingToInvalidate:  # nothing left written (its record is taken back)
        flash(_("Nothing to invalidate: no valid signature matches any more."), "error")
        return redirect(url_for("admin.signatures") + query_suffix())
    service.audit("signature.invalidate", "invalidation", record.id,
                  after={"count": record.count, "reason": record.reason, "criteria": audit_criteria(flt)},
                  actor=current_user)
    db.session.commit()
    forget_figures()
    flash(ngettext("%(num)s signature invalidated: it has left the count and the public list.",
                   "%(num)s signatures invalidated: they have left the count and the public list.",
                   record.count), "success")
    return redirect(url_for("admin.invalidations"))

