"""Helpers for the campaign tests: a logged-in moderator, updates, XML checks, endorsing."""
import xml.etree.ElementTree as ET

from sqlalchemy import select

from app.extensions import db
from app.models import Endorsement, Update
from app.models.base import utcnow
from tests.helpers import form, mail, mailed_link
from tests.helpers.admin import EMAIL, login, make_moderator

ATOM = "{http://www.w3.org/2005/Atom}"
BOTH = {"title_it": "Siamo andati a Bruxelles", "body_it": "Abbiamo **incontrato** i deputati.",
        "title_en": "We went to Brussels", "body_en": "We **met** the MEPs."}


def logged_in(client, lang: str = "en"):
    """A moderator account (made the first time), logged in on `client`, the back office in `lang`."""
    from app.admin.service import get_moderator

    if get_moderator(EMAIL) is None:
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


ENDORSE = {"it": "/it/adesioni", "en": "/en/endorsements"}
CONFIRM_LINK = mailed_link("it/adesioni/conferma", "en/endorsements/confirm")
CONTACT = "segreteria@circolo-esempio.org"


def endorsement_data(**fields) -> dict:
    """A valid endorsement form, with `fields` changed (None removes a field)."""
    data = {"name": "Circolo Arci Esempio", "kind": "association", "city": "Bologna",
            "homepage": "circolo-esempio.org", "email": CONTACT,
            "statement": "Siamo con gli amministratori.", "privacy": "y"}
    return form(data, fields)


def endorse(client, lang: str = "it", headers=None, **fields):
    """Post the endorsement form (not followed)."""
    return client.post(ENDORSE[lang], data=endorsement_data(**fields), headers=headers or {})


def approved_endorsement(client, smtp, lang: str = "it", **fields):
    """An endorsement sent, confirmed through its mailed link and approved by a moderator
    (logged in on `client` afterwards). Returns the confirm link's path."""
    assert endorse(client, lang, **fields).status_code == 303
    email = fields.get("email", CONTACT)
    link = mail.last_link(smtp, email, CONFIRM_LINK)
    assert client.post(link).status_code == 303
    logged_in(client, lang)
    row = db.session.scalar(select(Endorsement).order_by(Endorsement.id.desc()))
    assert client.post(f"/admin/endorsements/{row.id}/approve").status_code == 303
    client.post("/admin/logout")
    return link
