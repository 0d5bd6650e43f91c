"""Helpers for the petition tests: signing, reading mailed links, the count."""
import json
import re

from conftest import free_port, html_part, text_part  # noqa: F401  (re-exported)
from sqlalchemy import func, select

from app import stats
from app.extensions import db
from app.models import OutboxMail, Signature

PATHS = {"it": {"sign": "/it/firma", "list": "/it/firme"},
         "en": {"sign": "/en/sign", "list": "/en/signatures"}}
CONFIRM_LINK = re.compile(r"http://localhost/(?:it/firma/conferma|en/sign/confirm)/[A-Za-z0-9_-]+")
WITHDRAW_LINK = re.compile(r"http://localhost/(?:it/firma/ritira|en/sign/withdraw)/[A-Za-z0-9_-]+")


def fetch(client, url: str, method: str = "GET", **kwargs):
    """A request as a browser makes it, following redirects; the response is read and closed
    (buffered), so mails queued by the request have been sent (call_on_close) when it returns."""
    kwargs.setdefault("follow_redirects", True)
    return client.open(url, method=method, buffered=True, **kwargs)


def form_data(**fields) -> dict:
    """A valid signing form, with `fields` changed (None removes a field)."""
    data = {"name": "Maria Rossi", "email": "maria@example.org", "city": "Bologna", "country": "IT",
            "reason": "", "privacy": "y"}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def sign(client, lang: str = "it", follow_redirects: bool = True, **fields):
    """Post the signing form in `lang` (and follow the answer's redirect, as a browser does)."""
    return fetch(client, PATHS[lang]["sign"], "POST", data=form_data(**fields),
                 follow_redirects=follow_redirects)


def last_link(smtp, address: str, pattern=CONFIRM_LINK) -> str:
    """The path of the last link matching `pattern` mailed to `address`."""
    links = [m for msg in smtp.to(address) for m in pattern.findall(text_part(msg))]
    assert links, f"no link in the mails to {address}"
    return links[-1].removeprefix("http://localhost")


def queued_link(address: str | None = None, key: str = "confirm_url") -> str:
    """The path of the link `key` in the newest mail still in the outbox (to `address`): a
    queued mail holds its template's values, it is rendered when sent."""
    query = select(OutboxMail.context).order_by(OutboxMail.id.desc()).limit(1)
    if address:
        query = query.where(OutboxMail.to_addr == address)
    return json.loads(db.session.scalar(query))[key].removeprefix("http://localhost")


def count() -> int:
    """The public count as /api/v1/stats would show it now."""
    stats.forget_figures()
    return stats.figures().signatures


def rows() -> int:
    """Signature rows in the database."""
    db.session.rollback()
    return db.session.scalar(select(func.count(Signature.id)))
