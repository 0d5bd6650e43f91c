"""Petition pages: the form, the mailed confirm and withdraw links, the public list of signers."""
from flask import current_app, redirect, render_template, url_for

from app.extensions import client_ip, db, limit_key, over_limit
from app.i18n import current_lang, localized_route
from app.petition import bp, listing, signing
from app.petition.chart import chart
from app.petition.forms import ButtonForm, ConfirmForm, SignForm
from app.security import MAILED_LINK_HEADERS, ip_hash, mailed_link_page, public
from app.stats import figures, forget_figures
from app.urls import query_int

# The answer to a sign POST names the address typed: for this browser only, never kept.
SENT_HEADERS = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


def new_sign_form(**kwargs) -> SignForm:
    """The signing form in the page's language, with the registry's groups to choose from."""
    return SignForm(lang=current_lang(), groups=listing.group_choices(), **kwargs)


@bp.app_template_global("petition_sign_form")
def petition_sign_form() -> SignForm:
    """An empty signing form, for pages of other blueprints."""
    return new_sign_form(formdata=None)


@bp.app_template_global("next_milestone")
def next_milestone(count: int) -> int:
    """The next round number of signatures, for progress bars."""
    return listing.next_milestone(count)


# The public forms carry no CSRF token (the pages are the same for everyone and cached):
# app.security refuses cross-site posts by their origin instead.
@localized_route(bp, {"it": "/firma", "en": "/sign"}, methods=["GET", "POST"])
@public
def sign():
    """The signing form. A valid submission is answered the same way whoever signs, after the
    same work (one row recorded for the mail sender): the check-your-mail page, as this POST's
    own answer (`private, no-store`), so that it can say which address the mail went to
    without putting it in a cookie, a URL or a cached page. Reloading it signs again with the
    same details: one signature all the same (the address is unique), and mails stay capped.
    Over the rate limit it is held: recorded, but no mail goes out until a moderator releases it."""
    form = new_sign_form()
    if form.validate_on_submit():
        if not form.is_bot():  # a bot gets the same answer, and nothing is stored
            held = over_limit(current_app.config["RATELIMIT_SIGN"], "petition-sign", limit_key())
            signing.submit(signing.SignatureData(
                name=form.name.data, email=form.email.data, city=form.city.data or "",
                country=form.country.data or "IT", is_admin=form.is_admin.data,
                group_id=form.chosen_group_id(), group_name=form.group_name.data or "",
                reason=form.reason.data or "", public=form.public.data, news=form.news.data,
            ), current_lang(), ip_hash(client_ip()), held)
            db.session.commit()
        return render_template("petition/check_mail.html", stats=figures(), email=form.email.data), 200, SENT_HEADERS
    status = 422 if form.errors else 200
    return render_template("petition/sign.html", form=form, stats=figures()), status


@localized_route(bp, {"it": "/firma/controlla-la-posta", "en": "/sign/check-your-mail"})
@public
def check_mail():
    """The check-your-mail page without the address (the sign POST answers with it): the same
    page for everyone, for those who come back to it."""
    return render_template("petition/check_mail.html", stats=figures())


@localized_route(bp, {"it": "/firma/confermata", "en": "/sign/confirmed"})
def confirmed():
    """After confirming: thank you, with the count (confirming forgot the kept figures, so it
    includes the new signer). Not cached: the count is the point of the page."""
    return render_template("petition/confirmed.html", stats=figures())


def _away_from_link(endpoint: str):
    """After a mailed link's button: a 303 to a plain page (Post/Redirect/Get), leaving the
    token's address with the headers that keep it out of referrers and caches."""
    response = redirect(url_for(endpoint), 303)
    response.headers.update(MAILED_LINK_HEADERS)
    return response


def _dead_link():
    """The page for a mailed link that is unknown, expired or already used (404)."""
    return mailed_link_page("petition/link_invalid.html", 404)


def _link_page(template: str, found: bool, **context):
    """A page reached from a mailed link, or the dead-link page when `found` is false."""
    return mailed_link_page(template, **context) if found else _dead_link()


@localized_route(bp, {"it": "/firma/conferma/<token>", "en": "/sign/confirm/<token>"},
                 methods=["GET", "POST"])
def confirm(token: str):
    """Confirm a signature with a button (mail scanners open links, they do not press buttons)."""
    form = ConfirmForm()
    changed = False
    if form.validate_on_submit():
        result = signing.confirm(token, current_lang(), shown=form.shown.data or None)
        if result == signing.ConfirmResult.CONFIRMED:
            db.session.commit()
            forget_figures()  # after the commit, so no page keeps the count from before it
            return _away_from_link("petition.confirmed")
        if result == signing.ConfirmResult.DEAD:
            return _dead_link()
        changed = True  # submitted again since the page was shown: show the new details
    row = signing.find_token(token, signing.TokenPurpose.confirm)
    if row is None:
        return _link_page("petition/confirm.html", False)
    signature = row.signature
    if signature.status == signing.SignatureStatus.confirmed:  # a used link says so
        return mailed_link_page("petition/already_confirmed.html", stats=figures())
    form.shown.data = signing.details_digest(signature)
    return _link_page("petition/confirm.html", True, form=form, signature=signature, changed=changed,
                      group_name=_group_name(signature))


def _group_name(signature) -> str:
    """The name of the group a signer says they administered, from the registry or as typed."""
    if not signature.is_admin:
        return ""
    if signature.group_id is not None:
        return dict(listing.group_choices()).get(signature.group_id, signature.group_name)
    return signature.group_name


@localized_route(bp, {"it": "/firma/ritira/<token>", "en": "/sign/withdraw/<token>"}, methods=["GET", "POST"])
def withdraw(token: str):
    """Take a signature back with a button: the person's data is erased."""
    form = ButtonForm()
    if form.validate_on_submit():
        if signing.withdraw(token):
            db.session.commit()
            forget_figures()
            return _away_from_link("petition.withdrawn")
        return _dead_link()
    return _link_page("petition/withdraw.html", signing.find_token(token, signing.TokenPurpose.withdraw)
                      is not None, form=form)


@localized_route(bp, {"it": "/firma/ritirata", "en": "/sign/withdrawn"})
@public
def withdrawn():
    """After withdrawing: the signature is gone. The same page for everyone."""
    return render_template("petition/withdrawn.html")


@localized_route(bp, {"it": "/firme", "en": "/signatures"})
@public
def signatures():
    """The signers who agreed to be listed, newest first, with the chart over time."""
    page = query_int("page", 1)
    days = listing.daily_counts()
    entries = listing.public_page(page)
    return render_template("petition/signatures.html", page=entries, verified=listing.verified_ids(entries.items),
                           stats=figures(), chart=chart(days), local_date=listing.local_date)
