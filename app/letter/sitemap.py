"""The sitemap's pages: found by walking the URL map, so that a new public page is listed
without anyone remembering to add it."""
from flask import current_app, url_for
from sqlalchemy import select

from app.extensions import db
from app.i18n import LANG_ARG
from app.models import Group, Update

# Pages with a language and no other argument that are not for search engines: the pages the
# sign, confirm, withdraw and report forms lead to (the same for everyone, and empty of content).
NOT_LISTED = frozenset({
    "petition.check_mail", "petition.confirmed", "petition.withdrawn", "registry.report_sent",
    "campaign.endorse_sent", "campaign.endorse_confirmed", "campaign.unsubscribed",
})
# Addresses ending so are files or feeds, not pages.
NOT_PAGES = (".atom", ".xml", ".json", ".csv", ".txt", ".pdf", ".png", ".zip", ".md", ".svg")


def public_endpoints() -> list[str]:
    """Endpoints answering GET in every language, with no argument but the language, in the
    order the URL map has them (each once)."""
    languages = set(current_app.config["LANGUAGES"])
    seen: dict[str, set] = {}
    for rule in current_app.url_map.iter_rules():
        # localized_route gives the language as a default of a fixed path: no other argument.
        defaults = rule.defaults or {}
        if "GET" not in (rule.methods or ()) or LANG_ARG not in defaults or rule.arguments - set(defaults):
            continue
        if rule.endpoint in NOT_LISTED or rule.rule.endswith(NOT_PAGES):
            continue
        lang = (rule.defaults or {}).get(LANG_ARG)
        seen.setdefault(rule.endpoint, set()).add(lang)
    return [endpoint for endpoint, langs in seen.items() if langs >= languages]


def sitemap_pages() -> list[dict[str, str]]:
    """One entry per page: {lang: absolute address} for each language. The campaign's list of
    updates and its endorsements come with the URL map; each published update and each group
    page are added here."""
    languages = current_app.config["LANGUAGES"]
    pages = [{lang: url_for(endpoint, lang_code=lang, _external=True) for lang in languages}
             for endpoint in public_endpoints()]
    published = db.session.scalars(select(Update.id).where(Update.published_at.is_not(None))
                                   .order_by(Update.published_at.desc(), Update.id.desc()))
    pages += [{lang: url_for("campaign.update", update_id=update_id, lang_code=lang, _external=True)
               for lang in languages} for update_id in published]
    slugs = db.session.scalars(select(Group.slug).where(Group.published.is_(True)).order_by(Group.slug))
    pages += [{lang: url_for("registry.group", slug=slug, lang_code=lang, _external=True) for lang in languages}
              for slug in slugs]
    return pages
