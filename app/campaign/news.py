"""The unsubscribe link of the campaign's news emails (RFC 8058). Opening it (GET) shows a
page with a button and changes nothing: link scanners open links. Pressing the button, or the
mail client's one-click POST ("List-Unsubscribe=One-Click", from any origin, without a session
or a CSRF token: the link's token is the credential), stops the news."""
from flask import redirect, render_template, request, url_for

from app.campaign import bp
from app.campaign.service import mailings, updates
from app.extensions import csrf, db
from app.i18n import localized_route
from app.security import MAILED_LINK_HEADERS, any_origin, mailed_link_page, public


@localized_route(bp, {"it": "/notizie/annulla/<token>", "en": "/news/unsubscribe/<token>"},
                 methods=["GET", "POST"])
@csrf.exempt
@any_origin
def unsubscribe(token: str):
    """A page with the button (GET); no more news (POST, the button or a mail client's one click)."""
    row = mailings.for_token(token)
    if row is None:
        return mailed_link_page("campaign/unsubscribe_invalid.html", 404)
    if request.method == "POST":
        mailings.unsubscribe(row)
        db.session.commit()
        if request.form.get("List-Unsubscribe") == "One-Click":  # a mail client: no page to go to
            return mailed_link_page("campaign/unsubscribed.html")
        response = redirect(url_for("campaign.unsubscribed"), 303)
        response.headers.update(MAILED_LINK_HEADERS)
        return response
    return mailed_link_page("campaign/unsubscribe.html", subscribed=mailings.subscribed(row))


@localized_route(bp, {"it": "/notizie/annullate", "en": "/news/unsubscribed"})
@public
def unsubscribed():
    """After the button: no more news. The same page for everyone."""
    return render_template("campaign/unsubscribed.html")


@bp.app_template_filter("update_text")
def update_text(source: str) -> str:
    """An update's Markdown as the plain text of its email."""
    return mailings.markdown_text(source)


@bp.app_template_filter("update_html")
def update_html(source: str):
    """An update's Markdown as the HTML of its email (no raw HTML: it is escaped)."""
    return updates.render_markdown(source)
