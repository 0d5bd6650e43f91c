"""The public registry, shared by the views, the API, the press documents and the CLI: search,
figures, the CSV export and the seeding of the 2014 list.

The registry's other parts are modules of their own, imported from where they are defined:

- app/registry/moderation.py — for the back office (app/admin/): `moderation_queue()`,
  `publish_report(report, moderator_edits)`, `reject_report(report, reason, note)`,
  `merge_report(report, group, moderator_edits)`, `change_status(group, new_status, note)`,
  `ModerationError`, `DuplicateGroupError`. None of them commits.
- app/registry/reports.py — the public form: intake, confirmation, purge (`purge_reports`).
- app/registry/images.py — screenshots: re-encoding, `screenshot_file(screenshot)` → Path.
"""
import csv
import io
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.letter.facts import LETTER_DATE
from app.models import Crew, Group, GroupStatus, Report, ReportEvidence, Screenshot
from app.models.base import utcnow
from app.models.petition import Signature
from app.registry.moderation import unique_slug
from app.stats import counted
from app.text import FORMULA_START, fold

GROUPS_CSV = Path(__file__).resolve().parents[2] / "content" / "groups-2014.csv"
SOURCE_2014 = "letter-2014"
# The day the coalition published its open letter with the list (the news article's date):
# what the registry shows as the 2014 groups' date, not the day they were loaded.
LISTED_2014 = LETTER_DATE
# Crews as the 2014 list writes them.
CREWS_2014 = {"shitstorm / nameless": Crew.shitstorm_nameless, "shitstorm": Crew.shitstorm,
              "nameless": Crew.nameless, "shitarmy": Crew.shitarmy}


# ---------------------------------------------------------------------------------------------
# The public registry: search, figures, exports
# ---------------------------------------------------------------------------------------------

SORTS = {
    "name": lambda: (Group.name_folded, Group.id),
    "-date": lambda: (Group.hijacked_on.is_(None), Group.hijacked_on.desc(), Group.id),
    "date": lambda: (Group.hijacked_on.is_(None), Group.hijacked_on, Group.id),
    "-members": lambda: (Group.members_at_hijack.is_(None), Group.members_at_hijack.desc(), Group.id),
    "members": lambda: (Group.members_at_hijack.is_(None), Group.members_at_hijack, Group.id),
    "-added": lambda: (Group.published_at.desc(), Group.id.desc()),
}


def _like_escape(text: str) -> str:
    """`text` with LIKE's wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def published_filter(q: str = "", status: str = "", crew: str = "") -> list:
    """WHERE clauses for published groups matching a search (folded: case, accents and
    look-alikes ignored) and the status and crew filters (unknown values are ignored)."""
    clauses = [Group.published.is_(True)]
    folded = fold(q or "")
    if folded:
        for word in folded.split(" ")[:8]:
            clauses.append(Group.name_folded.like(f"%{_like_escape(word)}%", escape="\\"))
    if status in GroupStatus._value2member_map_:
        clauses.append(Group.status == GroupStatus(status))
    if crew in Crew._value2member_map_:
        clauses.append(Group.crew == Crew(crew))
    return clauses


def search_groups(q: str = "", status: str = "", crew: str = "", sort: str = "name",
                  page: int = 1, per_page: int = 25, total: int | None = None) -> tuple[list[Group], int]:
    """(groups on this page, total matching); pass `total` when already known (from `totals`)."""
    clauses = published_filter(q, status, crew)
    if total is None:
        total = db.session.scalar(select(func.count(Group.id)).where(*clauses))
    order = SORTS.get(sort, SORTS["name"])()
    rows = db.session.scalars(select(Group).where(*clauses).order_by(*order)
                              .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return list(rows), total


def totals(q: str = "", status: str = "", crew: str = "") -> dict:
    """Figures of the matching groups: how many, members affected, how many without a count."""
    clauses = published_filter(q, status, crew)
    groups, members, unknown = db.session.execute(select(
        func.count(Group.id), func.coalesce(func.sum(Group.members_at_hijack), 0),
        func.count(Group.id).filter(Group.members_at_hijack.is_(None)),
    ).where(*clauses)).one()
    return {"groups": groups, "members": int(members), "unknown": unknown}


def group_by_slug(slug: str) -> Group | None:
    """A published group by its slug."""
    return db.session.scalar(select(Group).where(Group.slug == slug, Group.published.is_(True)))


def group_by_id(group_id: int) -> Group | None:
    """A published group by its stable id (the API's)."""
    return db.session.scalar(select(Group).where(Group.id == group_id, Group.published.is_(True)))


def public_evidence(group: Group) -> tuple[list[ReportEvidence], list[Screenshot]]:
    """The evidence links and screenshots a moderator made public for this group."""
    links = db.session.scalars(
        select(ReportEvidence).join(Report).where(Report.group_id == group.id,
                                                  ReportEvidence.published.is_(True))
        .order_by(ReportEvidence.report_id, ReportEvidence.position)).all()
    shots = db.session.scalars(
        select(Screenshot).join(Report).where(Report.group_id == group.id, Screenshot.published.is_(True))
        .order_by(Screenshot.report_id, Screenshot.position)).all()
    return list(links), list(shots)


def public_screenshot(screenshot_id: int) -> Screenshot | None:
    """A screenshot that may be shown to anyone: published, of a published group."""
    return db.session.scalar(
        select(Screenshot).join(Report).join(Group, Report.group_id == Group.id)
        .where(Screenshot.id == screenshot_id, Screenshot.published.is_(True),
               Group.published.is_(True)))


def admin_signers(group: Group) -> int:
    """How many counted signers (app.stats.counted) say they were admins of this group."""
    return db.session.scalar(select(func.count(Signature.id)).where(
        Signature.group_id == group.id, Signature.is_admin.is_(True), counted())) or 0


def recent_published(limit: int = 50) -> list[Group]:
    """The most recently published groups, newest first (the Atom feed)."""
    return list(db.session.scalars(select(Group).where(Group.published.is_(True))
                                   .order_by(Group.published_at.desc(), Group.id.desc()).limit(limit)))


def parse_hijacked_on(value: str) -> date | None:
    """The first day of an ISO 'YYYY-MM' or 'YYYY-MM-DD', or None."""
    try:
        if len(value or "") == 7:
            return date.fromisoformat(value + "-01")
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


CSV_COLUMNS = Group.PUBLIC_FIELDS  # the API's fields, in its order


def csv_safe(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def groups_csv(clauses: list) -> str:
    """All matching published groups as CSV text (header row; formula-safe cells)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for group in db.session.scalars(select(Group).where(*clauses).order_by(Group.id)):
        row = group.to_dict()
        writer.writerow([csv_safe(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# The 2014 list
# ---------------------------------------------------------------------------------------------

def _int_or_none(value: str) -> int | None:
    """An integer, or None for an empty cell."""
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
