"""Home, letter, about and privacy pages; the bare / redirect; /healthz."""
from datetime import date

from flask import abort, current_app, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import text

from app.extensions import db
from app.i18n import browser_lang, current_lang, localized_route
from app.letter import bp
from app.letter.countries import country_chart, signatures_by_country
from app.letter.facts import FACTS_2014
from app.letter.sitemap import sitemap_pages
from app.letter.service import current_letter, groups_2014_html, statement_version
from app.security import public
from app.stats import figures


@bp.route("/")
def root():
    """Send a bare / to the visitor's language (Italian when nothing matches)."""
    response = redirect(url_for("letter.home", lang_code=browser_lang()))
    response.headers["Vary"] = "Accept-Language"
    return response




@localized_route(bp, {"it": "/", "en": "/"})
@public
def home():
    """The story in one screen: the figures, the letter's opening, what a visitor can do."""
    return render_template("letter/home.html", letter=_letter(), stats=figures(), facts_2014=FACTS_2014)


@localized_route(bp, {"it": "/lettera", "en": "/letter"})
@public
def letter():
    """The whole open letter with its first signatories and the list of groups it published."""
    lang = current_lang()
    return render_template("letter/letter.html", letter=_letter(), stats=figures(),
                           groups_2014=groups_2014_html(lang), statement_version=statement_version())


@localized_route(bp, {"it": "/chi-siamo", "en": "/about"})
@public
def about():
    """The facts of the hijackings, in our own words, with the source."""
    return render_template("letter/about.html", stats=figures())


# The day the privacy notice's text last changed (templates/letter/_privacy.*.html): change
# it with the text.
PRIVACY_UPDATED = date(2026, 12, 1)


def _seconds(value) -> int:
    """A duration setting in seconds (Flask takes an int or a timedelta)."""
    return int(value.total_seconds()) if hasattr(value, "total_seconds") else int(value)


def privacy_facts(config) -> dict:
    """What the privacy notice states from the settings the code uses (controller, contact,
    retention), so that the page cannot drift from what `flask purge` does."""
    return {
        "controller": config.get("DATA_CONTROLLER") or "", "contact": config.get("PRIVACY_CONTACT") or "",
        "signature_days": config["SIGNATURE_LINK_DAYS"], "report_days": config["REPORT_LINK_DAYS"],
        "ip_hash_days": config["IP_HASH_DAYS"],
        "session_hours": _seconds(config["PERMANENT_SESSION_LIFETIME"]) // 3600,
        "updated": PRIVACY_UPDATED,
    }


@localized_route(bp, {"it": "/privacy", "en": "/privacy"})
@public
def privacy():
    """The privacy notice (GDPR art. 13 and 14): who, what, why, for how long, your rights."""
    return render_template("letter/privacy.html", facts=privacy_facts(current_app.config))


@localized_route(bp, {"it": "/domande", "en": "/faq"})
def faq():
    """Questions signers and admins ask: why confirm by mail, why my name is not shown yet,
    what happens to my data, how to get a group back."""
    return render_template("letter/faq.html")


@localized_route(bp, {"it": "/aiuto-amministratori", "en": "/help-for-admins"})
def admin_help():
    """For admins whose group was hijacked: how to ask Facebook, how to stay safe."""
    return render_template("letter/help.html")


@localized_route(bp, {"it": "/firme/paesi", "en": "/signatures/countries"})
def countries():
    """Confirmed signatures by country: a table and a bar chart drawn on the server."""
    rows = signatures_by_country(current_lang())
    return render_template("letter/countries.html", rows=rows, chart=country_chart(rows, others_label=_("Other countries")), stats=figures())


@bp.route("/sitemap.xml")
def sitemap():
    """Every public page in both languages (with its hreflang twins) and every group page."""
    body = render_template("letter/sitemap.xml", pages=sitemap_pages())
    return body, 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.route("/healthz")
def healthz():
    """200 when the database answers, 503 otherwise (for the load balancer)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not healthy"
        current_app.logger.warning("health check failed: %s", exc)
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.route("/robots.txt")
@public
def robots():
    """Crawlers may read the public pages but not the back office or mailed links."""
    body = ("User-agent: *\nDisallow: /admin/\nDisallow: /it/firma/\nDisallow: /en/sign/\n"
            f"Sitemap: {url_for('letter.sitemap', _external=True)}\n")
    response = make_response(body)
    response.mimetype = "text/plain"
    return response


def _letter():
    letter = current_letter(current_lang())
    if letter is None:
        abort(503, "The letter is not loaded yet: run `flask --app wsgi seed`.")
    return letter
