"""Exports for the coalition (/admin/exports): the confirmed, counted signatures as CSV, streamed
row by row. Moderators get them without email addresses; administrators may also take them with
the addresses. Every export is written to the audit log (committed before the first row goes
out); every cell a spreadsheet would run as a formula is made text."""
import csv
import io
from collections.abc import Iterator

from flask import Response, abort, render_template, stream_with_context
from flask_login import current_user
from sqlalchemy import func, select

from app.admin import bp
from app.admin.forms import ActionForm
from app.admin.routes import administrators_only
from app.admin.service import audit
from app.extensions import db
from app.models import Group, ListingState, Signature
from app.models.base import utcnow
from app.registry.service import csv_safe
from app.stats import counted

COLUMNS = ("id", "confirmed_at", "name", "city", "country", "group_admin", "group", "reason",
           "listed", "language")
BATCH = 500


def export_count() -> int:
    """How many signatures an export holds now."""
    return db.session.scalar(select(func.count(Signature.id)).where(counted())) or 0


def _rows(with_email: bool):
    """The counted signatures' columns, oldest first (plain rows: no ORM objects to build)."""
    columns = [Signature.id, Signature.confirmed_at, Signature.name, Signature.city, Signature.country,
               Signature.is_admin, func.coalesce(Group.name, Signature.group_name), Signature.reason,
               Signature.public & (Signature.listing == ListingState.approved), Signature.lang]
    if with_email:
        columns.append(Signature.email)
    query = (select(*columns).outerjoin(Group, Signature.group_id == Group.id).where(counted())
             .order_by(Signature.id).execution_options(yield_per=BATCH))
    return db.session.execute(query)


def _cells(row) -> list[str]:
    """One signature as CSV cells, formula-safe."""
    sid, confirmed_at, name, city, country, is_admin, group, reason, listed, lang, *email = row
    cells = [sid, confirmed_at.isoformat() if confirmed_at else "", name, city, country,
             "yes" if is_admin else "no", group or "", reason, "yes" if listed else "no", lang, *email]
    return [csv_safe(cell) for cell in cells]


def signature_csv(with_email: bool) -> Iterator[str]:
    """The counted signatures as CSV text, BATCH rows per chunk, oldest first; it starts with a
    byte-order mark, so spreadsheets read the accents right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS + (("email",) if with_email else ()))
    yield "\ufeff" + out.getvalue()
    for chunk in _rows(with_email).partitions(BATCH):
        out.seek(0)
        out.truncate()
        writer.writerows(_cells(row) for row in chunk)
        yield out.getvalue()


def _export(with_email: bool):
    """Log the export (committed), then stream the file."""
    if not ActionForm().validate():
        abort(400)
    rows = export_count()
    audit("export.signatures_email" if with_email else "export.signatures", "signatures", None,
          after={"rows": rows, "email": with_email}, actor=current_user)
    db.session.commit()
    stamp = utcnow().strftime("%Y-%m-%d")
    name = f"signatures-{'with-email-' if with_email else ''}{stamp}.csv"
    response = Response(stream_with_context(signature_csv(with_email)), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/exports")
def exports():
    """The exports this account may take, with how many signatures they hold."""
    return render_template("admin/exports.html", count=export_count(), action_form=ActionForm())


@bp.route("/exports/signatures.csv", methods=["POST"])
def export_signatures():
    """The counted signatures without email addresses (every moderator)."""
    return _export(with_email=False)


@bp.route("/exports/signatures-with-email.csv", methods=["POST"])
@administrators_only
def export_signatures_with_email():
    """The counted signatures with their email addresses (administrators only)."""
    return _export(with_email=True)
