"""The hand-over document: one PDF with the letter in both languages, the count by country, the
signers who agreed to be listed (never an email address), the endorsements and the registry;
generated and published in the back office, in the audit log, then listed in the press room."""
import hashlib
import re
import subprocess

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Handover
from tests.helpers.campaign import approved_endorsement, logged_in
from tests.helpers.petition import approve_listed, fetch, last_link, sign

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def pdf_text(data: bytes) -> str:
    """The text of a PDF, as pdftotext (poppler) reads it."""
    assert data.startswith(b"%PDF-")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def confirmed(client, smtp, email: str, lang: str = "it", **fields):
    """A signature, confirmed through its mailed link."""
    sign(client, lang, email=email, **fields)
    fetch(client, last_link(smtp, email), "POST")


def test_the_hand_over_holds_the_count_the_listed_names_and_no_email(seeded, client, smtp):
    confirmed(client, smtp, "maria@example.org", name="Maria Rossi", city="Bologna", public="y")
    confirmed(client, smtp, "john@example.org", "en", name="John Listed", city="Leeds", country="GB", public="y")
    confirmed(client, smtp, "segreto@example.org", name="Segreto Nascosto", city="Nowhere")  # not listed
    sign(client, "it", email="pending@example.org", name="Pending Person", public="y")  # never confirmed
    assert approve_listed() == 2  # a moderator approves the two listed ones at /admin/list-review
    confirmed(client, smtp, "troll@example.org", name="Troll In Attesa", public="y")  # not approved (yet)
    approved_endorsement(client, smtp, "it")
    logged_in(client)
    page = client.get("/admin/handover")
    assert page.status_code == 200 and "Generate the hand-over document" in page.get_data(as_text=True)
    assert client.post("/admin/handover").status_code == 303
    row = db.session.scalar(select(Handover))
    assert (row.signatures, row.listed) == (4, 2)
    data = client.get(f"/admin/handover/{row.id}.pdf").get_data()
    assert hashlib.sha256(data).hexdigest() == row.sha256
    text = pdf_text(data)
    flat = " ".join(text.split())
    for expected in ("Maria Rossi", "Bologna", "John Listed", "Leeds", "Circolo Arci Esempio",
                     "Cara Umanità", "Dear Humanity", "Firme per paese", "Signatures by country",
                     "Italia", "United Kingdom", "NUN TE REGGHE"):
        assert expected.lower() in flat.lower(), expected
    assert re.search(r"Firme confermate\s+4", text) and re.search(r"Confirmed signatures\s+4", text)
    for absent in ("Segreto Nascosto", "Pending Person", "Troll In Attesa"):
        assert absent not in flat
    assert EMAIL.findall(text) == []
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "handover.generate"))
    assert entry.after_data()["sha256"] == row.sha256 and entry.after_data()["signatures"] == 4


def test_published_it_is_listed_in_the_press_room_with_its_sha256(seeded, client, smtp, app):
    confirmed(client, smtp, "maria@example.org", name="Maria Rossi", public="y")
    logged_in(client)
    client.post("/admin/handover")
    row = db.session.scalar(select(Handover))
    visitor = app.test_client()
    assert row.sha256 not in visitor.get("/en/press").get_data(as_text=True)
    assert visitor.get(f"/en/handover/{row.id}.pdf").status_code == 404  # not published yet
    assert client.post(f"/admin/handover/{row.id}/publish").status_code == 303
    assert db.session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "handover.publish"
    for lang, path in (("en", "/en/press"), ("it", "/it/stampa")):
        html = visitor.get(path).get_data(as_text=True)
        assert row.sha256 in html
        href = re.search(r'href="(/%s/%s/\d+\.pdf)"' % (lang, "handover" if lang == "en" else "consegna"), html).group(1)
        answer = visitor.get(href)
        assert answer.status_code == 200 and answer.mimetype == "application/pdf"
        assert hashlib.sha256(answer.get_data()).hexdigest() == row.sha256
        assert visitor.get(href, headers={"If-None-Match": f'"{row.sha256}"'}).status_code == 304


def test_it_is_rendered_by_the_mail_sender_not_in_the_request(seeded, client):
    from app.models import HandoverRequest
    from app.worker import work_until_idle

    logged_in(client)
    client.sender = False  # the web request only asks for it
    assert client.post("/admin/handover").status_code == 303
    page = client.get("/admin/handover").get_data(as_text=True)
    assert "Being prepared in the background" in page
    assert db.session.scalar(select(Handover)) is None
    work_until_idle(send=False)
    db.session.expire_all()
    assert db.session.scalar(select(HandoverRequest)) is None
    row = db.session.scalar(select(Handover))
    assert row is not None and row.generated_by == "moderatrice@example.org"
    assert row.sha256 in client.get("/admin/handover").get_data(as_text=True)


def test_only_moderators_generate_it(client):
    assert client.get("/admin/handover").status_code in (302, 401, 403)
    assert client.post("/admin/handover").status_code in (302, 401, 403)
    assert db.session.scalar(select(Handover)) is None


@pytest.mark.browser
def test_the_press_room_with_a_published_hand_over_is_accessible_and_fits_a_phone(seeded, page, live_server):
    from app.campaign.service import handover
    from tests.helpers.browser import audit_pages

    row = handover.generate("moderatrice@example.org")
    handover.publish(row, "moderatrice@example.org")
    db.session.commit()
    assert audit_pages(page, ["/en/press", "/it/stampa"], live_server) == {}
    page.goto("/en/press")
    assert row.sha256 in page.content()
