"""Campaign pages for visitors: the updates (list, one page each, an Atom feed per language),
and the small blocks other pages include (the latest update)."""
from flask import abort, render_template
from flask_babel import gettext as _

from app.campaign import bp
from app.campaign.service import updates
from app.i18n import current_lang, localized_route
from app.models.base import utcnow

ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}


@bp.app_template_global("campaign_latest_update")
def campaign_latest_update():
    """The newest published update in the page's language (home and letter pages), or None."""
    return updates.latest(current_lang())


@localized_route(bp, {"it": "/aggiornamenti", "en": "/updates"})
def updates_index():
    """Every published update, newest first."""
    lang = current_lang()
    return render_template("campaign/updates.html",
                           items=[updates.view(u, lang) for u in updates.published()])


@localized_route(bp, {"it": "/aggiornamenti/<int:update_id>", "en": "/updates/<int:update_id>"})
def update(update_id: int):
    """One published update."""
    found = updates.published_one(update_id)
    if found is None:
        abort(404)
    return render_template("campaign/update.html", item=updates.view(found, current_lang()))


@localized_route(bp, {"it": "/aggiornamenti/feed.atom", "en": "/updates/feed.atom"})
def updates_feed():
    """Atom feed of the published updates in the page's language."""
    lang = current_lang()
    items = [updates.view(u, lang) for u in updates.published(50)]
    newest = max((u.updated_at for u in items), default=None) or utcnow()
    return render_template("campaign/feed.xml", items=items, updated=newest, site_name=_("Dear Humanity"),
                           feed_title=_("Dear Humanity: updates")), 200, ATOM
