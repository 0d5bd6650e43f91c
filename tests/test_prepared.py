"""The prepared INSERTs of the signing path (app.prepared) store rows exactly as the ORM does."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app import prepared
from app.extensions import db
from app.models import Signature, SignatureStatus, SignatureToken, TokenPurpose
from app.models.base import utcnow
from app.prepared import prepared_insert

COLUMNS = [c.name for c in Signature.__table__.columns if c.name not in ("id", "email", "email_canonical")]


def signature_values(email: str, now) -> dict:
    return {"name": "Zoë «Prova»", "email": email, "email_canonical": email, "city": "Lecce", "country": "IT",
            "is_admin": True, "group_id": None, "group_name": "Amici ⓒⓐⓟⓐ", "reason": "Perché sì", "public": True,
            "lang": "it", "status": SignatureStatus.pending, "suspect": False, "mails_sent": 1,
            "ip_hash": "a" * 64, "created_at": now, "expires_at": now + timedelta(days=7), "confirmed_at": None}


def same_as_the_orm(app):
    now = utcnow()
    with prepared.transaction() as cursor:
        fast_id = prepared_insert(Signature.__table__).execute(cursor, signature_values("fast@example.org", now))
        prepared_insert(SignatureToken.__table__).execute(cursor, {
            "digest": "d" * 64, "signature_id": fast_id, "purpose": TokenPurpose.confirm,
            "expires_at": now, "created_at": now})
    orm = Signature(**signature_values("orm@example.org", now))
    db.session.add(orm)
    db.session.commit()
    db.session.expire_all()
    fast = db.session.get(Signature, fast_id)
    assert {c: getattr(fast, c) for c in COLUMNS} == {c: getattr(orm, c) for c in COLUMNS}
    assert fast.created_at.tzinfo is not None and fast.status is SignatureStatus.pending
    # Stored alike, so that comparisons in SQL (text on SQLite) treat both rows the same.
    stored = db.session.execute(text("SELECT created_at, expires_at, status, is_admin FROM signature "
                                     "WHERE id IN (:a, :b) ORDER BY id"), {"a": fast_id, "b": orm.id}).all()
    assert stored[0] == stored[1]
    later = db.session.scalar(select(func.count(Signature.id)).where(Signature.expires_at > now))
    assert later == 2
    assert db.session.scalar(select(SignatureToken.signature_id)) == fast_id


def a_refused_row_rolls_back_the_whole_transaction(app):
    now = utcnow()
    with pytest.raises(prepared.integrity_errors()):
        with prepared.transaction() as cursor:
            first = prepared_insert(Signature.__table__).execute(cursor, signature_values("x@example.org", now))
            prepared_insert(SignatureToken.__table__).execute(cursor, {
                "digest": "e" * 64, "signature_id": first, "purpose": TokenPurpose.confirm,
                "expires_at": now, "created_at": now})  # accepted so far …
            prepared_insert(Signature.__table__).execute(cursor, signature_values("x@example.org", now))
    assert db.session.scalar(select(func.count(Signature.id))) == 0
    assert db.session.scalar(select(func.count(SignatureToken.id))) == 0


def test_prepared_rows_read_back_like_orm_rows_sqlite(app):
    same_as_the_orm(app)


@pytest.mark.postgres
def test_prepared_rows_read_back_like_orm_rows_postgres(pg_app):
    same_as_the_orm(pg_app)


def test_a_refused_row_rolls_back_the_whole_transaction_sqlite(app):
    a_refused_row_rolls_back_the_whole_transaction(app)


@pytest.mark.postgres
def test_a_refused_row_rolls_back_the_whole_transaction_postgres(pg_app):
    a_refused_row_rolls_back_the_whole_transaction(pg_app)
