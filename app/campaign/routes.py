"""Campaign pages for visitors: the updates (list, one page each, an Atom feed per language),
the endorsements (list and form, the mailed confirm link), and the small blocks other pages
include (the latest update, the endorsements)."""
from flask import abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _

from app.campaign import bp
from app.campaign.forms import KIND_HEADINGS, KIND_LABELS, ConfirmForm, EndorsementForm
from app.campaign.service import endorsements, timeline, updates
from app.extensions import client_ip, csrf, db, limiter
from app.i18n import current_lang, localized_route
from app.models.base import utcnow
from app.security import MAILED_LINK_HEADERS, ip_hash, mailed_link_page, public

ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


@bp.app_template_global("campaign_latest_update")
def campaign_latest_update():
    """The newest published update in the page's language (home and letter pages), or None."""
    return updates.latest(current_lang())


@localized_route(bp, {"it": "/aggiornamenti", "en": "/updates"})
@public
def updates_index():
    """Every published update, newest first."""
    lang = current_lang()
    return render_template("campaign/updates.html",
                           items=[updates.view(u, lang) for u in updates.published()])


@localized_route(bp, {"it": "/aggiornamenti/<int:update_id>", "en": "/updates/<int:update_id>"})
@public
def update(update_id: int):
    """One published update."""
    found = updates.published_one(update_id) or abort(404)
    return render_template("campaign/update.html", item=updates.view(found, current_lang()))


@localized_route(bp, {"it": "/aggiornamenti/feed.atom", "en": "/updates/feed.atom"})
@public
def updates_feed():
    """Atom feed of the published updates in the page's language."""
    lang = current_lang()
    items = [updates.view(u, lang) for u in updates.published(50)]
    newest = max((u.updated_at for u in items), default=None) or utcnow()
    return render_template("campaign/feed.xml", items=items, updated=newest, site_name=_("Dear Humanity"),
                           feed_title=_("Dear Humanity: updates")), 200, ATOM


@bp.app_template_global("campaign_timeline")
def campaign_timeline():
    """The demand's steps, as (date or None, words in the page's language) (letter page, press room)."""
    lang = current_lang()
    return [(step.happened_on, step.label(lang)) for step in timeline.steps()]


@bp.app_template_global("campaign_endorsements")
def campaign_endorsements():
    """Approved endorsements grouped by kind, with the kinds' headings (letter page)."""
    return [(KIND_HEADINGS[kind], rows) for kind, rows in endorsements.by_kind()]


def _endorse_limit() -> str:
    """The per-IP limit on endorsements (RATELIMIT_ENDORSE)."""
    return current_app.config["RATELIMIT_ENDORSE"]


@localized_route(bp, {"it": "/adesioni", "en": "/endorsements"}, methods=["GET", "POST"])
# As for reports: only accepted submissions (303) count, a form with errors costs nothing.
@limiter.limit(_endorse_limit, methods=["POST"], deduct_when=lambda response: response.status_code == 303)
@csrf.exempt  # anonymous: refused cross-site by origin (app.security), so the page is the same for all
@public
def endorse():
    """The endorsements shown by kind, and the form to add one (it waits for the mailed
    confirmation, then for a moderator)."""
    form = EndorsementForm()
    if form.validate_on_submit():
        if not form.is_bot():  # a bot gets the same answer, and nothing is stored
            lang = current_lang()
            endorsements.submit(
                form.data_for_service(), lang, ip_hash(client_ip()),
                lambda token: url_for("campaign.endorse_confirm", token=token, lang_code=lang, _external=True))
            db.session.commit()
        return redirect(url_for("campaign.endorse_sent"), 303)
    status = 422 if form.errors else 200
    return render_template("campaign/endorsements.html", form=form, groups=campaign_endorsements(),
                           kind_labels=KIND_LABELS), status


@localized_route(bp, {"it": "/adesioni/inviata", "en": "/endorsements/sent"})
@public
def endorse_sent():
    """After sending: check your mail."""
    return render_template("campaign/endorse_sent.html", days=endorsements.CONFIRM_DAYS)


@localized_route(bp, {"it": "/adesioni/conferma/<token>", "en": "/endorsements/confirm/<token>"},
                 methods=["GET", "POST"])
@csrf.exempt
def endorse_confirm(token: str):
    """Confirm the contact address with a button (mail scanners open links, they do not press buttons)."""
    row = endorsements.for_token(token)
    if row is None or endorsements.link_expired(row):
        return mailed_link_page("campaign/endorse_link_invalid.html", 404, expired=row is not None)
    form = ConfirmForm()
    if form.validate_on_submit():
        if endorsements.confirm(row):
            db.session.commit()
        response = redirect(url_for("campaign.endorse_confirmed"), 303)
        response.headers.update(MAILED_LINK_HEADERS)
        return response
    already = row.status != endorsements.EndorsementStatus.pending_email
    return mailed_link_page("campaign/endorse_confirm.html", form=form, name=row.name, already=already)


@localized_route(bp, {"it": "/adesioni/confermata", "en": "/endorsements/confirmed"})
@public
def endorse_confirmed():
    """After confirming: a moderator will check the endorsement before it shows."""
    return render_template("campaign/endorse_confirmed.html")
