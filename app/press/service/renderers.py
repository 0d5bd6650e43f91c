"""Rendering the press documents: the letter as PDF (one language or both), text and Markdown,
the registry annex PDF and CSV, the press kit ZIP. Every renderer takes (doc, edition,
generated, site) and returns the file's bytes; `site` is the address to fall back on when
SITE_URL is empty (see `site_url`)."""
import io
import logging
import zipfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import force_locale, format_decimal, gettext as _, ngettext
from markdown_it import MarkdownIt
from sqlalchemy import func, select

from app.extensions import db
from app.formats import babel_locale, day, when
from app.letter.facts import FACTS_2014, LETTER_DATE
from app.letter.service import current_letter
from app.models import Crew, Group, GroupStatus
from app.models.registry import CREW_LABELS, STATUS_LABELS
from app.press.service import pictures
from app.press.service.catalogue import DOCS, TEMPLATES, Doc, Edition

# WeasyPrint logs every rendering step at INFO: keep the app's log for what matters.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)



def site_url(fallback: str = "") -> str:
    """The site's address for documents: SITE_URL, else `fallback` (the host of the request a
    render runs in, which the press view passes: only a local run has no SITE_URL), else
    http://localhost. Set SITE_URL in production: documents are shared by everyone, so they must
    not carry a visitor's Host."""
    return (current_app.config.get("SITE_URL") or fallback or "http://localhost").rstrip("/")


@contextmanager
def site_context(fallback: str = ""):
    """A request context on the site's address (`site_url(fallback)`), so url_for(_external=True)
    and Babel work the same whether a render runs in a request, the mail sender or the CLI."""
    with current_app.test_request_context("/", base_url=site_url(fallback)):
        yield


@contextmanager
def in_lang(lang: str):
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
        # The letter's own date beside the edition's, and the 2014 figures beside the registry's.
        "letter_date": day(LETTER_DATE),
        "of_letter_date": day(LETTER_DATE, "del"),  # "del 15 settembre 2014" / "15 September 2014"
        "facts_2014": {k: format_decimal(v) for k, v in FACTS_2014.items()},
        # Never "0 confirmed signatures": a journalist would print it.
        "signatures_text": ngettext("%(count)s confirmed signature", "%(count)s confirmed signatures",
                                    f.signatures, count=format_decimal(f.signatures))
        if f.signatures else _("no confirmed signatures yet"),
    }


class NotReady(RuntimeError):
    """The letter is not in the database yet (`flask --app wsgi seed`)."""


def _letter(lang: str):
    """The current letter in `lang`, or NotReady."""
    letter = current_letter(lang)
    if letter is None:
        raise NotReady("The letter is not loaded: run `flask --app wsgi seed`.")
    return letter


def now() -> datetime:
    """Now, in UTC, to the second (as documents state it)."""
    return datetime.now(UTC).replace(microsecond=0)


def html_to_pdf(html: str) -> bytes:
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


def _render_letter_pdf(doc: Doc, edition: Edition, generated: datetime, site: str = "") -> bytes:
    """The letter in one language, or both (Italian first), with the figures "as of"."""
    langs = [doc.lang] if doc.lang else ["it", "en"]
    with site_context(site):
        sections = []
        for lang in langs:
            with in_lang(lang):
                sections.append(render_template(
                    "press/print/letter_section.html", letter=_letter(lang),
                    **_context(edition, lang, generated)))
        with in_lang(langs[0]):
            letters = [_letter(lang) for lang in langs]
            title = " / ".join(letter.title for letter in letters)
            html = render_template("press/print/document.html", title=title, lang=langs[0],
                                   sections=sections, **_context(edition, langs[0], generated))
    return html_to_pdf(html)


def status_label(value: str) -> str:
    """A group's status, in the current language, worded as on the registry's pages."""
    return str(STATUS_LABELS.get(GroupStatus(value), value))


def crew_label(value: str) -> str:
    """Who hijacked a group, in the current language, worded as on the registry's pages."""
    return str(CREW_LABELS.get(Crew(value), value))


def published_groups() -> list[Group]:
    """Every published group, by name (as folded for search, so case and accents don't matter)."""
    return list(db.session.scalars(
        select(Group).where(Group.published.is_(True)).order_by(Group.name_folded, Group.id)))


def _render_annex_pdf(doc: Doc, edition: Edition, generated: datetime, site: str = "") -> bytes:
    """The registry annex: every published group in a table."""
    with site_context(site), in_lang(doc.lang):
        html = render_template(
            "press/print/annex.html", lang=doc.lang, groups=published_groups(),
            status_label=status_label, crew_label=crew_label,
            **_context(edition, doc.lang, generated))
    return html_to_pdf(html)


def _render_facts_pdf(doc: Doc, edition: Edition, generated: datetime, site: str = "") -> bytes:
    """The fact sheet: the 2014 figures and the registry's side by side, each with its source."""
    with site_context(site), in_lang(doc.lang):
        html = render_template("press/print/factsheet.html", lang=doc.lang,
                               from_letter=groups_from_letter(), **_context(edition, doc.lang, generated))
    return html_to_pdf(html)


def groups_from_letter() -> int:
    """How many published groups come from the 2014 letter's list (the rest are reports)."""
    from app.registry.service import SOURCE_2014

    return db.session.scalar(select(func.count(Group.id)).where(
        Group.published.is_(True), Group.source == SOURCE_2014)) or 0


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


def _render_text(doc: Doc, edition: Edition, generated: datetime, site: str = "") -> bytes:
    """The letter as plain text (UTF-8) or Markdown, with a header saying what it is."""
    with site_context(site), in_lang(doc.lang):
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


def _render_csv(doc: Doc, edition: Edition, generated: datetime, site: str = "") -> bytes:
    """The registry as CSV (UTF-8), byte for byte what /api/v1/groups.csv serves."""
    return registry_csv().encode("utf-8")


def render_zip(doc: Doc, edition: Edition, generated: datetime, wait: bool = True, site: str = "") -> bytes:
    """The press kit: every document of this edition and a README with figures and SHA-256s."""
    from app.press.service.store import rendered  # store renders through this module

    members = [rendered(d.id, edition, allow_previous=False, wait=wait, site=site)
               for d in DOCS.values() if d.in_kit]
    with site_context(site):
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
    with in_lang(lang):
        return {**_context(edition, lang, generated), "title": _letter(lang).title}


RENDERERS = {"letter-pdf": _render_letter_pdf, "annex-pdf": _render_annex_pdf,
             "facts-pdf": _render_facts_pdf, "txt": _render_text, "md": _render_text,
             "csv": _render_csv, "zip": render_zip, "png": pictures.render_share,
             "logo-svg": pictures.logo_svg, "logo-png": pictures.render_logo}
# (the ZIP is rendered by store.rendered() itself: it may skip a busy part)
