"""The petition as a visitor meets it: signing, mails, confirming, the list, withdrawing."""
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import stats
from app.extensions import db, mail
from app.models import MailStatus, OutboxMail, Signature, SignatureStatus, SignatureToken
from app.models.base import utcnow
from app.text import canonical_email
from tests.helpers.mail import html_part, text_part
from tests.helpers.petition import (
    CONFIRM_LINK,
    PATHS,
    WITHDRAW_LINK,
    approve_listed,
    count,
    fetch,
    form_data,
    last_link,
    rows,
    sign,
)
from tests.helpers.services import free_port
from tests.helpers.pages import page_text

TEXTS = {
    "it": {"check": "Ora controlla la tua email", "confirm_subject": "Conferma la tua firma",
           "button": "Conferma la mia firma", "confirmed": "la tua firma è confermata",
           "confirmed_subject": "Firma confermata", "withdraw_button": "Ritira la mia firma",
           "withdrawn": "La tua firma è stata ritirata", "already_subject": "Hai già firmato",
           "invalid": "Questo link non funziona", "admin_badge": "dice di aver amministrato Amici di Lecce"},
    "en": {"check": "Now check your email", "confirm_subject": "Confirm your signature",
           "button": "Confirm my signature", "confirmed": "your signature is confirmed",
           "confirmed_subject": "Signature confirmed", "withdraw_button": "Withdraw my signature",
           "withdrawn": "Your signature has been withdrawn", "already_subject": "You have already signed",
           "invalid": "This link does not work", "admin_badge": "says they were an admin of Amici di Lecce"},
}



@pytest.mark.parametrize("lang", ["it", "en"])
def test_whole_flow_sign_confirm_list_withdraw(seeded, client, smtp, lang):
    t = TEXTS[lang]
    address = f"flow-{lang}@example.org"
    assert fetch(client, PATHS[lang]["sign"]).status_code == 200

    answer = sign(client, lang, name="Giulia Bianchi", email=address, city="Lecce", public="y",
                  reason="Ho perso il mio gruppo", is_admin="y", group_name="Amici di Lecce")
    assert answer.status_code == 200
    assert t["check"] in page_text(answer)

    [mail_] = smtp.to(address)
    assert mail_["Subject"].startswith(t["confirm_subject"])
    assert "Giulia Bianchi" in text_part(mail_)
    confirm_path = last_link(smtp, address)
    assert confirm_path.startswith("/it/firma/conferma/" if lang == "it" else "/en/sign/confirm/")
    assert confirm_path in html_part(mail_)
    assert count() == 0  # pending signatures do not count

    # The link opens a page with a button; only the button (a POST) confirms.
    page = fetch(client, confirm_path)
    assert page.status_code == 200 and t["button"] in page_text(page)
    assert count() == 0
    done = fetch(client, confirm_path, "POST")
    assert done.status_code == 200 and t["confirmed"] in page_text(done)
    assert count() == 1
    assert fetch(client, "/api/v1/stats").get_json()["signatures"] == 1

    thanks = smtp.to(address)[-1]
    assert thanks["Subject"].startswith(t["confirmed_subject"])
    withdraw_path = last_link(smtp, address, WITHDRAW_LINK)

    assert "Giulia Bianchi" not in page_text(fetch(client, PATHS[lang]["list"]))  # until a moderator approves
    assert approve_listed() == 1
    listed = page_text(fetch(client, PATHS[lang]["list"]))
    assert "Giulia Bianchi" in listed and "Lecce" in listed and "Ho perso il mio gruppo" in listed
    assert t["admin_badge"] in listed and "Amici di Lecce" in listed

    page = fetch(client, withdraw_path)
    assert page.status_code == 200 and t["withdraw_button"] in page_text(page)
    gone = fetch(client, withdraw_path, "POST")
    assert gone.status_code == 200 and t["withdrawn"] in page_text(gone)
    assert count() == 0
    assert rows() == 0
    assert db.session.scalar(select(OutboxMail).where(OutboxMail.to_addr == address)) is None
    assert "Giulia Bianchi" not in page_text(fetch(client, PATHS[lang]["list"]))
    # A used withdraw link is dead.
    again = fetch(client, withdraw_path)
    assert again.status_code == 404 and t["invalid"] in page_text(again)


def test_confirm_link_is_idempotent_and_unknown_links_are_404(seeded, client, smtp):
    sign(client, "en", email="twice@example.org")
    path = last_link(smtp, "twice@example.org")
    page = fetch(client, path)
    # The token must not leak through the Referer header, caches or search engines.
    assert page.headers["Referrer-Policy"] == "same-origin" and page.headers["Cache-Control"] in ("no-store", "private, no-store")
    assert 'name="robots" content="noindex"' in page.get_data(as_text=True)
    fetch(client, path, "POST")
    fetch(client, path, "POST")
    assert count() == 1
    assert len(smtp.to("twice@example.org")) == 2  # the confirm mail and one thank-you
    assert fetch(client, "/en/sign/confirm/not-a-token").status_code == 404
    assert fetch(client, "/it/firma/conferma/not-a-token", "POST").status_code == 404
    assert fetch(client, "/en/sign/withdraw/not-a-token", "POST").status_code == 404


NAME = ("Inserisci nome e cognome.", "Please enter your name.")
WEB = ("Non può contenere un indirizzo web.", "This cannot contain a web address.")
FORMULA = ("Non può iniziare con =, +, - o @.", "This cannot start with =, +, - or @.")
EMAIL = ("Inserisci un indirizzo email valido, per esempio nome@example.com.",
         "Please enter a valid email address, for example name@example.com.")
CHOICE = ("Scelta non valida.", "Not a valid choice.")
FIELD_ERRORS = [
    # (field, submitted fields, (Italian message, English message))
    ("name", {"name": ""}, NAME),
    ("name", {"name": "Visit https://troll.example"}, WEB),
    ("name", {"name": "www.trolls.com"}, WEB),
    ("name", {"name": "=HYPERLINK(1)"}, FORMULA),
    ("name", {"name": "+39 Mario"}, FORMULA),
    ("name", {"name": "-Mario"}, FORMULA),
    ("name", {"name": "@mario"}, FORMULA),
    ("name", {"name": "12345"}, NAME),
    ("name", {"name": "M" * 121}, ("Al massimo 120 caratteri, per favore.",
                                   "At most 120 characters, please.")),
    ("email", {"email": ""}, ("Inserisci il tuo indirizzo email.", "Please enter your email address.")),
    ("email", {"email": "maria@"}, EMAIL),
    ("email", {"email": "maria at example.org"}, EMAIL),
    ("city", {"city": "bit.ly/troll"}, WEB),
    ("country", {"country": "XX"}, CHOICE),
    ("group_id", {"is_admin": "y", "group_id": "999999"}, CHOICE),
    ("reason", {"reason": "x" * 501}, ("Al massimo 500 caratteri, per favore.",
                                       "At most 500 characters, please.")),
    ("privacy", {"privacy": None}, (
        "Possiamo trattare i tuoi dati solo con il tuo consenso: spunta la casella.",
        "We can only take your data with your consent: please tick the box.")),
    ("group_name", {"is_admin": "y"}, ("Scegli il tuo gruppo dall’elenco o scrivine il nome.",
                                       "Please choose your group from the list or type its name.")),
]


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("field,fields,messages", FIELD_ERRORS)
def test_every_field_error_is_shown_next_to_its_field(app, client, lang, field, fields, messages):
    typed = form_data(**{"name": "Anna Verdi", "email": "anna@example.org", "city": "Pisa",
                         "reason": "Perché sì", **fields})
    response = fetch(client, PATHS[lang]["sign"], "POST", data=typed)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', body)
    assert error, f"no error next to {field}"
    assert html.unescape(error.group(1)) == messages[0 if lang == "it" else 1]
    # What was typed is kept (except the faulty value, which may be long).
    for other in ("name", "email", "city"):
        if other != field and typed.get(other):
            assert f'value="{html.escape(typed[other], quote=True)}"' in body
    assert rows() == 0


def test_valid_unicode_names_are_accepted(app, client):
    for i, name in enumerate(["Željko Ražnatović-Šimić", "José María O'Neill", "山田 太郎", "J. R. R. Tolkien"]):
        assert sign(client, "en", name=name, email=f"u{i}@example.org").status_code == 200
    assert rows() == 4


def test_canonical_email():
    assert canonical_email("  Maria.Rossi+petizione@GoogleMail.com ") == "mariarossi@gmail.com"
    assert canonical_email("M.A.R.I.A@gmail.com") == "maria@gmail.com"
    assert canonical_email("Maria.Rossi+x@Example.org") == "maria.rossi@example.org"


def answer_for(client, lang: str, email: str) -> str:
    """The page a sign POST answers with, the address it names (the one typed; its domain may
    come back in lower case, as it is mailed) blanked out."""
    page = sign(client, lang, email=email).get_data(as_text=True)
    typed = re.compile(re.escape(html.escape(email.strip())), re.I)
    assert typed.search(page)
    return typed.sub("ADDRESS", page)


def test_same_person_signs_once_whatever_the_spelling(app, client):
    variants = ["mario.rossi@gmail.com", "MarioRossi@gmail.com", "  m.a.r.i.o.rossi+petition@googlemail.com ",
                "mariorossi+x@GMAIL.COM"]
    answers = {answer_for(client, "it", v) for v in variants}
    assert rows() == 1
    assert len(answers) == 1  # the same page every time, but for the address as typed
    # Dots matter outside Gmail: these are two people.
    sign(client, "it", email="a.b@example.org")
    sign(client, "it", email="ab@example.org")
    assert rows() == 3


def test_the_answer_does_not_tell_whether_someone_signed(seeded, client, smtp):
    first = answer_for(client, "en", "probe@example.org")
    pending = answer_for(client, "en", "probe@example.org")
    assert first == pending
    fetch(client, last_link(smtp, "probe@example.org"), "POST")
    new = answer_for(client, "en", "someone.new@example.org")
    confirmed = answer_for(client, "en", "probe@example.org")
    assert new == confirmed  # the same page, but for the address each typed


@pytest.mark.parametrize("lang", ["it", "en"])
def test_signing_again_mails_the_link_again_then_already_signed_at_most_five(seeded, client, smtp, lang):
    t = TEXTS[lang]
    address = f"again-{lang}@example.org"
    sign(client, lang, email=address)
    sign(client, lang, email=address)
    first, second = smtp.to(address)
    assert all(m["Subject"].startswith(t["confirm_subject"]) for m in (first, second))
    # Both links work (the newest does not kill the older one).
    assert fetch(client, last_link(smtp, address)).status_code == 200
    first_link = CONFIRM_LINK.search(text_part(first)).group(0).removeprefix("http://localhost")
    assert first_link != last_link(smtp, address)
    fetch(client, first_link, "POST")
    assert count() == 1
    sign(client, lang, email=address.upper())
    already = smtp.to(address)[-1]
    assert already["Subject"].startswith(t["already_subject"])
    assert WITHDRAW_LINK.search(text_part(already))
    for _ in range(5):
        sign(client, lang, email=address)
    assert len(smtp.to(address)) == 5
    assert db.session.scalar(select(Signature.mails_sent)) == 5
    assert count() == 1


def test_the_thank_you_mail_with_the_withdraw_link_always_fits_in_the_five(seeded, client, smtp):
    for _ in range(8):
        sign(client, "en", email="eager@example.org")
    assert len(smtp.to("eager@example.org")) == 4  # confirm mails: one slot is kept back
    fetch(client, last_link(smtp, "eager@example.org"), "POST")
    mails = smtp.to("eager@example.org")
    assert len(mails) == 5 and WITHDRAW_LINK.search(text_part(mails[-1]))
    sign(client, "en", email="eager@example.org")
    assert len(smtp.to("eager@example.org")) == 5


def test_withdraw_link_from_the_already_signed_mail_works(seeded, client, smtp):
    sign(client, "it", email="w@example.org")
    fetch(client, last_link(smtp, "w@example.org"), "POST")
    sign(client, "it", email="w@example.org")
    assert count() == 1
    fetch(client, last_link(smtp, "w@example.org", WITHDRAW_LINK), "POST")
    assert count() == 0 and rows() == 0


@pytest.mark.parametrize("lang", ["it", "en"])
def test_honeypot_answers_as_success_and_stores_nothing(app, client, smtp, lang):
    response = sign(client, lang, website="http://spam.example")
    assert response.status_code == 200
    assert TEXTS[lang]["check"] in page_text(response)
    assert rows() == 0
    assert db.session.scalar(select(OutboxMail)) is None
    assert smtp.messages == []


def test_a_name_with_html_shows_as_text(seeded, client, smtp):
    sign(client, "it", name="<script>alert(1)</script> <b>Rossi</b>", email="x@example.org",
         reason="<img src=x onerror=alert(2)>", public="y")
    fetch(client, last_link(smtp, "x@example.org"), "POST")
    approve_listed()
    body = fetch(client, "/it/firme").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;Rossi&lt;/b&gt;" in body
    assert "<script>alert(1)" not in body and "<b>Rossi" not in body and "<img src=x" not in body
    html_mail = html_part(smtp.to("x@example.org")[0])
    assert "<script>" not in html_mail and "&lt;script&gt;" in html_mail


def test_group_chosen_from_the_registry_shows_on_the_list(seeded, client, smtp):
    page = fetch(client, "/en/sign").get_data(as_text=True)
    group_select = page.split('id="group_id"')[1]
    group_id, group_name = re.search(r'<option value="(\d+)">([^<]+)</option>', group_select).groups()
    sign(client, "en", email="admin@example.org", is_admin="y", group_id=group_id, public="y")
    fetch(client, last_link(smtp, "admin@example.org"), "POST")
    assert count() == 1  # (the figures shown lag by up to 10 s; count() reads them afresh)
    approve_listed()
    listed = page_text(fetch(client, "/en/signatures"))
    assert "says they were an admin of " + html.unescape(group_name) in listed
    assert "Of all signers, 1 says they were an admin of a hijacked group." in listed


def test_only_consenting_signers_are_listed_and_nobody_is_by_default(seeded, client, smtp):
    sign(client, "en", name="Listed Person", email="yes@example.org", public="y")
    sign(client, "en", name="Counted Only", email="no@example.org")
    for address in ("yes@example.org", "no@example.org"):
        fetch(client, last_link(smtp, address), "POST")
    assert approve_listed() == 1  # the consenting one only
    listed = page_text(fetch(client, "/en/signatures"))
    assert "Listed Person" in listed and "Counted Only" not in listed
    assert count() == 2
    # The form's consent box is unticked by default.
    form = fetch(client, "/en/sign").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="public"[^>]*>', form).group(0).find("checked") == -1


def test_public_list_is_newest_first_and_paginated(seeded, client):
    now = utcnow()
    for i in range(55):
        db.session.add(Signature(name=f"Signer {i:02d}", email=f"s{i}@example.org",
                                 email_canonical=f"s{i}@example.org", lang="it", public=True,
                                 status=SignatureStatus.confirmed,
                                 confirmed_at=now - timedelta(hours=55 - i), expires_at=now))
    db.session.commit()
    approve_listed()
    first = page_text(fetch(client, "/it/firme"))
    assert first.index("Signer 54") < first.index("Signer 53")
    assert "Signer 04" not in first
    second = page_text(fetch(client, "/it/firme?page=2"))
    assert "Signer 04" in second and "Signer 00" in second and "Signer 54" not in second
    assert "Pagina 1 di 2" in first and "Pagina 2 di 2" in second  # the site's one pager
    # The chart is an inline SVG drawn on the server.
    assert "<svg" in first and "<polyline" in first


def test_no_email_ip_or_token_on_public_pages_or_the_api(seeded, client, smtp):
    sign(client, "it", name="Private Person", email="secret.person@example.org", public="y", reason="perché")
    path = last_link(smtp, "secret.person@example.org")
    token = path.rsplit("/", 1)[1]
    fetch(client, path, "POST")
    approve_listed()
    signature = db.session.scalar(select(Signature))
    secrets_ = ["secret.person", "example.org", signature.ip_hash, token, signature.email_canonical]
    pages = ["/it/", "/en/", "/it/lettera", "/en/letter", "/it/firma", "/en/sign", "/it/firme",
             "/en/signatures", "/api/v1/stats"]
    for url in pages:
        body = fetch(client, url).get_data(as_text=True)
        assert "Private Person" in body or url not in ("/it/firme", "/en/signatures")
        for secret in secrets_:
            assert secret not in body, f"{secret} on {url}"


def test_stats_api_has_the_figures(seeded, client, smtp):
    sign(client, "en", email="api@example.org", is_admin="y", group_name="Some group")
    fetch(client, last_link(smtp, "api@example.org"), "POST")
    stats.forget_figures()  # as 10 s later: the figures lag by up to STATS_TTL
    data = fetch(client, "/api/v1/stats").get_json()
    assert data["signatures"] == 1 and data["admins"] == 1
    assert data["groups"] == 78 and data["members_affected"] > 0 and "updated_at" in data


def test_count_and_progress_on_home_letter_and_sign_pages(seeded, client):
    for url in ("/it/", "/it/lettera", "/it/firma", "/en/", "/en/letter", "/en/sign"):
        body = fetch(client, url).get_data(as_text=True)
        assert '<progress id="petition-progress" max="100" value="0"' in body, url
    letter = fetch(client, "/en/letter").get_data(as_text=True)
    assert 'action="/en/sign"' in letter and 'name="privacy"' in letter


def test_sign_page_offers_sharing_without_third_party_scripts(app, client):
    body = fetch(client, "/en/sign").get_data(as_text=True)
    assert 'data-copy="http://localhost/en/sign"' in body
    for share in ("mailto:?", "https://wa.me/?text=", "https://t.me/share/url?url=",
                  "https://x.com/intent/post?url=", "https://www.facebook.com/sharer/sharer.php?u="):
        assert share in body
    assert '<meta property="og:url" content="http://localhost/en/sign">' in body
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', body)
    assert scripts and all(src.startswith("/static/") for src in scripts)


def test_country_names_follow_the_page_language(app, client):
    it_page = fetch(client, "/it/firma").get_data(as_text=True)
    en_page = fetch(client, "/en/sign").get_data(as_text=True)
    assert '<option selected value="IT">Italia</option>' in it_page
    assert '<option value="DE">Germania</option>' in it_page
    assert '<option selected value="IT">Italy</option>' in en_page
    assert '<option value="DE">Germany</option>' in en_page


def test_outbox_retry_after_the_smtp_server_was_down(seeded, client, smtp, runner):
    app = client.application
    app.config["MAIL_PORT"] = free_port()  # nothing listens there: the server is "down"
    mail.init_app(app)
    sign(client, "en", email="retry@example.org")
    assert smtp.to("retry@example.org") == []
    queued = db.session.scalar(select(OutboxMail))
    assert queued.status == MailStatus.pending and queued.sent_at is None
    assert runner.invoke(args=["mail", "send"]).output.startswith("sent 0")  # still down, or not due

    app.config["MAIL_PORT"] = smtp.port  # the server is back
    mail.init_app(app)
    # Some minutes later: the back-off and any sender's lease have run out.
    past = utcnow() - timedelta(seconds=1)
    db.session.execute(update(OutboxMail).values(next_attempt_at=past, claimed_until=past))
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert runner.invoke(args=["mail", "send"]).output.startswith("sent 0")
    [arrived] = smtp.to("retry@example.org")
    assert last_link(smtp, "retry@example.org").startswith("/en/sign/confirm/")
    assert arrived["Subject"].startswith("Confirm your signature")


def test_purge_deletes_expired_unconfirmed_and_old_ip_hashes(seeded, client, smtp, runner):
    sign(client, "en", email="old@example.org")
    sign(client, "en", email="kept@example.org")
    expired_link = last_link(smtp, "old@example.org")
    fetch(client, last_link(smtp, "kept@example.org"), "POST")
    sign(client, "en", email="fresh@example.org")
    long_ago = utcnow() - timedelta(days=31)
    db.session.execute(update(Signature).where(Signature.email != "fresh@example.org")
                       .values(created_at=long_ago, expires_at=long_ago))
    db.session.execute(update(SignatureToken).values(expires_at=long_ago))
    db.session.commit()
    assert fetch(client, expired_link).status_code == 404  # the link lasted 7 days

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "unconfirmed signatures deleted: 1" in result.output
    db.session.expire_all()
    left = {s.email: s for s in db.session.scalars(select(Signature))}
    assert set(left) == {"kept@example.org", "fresh@example.org"}
    assert left["kept@example.org"].ip_hash is None and left["fresh@example.org"].ip_hash
    assert db.session.scalar(select(OutboxMail).where(OutboxMail.to_addr == "old@example.org")) is None
    assert count() == 1


@pytest.mark.parametrize("lang", ["it", "en"])
def test_signing_answers_with_its_page_and_the_mailed_buttons_redirect(seeded, client, smtp, lang):
    """The sign POST answers with the check-your-mail page itself, in the same language (it
    names the address typed, so it is neither redirected to nor cached): a reload posts the
    form again and still makes one signature. After the confirm and withdraw buttons the
    browser is sent to a plain page (Post/Redirect/Get), so a reload sends nothing again."""
    t = TEXTS[lang]
    answer = sign(client, lang, email=f"prg-{lang}@example.org", follow_redirects=False)
    assert answer.status_code == 200 and t["check"] in page_text(answer)
    assert f'lang="{lang}"' in answer.get_data(as_text=True)
    reloaded = sign(client, lang, email=f"prg-{lang}@example.org", follow_redirects=False)
    assert reloaded.status_code == 200 and t["check"] in page_text(reloaded)
    assert rows() == 1

    done = fetch(client, last_link(smtp, f"prg-{lang}@example.org"), "POST", follow_redirects=False)
    confirmed = {"it": "/it/firma/confermata", "en": "/en/sign/confirmed"}[lang]
    assert done.status_code == 303 and done.headers["Location"] == confirmed
    # Leaving the token's address: it must not follow in a Referer header or a cache.
    assert done.headers["Referrer-Policy"] == "same-origin" and done.headers["Cache-Control"] in ("no-store", "private, no-store")
    page = page_text(fetch(client, confirmed))
    assert t["confirmed"] in page
    # The thank-you page counts the new signer (the confirmation forgot the kept figures).
    assert ("<strong>1</strong>\n    persona ha firmato" if lang == "it" else "<strong>1</strong>\n    person has signed") in page
    assert count() == 1

    withdraw_path = last_link(smtp, f"prg-{lang}@example.org", WITHDRAW_LINK)
    gone = fetch(client, withdraw_path, "POST", follow_redirects=False)
    withdrawn = {"it": "/it/firma/ritirata", "en": "/en/sign/withdrawn"}[lang]
    assert gone.status_code == 303 and gone.headers["Location"] == withdrawn
    assert gone.headers["Referrer-Policy"] == "same-origin"
    assert t["withdrawn"] in page_text(fetch(client, withdrawn))
    assert count() == 0
