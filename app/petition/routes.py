"""Petition pages: the form, the mailed confirm and withdraw links, the public list of signers;
and the `flask purge` command."""
from flask import current_app, get_template_attribute, redirect, render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from app.cache import csrf_filled, csrf_slotted
from app.extensions import client_ip, csrf
from app.i18n import current_lang, kept_url, localized_route
from app.petition import bp, service
from app.petition.forms import ButtonForm, ConfirmForm, SignForm
from app.security import MAILED_LINK_HEADERS, mailed_link_page
from app.stats import figures
from app.urls import query_int


def new_sign_form(**kwargs) -> SignForm:
    """The signing form in the page's language, with the registry's groups to choose from."""
    return SignForm(lang=current_lang(), groups=service.group_choices(), **kwargs)


@bp.app_template_global("petition_sign_form")
def petition_sign_form() -> SignForm:
    """An empty signing form, for pages of other blueprints."""
    return new_sign_form(formdata=None)


@bp.app_template_global("petition_sign_form_html")
def petition_sign_form_html() -> Markup:
    """The empty signing form as HTML for the end of the letter. It is the same for every
    visitor but for the CSRF token, so it is rendered once per language and list of groups
    (rendering its few hundred options on every view halved the letter page's speed)."""
    groups = service.group_choices()
    cache = current_app.extensions.setdefault("petition_form_html", {})
    lang = current_lang()
    hit = cache.get(lang)
    csrf_on = current_app.config.get("WTF_CSRF_ENABLED", True)
    token = generate_csrf() if csrf_on else None
    if hit is None or hit[0] is not groups:
        form = SignForm(formdata=None, lang=lang, groups=groups)
        html = str(get_template_attribute("petition/_macros.html", "sign_form")(form))
        hit = cache[lang] = (groups, csrf_slotted(html, token))
    return Markup(csrf_filled(hit[1]))


@bp.app_template_global("next_milestone")
def next_milestone(count: int) -> int:
    """The next round number of signatures, for progress bars."""
    return service.next_milestone(count)


# The forms below check their CSRF token themselves (FlaskForm) instead of the global check,
# so that an expired token re-renders the form with what was typed instead of a bare 400 page.
@localized_route(bp, {"it": "/firma", "en": "/sign"}, methods=["GET", "POST"])
@csrf.exempt
def sign():
    """The signing form. A valid submission is answered the same way whoever signs: a redirect
    to the check-your-mail page (Post/Redirect/Get: reloading it sends nothing again)."""
    form = new_sign_form()
    if form.validate_on_submit():
        if not form.is_bot():  # a bot gets the same answer, and nothing is stored
            service.sign(service.SignatureData(
                name=form.name.data, email=form.email.data, city=form.city.data or "",
                country=form.country.data or "IT", is_admin=form.is_admin.data,
                group_id=form.chosen_group_id(), group_name=form.group_name.data or "",
                reason=form.reason.data or "", public=form.public.data,
            ), current_lang(), client_ip())
        return redirect(kept_url("petition.check_mail"), 303)
    status = 422 if form.errors else 200
    return render_template("petition/sign.html", form=form, stats=figures()), status


@localized_route(bp, {"it": "/firma/controlla-la-posta", "en": "/sign/check-your-mail"})
def check_mail():
    """After signing: the confirm link is on its way. The same page for everyone (app.cache)."""
    return render_template("petition/check_mail.html", stats=figures())


@localized_route(bp, {"it": "/firma/confermata", "en": "/sign/confirmed"})
def confirmed():
    """After confirming: thank you. The same page for everyone (app.cache); the count shown
    may lag the confirmation by a few seconds, as everywhere on the site."""
    return render_template("petition/confirmed.html", stats=figures())


def _away_from_link(endpoint: str):
    """After a mailed link's button: a 303 to a plain page (Post/Redirect/Get), leaving the
    token's address with the headers that keep it out of referrers and caches."""
    response = redirect(kept_url(endpoint), 303)
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
@csrf.exempt
def confirm(token: str):
    """Confirm a signature with a button (mail scanners open links, they do not press buttons)."""
    form = ConfirmForm()
    changed = False
    if form.validate_on_submit():
        done = service.confirm(token, current_lang(), shown=form.shown.data or None)
        if done:
            return _away_from_link("petition.confirmed")
        if done is False:
            return _dead_link()
        changed = True  # submitted again since the page was shown: show the new details
    row = service.find_token(token, service.TokenPurpose.confirm)
    if row is None:
        return _link_page("petition/confirm.html", False)
    signature = row.signature
    form.shown.data = service.details_digest(signature)
    return _link_page("petition/confirm.html", True, form=form, signature=signature, changed=changed,
                      group_name=_group_name(signature))


def _group_name(signature) -> str:
    """The name of the group a signer says they administered, from the registry or as typed."""
    if not signature.is_admin:
        return ""
    if signature.group_id is not None:
        return dict(service.group_choices()).get(signature.group_id, signature.group_name)
    return signature.group_name


@localized_route(bp, {"it": "/firma/ritira/<token>", "en": "/sign/withdraw/<token>"}, methods=["GET", "POST"])
@csrf.exempt
def withdraw(token: str):
    """Take a signature back with a button: the person's data is erased."""
    form = ButtonForm()
    if form.validate_on_submit():
        if service.withdraw(token):
            return _away_from_link("petition.withdrawn")
        return _dead_link()
    return _link_page("petition/withdraw.html", service.find_token(token, service.TokenPurpose.withdraw)
                      is not None, form=form)


@localized_route(bp, {"it": "/firma/ritirata", "en": "/sign/withdrawn"})
def withdrawn():
    """After withdrawing: the signature is gone. The same page for everyone (app.cache)."""
    return render_template("petition/withdrawn.html")


@localized_route(bp, {"it": "/firme", "en": "/signatures"})
def signatures():
    """The signers who agreed to be listed, newest first, with the chart over time."""
    page = query_int("page", 1)
    days = service.daily_counts()
    return render_template("petition/signatures.html", page=service.public_page(page),
                           stats=figures(), chart=service.chart(days), local_date=service.local_date)
