"""Review fixes: a pending signature takes the details of the last submission and the confirm
page shows them; confirmed ones never change; every answer to the form does the same work;
the list's pages past the last are 404; days are the site's local days; the public reason
refuses hidden characters."""
import html
import re
from datetime import UTC, date, datetime

import pytest
from flask import template_rendered
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Signature, SignatureStatus
from app.models.base import utcnow
from app.petition import listing, signing
from tests.helpers.mail import text_part
from tests.helpers.petition import PATHS, approve_listed, fetch, form_data, last_link, rows, sign

CONFIRM = {
    "it": {"listed": "Il tuo nome, la tua città, il gruppo e il motivo della firma compariranno nell’elenco pubblico dei firmatari dopo il controllo di un moderatore.",
           "unlisted": "La tua firma sarà contata, ma il tuo nome non sarà mostrato.",
           "changed": "qualcuno ha inviato di nuovo questo indirizzo con altri dati",
           "confirmed": "la tua firma è confermata", "already": "Hai già firmato"},
    "en": {"listed": "Your name, city, group and reason will be shown on the public list of signers once a moderator has checked them.",
           "unlisted": "Your signature will be counted, but your name will not be shown.",
           "changed": "Someone sent this address again",
           "confirmed": "your signature is confirmed", "already": "You have already signed"},
}


def text(response) -> str:
    """The page as text, entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def shown_of(page) -> str:
    """The fingerprint of the details a confirm page showed (its hidden field)."""
    return re.search(r'name="shown" type="hidden" value="([0-9a-f]+)"|'
                     r'type="hidden" name="shown" value="([0-9a-f]+)"|'
                     r'id="shown" name="shown" type="hidden" value="([0-9a-f]+)"',
                     page.get_data(as_text=True)).group(0).rsplit('"', 2)[-2]


def only_row() -> Signature:
    """The one signature row, fresh from the database."""
    db.session.rollback()
    return db.session.scalars(select(Signature)).one()


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_pending_signature_takes_the_last_details_and_the_confirm_page_shows_them(seeded, client, smtp, lang):
    t = CONFIRM[lang]
    address = f"victim-{lang}@example.org"
    # A stranger signs with someone else's address, a name of their choosing and public consent.
    sign(client, lang, name="Troll Impostor", email=address, city="Trollville", public="y",
         reason="I love trolls", is_admin="y", group_name="Trolls United")
    page = fetch(client, last_link(smtp, address))
    assert "Troll Impostor" in text(page) and t["listed"] in text(page)  # the owner sees it
    # The owner signs with their own details: they replace the stranger's.
    sign(client, lang, name="Vera Persona", email=address, city="Siena")
    row = only_row()
    assert (row.name, row.city, row.public, row.reason, row.is_admin, row.group_name) == (
        "Vera Persona", "Siena", False, "", False, "")
    page = fetch(client, last_link(smtp, address))
    body = text(page)
    assert "Vera Persona" in body and "Siena" in body and t["unlisted"] in body
    assert "Troll" not in body and "I love trolls" not in body
    assert "Vera Persona" in text_part(smtp.to(address)[-1])
    done = fetch(client, last_link(smtp, address), "POST", data={"shown": shown_of(page)})
    assert t["confirmed"] in text(done)
    assert "Troll" not in text(fetch(client, PATHS[lang]["list"]))


@pytest.mark.parametrize("lang", ["it", "en"])
def test_confirming_confirms_what_the_page_showed(seeded, client, smtp, lang):
    t = CONFIRM[lang]
    address = f"race-{lang}@example.org"
    sign(client, lang, name="Vera Persona", email=address)
    path = last_link(smtp, address)
    page = fetch(client, path)
    # Between showing the page and pressing the button, a stranger re-submits the address.
    sign(client, lang, name="Troll Impostor", email=address, public="y")
    answer = fetch(client, path, "POST", data={"shown": shown_of(page)})
    assert answer.status_code == 200
    body = text(answer)
    assert t["changed"] in body and "Troll Impostor" in body and t["listed"] in body
    assert only_row().status == SignatureStatus.pending
    # Pressing the button on what is now shown confirms it.
    fetch(client, path, "POST", data={"shown": shown_of(answer)})
    assert only_row().status == SignatureStatus.confirmed


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_confirmed_signature_is_never_changed_by_a_new_submission(seeded, client, smtp, lang):
    address = f"kept-{lang}@example.org"
    sign(client, lang, name="Vera Persona", email=address, city="Siena", public="y", reason="Per i miei gruppi")
    fetch(client, last_link(smtp, address), "POST")
    sign(client, lang, name="Troll Impostor", email=address, city="Trollville", public="y",
         reason="I love trolls", is_admin="y", group_name="Trolls United")
    row = only_row()
    assert (row.name, row.city, row.reason, row.is_admin) == ("Vera Persona", "Siena", "Per i miei gruppi", False)
    assert smtp.to(address)[-1]["Subject"].startswith(CONFIRM[lang]["already"])
    approve_listed()
    listed = text(fetch(client, PATHS[lang]["list"]))
    assert "Vera Persona" in listed and "Troll" not in listed


class Work:
    """What a request does that takes time: templates rendered and commits."""

    def __init__(self, app):
        self.app, self.templates, self.commits = app, [], 0

    def __enter__(self):
        template_rendered.connect(self._rendered, self.app)
        event.listen(Session, "after_commit", self._committed)
        return self

    def __exit__(self, *exc):
        template_rendered.disconnect(self._rendered, self.app)
        event.remove(Session, "after_commit", self._committed)

    def _rendered(self, sender, template, context, **extra):
        self.templates.append(template.name)

    def _committed(self, session):
        self.commits += 1


def work_of(app, client, address: str) -> Work:
    """The work of one submission of `address`."""
    with Work(app) as work:
        answer = sign(client, "en", email=address, follow_redirects=False)
    work.status, work.location = answer.status_code, answer.headers.get("Location")
    return work


def test_every_answer_to_the_form_does_the_same_work(seeded, app, client, smtp):
    new = work_of(app, client, "timing@example.org")
    pending = work_of(app, client, "timing@example.org")
    for _ in range(2):
        sign(client, "en", email="timing@example.org")
    used_up = work_of(app, client, "timing@example.org")  # the fifth: no more mails for it
    assert len(smtp.to("timing@example.org")) == 4
    def pages_of(work):
        return [t for t in work.templates if not t.startswith("email/")]

    assert "petition/check_mail.html" in pages_of(new)
    for work in (new, pending, used_up):
        # The same answer: the same check-your-mail page (mails are rendered by the sender,
        # here right after the response, and never into the page).
        assert (work.status, work.location, pages_of(work)) == (new.status, new.location, pages_of(new))
        assert work.commits >= 1
    fetch(client, last_link(smtp, "timing@example.org"), "POST")
    for _ in range(2):
        sign(client, "en", email="timing@example.org")
    confirmed_used_up = work_of(app, client, "timing@example.org")
    assert len(smtp.to("timing@example.org")) == 5
    assert (confirmed_used_up.status, confirmed_used_up.location) == (new.status, new.location)
    assert confirmed_used_up.commits >= 1


@pytest.mark.parametrize("lang", ["it", "en"])
def test_list_pages_past_the_last_are_404(seeded, client, lang):
    empty = fetch(client, PATHS[lang]["list"])
    assert empty.status_code == 200
    assert ("Ancora nessuno in elenco." if lang == "it" else "Nobody is listed yet") in text(empty)
    assert fetch(client, PATHS[lang]["list"] + "?page=2").status_code == 404
    now = utcnow()
    for i in range(51):
        db.session.add(Signature(name=f"Signer {i:02d}", email=f"s{i}@example.org", email_canonical=f"s{i}@example.org",
                                 lang="it", public=True, status=SignatureStatus.confirmed,
                                 confirmed_at=now, expires_at=now))
    db.session.commit()
    approve_listed()
    assert fetch(client, PATHS[lang]["list"] + "?page=2").status_code == 200
    assert fetch(client, PATHS[lang]["list"] + "?page=3").status_code == 404


def add_confirmed(name: str, when: datetime) -> None:
    """A confirmed, listed signature confirmed at `when`."""
    address = f"{name.lower().replace(' ', '.')}@example.org"
    db.session.add(Signature(name=name, email=address, email_canonical=address, lang="it", public=True,
                             status=SignatureStatus.confirmed, confirmed_at=when, expires_at=when))


def local_days_scenario() -> None:
    """Signatures either side of midnight in Rome, in winter (UTC+1) and summer (UTC+2)."""
    add_confirmed("Noon Winter", datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    add_confirmed("Late Winter", datetime(2026, 3, 10, 23, 30, tzinfo=UTC))  # 00:30 on the 11th in Rome
    add_confirmed("Early Summer", datetime(2026, 7, 10, 21, 59, tzinfo=UTC))  # 23:59 on the 10th
    add_confirmed("Late Summer", datetime(2026, 7, 10, 22, 15, tzinfo=UTC))  # 00:15 on the 11th
    db.session.commit()
    approve_listed()


EXPECTED_DAYS = [(date(2026, 3, 10), 1), (date(2026, 3, 11), 1), (date(2026, 7, 10), 1), (date(2026, 7, 11), 1)]


def test_chart_and_list_use_the_days_of_rome(seeded, client):
    local_days_scenario()
    assert listing.daily_counts() == EXPECTED_DAYS
    body = fetch(client, "/en/signatures").get_data(as_text=True)
    for name, day in [("Late Winter", "2026-03-11"), ("Late Summer", "2026-07-11"), ("Early Summer", "2026-07-10")]:
        item = body.split(name)[1].split("</li>")[0]
        assert f'<time datetime="{day}">' in item
    assert "11 July 2026" in html.unescape(body.split("Late Summer")[1].split("</li>")[0])


@pytest.mark.postgres
def test_chart_uses_the_days_of_rome_on_postgres(pg_app):
    with pg_app.app_context():
        local_days_scenario()
        assert listing.daily_counts() == EXPECTED_DAYS


HIDDEN = ("Contiene caratteri che non possiamo accettare.", "This contains characters we cannot accept.")


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("reason", ["Firmo \u202egnp.exe", "Firmo\u2066 per tutti", "Firmo\x00 davvero"])
def test_the_public_reason_refuses_hidden_characters(app, client, lang, reason):
    response = fetch(client, PATHS[lang]["sign"], "POST", data=form_data(reason=reason))
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="reason-error">(.*?)</p>', response.get_data(as_text=True))
    assert error and html.unescape(error.group(1)) == HIDDEN[0 if lang == "it" else 1]
    assert rows() == 0


def test_the_public_reason_keeps_its_lines(app, client):
    assert sign(client, "en", reason="First line,\r\nsecond line.").status_code == 200
    assert only_row().reason.splitlines() == ["First line,", "second line."]


def test_a_failed_insert_that_is_not_a_duplicate_keeps_the_submission(seeded, app, client, monkeypatch):
    """Only the unique address means "signed already": any other refusal of the database (here a
    group that does not exist) keeps the submission queued for the next round, and the
    submissions after it are still registered."""
    from app.models import SignatureSubmission

    details = signing._details
    monkeypatch.setattr(signing, "_details", lambda data, *a: {**details(data, *a), "group_id": 999_999}
                        if data.name == "Lost Signer" else details(data, *a))
    answer = sign(client, "en", name="Lost Signer", email="lost@example.org", follow_redirects=False)
    assert answer.status_code == 200
    sign(client, "en", name="Next Signer", email="next@example.org")
    db.session.rollback()
    assert db.session.scalar(select(Signature).where(Signature.email == "lost@example.org")) is None
    assert db.session.scalar(select(Signature).where(Signature.email == "next@example.org")) is not None
    assert db.session.scalar(select(SignatureSubmission.email)) == "lost@example.org"
