"""Registry logic shared by the views and the CLI."""
import csv
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Crew, Group, GroupStatus
from app.models.base import utcnow
from app.text import fold, slugify

GROUPS_CSV = Path(__file__).resolve().parents[2] / "content" / "groups-2014.csv"
SOURCE_2014 = "letter-2014"
# Crews as the 2014 list writes them.
CREWS_2014 = {"shitstorm / nameless": Crew.shitstorm_nameless, "shitstorm": Crew.shitstorm,
              "nameless": Crew.nameless, "shitarmy": Crew.shitarmy}


def unique_slug(name: str) -> str:
    """A readable slug for `name` that no other group has ("name", "name-2", …)."""
    base = slugify(name)
    taken = set(db.session.scalars(select(Group.slug).where(Group.slug.like(f"{base}%"))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _int_or_none(value: str) -> int | None:
    return int(value) if value.strip() else None


def seed_groups(path: Path = GROUPS_CSV) -> int:
    """Load the groups of the 2014 list as published entries; a group already there (same
    folded name, from the same source) is left alone. Returns how many were added."""
    existing = set(db.session.scalars(select(Group.name_folded).where(Group.source == SOURCE_2014)))
    added = 0
    now = utcnow()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            folded = fold(row["name"])
            if folded in existing:
                continue
            db.session.add(Group(
                slug=unique_slug(row["name"]), name=row["name"], name_folded=folded,
                status=GroupStatus(row["status"]),
                crew=CREWS_2014.get(row["hijacked_by"].strip().casefold(), Crew.unknown),
                hijacked_on=row["hijacked_on"] or None,
                members_at_hijack=_int_or_none(row["members_at_hijack"]),
                members_after=_int_or_none(row["members_after"]),
                account_it=row["notes_it"], account_en=row["notes_en"],
                source=SOURCE_2014, published=True, published_at=now,
            ))
            db.session.flush()
            existing.add(folded)
            added += 1
    db.session.commit()
    return added
