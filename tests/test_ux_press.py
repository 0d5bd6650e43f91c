"""The press room in a journalist's five minutes: who to call, figures that agree with each other
and say where they come from, documents that never print a bare 0, names in the reader's
language, fingerprints that read on one line."""
import html
import io
import re

import pytest
from PIL import Image
from pypdf import PdfReader

from app.press import service
from tests.helpers.browser import audit_pages


@pytest.fixture
def letter_only(app):
    """The letter and the 2014 groups, no signature yet."""
    from app.letter.service import load_letters
    from app.registry.service import seed_groups

    load_letters()
    seed_groups()
    service.clear_cache()
    return app


def text_of(response) -> str:
    """A page's text, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


@pytest.mark.parametrize("path", ["/it/stampa", "/en/press", "/it/privacy", "/en/privacy"])
def test_press_contact_and_data_controller_appear_when_set(letter_only, client, path):
    letter_only.config.update(PRESS_CONTACT="ufficio.stampa@example.org",
                              DATA_CONTROLLER="Associazione Cara Umanità, via Roma 1, Bologna")
    page = text_of(client.get(path))
    assert 'href="mailto:ufficio.stampa@example.org"' in page
    assert "Associazione Cara Umanità, via Roma 1, Bologna" in page
    assert ("Titolare del trattamento" if path.startswith("/it") else "Data controller") in page


@pytest.mark.parametrize("path", ["/en/press", "/en/privacy"])
def test_no_contact_section_when_nothing_is_set(letter_only, client, path):
    assert 'id="contacts-title"' not in client.get(path).get_data(as_text=True)


def test_make_run_warns_when_contact_and_controller_are_empty(letter_only, runner):
    result = runner.invoke(args=["check-contacts"])
    assert "FLASK_PRESS_CONTACT is empty" in result.output
    assert "FLASK_DATA_CONTROLLER is empty" in result.output
    letter_only.config.update(PRESS_CONTACT="press@example.org", DATA_CONTROLLER="Someone")
    assert runner.invoke(args=["check-contacts"]).output == ""


@pytest.mark.parametrize("path, words", [
    ("/en/press/letter.txt", "no confirmed signatures yet"),
    ("/it/stampa/lettera.txt", "ancora nessuna firma confermata"),
    ("/en/press/letter.md", "no confirmed signatures yet"),
])
def test_documents_say_no_signatures_yet_rather_than_zero(letter_only, client, path, words):
    text = client.get(path).get_data(as_text=True)
    assert words in text
    assert not re.search(r"(Confirmed signatures|Firme confermate): 0\b", text)


def test_press_page_says_no_signatures_yet_rather_than_zero(letter_only, client):
    page = text_of(client.get("/en/press"))
    assert "no confirmed signatures yet" in page
    assert not re.search(r"<strong>0</strong> <span>confirmed signatures", page)


@pytest.mark.parametrize("path, texts", [
    ("/en/press", ("over 95", "over 1,200,000", "The registry today", "78 groups from the letter’s partial list",
                   "news article that published it")),
    ("/it/stampa", ("oltre 95", "oltre 1.200.000", "Il registro oggi", "78 gruppi dall’elenco parziale della lettera")),
])
def test_fact_sheet_puts_both_sets_of_figures_side_by_side_with_sources(letter_only, client, path, texts):
    page = text_of(client.get(path))
    table = page[page.index('<table class="fact-sheet">'):]
    table = table[:table.index("</table>")]
    for text in texts:
        assert text in table, text


def test_fact_sheet_pdf_holds_both_figures_and_their_sources(letter_only, client):
    response = client.get("/en/press/fact-sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages))
    for expected in ("over 95", "over 1,200,000", "78", "no confirmed signatures yet", "CC BY 4.0", "ODbL"):
        assert expected in text, expected
    assert "2014" in text and "text version 1" in text


def test_bilingual_pdf_strands_no_figures_box_on_a_page_of_its_own(letter_only, client):
    reader = PdfReader(io.BytesIO(client.get("/it/stampa/lettera-it-en.pdf").data))
    with_figures = 0
    for number, page in enumerate(reader.pages, 1):
        text = page.extract_text()
        assert len(text.strip()) > 400, f"page {number} is nearly empty: {text[:200]!r}"
        if re.search(r"Dati aggiornati|Dati al|Figures as of", text):
            with_figures += 1
            # The box shares its page with the letter's text.
            assert "Cara Umanità," in text or "Dear Humanity," in text, f"page {number}"
    assert with_figures == 2  # once per language


def test_csv_file_name_is_in_the_pages_language(letter_only, client):
    it = client.get("/it/stampa/registro.csv")
    en = client.get("/en/press/registry.csv")
    assert "registro-gruppi.csv" in it.headers["Content-Disposition"]
    assert "registry-groups.csv" in en.headers["Content-Disposition"]
    assert it.data == en.data


def test_kit_has_the_logo_and_share_cards(letter_only, client):
    in_kit = {doc.id for doc in service.DOCS.values() if doc.in_kit}
    assert {"logo.svg", "logo.png", "share-it.png", "share-en.png", "factsheet-it.pdf", "factsheet-en.pdf"} <= in_kit
    svg = client.get("/it/stampa/logo.svg")
    assert svg.mimetype == "image/svg+xml" and b"Cara Umanit" in svg.data
    with Image.open(io.BytesIO(client.get("/en/press/logo.png").data)) as logo:
        assert logo.format == "PNG" and logo.size == (1200, 600)


@pytest.mark.parametrize("path", ["/en/press", "/it/stampa"])
def test_licences_are_stated_on_the_press_page(letter_only, client, path):
    page = client.get(path).get_data(as_text=True)
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"' in page
    assert 'href="https://opendatacommons.org/licenses/odbl/1-0/" rel="license"' in page


def test_statement_versions_count_from_one(letter_only, client):
    assert service.current_edition().version == 1
    assert service.current_edition().key.startswith("v1-")


@pytest.mark.browser
def test_sha256_reads_on_one_line_and_press_room_passes_the_audit(letter_only, client, page, live_server):
    for path in ("/en/press/letter.txt", "/en/press/letter.md", "/en/press/registry.csv"):
        client.get(path)  # on disk, so the page shows their fingerprints
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/en/press")
    codes = page.locator("code.sha256")
    assert codes.count() >= 3
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('code.sha256')).lineHeight) || 20")
    for i in range(codes.count()):
        assert codes.nth(i).bounding_box()["height"] < 1.6 * line
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert audit_pages(page, ["/en/press", "/it/stampa", "/it/privacy"], live_server) == {}
