"""The press room's documents: the letter as PDF, text and Markdown, the registry as a PDF annex
and as CSV, the press kit ZIP and the share images.

Documents belong to an *edition*: a key made of the statement version, the signature count
rounded down to the hundred, and the number of published groups with the time of the latest
change among them. Each document is rendered once per edition, kept on disk under
DOCUMENTS_DIR/press/<edition>/, and served from there. A download never waits for a render that
another request (thread or process) is doing: a lock file per document says who renders it, and
while it is held the previous edition's file is served; only when there is none at all do we wait.
"""
import fcntl
import hashlib
import io
import logging
import os
import shutil
import tempfile
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, has_request_context, render_template, request, url_for
from flask_babel import force_locale, format_decimal, gettext as _, lazy_gettext as _l, ngettext
from markdown_it import MarkdownIt
from sqlalchemy import func, select

from app import stats
from app.extensions import db
from app.formats import babel_locale, when
from app.letter.service import current_letter, statement_version
from app.models import Crew, Group, GroupStatus

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "press"
ROUND_TO = 100  # signatures: a new edition every hundred
KEEP_EDITIONS = 3  # older editions are deleted from disk
SHARE_SIZE = (1200, 630)  # OpenGraph's recommended image size
# WeasyPrint logs every rendering step at INFO: keep the app's log for what matters.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Doc:
    """One downloadable document: its id, language (None: both or neither), kind and file name."""

    id: str
    kind: str  # letter-pdf, annex-pdf, txt, md, csv, zip, png
    lang: str | None
    filename: str
    mimetype: str
    label: object  # lazy, translated title for the page
    fmt: str  # format as shown to people
    in_kit: bool = True


DOCS: dict[str, Doc] = {d.id: d for d in (
    Doc("letter-it.pdf", "letter-pdf", "it", "lettera-aperta-it.pdf", "application/pdf",
        _l("The open letter"), "PDF"),
    Doc("letter-en.pdf", "letter-pdf", "en", "open-letter-en.pdf", "application/pdf",
        _l("The open letter"), "PDF"),
    Doc("letter-it-en.pdf", "letter-pdf", None, "lettera-aperta-open-letter-it-en.pdf",
        "application/pdf", _l("The open letter, Italian and English"), "PDF"),
    Doc("registry-it.pdf", "annex-pdf", "it", "registro-gruppi-it.pdf", "application/pdf",
        _l("Registry annex: every published group"), "PDF"),
    Doc("registry-en.pdf", "annex-pdf", "en", "registry-groups-en.pdf", "application/pdf",
        _l("Registry annex: every published group"), "PDF"),
    Doc("letter-it.txt", "txt", "it", "lettera-aperta-it.txt", "text/plain",
        _l("The open letter"), _l("Plain text (UTF-8)")),
    Doc("letter-en.txt", "txt", "en", "open-letter-en.txt", "text/plain",
        _l("The open letter"), _l("Plain text (UTF-8)")),
    Doc("letter-it.md", "md", "it", "lettera-aperta-it.md", "text/markdown",
        _l("The open letter"), "Markdown"),
    Doc("letter-en.md", "md", "en", "open-letter-en.md", "text/markdown",
        _l("The open letter"), "Markdown"),
    Doc("registry.csv", "csv", None, "registry-groups.csv", "text/csv",
        _l("The registry of hijacked groups"), _l("CSV (spreadsheet)")),
    Doc("press-kit.zip", "zip", None, "press-kit-cara-umanita.zip", "application/zip",
        _l("Press kit: all of the above, with a README"), "ZIP", in_kit=False),
    Doc("share-it.png", "png", "it", "share-it.png", "image/png", "", "PNG", in_kit=False),
    Doc("share-en.png", "png", "en", "share-en.png", "image/png", "", "PNG", in_kit=False),
)}

# Stable, readable addresses: /it/stampa/<slug> and /en/press/<slug>. Written down in
# docs/press.md; press and partners link to them, so never rename one.
SLUGS: dict[str, dict[str, str]] = {
    "it": {"lettera.pdf": "letter-it.pdf", "lettera.txt": "letter-it.txt",
           "lettera.md": "letter-it.md", "lettera-it-en.pdf": "letter-it-en.pdf",
           "registro.pdf": "registry-it.pdf", "registro.csv": "registry.csv",
           "cartella-stampa.zip": "press-kit.zip", "condividi.png": "share-it.png"},
    "en": {"letter.pdf": "letter-en.pdf", "letter.txt": "letter-en.txt",
           "letter.md": "letter-en.md", "letter-it-en.pdf": "letter-it-en.pdf",
           "registry.pdf": "registry-en.pdf", "registry.csv": "registry.csv",
           "press-kit.zip": "press-kit.zip", "share.png": "share-en.png"},
}
# The page lists these, in this order (the share images are for social networks only).
LISTED = ("letter-it.pdf", "letter-en.pdf", "letter-it-en.pdf", "registry-it.pdf",
          "registry-en.pdf", "letter-it.txt", "letter-en.txt", "letter-it.md", "letter-en.md",
          "registry.csv", "press-kit.zip")


def url_of(doc_id: str, page_lang: str, external: bool = False) -> str:
    """The address of a document: under its own language, or the page's for bilingual ones."""
    doc = DOCS[doc_id]
    lang = doc.lang or page_lang
    slug = next(s for s, d in SLUGS[lang].items() if d == doc_id)
    return url_for("press.document", slug=slug, lang_code=lang, _external=external)


# ---------------------------------------------------------------------------------------------
# Editions
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Edition:
    """What the documents are made of: a key, the statement version and the figures."""

    key: str
    version: int
    figures: stats.Figures


_edition_cache: dict[str, tuple[object, Edition]] = {}


def current_edition() -> Edition:
    """The edition of the current content. Recomputed only when app.stats recomputes its
    figures (same object: same edition), so a cached download costs no query."""
    figures = stats.figures()
    hit = _edition_cache.get("edition")
    if hit and hit[0] is figures:
        return hit[1]
    version = statement_version()
    latest_published, latest_updated = db.session.execute(
        select(func.max(Group.published_at), func.max(Group.updated_at))
        .where(Group.published.is_(True))
    ).one()
    stamps = [t for t in (latest_published, latest_updated) if t is not None]
    latest = max(_aware(t) for t in stamps) if stamps else None
    rounded = figures.signatures // ROUND_TO * ROUND_TO
    changed = latest.strftime("%Y%m%dT%H%M%S") if latest else "0"
    key = f"v{version}-s{rounded}-g{figures.groups}-{changed}"
    edition = Edition(key=key, version=version, figures=figures)
    _edition_cache["edition"] = (figures, edition)
    return edition


def clear_cache() -> None:
    """Forget the cached edition and file digests (tests; after content changes)."""
    _edition_cache.clear()
    _digests.clear()


def _aware(moment: datetime) -> datetime:
    """A timestamp from an aggregate query, timezone-aware."""
    # SQLite returns aggregate timestamps as naive values (or even strings): treat them as UTC.
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Documents on disk
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stored:
    """A document as it is on disk: where, how big, its SHA-256, when and for which edition."""

    doc: Doc
    path: Path
    size: int
    sha256: str
    modified: datetime
    edition: str
    current: bool  # of the current edition (False: a previous one, while the new one renders)


_digests: dict[tuple[str, int, int], str] = {}


def root_dir() -> Path:
    """Where the press documents live: DOCUMENTS_DIR/press."""
    return Path(current_app.config["DOCUMENTS_DIR"]) / "press"


def _path(edition_key: str, doc: Doc) -> Path:
    """Where `doc` of an edition is kept."""
    return root_dir() / edition_key / doc.filename


def describe(path: Path, doc: Doc, edition_key: str, current: bool) -> Stored:
    """Size, SHA-256 and time of a document file (the digest is cached per file version)."""
    st = path.stat()
    cache_key = (str(path), st.st_mtime_ns, st.st_size)
    digest = _digests.get(cache_key)
    if digest is None:
        digest = file_sha256(path)
        if len(_digests) > 1000:  # old editions' files: forget them all, recompute on demand
            _digests.clear()
        _digests[cache_key] = digest
    return Stored(doc, path, st.st_size, digest, datetime.fromtimestamp(st.st_mtime, UTC),
                  edition_key, current)


def human_size(size: int) -> str:
    """A file size for people, in the current locale: "532 byte", "48,3 kB", "1,2 MB"."""
    if size < 1000:
        return _("%(num)s bytes", num=format_decimal(size))
    if size < 1000 * 1000:
        return _("%(num)s kB", num=format_decimal(size / 1000, format="#,##0.0"))
    return _("%(num)s MB", num=format_decimal(size / 1000 / 1000, format="#,##0.0"))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _previous(doc: Doc, edition_key: str) -> Stored | None:
    """The newest copy of `doc` from another edition, if any is on disk."""
    root = root_dir()
    if not root.is_dir():
        return None
    candidates = []
    for folder in root.iterdir():
        path = folder / doc.filename
        if folder.name != edition_key and path.is_file():
            candidates.append((path.stat().st_mtime_ns, folder.name, path))
    if not candidates:
        return None
    _, key, path = max(candidates)
    return describe(path, doc, key, current=False)


def peek(doc_id: str, edition: Edition | None = None) -> Stored | None:
    """The document as it is on disk now, without rendering: this edition's, else the latest
    previous one, else None."""
    edition = edition or current_edition()
    doc = DOCS[doc_id]
    path = _path(edition.key, doc)
    if path.is_file():
        return describe(path, doc, edition.key, current=True)
    return _previous(doc, edition.key)


class Busy(Exception):
    """Another request is rendering a document that this render needs."""


def get(doc_id: str, edition: Edition | None = None, allow_previous: bool = True,
        wait: bool = True) -> Stored:
    """The document to serve: this edition's (rendering it if nobody else is), or, while another
    request renders it, the previous edition's; waits only when there is nothing on disk at all
    (or when `allow_previous` is False: the press kit needs this edition's files; with `wait`
    False it raises Busy instead of waiting)."""
    edition = edition or current_edition()
    doc = DOCS[doc_id]
    target = _path(edition.key, doc)
    if target.is_file():
        return describe(target, doc, edition.key, current=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f".{doc.filename}.lock"), "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            previous = _previous(doc, edition.key) if allow_previous else None
            if previous is not None:
                return previous
            if not wait:
                raise Busy(doc.id) from None
            fcntl.flock(lock, fcntl.LOCK_EX)  # nothing to serve: wait for the other render
        try:
            if not target.is_file():  # the other render may have finished meanwhile
                generated = _now()
                if doc.kind == "zip":
                    # A kit download serves the previous kit rather than wait for a document
                    # that another request is rendering; the first kit ever waits.
                    may_skip = allow_previous and _previous(doc, edition.key) is not None
                    data = _render_zip(doc, edition, generated, wait=not may_skip)
                else:
                    data = RENDERERS[doc.kind](doc, edition, generated)
                _write_atomic(target, data, generated)
                _prune(edition.key)
        except Busy:
            previous = _previous(doc, edition.key) if allow_previous else None
            if previous is None:
                raise
            return previous
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return describe(target, doc, edition.key, current=True)


def _write_atomic(target: Path, data: bytes, generated: datetime) -> None:
    """Write to a temporary file and rename, so a reader never sees half a document. The file's
    time is the generation time the document states (Last-Modified, and the page, show it)."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        stamp = generated.timestamp()
        os.utime(tmp, (stamp, stamp))
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _prune(current_key: str) -> None:
    """Delete all but the KEEP_EDITIONS newest editions (never the current one)."""
    folders = sorted((f for f in root_dir().iterdir() if f.is_dir()),
                     key=lambda f: f.stat().st_mtime_ns, reverse=True)
    for folder in folders[KEEP_EDITIONS:]:
        if folder.name != current_key:
            shutil.rmtree(folder, ignore_errors=True)


def render_all(edition: Edition | None = None) -> list[Stored]:
    """Render every document of the edition that is not on disk yet (CLI, background)."""
    edition = edition or current_edition()
    order = [d for d in DOCS if d != "press-kit.zip"] + ["press-kit.zip"]
    return [get(doc_id, edition, allow_previous=False) for doc_id in order]


_background: dict[str, threading.Thread] = {}


def render_in_background(edition: Edition) -> bool:
    """Start rendering the edition's missing documents in a thread, unless one already is.
    Returns True when a thread was started."""
    running = _background.get(edition.key)
    if running is not None and running.is_alive():
        return False
    app = current_app._get_current_object()
    site = site_url()

    def work():
        """Render the edition in this thread's own app context."""
        with app.app_context():
            try:
                with _site_context(site):
                    render_all(edition)
            except Exception:  # logged, and the next page view tries again
                app.logger.exception("press: rendering edition %s failed", edition.key)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"press-{edition.key}", daemon=True)
    for key in [k for k, t in _background.items() if not t.is_alive()]:
        del _background[key]
    _background[edition.key] = thread
    thread.start()
    return True


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

def site_url() -> str:
    """The site's address for documents: SITE_URL, else this request's host. Set SITE_URL in
    production: documents are shared by everyone, so they must not carry a visitor's Host."""
    configured = current_app.config.get("SITE_URL") or ""
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://localhost"


@contextmanager
def _site_context(base: str | None = None):
    """A request context on the site's address, so url_for(_external=True) and Babel work the
    same whether a render runs in a request, a background thread or the CLI."""
    with current_app.test_request_context("/", base_url=base or site_url()):
        yield


@contextmanager
def _in(lang: str):
    """Render in `lang`: its translations and number and date formats."""
    with force_locale(babel_locale(lang)):
        yield


def _context(edition: Edition, lang: str, generated: datetime) -> dict:
    """What every document says about itself and the figures, in `lang` (call inside _in)."""
    f = edition.figures
    return {
        "edition": edition, "figures": f, "generated": generated,
        # With their Italian article: "generato il 1º dicembre…", "dati all’8 dicembre…".
        "generated_text": when(generated, "il"),
        "as_of": when(f.updated_at, "al"),
        "n": {k: format_decimal(getattr(f, k)) for k in
              ("signatures", "admins", "groups", "members_affected", "groups_without_count")},
        "letter_url": url_for("letter.letter", lang_code=lang, _external=True),
        "press_url": url_for("press.index", lang_code=lang, _external=True),
        "registry_url": url_for("registry.index", lang_code=lang, _external=True),
    }


class NotReady(RuntimeError):
    """The letter is not in the database yet (`flask --app wsgi seed`)."""


def _letter(lang: str):
    """The current letter in `lang`, or NotReady."""
    letter = current_letter(lang)
    if letter is None:
        raise NotReady("The letter is not loaded: run `flask --app wsgi seed`.")
    return letter


def _now() -> datetime:
    """Now, in UTC, to the second (as documents state it)."""
    return datetime.now(UTC).replace(microsecond=0)


def _pdf(html: str) -> bytes:
    """HTML to a tagged PDF/UA-1, A4, with our own embedded fonts (never the machine's)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    static = Path(current_app.static_folder).resolve().as_uri() + "/"
    fonts = FontConfiguration()
    fetcher = _local_fetcher(static)
    css = CSS(filename=str(TEMPLATES / "print.css"), base_url=static, font_config=fonts,
              url_fetcher=fetcher)
    document = HTML(string=html, base_url=static, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[css], font_config=fonts, pdf_variant="pdf/ua-1",
                              custom_metadata=True)


def _local_fetcher(static: str):
    """A WeasyPrint URL fetcher that loads our own static files only (fonts): nothing that a
    document contains can make the server fetch anything from anywhere else."""
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        """WeasyPrint's fetcher, refusing anything outside static/."""

        def fetch(self, url, headers=None):
            """Fetch `url` if it is one of our static files."""
            if not url.startswith(static):
                raise ValueError(f"press documents load only local static files, not {url!r}")
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols=("file",))


def _render_letter_pdf(doc: Doc, edition: Edition, generated: datetime) -> bytes:
    """The letter in one language, or both (Italian first), with the figures "as of"."""
    langs = [doc.lang] if doc.lang else ["it", "en"]
    with _site_context():
        sections = []
        for lang in langs:
            with _in(lang):
                sections.append(render_template(
                    "press/print/letter_section.html", letter=_letter(lang),
                    **_context(edition, lang, generated)))
        with _in(langs[0]):
            letters = [_letter(lang) for lang in langs]
            title = " / ".join(letter.title for letter in letters)
            html = render_template("press/print/document.html", title=title, lang=langs[0],
                                   sections=sections, **_context(edition, langs[0], generated))
    return _pdf(html)


def status_label(value: str) -> str:
    """A group's status, in the current language, worded as on the registry's pages."""
    from app.registry.forms import STATUS_LABELS

    return str(STATUS_LABELS.get(GroupStatus(value), value))


def crew_label(value: str) -> str:
    """Who hijacked a group, in the current language, worded as on the registry's pages."""
    from app.registry.forms import CREW_LABELS

    return str(CREW_LABELS.get(Crew(value), value))


def published_groups() -> list[Group]:
    """Every published group, by name (as folded for search, so case and accents don't matter)."""
    return list(db.session.scalars(
        select(Group).where(Group.published.is_(True)).order_by(Group.name_folded, Group.id)))


def _render_annex_pdf(doc: Doc, edition: Edition, generated: datetime) -> bytes:
    """The registry annex: every published group in a table."""
    with _site_context(), _in(doc.lang):
        html = render_template(
            "press/print/annex.html", lang=doc.lang, groups=published_groups(),
            status_label=status_label, crew_label=crew_label,
            **_context(edition, doc.lang, generated))
    return _pdf(html)


_md = MarkdownIt("commonmark")


def markdown_to_text(source: str) -> str:
    """Plain text of Markdown: paragraphs separated by a blank line, headings underlined."""
    blocks = []
    tokens = _md.parse(source)
    for i, token in enumerate(tokens):
        if token.type != "inline":
            continue
        text = "".join(child.content if child.type in ("text", "code_inline") else
                       "\n" if child.type in ("softbreak", "hardbreak") else ""
                       for child in token.children or [])
        if i and tokens[i - 1].type == "heading_open":
            text = f"{text}\n{'-' * len(text)}"
        blocks.append(text)
    return "\n\n".join(blocks)


def _render_text(doc: Doc, edition: Edition, generated: datetime) -> bytes:
    """The letter as plain text (UTF-8) or Markdown, with a header saying what it is."""
    with _site_context(), _in(doc.lang):
        letter = _letter(doc.lang)
        template = "press/print/letter.md" if doc.kind == "md" else "press/print/letter.txt"
        body = letter.body_md.strip() if doc.kind == "md" else markdown_to_text(letter.body_md)
        text = render_template(template, letter=letter, body=body,
                               **_context(edition, doc.lang, generated))
    return text.strip().encode("utf-8") + b"\n"


def registry_csv() -> str:
    """The registry CSV, the same as /api/v1/groups.csv (built by the registry's own code)."""
    from app.registry.service import groups_csv, published_filter

    return groups_csv(published_filter())


def _render_csv(doc: Doc, edition: Edition, generated: datetime) -> bytes:
    """The registry as CSV (UTF-8), byte for byte what /api/v1/groups.csv serves."""
    return registry_csv().encode("utf-8")


def _render_zip(doc: Doc, edition: Edition, generated: datetime, wait: bool = True) -> bytes:
    """The press kit: every document of this edition and a README with figures and SHA-256s."""
    members = [get(d.id, edition, allow_previous=False, wait=wait)
               for d in DOCS.values() if d.in_kit]
    with _site_context():
        readme = render_template(
            "press/print/README.txt", files=members,
            it=_readme_part("it", edition, generated), en=_readme_part("en", edition, generated))
    buffer = io.BytesIO()
    stamp = generated.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as kit:
        kit.comment = (f"Cara Umanita / Dear Humanity press kit, statement version {edition.version}, "
                       f"generated {generated.isoformat()}, edition {edition.key}").encode("ascii")
        info = zipfile.ZipInfo("README.txt", date_time=stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        kit.writestr(info, readme.strip().encode("utf-8") + b"\n")
        for member in members:
            info = zipfile.ZipInfo(member.doc.filename, date_time=stamp)
            info.compress_type = (zipfile.ZIP_STORED if member.doc.kind.endswith("pdf")
                                  else zipfile.ZIP_DEFLATED)
            kit.writestr(info, member.path.read_bytes())
    return buffer.getvalue()


def _readme_part(lang: str, edition: Edition, generated: datetime) -> dict:
    """The README's figures and addresses in `lang`."""
    with _in(lang):
        return {**_context(edition, lang, generated), "title": _letter(lang).title}


def _render_share(doc: Doc, edition: Edition, generated: datetime) -> bytes:
    """The share image for social networks: the headline figures, live, in one language."""
    from PIL import Image, ImageDraw, ImageFont
    from PIL.PngImagePlugin import PngInfo

    fonts = Path(current_app.static_folder) / "fonts"
    bold = str(fonts / "DejaVuSans-Bold.ttf")
    regular = str(fonts / "DejaVuSans.ttf")
    width, height = SHARE_SIZE
    image = Image.new("RGB", SHARE_SIZE, "#1d3557")  # the site's colours
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, height), fill="#b3261e")
    with _site_context(), _in(doc.lang):
        f = edition.figures
        title = _("Dear Humanity")
        if f.signatures:
            big = format_decimal(f.signatures)
            line = ngettext("person has signed the open letter", "people have signed the open letter",
                            f.signatures)
            detail = _("%(groups)s groups · at least %(members)s members affected",
                       groups=format_decimal(f.groups), members=format_decimal(f.members_affected))
        else:
            big = format_decimal(f.groups)
            line = _("Facebook groups hijacked, in the public registry")
            detail = _("at least %(members)s members affected",
                       members=format_decimal(f.members_affected))
        as_of = _("As of %(date)s", date=when(f.updated_at, "al"))
        source = url_for("press.index", _external=True)
        address = source.split("://", 1)[-1]
    draw.text((80, 70), title, font=ImageFont.truetype(bold, 56), fill="#ffffff")
    size = 200
    while size > 60 and draw.textlength(big, font=ImageFont.truetype(bold, size)) > width - 160:
        size -= 10
    draw.text((80, 150), big, font=ImageFont.truetype(bold, size), fill="#ffbf47")
    draw.text((80, 390), line, font=_fit(draw, line, regular, 44, width - 160), fill="#ffffff")
    draw.text((80, 460), detail, font=_fit(draw, detail, regular, 32, width - 160), fill="#d8e1ea")
    draw.text((80, 550), f"{address} · {as_of}", font=_fit(draw, f"{address} · {as_of}",
                                                          regular, 26, width - 160), fill="#b8c4d0")
    meta = PngInfo()  # what the image is, for anyone who finds it shared without context
    meta.add_text("Title", title)
    meta.add_text("Source", source)
    meta.add_text("Creation Time", generated.isoformat())
    meta.add_text("Comment", f"statement version {edition.version}, edition {edition.key}")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True, pnginfo=meta)
    return out.getvalue()


def _fit(draw, text: str, font_path: str, size: int, max_width: int):
    """The largest font up to `size` at which `text` fits in `max_width`."""
    from PIL import ImageFont

    while True:
        font = ImageFont.truetype(font_path, size)
        if size <= 12 or draw.textlength(text, font=font) <= max_width:
            return font
        size -= 2


RENDERERS = {"letter-pdf": _render_letter_pdf, "annex-pdf": _render_annex_pdf,
             "txt": _render_text, "md": _render_text, "csv": _render_csv, "zip": _render_zip,
             "png": _render_share}  # the ZIP is rendered by get() itself (it may skip a busy part)
