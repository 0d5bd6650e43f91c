"""Updates from the coalition: written in Markdown in both languages, published only complete."""
from dataclasses import dataclass
from datetime import datetime

from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import select

from app.admin.service import audit
from app.extensions import db
from app.models import Update
from app.models.base import utcnow

# No raw HTML (it is escaped), no autolinks; links are plain Markdown links, and the renderer
# refuses javascript:, vbscript:, file: and data: addresses by itself.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


class Incomplete(ValueError):
    """An update cannot be published before both languages have a title and a text."""


@dataclass(frozen=True)
class UpdateView:
    """One update as a page shows it, in one language."""

    id: int
    lang: str
    title: str
    html: Markup
    published_at: datetime
    updated_at: datetime


def render_markdown(source: str) -> Markup:
    """Markdown to safe HTML: raw HTML in the source comes out as text."""
    return Markup(_md.render(source or ""))


def view(update: Update, lang: str) -> UpdateView:
    """`update` in `lang`, rendered."""
    return UpdateView(update.id, lang, update.title(lang), render_markdown(update.body(lang)),
                      update.published_at or update.updated_at,
                      max(update.updated_at, update.published_at or update.updated_at))


def published(limit: int | None = None) -> list[Update]:
    """Published updates, newest first."""
    query = (select(Update).where(Update.published_at.is_not(None))
             .order_by(Update.published_at.desc(), Update.id.desc()))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def published_one(update_id: int) -> Update | None:
    """A published update by id, else None."""
    update = db.session.get(Update, update_id)
    return update if update is not None and update.published_at is not None else None


def latest(lang: str) -> UpdateView | None:
    """The newest published update in `lang`, for the home and letter pages."""
    rows = published(1)
    return view(rows[0], lang) if rows else None


def all_updates() -> list[Update]:
    """Every update, drafts first, then newest first (back office)."""
    return list(db.session.scalars(
        select(Update).order_by(Update.published_at.is_not(None), Update.published_at.desc(),
                                Update.id.desc())))


FIELDS = ("title_it", "title_en", "body_it", "body_en")


def save(update: Update | None, values: dict, actor: str) -> Update:
    """Create or edit an update from `values` (the four texts), recorded in the audit log (the
    caller commits). A published update stays published only while both languages are
    complete: Incomplete otherwise, with nothing changed."""
    texts = {k: values.get(k, "") for k in FIELDS}
    # Refused before anything changes (a draft that is not in the session, for the check).
    if update is not None and update.published_at is not None and not Update(**texts).complete():
        raise Incomplete(update.id)
    before = None if update is None else {k: getattr(update, k) for k in FIELDS}
    if update is None:
        update = Update(**texts)
        db.session.add(update)
    else:
        for key in FIELDS:
            setattr(update, key, texts[key])
    update.updated_at = utcnow()
    db.session.flush()
    audit("update.save", "update", update.id, before=before,
          after={k: getattr(update, k) for k in FIELDS}, actor=actor)
    return update


def publish(update: Update, actor: str) -> None:
    """Publish `update` now; Incomplete unless both languages have a title and a text."""
    if not update.complete():
        raise Incomplete(update.id)
    if update.published_at is None:
        update.published_at = utcnow()
        audit("update.publish", "update", update.id, after={"published_at": update.published_at},
              actor=actor)


def unpublish(update: Update, actor: str) -> None:
    """Take `update` off the public pages (it stays in the back office)."""
    if update.published_at is not None:
        audit("update.unpublish", "update", update.id, before={"published_at": update.published_at},
              actor=actor)
        update.published_at = None
