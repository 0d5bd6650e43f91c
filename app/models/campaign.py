"""The campaign after the letter: updates from the coalition (and, in later steps, endorsements,
the demand's timeline, mailings to supporters and the hand-over document)."""
from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import UTCDateTime, utcnow


class Update(db.Model):
    """News from the coalition, written in Markdown in both languages. Published only when both
    languages have a title and a text: the database refuses anything else."""

    __tablename__ = "campaign_update"
    __table_args__ = (
        CheckConstraint(
            "published_at IS NULL OR (title_it <> '' AND title_en <> '' AND body_it <> '' AND body_en <> '')",
            name="published_in_both_languages"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_it: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    body_it: Mapped[str] = mapped_column(Text, default="")  # Markdown, no raw HTML
    body_en: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def title(self, lang: str) -> str:
        """The title in `lang`."""
        return self.title_it if lang == "it" else self.title_en

    def body(self, lang: str) -> str:
        """The Markdown text in `lang`."""
        return self.body_it if lang == "it" else self.body_en

    def complete(self) -> bool:
        """True when both languages have a title and a text (it may then be published)."""
        return all((self.title_it.strip(), self.title_en.strip(), self.body_it.strip(), self.body_en.strip()))
