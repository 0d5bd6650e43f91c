"""The press room's catalogue: which documents there are, their file names and addresses, and
the *edition* (statement version, signatures to the hundred, published groups) they belong to."""
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import stats
from app.extensions import cached, db, forget
from app.letter.service import statement_version
from app.models import Group

TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "press"
ROUND_TO = 100  # signatures: a new edition every hundred
KEEP_EDITIONS = 3  # older editions are deleted from disk
SHARE_SIZE = (1200, 630)  # OpenGraph's recommended image size

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
    # For a document in both languages or none: its download name per page language, when it
    # is not `filename` (the kit and the disk use `filename`).
    localized: tuple[tuple[str, str], ...] = ()

    def download_name(self, lang: str) -> str:
        """The file name a download from a page in `lang` gets."""
        return dict(self.localized).get(lang, self.filename)


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
        _l("The registry of hijacked groups"), _l("CSV (spreadsheet)"),
        localized=(("it", "registro-gruppi.csv"),)),
    Doc("factsheet-it.pdf", "facts-pdf", "it", "scheda-dati-it.pdf", "application/pdf",
        _l("Fact sheet: the 2014 figures and the registry’s, with their sources"), "PDF"),
    Doc("factsheet-en.pdf", "facts-pdf", "en", "fact-sheet-en.pdf", "application/pdf",
        _l("Fact sheet: the 2014 figures and the registry’s, with their sources"), "PDF"),
    Doc("logo.svg", "logo-svg", None, "logo-cara-umanita.svg", "image/svg+xml",
        _l("Logo"), "SVG"),
    Doc("logo.png", "logo-png", None, "logo-cara-umanita.png", "image/png",
        _l("Logo"), "PNG"),
    Doc("press-kit.zip", "zip", None, "press-kit-cara-umanita.zip", "application/zip",
        _l("Press kit: all of the above, with a README"), "ZIP", in_kit=False),
    Doc("share-it.png", "png", "it", "share-card-it.png", "image/png",
        _l("Share card for social networks"), "PNG"),
    Doc("share-en.png", "png", "en", "share-card-en.png", "image/png",
        _l("Share card for social networks"), "PNG"),
)}

# Stable, readable addresses: /it/stampa/<slug> and /en/press/<slug>. Written down in
# docs/press.md; press and partners link to them, so never rename one.
SLUGS: dict[str, dict[str, str]] = {
    "it": {"lettera.pdf": "letter-it.pdf", "lettera.txt": "letter-it.txt",
           "lettera.md": "letter-it.md", "lettera-it-en.pdf": "letter-it-en.pdf",
           "registro.pdf": "registry-it.pdf", "registro.csv": "registry.csv",
           "cartella-stampa.zip": "press-kit.zip", "condividi.png": "share-it.png",
           "scheda.pdf": "factsheet-it.pdf", "logo.svg": "logo.svg", "logo.png": "logo.png"},
    "en": {"letter.pdf": "letter-en.pdf", "letter.txt": "letter-en.txt",
           "letter.md": "letter-en.md", "letter-it-en.pdf": "letter-it-en.pdf",
           "registry.pdf": "registry-en.pdf", "registry.csv": "registry.csv",
           "press-kit.zip": "press-kit.zip", "share.png": "share-en.png",
           "fact-sheet.pdf": "factsheet-en.pdf", "logo.svg": "logo.svg", "logo.png": "logo.png"},
}
# The page lists these, in this order.
LISTED = ("factsheet-it.pdf", "factsheet-en.pdf", "letter-it.pdf", "letter-en.pdf",
          "letter-it-en.pdf", "registry-it.pdf", "registry-en.pdf", "letter-it.txt", "letter-en.txt",
          "letter-it.md", "letter-en.md", "registry.csv", "logo.svg", "logo.png", "share-it.png",
          "share-en.png", "press-kit.zip")


def url_of(doc_id: str, page_lang: str, external: bool = False) -> str:
    """The address of a document: under its own language, or the page's for bilingual ones."""
    doc = DOCS[doc_id]
    lang = doc.lang or page_lang
    slug = next(s for s, d in SLUGS[lang].items() if d == doc_id)
    return url_for("press.document", slug=slug, lang_code=lang, _external=external)


@dataclass(frozen=True)
class Edition:
    """What the documents are made of: a key, the statement version and the figures."""

    key: str
    version: int
    figures: stats.Figures


EDITION_KEY = "press:edition"


def state() -> dict:
    """This app's press bookkeeping in this process: the files' digests, by path, time and size
    (kept in app.extensions, not in module globals, so two apps in one process never share them)."""
    return current_app.extensions.setdefault("press", {"digests": {}})


def current_edition() -> Edition:
    """The edition of the current content, kept in the shared cache with the figures' lifetime
    (CACHE_DEFAULT_TIMEOUT), so a cached download costs no query and every instance agrees."""
    return cached(EDITION_KEY, _compute_edition)


def _compute_edition() -> Edition:
    figures = stats.figures()
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
    return Edition(key=key, version=version, figures=figures)


def clear_cache() -> None:
    """Forget the kept edition and file digests (tests; after content changes)."""
    forget(EDITION_KEY)
    state()["digests"].clear()


def _aware(moment: datetime) -> datetime:
    """A timestamp from an aggregate query, timezone-aware."""
    # SQLite returns aggregate timestamps as naive values (or even strings): treat them as UTC.
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

