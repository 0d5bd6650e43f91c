"""Endorsements: the form in both languages, the mailed confirmation (a button), moderation,
the list by kind on its page and the letter page, the rate limit, and that the contact email
never shows in public."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Endorsement, EndorsementStatus
from tests.helpers.campaign import (
    CONFIRM_LINK,
    CONTACT,
    ENDORSE,
    approved_endorsement,
    endorse,
    endorsement_data,
    logged_in,
)
from tests.helpers.mail import html_part, text_part

CHECK_MAIL = {"it": "Grazie! Ora controlla la tua email", "en": "Thank you! Now check your email"}


def rows() -> list[Endorsement]:
    db.session.expire_all()
    return list(db.session.scalars(select(Endorsement).order_by(Endorsement.id)))


@pytest.mark.parametrize("lang, subject, button", [
    ("it", "Conferma l’adesione alla lettera aperta", "Conferma l’adesione"),
    ("en", "Confirm the endorsement of the open letter", "Confirm the endorsement"),
])
def test_an_endorsement_is_confirmed_by_mail_then_shows_only_after_approval(client, smtp, lang, subject, button):
    response = endorse(client, lang)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert CHECK_MAIL[lang] in page
    [mail] = smtp.to(CONTACT)
    assert mail["Subject"] == subject
    link = CONFIRM_LINK.findall(text_part(mail))[0]
    assert link in html_part(mail)
    assert ("/it/adesioni/conferma/" if lang == "it" else "/en/endorsements/confirm/") in link
    token = link.rsplit("/", 1)[1]
    assert token not in db.session.scalar(select(Endorsement.token_digest))  # only its hash is kept
    path = link.removeprefix("http://localhost")
    # Opening the link (as a mail scanner does) confirms nothing; the button does.
    opened = client.get(path)
    assert opened.status_code == 200 and button in opened.get_data(as_text=True)
    assert opened.headers["Referrer-Policy"] == "same-origin"
    assert rows()[0].status == EndorsementStatus.pending_email
    assert client.post(path).status_code == 303
    assert rows()[0].status == EndorsementStatus.pending_review
    assert "Circolo Arci Esempio" not in client.get(ENDORSE[lang]).get_data(as_text=True)
    again = client.get(path).get_data(as_text=True)
    assert ("già confermata" if lang == "it" else "already confirmed") in again
    # The moderator sees the contact address and approves.
    logged_in(client, lang)
    queue = client.get("/admin/endorsements").get_data(as_text=True)
    assert CONTACT in queue
    assert client.post(f"/admin/endorsements/{rows()[0].id}/approve").status_code == 303
    assert db.session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "endorsement.approve"
    shown = client.get(ENDORSE[lang]).get_data(as_text=True)
    assert "Circolo Arci Esempio" in shown and "Siamo con gli amministratori." in shown
    assert 'href="https://circolo-esempio.org"' in shown
    assert CONTACT not in shown


def test_a_rejected_endorsement_never_shows(client, smtp):
    endorse(client, "en")
    link = CONFIRM_LINK.findall(text_part(smtp.to(CONTACT)[0]))[0].removeprefix("http://localhost")
    client.post(link)
    logged_in(client)
    client.post(f"/admin/endorsements/{rows()[0].id}/reject")
    assert rows()[0].status == EndorsementStatus.rejected
    assert "Circolo Arci Esempio" not in client.get("/en/endorsements").get_data(as_text=True)


def test_an_unconfirmed_endorsement_cannot_be_approved(client, smtp):
    endorse(client, "en")
    logged_in(client)
    assert client.post(f"/admin/endorsements/{rows()[0].id}/approve").status_code == 404
    assert rows()[0].status == EndorsementStatus.pending_email


def test_endorsements_are_grouped_by_kind_apart_from_signatures_on_the_letter(seeded, client, smtp):
    approved_endorsement(client, smtp, "it")
    approved_endorsement(client, smtp, "it", name="Comune di Esempio", kind="council", email="sindaco@comune.example",
                         homepage="", statement="")
    approved_endorsement(client, smtp, "en", name="Anna Bianchi, consigliera regionale", kind="representative",
                         email="anna@regione.example", statement="")
    for path, kinds in (("/it/lettera", ["Associazioni", "Consigli comunali", "Rappresentanti elette ed eletti"]),
                        ("/en/letter", ["Associations", "Local councils", "Elected representatives"]),
                        ("/en/endorsements", ["Associations", "Local councils", "Elected representatives"])):
        html = client.get(path).get_data(as_text=True)
        positions = [html.index(k) for k in kinds]
        assert positions == sorted(positions), path
        assert html.index("Circolo Arci Esempio") < html.index(kinds[1]) < html.index("Comune di Esempio") \
            < html.index(kinds[2]) < html.index("Anna Bianchi")
        for email in (CONTACT, "sindaco@comune.example", "anna@regione.example"):
            assert email not in html


@pytest.mark.parametrize("lang, errors", [
    ("it", ["Inserisci il nome.", "Inserisci la città.", "Inserisci un indirizzo web, per esempio https://example.org.",
            "Inserisci un indirizzo email valido, per esempio nome@example.com."]),
    ("en", ["Please enter the name.", "Please enter the city.", "Please enter a web address, for example https://example.org.",
            "Please enter a valid email address, for example name@example.com."]),
])
def test_the_form_shows_its_errors_in_both_languages_and_keeps_what_was_typed(client, smtp, lang, errors):
    response = endorse(client, lang, name="", city="", homepage="https://exa mple", email="not-an-address",
                       statement="Bellissima iniziativa")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for error in errors:
        assert error in html
    assert "Bellissima iniziativa" in html and 'value="not-an-address"' in html
    assert rows() == [] and smtp.messages == []


@pytest.mark.parametrize("lang, error", [("it", "Non può contenere un indirizzo web."),
                                         ("en", "This cannot contain a web address.")])
def test_the_statement_cannot_carry_a_link_nor_the_kind_be_made_up(client, lang, error):
    response = endorse(client, lang, statement="Visitate www.spam.example")
    assert response.status_code == 422 and error in response.get_data(as_text=True)
    assert endorse(client, lang, kind="company").status_code == 422
    assert rows() == []


def test_an_unknown_or_expired_link_says_so(client, smtp):
    assert client.get("/en/endorsements/confirm/nope").status_code == 404
    assert client.post("/it/adesioni/conferma/nope").status_code == 404
    endorse(client, "en")
    link = CONFIRM_LINK.findall(text_part(smtp.to(CONTACT)[0]))[0].removeprefix("http://localhost")
    from datetime import timedelta

    row = rows()[0]
    row.expires_at = row.created_at - timedelta(days=1)
    db.session.commit()
    expired = client.post(link)
    assert expired.status_code == 404 and "It has expired" in expired.get_data(as_text=True)
    assert rows()[0].status == EndorsementStatus.pending_email


def test_a_bot_filling_the_honeypot_gets_the_same_answer_and_nothing_is_stored(client, smtp):
    response = client.post("/en/endorsements", data={**endorsement_data(), "website": "https://spam.example"})
    assert response.status_code == 303
    assert rows() == [] and smtp.messages == []


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True, "RATELIMIT_ENDORSE": "2 per minute"}])
def test_endorsements_are_rate_limited_per_ip_but_errors_cost_nothing(app, client):
    assert endorse(client, "it", email="").status_code == 422
    assert endorse(client, "it").status_code == 303
    assert endorse(client, "en", name="Second").status_code == 303
    third = endorse(client, "it", name="Third")
    assert third.status_code == 429 and "Troppi tentativi in poco tempo" in third.get_data(as_text=True)
    assert [r.name for r in rows()] == ["Circolo Arci Esempio", "Second"]
    assert client.get("/it/adesioni").status_code == 200


@pytest.mark.parametrize("config_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_an_endorsement_sent_from_another_site_is_refused(app, client):
    assert endorse(client, "en", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403 and rows() == []
    assert endorse(client, "en", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 303


def public_urls(app) -> list[str]:
    """Every public GET address without arguments (pages, feeds, API), in both languages."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") or "GET" not in rule.methods \
                or rule.arguments - set(rule.defaults or {}):
            continue
        urls.append(rule.rule)
    return sorted(set(urls))


def test_the_contact_email_never_appears_on_any_public_page_feed_or_api(seeded, app, client, smtp):
    approved_endorsement(client, smtp, "it")
    approved_endorsement(client, smtp, "en", name="Comune di Prova", kind="council", email="ufficio@comune-prova.example")
    urls = public_urls(app)
    assert {"/it/adesioni", "/en/endorsements", "/it/lettera", "/en/letter", "/api/v1/groups",
            "/it/aggiornamenti/feed.atom", "/en/press"} <= set(urls)
    seen_name = False
    for url in urls:
        response = client.get(url, follow_redirects=True)
        body = response.get_data(as_text=True)
        seen_name = seen_name or "Comune di Prova" in body
        for email in (CONTACT, "ufficio@comune-prova.example", "comune-prova.example"):
            assert email not in body, url
    assert seen_name
