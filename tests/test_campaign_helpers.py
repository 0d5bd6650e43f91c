"""Helpers for the campaign tests (no tests here): a logged-in moderator, updates, XML checks."""
import xml.etree.ElementTree as ET

from app.extensions import db
from app.models import Update
from app.models.base import utcnow
from test_admin_helpers import login, make_moderator

ATOM = "{http://www.w3.org/2005/Atom}"
BOTH = {"title_it": "Siamo andati a Bruxelles", "body_it": "Abbiamo **incontrato** i deputati.",
        "title_en": "We went to Brussels", "body_en": "We **met** the MEPs."}


def logged_in(client, lang: str = "en"):
    """A moderator account, logged in on `client`, the back office in `lang`."""
    make_moderator()
    assert login(client).status_code == 302
    client.get(f"/admin/updates?lang={lang}")
    return client


def published_update(published_ago=None, **texts) -> Update:
    """A published update in both languages (committed)."""
    update = Update(**{**BOTH, **texts}, published_at=utcnow() - (published_ago or utcnow() - utcnow()))
    db.session.add(update)
    db.session.commit()
    return update


def parse_atom(body: bytes) -> ET.Element:
    """The feed's root element, checked to be Atom with the elements RFC 4287 requires."""
    root = ET.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None and root.find(f"{ATOM}{name}").text, name
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}").text, name
        assert entry.find(f"{ATOM}link").get("href").startswith("http://localhost/")
    return root
