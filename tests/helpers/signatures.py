"""Helpers for the back-office signature tests: signatures made in bulk, the ids
a back-office page lists, clients logged in by role."""
import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, ListingState, Role, Signature, SignatureStatus
from app.models.base import utcnow
from tests.helpers.admin import PASSWORD, login, make_moderator

ADMIN_EMAIL = "amministratrice@example.org"
MOD_EMAIL = "moderatrice@example.org"
ROW_LINK = re.compile(r'<td><a href="/admin/signatures/(\d+)">')


def ip(label: str) -> str:
    """A keyed-hash-like IP hash (64 hex digits) for `label`."""
    return hashlib.sha256(label.encode()).hexdigest()


def add_signatures(n: int, domain: str = "example.org", prefix: str = "firmatario", ip_hash: str | None = None,
                   status: SignatureStatus = SignatureStatus.confirmed, suspect: bool = False,
                   country: str = "IT", ago: timedelta = timedelta(minutes=5), name: str = "Firmatario",
                   public: bool = True) -> list[int]:
    """`n` signatures, committed: prefix0@domain, prefix1@domain …; their ids. A consenting one
    is approved for the public list (the review is not what these tests are about)."""
    now = utcnow()
    extra = {"listing": ListingState.approved} if public else {}
    rows = [Signature(name=f"{name} {i}", email=f"{prefix}{i}@{domain}", email_canonical=f"{prefix}{i}@{domain}",
                      city="Roma", country=country, lang="it", status=status, suspect=suspect,
                      public=public, ip_hash=ip_hash or ip(f"{prefix}{i}"), created_at=now - ago,
                      expires_at=now + timedelta(days=7),
                      confirmed_at=now - ago if status == SignatureStatus.confirmed else None, **extra)
            for i in range(n)]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def listed_ids(html: str) -> set[int]:
    """The signature numbers a back-office table links to."""
    return {int(n) for n in ROW_LINK.findall(html)}


def logged_in(app, role: Role = Role.moderator):
    """A new client logged in as a moderator (or an administrator), with its account made."""
    email = ADMIN_EMAIL if role == Role.administrator else MOD_EMAIL
    make_moderator(email, PASSWORD, role)
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def actions() -> list[str]:
    """The actions of the audit log, oldest first."""
    db.session.rollback()
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))
