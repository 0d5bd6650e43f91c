"""Helpers for the petition tests: signing, reading mailed links, the count."""
from sqlalchemy import func, select, update

from app import stats
from app.extensions import db
from app.models import ListingState, Signature
from tests.helpers import form, mail, mailed_link

PATHS = {"it": {"sign": "/it/firma", "list": "/it/firme"},
         "en": {"sign": "/en/sign", "list": "/en/signatures"}}
CONFIRM_LINK = mailed_link("it/firma/conferma", "en/sign/confirm")
WITHDRAW_LINK = mailed_link("it/firma/ritira", "en/sign/withdraw")


def fetch(client, url: str, method: str = "GET", **kwargs):
    """A request as a browser makes it, following redirects; the response is read and closed
    (buffered), so mails queued by the request have been sent (call_on_close) when it returns."""
    kwargs.setdefault("follow_redirects", True)
    return client.open(url, method=method, buffered=True, **kwargs)


def form_data(**fields) -> dict:
    """A valid signing form, with `fields` changed (None removes a field)."""
    data = {"name": "Maria Rossi", "email": "maria@example.org", "city": "Bologna", "country": "IT",
            "reason": "", "privacy": "y"}
    return form(data, fields)


def sign(client, lang: str = "it", follow_redirects: bool = True, **fields):
    """Post the signing form in `lang` (and follow the answer's redirect, as a browser does)."""
    return fetch(client, PATHS[lang]["sign"], "POST", data=form_data(**fields),
                 follow_redirects=follow_redirects)


def last_link(smtp, address: str, pattern=CONFIRM_LINK) -> str:
    """The path of the last link matching `pattern` mailed to `address`."""
    return mail.last_link(smtp, address, pattern)


def count() -> int:
    """The public count as /api/v1/stats would show it now."""
    stats.forget_figures()
    return stats.figures().signatures


def rows() -> int:
    """Signature rows in the database."""
    db.session.rollback()
    return db.session.scalar(select(func.count(Signature.id)))


def approve_listed() -> int:
    """What a moderator does at /admin/list-review: approve every counted, consenting signer
    waiting, so that the public list shows them (it shows nobody before). Returns how many."""
    from app.petition.review import reviewable

    done = db.session.execute(update(Signature).where(
        reviewable(), Signature.listing == ListingState.waiting).values(
        listing=ListingState.approved)).rowcount
    db.session.commit()
    return done
