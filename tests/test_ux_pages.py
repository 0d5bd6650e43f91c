"""The pages people share and search engines read: OpenGraph on every public page, the sitemap,
the FAQ and the help for robbed admins, signatures by country, the open data page."""
import html
import re

import pytest

from tests.helpers.browser import audit_pages
from tests.helpers.pages import sitemap
from tests.helpers.petition import fetch, last_link, sign

# Pages a visitor can reach from the menus, in both languages: the sitemap must hold them all.
KNOWN = [("/it/", "/en/"), ("/it/lettera", "/en/letter"), ("/it/chi-siamo", "/en/about"),
         ("/it/privacy", "/en/privacy"), ("/it/firma", "/en/sign"), ("/it/firme", "/en/signatures"),
         ("/it/registro", "/en/registry"), ("/it/registro/segnala", "/en/registry/report"),
         ("/it/stampa", "/en/press"), ("/it/domande", "/en/faq"),
         ("/it/aiuto-amministratori", "/en/help-for-admins"), ("/it/firme/paesi", "/en/signatures/countries"),
         ("/it/dati-aperti", "/en/open-data")]
NEW_PAGES = ["/it/domande", "/en/faq", "/it/aiuto-amministratori", "/en/help-for-admins",
             "/it/firme/paesi", "/en/signatures/countries", "/it/dati-aperti", "/en/open-data"]


def test_sitemap_lists_every_public_page_in_both_languages(seeded, client):
    entries = sitemap(client)
    paths = {loc.removeprefix("http://localhost"): twins for loc, twins in entries.items()}
    for it, en in KNOWN:
        assert it in paths and en in paths, (it, en)
        assert paths[it] == paths[en] == {"it": "http://localhost" + it, "en": "http://localhost" + en}
    groups = [p for p in paths if p.startswith(("/it/registro/gruppo/", "/en/registry/group/"))]
    assert len(groups) == 2 * 78
    # Nothing that is not a page for everyone: no back office, API, feed, file or mailed link.
    for path in paths:
        assert not path.startswith(("/admin", "/api", "/static")), path
        assert not re.search(r"\.(atom|json|csv|pdf|zip|png|txt|md|svg|xml)$", path), path
        assert "conferma" not in path and "confirm" not in path and "controlla-la-posta" not in path


def test_every_address_in_the_sitemap_is_a_page_with_opengraph(seeded, client):
    for loc in list(sitemap(client))[:60] + [loc for loc in sitemap(client) if "gruppo/vasco" in loc]:
        response = client.get(loc.removeprefix("http://localhost"))
        assert response.status_code == 200 and response.mimetype == "text/html", loc
        page = response.get_data(as_text=True)
        image = re.search(r'<meta property="og:image" content="([^"]+)"', page)
        assert image and image.group(1).endswith(("/it/stampa/condividi.png", "/en/press/share.png")), loc
        assert re.search(r'<meta property="og:title" content="[^"]+"', page), loc
        assert f'<meta property="og:url" content="{loc}"' in page, loc
        assert page.count('property="og:image"') == 1, loc


def test_robots_names_the_sitemap(seeded, client):
    assert "Sitemap: http://localhost/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/it/firma", "/en/sign", "/it/firma/controlla-la-posta", "/en/sign/check-your-mail"])
def test_share_text_does_not_say_i_signed_before_signing(seeded, client, path):
    page = html.unescape(client.get(path).get_data(as_text=True))
    assert "I signed" not in page and "Ho firmato" not in page


@pytest.mark.parametrize("path, questions", [
    ("/en/faq", ("Why do I have to confirm by email?", "why is my name not shown yet?",
                 "What happens to my data?", "How do I get my group back?")),
    ("/it/domande", ("Perché devo confermare per email?", "perché il mio nome non compare ancora?",
                     "Che fine fanno i miei dati?", "Come riavere il mio gruppo?")),
])
def test_faq_answers_the_four_questions(seeded, client, path, questions):
    page = html.unescape(client.get(path).get_data(as_text=True))
    for question in questions:
        assert question in page


@pytest.mark.parametrize("path, words", [
    ("/en/help-for-admins", ("facebook.com/hacked", "Report group", "retaliation", "two-factor", "Polizia Postale")),
    ("/it/aiuto-amministratori", ("facebook.com/hacked", "Segnala gruppo", "ritorsioni", "due fattori", "Polizia Postale")),
])
def test_help_for_robbed_admins_says_how_to_ask_facebook_and_stay_safe(seeded, client, path, words):
    page = html.unescape(client.get(path).get_data(as_text=True))
    for word in words:
        assert word in page
    assert "/registro/segnala" in page or "/registry/report" in page


def test_signatures_by_country_table_and_chart(seeded, client, smtp):
    for n, country in enumerate(["IT", "IT", "DE", "FR", "IT"]):
        address = f"signer{n}@example.org"
        sign(client, "en", email=address, country=country)
        fetch(client, last_link(smtp, address), "POST")
    sign(client, "en", email="never.confirmed@example.org", country="ES")  # not counted
    page = client.get("/en/signatures/countries").get_data(as_text=True)
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">(\d+)</td>', page)
    assert rows == [("Italy", "3"), ("France", "1"), ("Germany", "1")]
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count('class="chart-bar"') == 3 and "Italy" in svg
    assert "style=" not in page
    assert "Spain" not in page
    it = client.get("/it/firme/paesi").get_data(as_text=True)
    assert "Italia" in it and "Germania" in it


def test_signatures_by_country_before_any_signature(seeded, client):
    page = client.get("/en/signatures/countries").get_data(as_text=True)
    assert "No confirmed signatures yet" in page and "<svg" not in page


@pytest.mark.parametrize("path", ["/en/open-data", "/it/dati-aperti"])
def test_open_data_page_explains_the_api_with_its_licences(seeded, client, path):
    page = client.get(path).get_data(as_text=True)
    for text in ("/api/v1/groups", "/api/v1/groups.csv", "/api/v1/openapi.json", "members_at_hijack",
                 "per_page", "ODbL", "CC BY 4.0"):
        assert text in page, text
    assert 'rel="license"' in page


def test_api_answers_carry_their_licence(seeded, client):
    for path in ("/api/v1/groups", "/api/v1/groups.csv", "/api/v1/openapi.json"):
        assert "odbl" in client.get(path).headers["Link"]
    assert client.get("/api/v1/openapi.json").json["info"]["license"]["identifier"] == "ODbL-1.0"


@pytest.mark.browser
def test_new_pages_pass_the_audit(seeded, page, live_server):
    assert audit_pages(page, NEW_PAGES, live_server) == {}
