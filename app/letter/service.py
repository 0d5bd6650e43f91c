"""The letter: loading it from content/ into the database, and rendering it for the page."""
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import render_template
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import func, select

from app.extensions import cached, db, forget
from app.models import Group, LetterVersion

CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
# No raw HTML, no autolinks: the hijackers' address in the letter stays plain text.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


@dataclass(frozen=True)
class Letter:
    """A rendered letter: the text, the first signatories, its version."""

    lang: str
    version: int
    title: str
    body_md: str
    text_html: Markup  # the letter itself
    signatories_heading: str
    signatories: str  # as written: one paragraph, names separated by commas
    opening_html: Markup  # the first paragraphs, for the home page
    updated_at: object


def parse_markdown_file(path: Path) -> tuple[dict[str, str], str]:
    """Split a content file into its front matter (key: value lines) and its Markdown body."""
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    if text.startswith("---\n"):
        head, _, text = text[4:].partition("\n---\n")
        for line in head.splitlines():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
    return meta, text.strip() + "\n"


def load_letters() -> list[str]:
    """Store each content/letter.<lang>.md as a new version when its text changed.
    Returns what changed, e.g. ["it v1"]; running it again returns []."""
    changed = []
    for path in sorted(CONTENT_DIR.glob("letter.*.md")):
        meta, body = parse_markdown_file(path)
        lang = meta.get("lang") or path.suffixes[0].lstrip(".")
        digest = hashlib.sha256(body.encode()).hexdigest()
        latest = _latest(lang)
        if latest is not None and latest.sha256 == digest and latest.title == meta.get("title"):
            continue
        version = (latest.version + 1) if latest else 1
        db.session.add(LetterVersion(lang=lang, version=version, title=meta.get("title", ""),
                                     body_md=body, sha256=digest))
        changed.append(f"{lang} v{version}")
    db.session.commit()
    clear_cache()
    return changed


def _latest(lang: str) -> LetterVersion | None:
    return db.session.scalar(
        select(LetterVersion).where(LetterVersion.lang == lang)
        .order_by(LetterVersion.version.desc()).limit(1)
    )


def statement_version() -> int:
    """One number for the statement as a whole, counting from 1: the first Italian and English
    texts are version 1, and any new text of either raises it by one (0: nothing loaded)."""
    latest = list(db.session.scalars(select(func.max(LetterVersion.version)).group_by(LetterVersion.lang)))
    return sum(latest) - len(latest) + 1 if latest else 0


def current_letter(lang: str) -> Letter | None:
    """The latest version of the letter in `lang`, rendered (kept in the shared cache; loading a
    new version forgets it)."""

    def compute():
        row = _latest(lang)
        return render(row) if row is not None else None

    return cached(f"letter:{lang}", compute)


def clear_cache() -> None:
    """Forget the rendered letters (after loading a new version)."""
    from flask import current_app

    forget(*(f"letter:{lang}" for lang in current_app.config["LANGUAGES"]))


def render(row: LetterVersion) -> Letter:
    """Split the Markdown at its "## …" heading (the signatories) and render both parts."""
    text, _, rest = row.body_md.partition("\n## ")
    heading, _, signatories = rest.partition("\n")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    opening = "\n\n".join(paragraphs[:2] if row.lang == "it" else paragraphs[:4])
    return Letter(
        lang=row.lang, version=row.version, title=row.title, body_md=row.body_md,
        text_html=Markup(_md.render(text)), signatories_heading=heading.strip(),
        signatories=signatories.strip(), opening_html=Markup(_md.render(opening)),
        updated_at=row.created_at,
    )


def groups_2014_html(lang: str) -> Markup:
    """The partial list of stolen groups that the authors published under the letter, each
    linking to its registry page. Rendered for each request: its links are built for it."""
    from app.registry.service import SOURCE_2014

    groups = db.session.execute(
        select(Group.name, Group.slug)
        .where(Group.source == SOURCE_2014, Group.published.is_(True)).order_by(Group.id)
    ).all()
    return Markup(render_template("letter/_groups_2014.html", groups=groups))
