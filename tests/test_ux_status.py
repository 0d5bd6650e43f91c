"""What a newcomer needs after sending a form: a reporter follows their report through a private
status link; a signer sees which address the mail went to; the campaign pages in the sitemap."""
import html
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import ReportStatus, Update
from app.models.base import utcnow
from app.registry import moderation
from app.security import token_digest
from tests.helpers.browser import audit_pages
from tests.helpers.mail import text_part
from tests.helpers.pages import sitemap
from tests.helpers.petition import form_data, sign
from tests.helpers.registry import REPORTER_EMAIL, REPORTER_NAME, fetch, last_link, reports, send_report

STATUS_LINK = re.compile(r"http://localhost/(?:it/registro/segnala/stato|en/registry/report/status)/[A-Za-z0-9_-]+")
STATUS_PATH = {"it": "/it/registro/segnala/stato/", "en": "/en/registry/report/status/"}
STEPS = {"it": {"received": "Ricevuta", "review": "In attesa di revisione", "published": "Pubblicata",
                "rejected": "Non pubblicata"},
         "en": {"received": "Received", "review": "Waiting for review", "published": "Published",
                "rejected": "Not published"}}
CHECK = {"it": "Grazie! Ora controlla la tua email", "en": "Thank you! Now check your email"}
INVALID = {"it": "Questo link non funziona", "en": "This link does not work"}
ENTRY = {"it": "Vedi la sua scheda nel registro", "en": "See its entry in the registry"}
REASON = {"it": "Le prove fornite non bastano per pubblicarla.",
          "en": "The evidence given is not enough to publish it."}


def text(response) -> str:
    """The page as text, entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def status_link(smtp, address: str = REPORTER_EMAIL) -> str:
    """The path of the status link in the last mail to `address`."""
    links = [m for msg in smtp.to(address) for m in STATUS_LINK.findall(text_part(msg))]
    assert links, f"no status link in the mails to {address}"
    return links[-1].removeprefix("http://localhost")


def current_step(page: str) -> str:
    """The label of the step marked as current."""
    found = re.findall(r'<li aria-current="step">([^<]+)</li>', page)
    assert len(found) == 1, found
    return found[0]


def private(response) -> bool:
    """Sent so that no cache keeps it and no other site learns its address."""
    return (response.headers["Cache-Control"] == "private, no-store"
            and response.headers["Referrer-Policy"] == "same-origin" and "Set-Cookie" not in response.headers)


# --- A reporter follows their report ----------------------------------------------------------

@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_status_link_in_the_mail_shows_each_state_of_the_report(seeded, client, smtp, lang):
    sent = send_report(client, lang, name="Gruppo da seguire")
    link = status_link(smtp)
    assert link.startswith(STATUS_PATH[lang])
    # The form leads straight to the same private page (Post/Redirect/Get, nothing in a cookie).
    assert sent.status_code == 303 and sent.headers["Location"] == link and private(sent)

    received = fetch(client, link)
    assert received.status_code == 200 and private(received)
    page = text(received)
    assert current_step(page) == STEPS[lang]["received"] and CHECK[lang] in page
    assert "Gruppo da seguire" in page and link in page  # the address to keep, shown on the page
    assert REPORTER_NAME not in page and REPORTER_EMAIL not in page

    fetch(client, last_link(smtp), "POST")  # the confirm button
    page = text(fetch(client, link))
    assert current_step(page) == STEPS[lang]["review"]

    [report] = reports()
    group = moderation.publish_report(report)
    db.session.commit()
    published = fetch(client, link)
    page = text(published)
    assert current_step(page) == STEPS[lang]["published"] and private(published)
    group_path = {"it": "/it/registro/gruppo/", "en": "/en/registry/group/"}[lang] + group.slug
    assert f'href="{group_path}"' in page and ENTRY[lang] in page
    assert REPORTER_NAME not in page and REPORTER_EMAIL not in page


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_rejected_report_says_so_with_its_reason_and_nothing_of_the_moderators_note(seeded, client, smtp, lang):
    send_report(client, lang, name="Gruppo respinto")
    link = status_link(smtp)
    fetch(client, last_link(smtp), "POST")
    [report] = reports()
    moderation.reject_report(report, "insufficient_evidence", "Internal: looks like a troll")
    db.session.commit()
    page = text(fetch(client, link))
    assert current_step(page) == STEPS[lang]["rejected"]
    assert REASON[lang] in page and "Internal" not in page and "troll" not in page


def test_an_unconfirmed_report_past_its_days_says_the_link_expired(seeded, client, smtp):
    send_report(client, "en")
    link = status_link(smtp)
    [report] = reports()
    report.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    page = text(fetch(client, link))
    assert "its link has expired" in page and "Send the report again" in page
    assert reports()[0].status == ReportStatus.pending_email


@pytest.mark.parametrize("lang", ["it", "en"])
# A well-formed token nobody was given (fixed: pytest-xdist workers must collect the same ids).
@pytest.mark.parametrize("token", ["x", "kixmdhyOR_kkOKYbyBgp4ouvdm9o8IxUDcnGSNWN4jo", "a" * 3000, "Ma%C3%B1ana",
                                   "%E2%80%AE"])
def test_a_wrong_status_token_gives_the_link_invalid_page(seeded, client, lang, token):
    answer = fetch(client, STATUS_PATH[lang] + token)
    assert answer.status_code == 404 and INVALID[lang] in text(answer)
    assert answer.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("token", ["..%2F..%2Fadmin", "%00", "x/y", "%0D%0ASet-Cookie:%20a=b"])
def test_a_mangled_status_address_is_a_404_never_a_500(seeded, client, token):
    answer = fetch(client, STATUS_PATH["en"] + token)
    assert answer.status_code in (400, 404) and "Set-Cookie" not in answer.headers


def test_a_purged_report_s_status_link_stops_working(seeded, client, smtp, runner):
    send_report(client, "it")
    link = status_link(smtp)
    report = reports()[0]
    report.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert runner.invoke(args=["purge"]).exit_code == 0
    answer = fetch(client, link)
    assert answer.status_code == 404 and INVALID["it"] in text(answer)


def test_only_the_digest_of_the_status_token_is_stored(seeded, client, smtp):
    send_report(client, "en")
    token = status_link(smtp).rsplit("/", 1)[1]
    [report] = reports()
    assert report.status_digest == token_digest(token) and token not in report.status_digest


def test_a_bot_that_fills_the_honeypot_gets_no_status_link(seeded, client, smtp):
    answer = send_report(client, "en", website="http://spam.example")
    assert answer.status_code == 303 and "/status/" not in answer.headers["Location"]
    assert reports() == []


# --- A signer sees where the mail went ----------------------------------------------------------

@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_check_mail_page_shows_the_address_typed_and_is_not_cacheable(seeded, client, lang):
    answer = sign(client, lang, email="Typed.Address@example.org", follow_redirects=False)
    assert answer.status_code == 200
    page = text(answer)
    sent_to = {"it": "Abbiamo inviato un’email a Typed.Address@example.org.",
               "en": "We have sent an email to Typed.Address@example.org."}[lang]
    assert sent_to in re.sub(r"</?strong>", "", page)
    # Wrong address? Back to the form, to sign again with the right one.
    again = {"it": ('Indirizzo sbagliato?', 'href="/it/firma"'), "en": ("Wrong address?", 'href="/en/sign"')}[lang]
    assert again[0] in page and f'{again[1]}>' in page
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in answer.headers and "Location" not in answer.headers
    # The shared page (for those who come back) names no one, and may be cached.
    shared = fetch(client, {"it": "/it/firma/controlla-la-posta", "en": "/en/sign/check-your-mail"}[lang])
    assert "Typed.Address" not in text(shared) and shared.headers["Cache-Control"].startswith("public")


def test_the_address_on_the_check_mail_page_is_escaped(seeded, client):
    answer = client.post("/en/sign", data=form_data(email='"<b>x</b>"@example.org'))
    assert "<b>x</b>" not in answer.get_data(as_text=True)


# --- The campaign pages in the sitemap, countries from the signatures page ------------------------

def test_the_sitemap_lists_the_campaign_pages_in_both_languages(seeded, client):
    now = utcnow()
    published = Update(title_it="Titolo", title_en="Title", body_it="Testo.", body_en="Text.", published_at=now)
    draft = Update(title_it="Bozza", title_en="", body_it="", body_en="")
    db.session.add_all([published, draft])
    db.session.commit()
    paths = {loc.removeprefix("http://localhost"): twins for loc, twins in sitemap(client).items()}
    for it, en in [("/it/aggiornamenti", "/en/updates"), ("/it/adesioni", "/en/endorsements"),
                   (f"/it/aggiornamenti/{published.id}", f"/en/updates/{published.id}")]:
        assert it in paths and en in paths, (it, en)
        assert paths[it] == paths[en] == {"it": "http://localhost" + it, "en": "http://localhost" + en}
    assert f"/en/updates/{draft.id}" not in paths and f"/it/aggiornamenti/{draft.id}" not in paths
    assert client.get(f"/en/updates/{published.id}").status_code == 200


@pytest.mark.parametrize("lang, path, countries", [("it", "/it/firme", "/it/firme/paesi"),
                                                    ("en", "/en/signatures", "/en/signatures/countries")])
def test_the_signatures_page_links_to_signatures_by_country_and_not_to_itself(seeded, client, lang, path, countries):
    page = client.get(path).get_data(as_text=True)
    assert f'href="{countries}"' in page
    assert f'href="{path}"' not in page.split('<main', 1)[1].split('</main>', 1)[0]
    assert f'href="{path}"' in client.get(f"/{lang}/firma" if lang == "it" else "/en/sign").get_data(as_text=True)


# --- The new pages pass the audit ------------------------------------------------------------

@pytest.mark.browser
def test_the_status_pages_and_the_check_mail_answer_pass_the_audit(seeded, client, smtp, page, live_server):
    links = {}
    for lang in ("it", "en"):
        smtp.clear()
        send_report(client, lang, name=f"Gruppo {lang}")
        links[lang] = status_link(smtp)
    assert audit_pages(page, [links["it"], links["en"], STATUS_PATH["en"] + "nope", STATUS_PATH["it"] + "nope"],
                       live_server) == {}
    for report in reports():  # one published, one not: the other two states
        report.status, report.confirmed_at = ReportStatus.queued, utcnow()
        db.session.commit()
        if report.lang == "en":
            moderation.publish_report(report)
        else:
            moderation.reject_report(report, "duplicate")
        db.session.commit()
    assert audit_pages(page, [links["it"], links["en"]], live_server) == {}
    for lang, name in (("it", "Firma la lettera"), ("en", "Sign the letter")):
        page.goto("/it/firma" if lang == "it" else "/en/sign")
        form = page.locator("form.sign-form").first
        form.locator("input[name=name]").fill("Anna Bianchi")
        form.locator("input[name=email]").fill(f"anna.{lang}@example.org")
        form.locator("input[name=privacy]").check()
        form.get_by_role("button", name=name).click()
        assert f"anna.{lang}@example.org" in page.locator("main").inner_text()
        assert audit_pages(page, [None], live_server) == {}
