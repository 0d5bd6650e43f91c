"""Exports for the coalition: the confirmed, counted signatures as CSV, streamed; moderators
get no email address, administrators may; cells a spreadsheet would run are made text; every
export is in the audit log; a moderator cannot reach the administrators' export."""
import csv
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, ListingState, Signature, SignatureStatus
from app.models.base import utcnow
from tests.helpers.admin import login, make_administrator, make_moderator

ADMIN = "amministratrice@example.org"


def _signature(name, email, status=SignatureStatus.confirmed, suspect=False, **fields) -> Signature:
    now = utcnow()
    signature = Signature(name=name, email=email, email_canonical=email.lower(), lang="it", status=status,
                          suspect=suspect, confirmed_at=now if status == SignatureStatus.confirmed else None,
                          expires_at=now, **fields)
    db.session.add(signature)
    return signature


@pytest.fixture
def signatures(app):
    _signature("Maria Rossi", "maria@example.org", city="Bologna", public=True, listing=ListingState.approved,
               is_admin=True, group_name="Amici di Bologna", reason="Per giustizia")
    _signature("=HYPERLINK(\"http://evil.example/\",\"clic\")", "evil@example.org", city="+39 333",
               reason="-2+3", group_name="@SUM(A1)", is_admin=True)
    _signature("In Attesa", "pending@example.org", status=SignatureStatus.pending)
    _signature("Trattenuta", "held@example.org", suspect=True)
    db.session.commit()


def _rows(response) -> list[dict]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")  # spreadsheets read the accents right
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


def _exports() -> list[AuditLog]:
    return db.session.scalars(select(AuditLog).where(AuditLog.action.startswith("export."))).all()


def test_a_moderator_exports_the_counted_signatures_without_email(app, client, signatures):
    make_moderator()
    login(client)
    answer = client.post("/admin/exports/signatures.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="signatures-')
    rows = _rows(answer)
    assert [r["name"] for r in rows] == ["Maria Rossi", "'=HYPERLINK(\"http://evil.example/\",\"clic\")"]
    assert "email" not in rows[0]
    body = answer.get_data(as_text=True)
    assert "@example.org" not in body
    maria, evil = rows
    assert maria["city"] == "Bologna" and maria["listed"] == "yes" and maria["group_admin"] == "yes"
    assert maria["group"] == "Amici di Bologna" and maria["reason"] == "Per giustizia"
    # Formula-safe: = + - @ become text.
    assert evil["city"] == "'+39 333" and evil["reason"] == "'-2+3" and evil["group"] == "'@SUM(A1)"
    assert evil["listed"] == "no"
    [entry] = _exports()
    assert entry.action == "export.signatures" and entry.after_data() == {"rows": 2, "email": False}


def test_a_moderator_cannot_reach_the_export_with_email(app, client, signatures):
    make_moderator()
    login(client)
    assert client.post("/admin/exports/signatures-with-email.csv").status_code == 403
    assert _exports() == []
    page = client.get("/admin/exports?lang=en").get_data(as_text=True)
    assert "Only administrators can export the email addresses." in page
    assert "signatures-with-email.csv" not in page
    it = client.get("/admin/exports?lang=it").get_data(as_text=True)
    assert "Esportazioni" in it and "Solo gli amministratori" in it


def test_an_administrator_exports_with_email(app, client, signatures):
    make_administrator()
    login(client, email=ADMIN)
    page = client.get("/admin/exports?lang=en").get_data(as_text=True)
    assert "2 signatures" in page and "signatures-with-email.csv" in page
    rows = _rows(client.post("/admin/exports/signatures-with-email.csv"))
    assert [r["email"] for r in rows] == ["maria@example.org", "evil@example.org"]
    rows = _rows(client.post("/admin/exports/signatures.csv"))  # and the plain one too
    assert "email" not in rows[0]
    assert [(e.action, e.actor) for e in _exports()] == [("export.signatures_email", ADMIN),
                                                         ("export.signatures", ADMIN)]
    # The audit log says it in words.
    log = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "Exported the signatures with their email addresses" in log and "2 signatures" in log


def test_exports_need_a_login_and_a_csrf_token(app, client, signatures):
    assert client.post("/admin/exports/signatures.csv").status_code == 302
    assert client.get("/admin/exports").status_code == 302
    make_moderator()
    login(client)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/admin/exports/signatures.csv").status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _exports() == []
    assert client.get("/admin/exports/signatures.csv").status_code == 405
