"""Helpers for the public list's review, the audit log, exports and the digest: a confirmed
signature as the sender leaves it, and logging in through the form in a browser."""
from datetime import timedelta

from app.extensions import db
from app.models import ListingState, Signature, SignatureStatus
from app.models.base import utcnow
from app.text import canonical_email, fold
from tests.helpers.admin import PASSWORD


def confirmed(name: str, email: str | None = None, reason: str = "", public: bool = True,
              listing: ListingState = ListingState.waiting, ago: timedelta = timedelta(hours=1),
              **fields) -> Signature:
    """A confirmed, counted signature as the sender leaves it, committed."""
    email = email or f"{fold(name).replace(' ', '.')}@example.org"
    now = utcnow()
    signature = Signature(name=name, email=email, email_canonical=canonical_email(email), lang="it",
                          public=public, reason=reason, listing=listing, status=SignatureStatus.confirmed,
                          confirmed_at=now - ago, expires_at=now, **fields)
    db.session.add(signature)
    db.session.commit()
    return signature


def browser_log_in(page, email: str, code: str) -> None:
    """Log in through the form (an Italian browser), with the second factor's code."""
    page.goto("/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Codice", exact=True).fill(code)
    page.get_by_role("button", name="Accedi").click()
