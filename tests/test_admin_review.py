"""The public list is reviewed: a consenting signer shows on /it/firme and /en/signatures only
once a moderator approved them (the count does not wait); moderators hide entries, remove
reasons, one by one or in bulk, each in the audit log; an admin claim reads as verified when a
moderator verified it or when the same person's report of that group was published."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (AuditLog, Crew, Group, GroupStatus, ListingState, Report, ReporterRole,
                        ReportStatus, Signature)
from app.models.base import utcnow
from app.text import fold
from tests.helpers.admin import EMAIL, login, make_moderator
from tests.helpers.petition import PATHS, count, fetch, last_link, sign
from tests.helpers.review import confirmed
from tests.helpers.pages import page_text




def act(client, action: str, *ids: int, one: bool = True, state: str | None = None):
    """Press an action's button on the review page: on one entry's row, or on the ticked ones."""
    data = {"action": f"{action}:{ids[0]}"} if one else {"action": action, "ids": [str(i) for i in ids]}
    url = "/admin/list-review" + (f"?state={state}" if state else "")
    return client.post(url, data=data)


def listing_of(signature_id: int) -> Signature:
    db.session.expire_all()
    return db.session.get(Signature, signature_id)


def entries(action: str) -> list[AuditLog]:
    return db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_public_list_shows_nobody_before_approval_but_the_count_does(seeded, client, smtp, lang):
    sign(client, lang, name="Giulia Bianchi", email="giulia@example.org", city="Lecce", public="y",
         reason="Ho perso il mio gruppo")
    fetch(client, last_link(smtp, "giulia@example.org"), "POST")
    assert count() == 1  # counted at once
    listed = page_text(fetch(client, PATHS[lang]["list"]))
    assert "Giulia Bianchi" not in listed and "Lecce" not in listed and "Ho perso" not in listed
    assert ("Ancora nessuno in elenco." if lang == "it" else "Nobody is listed yet.") in listed

    # A moderator finds the entry waiting, and approves it.
    make_moderator()
    assert login(client).status_code == 302
    review = page_text(client.get(f"/admin/list-review?lang={lang}"))
    assert "Giulia Bianchi" in review and "Ho perso il mio gruppo" in review
    assert ("Revisione dell’elenco pubblico" if lang == "it" else "Public list review") in review
    signature = db.session.scalar(select(Signature))
    answer = act(client, "approve", signature.id)
    assert answer.status_code == 303
    assert "Giulia Bianchi" not in page_text(client.get("/admin/list-review"))  # no longer waiting
    listed = page_text(fetch(client, PATHS[lang]["list"]))
    assert "Giulia Bianchi" in listed and "Lecce" in listed and "Ho perso il mio gruppo" in listed
    assert count() == 1
    [entry] = entries("listing.approve")
    assert entry.target_type == "signature" and entry.target_id == signature.id and entry.actor == EMAIL


def test_a_moderator_hides_an_entry_later_and_removes_a_reason(app, mod_client):
    kept = confirmed("Anna Verdi", reason="Un insulto qualsiasi", listing=ListingState.approved)
    hidden = confirmed("Troll Mascherato", reason="Spam", listing=ListingState.approved)
    listed = page_text(mod_client.get("/en/signatures"))
    assert "Anna Verdi" in listed and "Un insulto qualsiasi" in listed and "Troll Mascherato" in listed

    assert act(mod_client, "remove_reason", kept.id, state="approved").status_code == 303
    assert act(mod_client, "hide", hidden.id, state="approved").status_code == 303
    listed = page_text(mod_client.get("/en/signatures"))
    assert "Anna Verdi" in listed and "Un insulto qualsiasi" not in listed
    assert "Troll Mascherato" not in listed
    assert listing_of(kept.id).reason == "" and listing_of(kept.id).listing == ListingState.approved
    assert listing_of(hidden.id).listing == ListingState.hidden
    assert count() == 2  # hiding takes a name off the list, never a signature off the count
    [removed] = entries("listing.remove_reason")
    assert removed.before_data()["reason"] == "Un insulto qualsiasi" and removed.after_data()["reason"] == ""
    assert len(entries("listing.hide")) == 1

    # The hidden entry is on the "hidden" view, and can be approved again.
    assert "Troll Mascherato" in page_text(mod_client.get("/admin/list-review?state=hidden&lang=en"))
    act(mod_client, "approve", hidden.id, state="hidden")
    assert "Troll Mascherato" in page_text(mod_client.get("/en/signatures"))


def test_ticked_entries_are_approved_at_once_with_or_without_their_reasons(app, mod_client):
    first = confirmed("Primo Firmatario", reason="Motivo uno", ago=timedelta(hours=3))
    second = confirmed("Seconda Firmataria", reason="Motivo due", ago=timedelta(hours=2))
    third = confirmed("Terzo Firmatario", reason="Motivo tre", ago=timedelta(hours=1))
    review = page_text(mod_client.get("/admin/list-review?lang=en"))
    assert review.index("Primo") < review.index("Seconda") < review.index("Terzo")  # oldest first
    assert "3 entries are waiting." in review

    assert act(mod_client, "approve_no_reason", first.id, second.id, one=False).status_code == 303
    listed = page_text(mod_client.get("/it/firme"))
    assert "Primo Firmatario" in listed and "Seconda Firmataria" in listed
    assert "Motivo uno" not in listed and "Motivo due" not in listed and "Terzo Firmatario" not in listed
    assert len(entries("listing.approve_no_reason")) == 2
    assert listing_of(third.id).listing == ListingState.waiting

    act(mod_client, "approve", third.id, one=False)
    assert "Motivo tre" in page_text(mod_client.get("/it/firme"))
    # Nothing ticked: a word, and nothing changes.
    answer = mod_client.post("/admin/list-review?lang=en", data={"action": "hide"}, follow_redirects=True)
    assert "Tick at least one entry first." in page_text(answer)
    assert not entries("listing.hide")


def test_unconsenting_pending_and_held_signatures_never_reach_the_review(app, mod_client):
    confirmed("Solo Contato", public=False)
    confirmed("Firma Trattenuta", suspect=True)
    now = utcnow()
    db.session.add(Signature(name="Non Confermata", email="p@example.org", email_canonical="p@example.org",
                             lang="it", public=True, expires_at=now))
    db.session.commit()
    review = page_text(mod_client.get("/admin/list-review?lang=en"))
    assert "Solo Contato" not in review and "Firma Trattenuta" not in review and "Non Confermata" not in review
    assert "Nobody is waiting for a review." in review
    pending = db.session.scalar(select(Signature).where(Signature.name == "Non Confermata"))
    act(mod_client, "approve", pending.id)
    assert listing_of(pending.id).listing == ListingState.waiting  # not reviewable: untouched


def test_a_moderator_verifies_an_admin_claim(app, mod_client):
    claim = confirmed("Marco Neri", is_admin=True, group_name="Amici di Lecce", listing=ListingState.approved)
    for path, says in (("/en/signatures", "says they were an admin of Amici di Lecce"),
                       ("/it/firme", "dice di aver amministrato Amici di Lecce")):
        listed = page_text(mod_client.get(path))
        assert says in listed
        assert "verified" not in listed and "verificato" not in listed

    assert act(mod_client, "verify", claim.id, state="approved").status_code == 303
    assert "verified admin of Amici di Lecce" in page_text(mod_client.get("/en/signatures"))
    assert "ha amministrato Amici di Lecce (verificato)" in page_text(mod_client.get("/it/firme"))
    assert "says they were an admin of Amici" not in page_text(mod_client.get("/en/signatures"))
    assert len(entries("listing.verify")) == 1

    act(mod_client, "unverify", claim.id, state="approved")
    assert "says they were an admin of Amici di Lecce" in page_text(mod_client.get("/en/signatures"))


def _published_group(name: str) -> Group:
    group = Group(slug=fold(name).replace(" ", "-"), name=name, name_folded=fold(name),
                  status=GroupStatus.hijacked, crew=Crew.shitstorm, account_it="", account_en="",
                  published=True, published_at=utcnow())
    db.session.add(group)
    db.session.commit()
    return group


def _report(group: Group, email: str, status=ReportStatus.published, role=ReporterRole.admin) -> Report:
    report = Report(name=group.name, name_folded=group.name_folded, group_status=GroupStatus.hijacked,
                    crew=Crew.shitstorm, lang="it", reporter_name="Anna", reporter_email=email,
                    reporter_role=role, consent=True, status=status, group_id=group.id,
                    confirmed_at=utcnow())
    db.session.add(report)
    db.session.commit()
    return report


def test_an_admin_claim_is_verified_by_the_same_persons_published_report(app, client):
    group = _published_group("Cuochi per caso")
    other = _published_group("Altro gruppo")
    _report(group, "Anna.Rossi+facebook@googlemail.com")  # the same mailbox as the signer's
    _report(other, "luca@example.org", status=ReportStatus.queued)  # not published yet
    _report(other, "sara@example.org", role=ReporterRole.member)  # published, but not as an admin
    confirmed("Anna Rossi", email="annarossi@gmail.com", is_admin=True, group_id=group.id,
              listing=ListingState.approved)
    confirmed("Impostore", email="impostore@example.org", is_admin=True, group_id=group.id,
              listing=ListingState.approved)
    confirmed("Luca", email="luca@example.org", is_admin=True, group_id=other.id, listing=ListingState.approved)
    confirmed("Sara", email="sara@example.org", is_admin=True, group_id=other.id, listing=ListingState.approved)
    listed = page_text(client.get("/en/signatures"))
    assert listed.count("verified admin of Cuochi per caso") == 1
    assert "says they were an admin of Cuochi per caso" in listed  # the impostor
    assert listed.count("says they were an admin of Altro gruppo") == 2
    anna = listed.index("Anna Rossi")
    assert listed.index("verified admin of Cuochi per caso") > anna
    # The review page says the same.
    make_moderator()
    login(client)
    review = page_text(client.get("/admin/list-review?state=approved&lang=en"))
    assert review.count("not verified") == 3 and review.count(">verified<") == 1


def test_the_review_page_needs_a_login_and_a_csrf_token(app, client):
    signature = confirmed("Qualcuno")
    assert client.get("/admin/list-review").status_code == 302
    assert client.post("/admin/list-review", data={"action": f"approve:{signature.id}"}).status_code == 302
    make_moderator()
    login(client)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/admin/list-review", data={"action": f"approve:{signature.id}"}).status_code == 400
        page = client.get("/admin/list-review").get_data(as_text=True)
        assert 'name="csrf_token"' in page
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert listing_of(signature.id).listing == ListingState.waiting
    # Crafted actions and ids are refused, never a 500.
    for data in ({"action": "delete:1"}, {"action": "approve:x"}, {"action": "approve:99999999999"}, {}):
        assert client.post("/admin/list-review", data=data).status_code == 400, data
    assert client.get("/admin/list-review?state=nonsense&page=-3").status_code == 200
