"""The press room: the documents a journalist downloads, and the page that lists them.

Rendering PDFs is slow, so the `kit` fixture renders every document once for the module, over
HTTP as a journalist would get them, and the tests read what it collected. The tests about
caching and versions use the cheap text documents."""
import fcntl
import hashlib
import io
import logging
import re
import threading
import time
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from PIL import Image
from pypdf import PdfReader

from app import stats
from app.press import service
from tests.helpers.apps import app_on

SIGNATURES, ADMINS = 65_312, 1_234
CIRCLED = ">ⓛⓐ ©ⓐⓟⓐ ⓖⓘⓡⓐ<╝- LA CAPAGIRA"
OPENING = {"it": "Cara Umanità,", "en": "Dear Humanity,"}
CLOSING = {"it": "il nostro diritto a scegliere il nostro futuro.",
           "en": "our right to choose our own future."}
SIGNATORIES = ("Alessandra Amorosi (Avezzano / AQ)", "Tiziana Lenzini (Roma)")
PDFS = {"it": "/it/stampa/lettera.pdf", "en": "/en/press/letter.pdf",
        "both": "/it/stampa/lettera-it-en.pdf", "annex-it": "/it/stampa/registro.pdf",
        "annex-en": "/en/press/registry.pdf"}
KIT = {"kit-it": "/it/stampa/cartella-stampa.zip", "kit-en": "/en/press/press-kit.zip"}


def flat(text: str) -> str:
    """Text without any whitespace: PDF extraction breaks lines anywhere in a table cell."""
    return re.sub(r"\s+", "", text)


def words(text: str) -> str:
    """Text with every run of whitespace as one space."""
    return re.sub(r"\s+", " ", text)


def pdf_text(data: bytes) -> str:
    """The text of a PDF, as a reader extracts it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def fake_figures(signatures: int, admins: int = 0):
    """A replacement for app.stats.figures with these signature counts (the rest is real)."""
    real = stats.figures

    def figures():
        return replace(real(), signatures=signatures, admins=admins)

    return figures


class Notdefs(logging.Handler):
    """Collects WeasyPrint's warnings about characters that no font could draw."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def kit(_schema, database_uri, tmp_path_factory):
    """Every document, rendered once with 65,312 signatures, fetched over HTTP."""
    from app.letter.service import load_letters
    from app.models import Group
    from app.registry.service import seed_groups

    tmp = tmp_path_factory.mktemp("press")
    warnings = Notdefs()
    logging.getLogger("weasyprint").addHandler(warnings)
    try:
        with pytest.MonkeyPatch.context() as mp, app_on(database_uri, tmp, {}) as app:
            load_letters()
            seed_groups()
            service.clear_cache()
            mp.setattr(stats, "figures", fake_figures(SIGNATURES, ADMINS))
            client = app.test_client()
            responses = {key: client.get(url) for key, url in PDFS.items()}
            responses.update({key: client.get(url) for key, url in KIT.items()})
            for lang, url in (("txt-it", "/it/stampa/lettera.txt"), ("md-en", "/en/press/letter.md"),
                              ("csv", "/it/stampa/registro.csv"), ("api-csv", "/api/v1/groups.csv")):
                responses[lang] = client.get(url)
            names = [g.name for g in Group.query.filter_by(published=True)]
            pages = {lang: client.get(url).get_data(as_text=True)
                     for lang, url in (("it", "/it/stampa"), ("en", "/en/press"))}
    finally:
        logging.getLogger("weasyprint").removeHandler(warnings)
    return SimpleNamespace(responses=responses, names=names, pages=pages,
                           warnings=warnings.messages,
                           texts={k: pdf_text(responses[k].data) for k in PDFS})


def test_every_document_downloads(kit):
    for key, response in kit.responses.items():
        assert response.status_code == 200, key
    assert kit.responses["it"].mimetype == "application/pdf"
    assert kit.responses["txt-it"].content_type == "text/plain; charset=utf-8"
    assert kit.responses["it"].headers["Content-Disposition"] == "inline; filename=lettera-aperta-it.pdf"
    etag = kit.responses["en"].headers["ETag"].strip('"')
    assert etag == hashlib.sha256(kit.responses["en"].data).hexdigest()


@pytest.mark.parametrize("lang", ["it", "en"])
def test_letter_pdf_holds_the_letter_in_its_language(kit, lang):
    text = words(kit.texts[lang])
    other = "en" if lang == "it" else "it"
    assert OPENING[lang] in text and CLOSING[lang] in text
    assert OPENING[other] not in text and CLOSING[other] not in text
    for name in SIGNATORIES:
        assert name in text
    count = "65.312" if lang == "it" else "65,312"
    assert count in text and ("1.234" if lang == "it" else "1,234") in text
    # What it is and when: the statement version, the generation time, the page's address.
    if lang == "it":
        assert "versione 1 del testo" in text and "Firme confermate" in text
        assert "http://localhost/it/lettera" in text and "Dati aggiornati al" in text
    else:
        assert "text version 1" in text and "Confirmed signatures" in text
        assert "http://localhost/en/letter" in text and "Figures as of" in text


def test_bilingual_pdf_is_italian_first(kit):
    text = words(kit.texts["both"])
    positions = [text.index(OPENING["it"]), text.index(CLOSING["it"]),
                 text.index(OPENING["en"]), text.index(CLOSING["en"])]
    assert positions == sorted(positions)
    assert "65.312" in text and "65,312" in text


def test_pdfs_are_a4_tagged_with_our_own_fonts_and_no_missing_glyph(kit):
    for key in PDFS:
        reader = PdfReader(io.BytesIO(kit.responses[key].data))
        page = reader.pages[0]
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"], key  # tagged (PDF/UA-1)
        assert str(root["/Lang"]) == ("en" if key in ("en", "annex-en") else "it")
        assert reader.metadata["/statementversion"] == "1"
        fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages
                 for f in p["/Resources"]["/Font"].values()}
        # Subset names are "ABCDEF+Press-Sans": every font is embedded, and is one of ours.
        assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+Press-[A-Za-z-]+", f) for f in fonts), fonts
    assert not [m for m in kit.warnings if "notdef" in m or "cannot be loaded" in m], kit.warnings


@pytest.mark.parametrize("key", ["annex-it", "annex-en"])
def test_annex_lists_every_published_group(kit, key):
    text = flat(kit.texts[key])
    assert len(kit.names) == 78
    missing = [name for name in kit.names if flat(name) not in text]
    assert missing == []
    assert flat(CIRCLED) in text  # the circled letters are text, not boxes or pictures
    assert ("65.312" if key == "annex-it" else "65,312") in text


def test_annex_draws_the_circled_letters_with_the_symbols_font(kit):
    """DejaVu has no circled small letters: Noto Sans Symbols draws them (and WeasyPrint would
    have logged a .notdef warning, checked above, had any been drawn as a box)."""
    reader = PdfReader(io.BytesIO(kit.responses["annex-it"].data))
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any(f.endswith("+Press-Symbols") for f in fonts)


def test_press_kit_holds_every_file_and_its_readme_hashes_match(kit):
    response = kit.responses["kit-it"]
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data == kit.responses["kit-en"].data  # one kit, at two addresses
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert b"statement version 1, generated " in archive.comment
    expected = {d.filename for d in service.DOCS.values() if d.in_kit} | {"README.txt"}
    assert set(archive.namelist()) == expected
    readme = archive.read("README.txt").decode("utf-8")
    listed = {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)}
    assert set(listed) == expected - {"README.txt"}
    for name, digest in listed.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    # The files in the kit are the very ones served on their own.
    assert archive.read("lettera-aperta-it.pdf") == kit.responses["it"].data
    assert archive.read("open-letter-en.md") == kit.responses["md-en"].data
    # The key figures and their date, in both languages.
    assert "65.312" in readme and "65,312" in readme and "1.234" in readme
    assert "Dati aggiornati al" in readme and "Figures as of" in readme


def test_csv_is_the_registrys_csv(kit):
    ours, api = kit.responses["csv"], kit.responses["api-csv"]
    assert ours.data == api.data
    assert ours.content_type == "text/csv; charset=utf-8"
    assert CIRCLED in ours.get_data(as_text=True)


def test_text_and_markdown_of_the_letter(kit):
    txt = kit.responses["txt-it"].get_data(as_text=True)
    assert txt.startswith("Lettera aperta a Facebook e all'Umanità\n=")
    assert OPENING["it"] in txt and CLOSING["it"] in words(txt) and SIGNATORIES[1] in txt
    assert "65.312" in txt and "Generato il" in txt
    # The text's version counts from 1, beside the letter's own date (not the edition's alone).
    assert "Lettera aperta del 15 settembre 2014 · versione 1 del testo" in txt
    md = kit.responses["md-en"].get_data(as_text=True)
    assert md.startswith("# Open letter to Facebook and to Humanity\n")
    assert "## First signatories" in md and "65,312" in md
    assert "Open letter of 15 September 2014 · text version 1, published " in md


def test_page_in_both_languages_lists_sizes_and_hashes(kit):
    it, en = kit.pages["it"], kit.pages["en"]
    assert '<html lang="it">' in it and '<html lang="en">' in en
    assert "Sala stampa" in it and "Press room" in en
    assert "65.312" in it and "65,312" in en  # key figures, formatted per locale
    assert "La storia in breve" in it and "Nell’estate del 2014" in it
    assert "The story in short" in en and "In the summer of 2014" in en
    for key in ("it", "en", "both", "annex-it", "kit-it"):
        assert hashlib.sha256(kit.responses[key].data).hexdigest() in it
        assert hashlib.sha256(kit.responses[key].data).hexdigest() in en
    assert re.search(r"PDF, \d+,\d kB", it) and re.search(r"PDF, \d+\.\d kB", en)
    for url in ("/it/stampa/lettera.pdf", "/en/press/letter.pdf", "/it/stampa/cartella-stampa.zip",
                "/en/press/press-kit.zip", "/api/v1/groups", "/api/v1/stats"):
        assert f'href="{url}"' in (it + en)
    # OpenGraph and Twitter card, with a share image per language.
    assert '<meta property="og:image" content="http://localhost/it/stampa/condividi.png">' in it
    assert '<meta property="og:image" content="http://localhost/en/press/share.png">' in en
    assert '<meta name="twitter:card" content="summary_large_image">' in en
    assert "Contatto per la stampa" not in it and "Press contact" not in en  # PRESS_CONTACT empty


# ---------------------------------------------------------------------------------------------
# Caching, versions, locks: with the cheap documents
# ---------------------------------------------------------------------------------------------

def get_within(app, doc_id: str, seconds: float):
    """service.rendered(doc_id) in another thread; returns (thread, result dict) after `seconds`, so a
    get() that wrongly waits for a lock held by the test fails the test instead of hanging it."""
    result = {}

    def run():
        with app.app_context():
            result["stored"] = service.rendered(doc_id)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return thread, result


@pytest.fixture
def letter_only(app):
    """The letter and the 2014 groups, and a clean edition cache."""
    from app.letter.service import load_letters
    from app.registry.service import seed_groups

    load_letters()
    seed_groups()
    service.clear_cache()
    yield app
    service.clear_cache()


def test_repeated_download_answers_304(client, letter_only):
    first = client.get("/en/press/letter.txt")
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.strip('"') == hashlib.sha256(first.data).hexdigest()
    again = client.get("/en/press/letter.txt", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/en/press/letter.txt", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    changed = client.get("/en/press/letter.txt", headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200 and changed.data == first.data


def test_a_new_hundred_of_signatures_makes_a_new_version(client, letter_only, monkeypatch):
    monkeypatch.setattr(stats, "figures", fake_figures(1_250))
    first = client.get("/it/stampa/lettera.md")
    assert "1.250" in first.get_data(as_text=True)
    monkeypatch.setattr(stats, "figures", fake_figures(1_299))  # same hundred: same document
    same = client.get("/it/stampa/lettera.md")
    assert same.headers["ETag"] == first.headers["ETag"]
    assert same.headers["X-Statement-Edition"] == first.headers["X-Statement-Edition"]
    monkeypatch.setattr(stats, "figures", fake_figures(1_300))  # the next hundred: a new one
    new = client.get("/it/stampa/lettera.md")
    assert new.headers["ETag"] != first.headers["ETag"]
    assert "1.300" in new.get_data(as_text=True)
    stale = client.get("/it/stampa/lettera.md", headers={"If-None-Match": first.headers["ETag"]})
    assert stale.status_code == 200


def test_a_newly_published_group_makes_a_new_version(client, letter_only):
    from app.extensions import db
    from app.models import Crew, Group, GroupStatus

    first = client.get("/en/press/letter.txt")
    db.session.add(Group(slug="new-one", name="A new one", name_folded="a new one",
                         status=GroupStatus.hijacked, crew=Crew.nameless, published=True,
                         published_at=datetime(2030, 1, 1, tzinfo=UTC)))
    db.session.commit()
    stats.forget_figures()
    second = client.get("/en/press/letter.txt")
    assert second.headers["ETag"] != first.headers["ETag"]
    assert "Groups in the public registry: 79" in second.get_data(as_text=True)


def test_a_download_never_waits_for_a_render_in_progress(letter_only, monkeypatch):
    monkeypatch.setattr(stats, "figures", fake_figures(100))
    old = service.rendered("letter-en.txt")
    monkeypatch.setattr(stats, "figures", fake_figures(200))
    edition = service.current_edition()
    assert edition.key != old.edition
    lock_path = service.root_dir() / edition.key / ".open-letter-en.txt.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # "another process is rendering it"
        thread, result = get_within(letter_only, "letter-en.txt", 2)
        assert not thread.is_alive(), "the download waited for the other render"
        fcntl.flock(lock, fcntl.LOCK_UN)
    thread.join(10)
    served = result["stored"]
    assert served.edition == old.edition and not served.current
    fresh = service.rendered("letter-en.txt")
    assert fresh.edition == edition.key and fresh.current and fresh.sha256 != old.sha256


def test_with_nothing_on_disk_a_download_waits_for_the_render(letter_only):
    app = letter_only
    edition = service.current_edition()
    lock_path = service.root_dir() / edition.key / ".open-letter-en.md.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    result = {}

    def download():
        with app.app_context():
            result["stored"] = service.rendered("letter-en.md", edition)

    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        waiter = threading.Thread(target=download)
        waiter.start()
        time.sleep(0.3)
        assert waiter.is_alive()  # nothing to serve meanwhile: it waits
        fcntl.flock(lock, fcntl.LOCK_UN)
    waiter.join(10)
    assert result["stored"].current and result["stored"].path.is_file()


def test_share_image_is_a_png_per_language(client, letter_only, monkeypatch):
    monkeypatch.setattr(stats, "figures", fake_figures(65_312))
    for url in ("/it/stampa/condividi.png", "/en/press/share.png"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "image/png"
        image = Image.open(io.BytesIO(response.data))
        assert image.size == service.SHARE_SIZE
        assert image.text["Comment"].startswith("statement version 1, edition v1-s65300-")
        assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.get("/it/stampa/condividi.png").data != client.get("/en/press/share.png").data


def test_unknown_document_is_404(client, letter_only):
    assert client.get("/it/stampa/letter.pdf").status_code == 404  # the English slug
    assert client.get("/en/press/nothing.pdf").status_code == 404


def test_page_lists_cheap_documents_and_hides_missing_ones(client, letter_only):
    page = client.get("/en/press").get_data(as_text=True)
    assert "Generated on first download." in page
    txt = client.get("/en/press/letter.txt")
    page = client.get("/en/press").get_data(as_text=True)
    assert hashlib.sha256(txt.data).hexdigest() in page
    assert re.search(r"Plain text \(UTF-8\), \d+\.\d kB", page)


@pytest.mark.parametrize("config_overrides", [{"PRESS_CONTACT": "stampa@caraumanita.example"}])
def test_press_contact_shown_when_set(client, letter_only, config_overrides):
    page = client.get("/it/stampa").get_data(as_text=True)
    assert "Contatto per la stampa" in page
    assert 'href="mailto:stampa@caraumanita.example"' in page


def test_documents_carry_no_email_address(kit):
    for key in ("txt-it", "md-en", "csv"):
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", kit.responses[key].get_data(as_text=True))
    for key in PDFS:
        assert not re.search(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", kit.texts[key])


@pytest.fixture
def fake_pdfs(monkeypatch):
    """Cheap stand-ins for the PDF renderers, for tests about when documents are rendered."""
    calls = []

    def fake(doc, edition, generated, site=""):
        calls.append(doc.id)
        return f"%PDF-fake {doc.id} {edition.key}".encode()

    monkeypatch.setitem(service.RENDERERS, "letter-pdf", fake)
    monkeypatch.setitem(service.RENDERERS, "annex-pdf", fake)
    return calls


@pytest.mark.parametrize("config_overrides", [{"PRESS_RENDER_SECONDS": 60}])
def test_the_mail_sender_renders_missing_documents_not_the_page(client, letter_only, fake_pdfs,
                                                                config_overrides):
    import threading

    from app.worker import render_press_if_due

    client.sender = False  # the sender's round by hand, below
    threads = threading.active_count()
    page = client.get("/en/press").get_data(as_text=True)
    assert "Generated on first download." in page  # the page neither waited nor rendered
    assert threading.active_count() == threads and fake_pdfs == []  # nor started a thread
    assert render_press_if_due() == len(service.DOCS)
    assert render_press_if_due() == 0  # due at most once a minute
    page = client.get("/en/press").get_data(as_text=True)
    assert "Generated on first download." not in page
    for doc_id in service.LISTED:
        assert service.on_disk(doc_id).current
        assert service.on_disk(doc_id).sha256 in page
    assert sorted(fake_pdfs) == sorted(["letter-it.pdf", "letter-en.pdf", "letter-it-en.pdf",
                                        "registry-it.pdf", "registry-en.pdf"])


def test_cli_renders_every_document_once(runner, letter_only, fake_pdfs):
    result = runner.invoke(args=["press-render"])
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == len(service.DOCS)
    runner.invoke(args=["press-render"])
    assert len(fake_pdfs) == 5  # the second run found them all on disk


def test_press_kit_download_does_not_wait_for_a_part_another_request_renders(letter_only, fake_pdfs,
                                                                             monkeypatch):
    monkeypatch.setattr(stats, "figures", fake_figures(100))
    old_kit = service.rendered("press-kit.zip")
    monkeypatch.setattr(stats, "figures", fake_figures(200))
    edition = service.current_edition()
    lock_path = service.root_dir() / edition.key / ".open-letter-en.txt.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another request is rendering a part of the new kit
        thread, result = get_within(letter_only, "press-kit.zip", 3)
        assert not thread.is_alive(), "the kit download waited for the other render"
        fcntl.flock(lock, fcntl.LOCK_UN)
    thread.join(10)
    served = result["stored"]
    assert served.edition == old_kit.edition and not served.current
    new_kit = service.rendered("press-kit.zip")
    assert new_kit.current and new_kit.edition == edition.key
    readme = zipfile.ZipFile(new_kit.path).read("README.txt").decode()
    assert "firme confermate: 200" in readme


def test_document_before_the_letter_is_loaded_is_503(client, app):
    service.clear_cache()
    assert client.get("/en/press/letter.txt").status_code == 503
    assert client.get("/en/press").status_code == 503
