"""Back office, signatures: the search and its filters, what each role sees of an address, the
held queue (release, invalidate), bulk invalidation with its preview, its reason and undo (the
count and the public list follow), and the audit entry of each action."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Role, Signature, SignatureInvalidation, SignatureStatus
from app.petition import listing
from tests.helpers.petition import count, fetch, last_link
from tests.helpers.signatures import actions, add_signatures, ip, listed_ids, logged_in


@pytest.fixture
def mod(app):
    """A client logged in as a moderator."""
    return logged_in(app)


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def _listed() -> int:
    """How many signers the public list shows, on all its pages."""
    return listing.public_page(1).total


def _public_names() -> set[str]:
    """The names on the first page of the public list, as the public page gets them."""
    return {s.name for s in listing.public_page(1).items}


# --- Search ----------------------------------------------------------------------------------

def test_each_filter_finds_its_signatures_newest_first(app, mod):
    crew = add_signatures(3, domain="mailinator.com", prefix="crew", ip_hash=ip("crew"))
    french = add_signatures(2, domain="example.fr", prefix="jean", country="FR", ago=timedelta(days=3))
    pending = add_signatures(1, prefix="attesa", status=SignatureStatus.pending)
    held = add_signatures(2, prefix="famiglia", suspect=True, status=SignatureStatus.pending, ip_hash=ip("casa"))
    named = add_signatures(1, prefix="anna", name="Anna Bianchi")
    everyone = set(crew + french + pending + held + named)

    assert listed_ids(_get(mod, "/admin/signatures")) == everyone
    html = _get(mod, "/admin/signatures")
    positions = [html.index(f'/admin/signatures/{i}"') for i in sorted(everyone, reverse=True)]
    assert positions == sorted(positions)  # newest first
    assert listed_ids(_get(mod, "/admin/signatures?name=bianchi")) == set(named)
    assert listed_ids(_get(mod, "/admin/signatures?email=Crew1%40Mailinator.com")) == {crew[1]}
    assert listed_ids(_get(mod, "/admin/signatures?domain=mailinator.com")) == set(crew)
    assert listed_ids(_get(mod, "/admin/signatures?domain=mailinator.com,+example.fr")) == set(crew + french)
    assert listed_ids(_get(mod, f"/admin/signatures?ip_hash={ip('crew')}")) == set(crew)
    assert listed_ids(_get(mod, "/admin/signatures?country=FR")) == set(french)
    assert listed_ids(_get(mod, "/admin/signatures?state=held")) == set(held)
    assert listed_ids(_get(mod, "/admin/signatures?state=pending")) == set(pending)
    assert listed_ids(_get(mod, "/admin/signatures?state=confirmed")) == set(crew + french + named)
    three_days_ago = (listing.local_date(db.session.get(Signature, french[0]).created_at)).isoformat()
    assert listed_ids(_get(mod, f"/admin/signatures?since={three_days_ago}&until={three_days_ago}")) == set(french)
    assert listed_ids(_get(mod, f"/admin/signatures?until={three_days_ago}&domain=mailinator.com")) == set()


def test_a_wrong_filter_says_so_and_is_left_out(app, mod):
    ids = add_signatures(2)
    response = mod.get("/admin/signatures?since=yesterday&country=XX&state=gone")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Scrivi una data nella forma 2026-12-01." in html
    assert listed_ids(html) == set(ids)


def test_the_list_pages_keep_the_filter(app, mod):
    add_signatures(60, domain="crew.example")
    add_signatures(5, domain="other.example", prefix="altro")
    html = _get(mod, "/admin/signatures?domain=crew.example")
    assert len(listed_ids(html)) == 50
    assert "/admin/signatures?page=2&amp;domain=crew.example" in html
    assert len(listed_ids(_get(mod, "/admin/signatures?domain=crew.example&page=2"))) == 10


def test_moderators_see_the_domain_administrators_the_address(app, mod):
    [signature_id] = add_signatures(1, prefix="maria.rossi", domain="example.org")
    admin = logged_in(app, Role.administrator)
    for url in ("/admin/signatures", f"/admin/signatures/{signature_id}",
                "/admin/signatures/invalidate?domain=example.org"):
        as_moderator, as_admin = _get(mod, url), _get(admin, url)
        assert "maria.rossi0@example.org" not in as_moderator and "…@example.org" in as_moderator
        assert "maria.rossi0@example.org" in as_admin
    # An address typed as a criterion is described by its domain to moderators (the form
    # keeps what they typed).
    typed = _get(mod, "/admin/signatures/invalidate?email=maria.rossi0%40example.org")
    assert "indirizzo email: …@example.org" in typed


def test_the_detail_of_a_signature(app, mod):
    [signature_id] = add_signatures(1, prefix="lucia", ip_hash=ip("lucia"), name="Lucia Verdi")
    html = _get(mod, f"/admin/signatures/{signature_id}")
    assert "Lucia Verdi" in html and ip("lucia") in html and "Confermata" in html
    assert mod.get("/admin/signatures/999999").status_code == 404


def test_signature_pages_need_a_login(app, client):
    add_signatures(1)
    for url in ("/admin/signatures", "/admin/signatures/1", "/admin/invalidations", "/admin/signatures/trending"):
        assert client.get(url).status_code == 302


# --- Held signatures ----------------------------------------------------------------------------

def test_held_signatures_released_one_by_one_get_their_confirm_mail(app, mod, smtp):
    family = add_signatures(3, prefix="famiglia", suspect=True, status=SignatureStatus.pending,
                            ip_hash=ip("casa"))
    assert count() == 0
    response = mod.post("/admin/signatures/release", data={"ids": family[0]})
    assert response.status_code == 302
    assert len(smtp.to("famiglia0@example.org")) == 1
    assert smtp.to("famiglia1@example.org") == []
    fetch(app.test_client(), last_link(smtp, "famiglia0@example.org"), "POST")
    assert count() == 1
    assert listed_ids(_get(mod, "/admin/signatures?state=held")) == set(family[1:])
    assert "signature.release" in actions()


def test_a_familys_held_signatures_released_in_bulk_by_their_ip_hash(app, mod, smtp):
    family = add_signatures(4, prefix="famiglia", suspect=True, status=SignatureStatus.pending,
                            ip_hash=ip("casa"))
    others = add_signatures(2, prefix="altri", suspect=True, status=SignatureStatus.pending)
    page = _get(mod, f"/admin/signatures?state=held&ip_hash={ip('casa')}")
    assert "Sblocca le 4 firme trattenute" in page
    response = mod.post("/admin/signatures/release", data={"state": "held", "ip_hash": ip("casa"),
                                                           "up_to": max(family + others)})
    assert response.status_code == 302
    assert all(len(smtp.to(f"famiglia{i}@example.org")) == 1 for i in range(4))
    assert smtp.to("altri0@example.org") == []
    assert listed_ids(_get(mod, "/admin/signatures?state=held")) == set(others)


def test_chosen_held_signatures_released_or_invalidated(app, mod, smtp):
    held = add_signatures(4, prefix="tenuta", suspect=True, status=SignatureStatus.pending)
    mod.post("/admin/signatures/release", data={"ids": held[:2], "action": "release"})
    assert len(smtp.messages) == 2
    preview = mod.post("/admin/signatures/invalidate", data={"ids": held[2:], "action": "preview"})
    assert "2 firme saranno invalidate" in preview.get_data(as_text=True)
    mod.post("/admin/signatures/invalidate", data={"ids": held[2:], "action": "confirm", "reason": "Banda"})
    assert listed_ids(_get(mod, "/admin/signatures?state=held")) == set()
    assert listed_ids(_get(mod, "/admin/signatures?state=invalidated")) == set(held[2:])
    assert len(smtp.messages) == 2  # the invalidated ones got no mail
    # An invalidated signature cannot be released.
    mod.post("/admin/signatures/release", data={"ids": held[2]})
    assert len(smtp.messages) == 2


def test_a_held_confirmed_signature_released_counts(app, mod):
    [signature_id] = add_signatures(1, suspect=True)  # confirmed with an earlier link, then held
    assert count() == 0
    mod.post("/admin/signatures/release", data={"ids": signature_id})
    assert count() == 1


# --- Bulk invalidation ----------------------------------------------------------------------

def test_bulk_invalidation_preview_reason_and_undo(app, mod):
    crew = (add_signatures(120, domain="mailinator.com", prefix="a", name="Troll")
            + add_signatures(100, domain="yopmail.com", prefix="b", name="Troll")
            + add_signatures(70, domain="yopmail.com", prefix="c", name="Troll", status=SignatureStatus.pending)
            + add_signatures(10, domain="guerrillamail.com", prefix="d", name="Troll", suspect=True))
    real = add_signatures(5, domain="libero.it", prefix="vero", name="Vera")
    assert count() == 225
    assert _listed() == 225

    criteria = "domain=mailinator.com,yopmail.com,guerrillamail.com"
    preview = _get(mod, f"/admin/signatures/invalidate?{criteria}")
    assert "300 firme saranno invalidate" in preview
    assert "220 confermate, 70 in attesa di conferma, 10 trattenute." in preview
    assert len(listed_ids(preview)) == 20
    up_to = max(crew + real)

    # A signature arriving after the preview is not taken.
    [late] = add_signatures(1, domain="yopmail.com", prefix="tardi")
    form = {"domain": "mailinator.com,yopmail.com,guerrillamail.com", "up_to": up_to, "action": "confirm"}
    refused = mod.post("/admin/signatures/invalidate", data={**form, "reason": "  "})
    assert refused.status_code == 422
    assert "Scrivi perché invalidi queste firme." in refused.get_data(as_text=True)
    assert db.session.scalar(select(SignatureInvalidation.id)) is None

    done = mod.post("/admin/signatures/invalidate", data={**form, "reason": "Banda di caselle usa e getta"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/invalidations")
    assert count() == 6  # the five real ones and the late one
    assert _listed() == 6 and not any(name.startswith("Troll") for name in _public_names())
    record = db.session.scalar(select(SignatureInvalidation))
    assert record.count == 300 and record.reason == "Banda di caselle usa e getta"
    assert db.session.get(Signature, late).invalidation_id is None
    page = _get(mod, "/admin/invalidations")
    assert "Banda di caselle usa e getta" in page and "mailinator.com" in page and ">300<" in page
    taken = _get(mod, f"/admin/signatures?invalidation={record.id}")
    assert "300 firme corrispondono" in taken and listed_ids(taken) == set(sorted(crew)[-50:])

    mod.post(f"/admin/invalidations/{record.id}/undo")
    assert count() == 226 and _listed() == 226
    assert listed_ids(_get(mod, "/admin/signatures?state=held")) == set(crew[-10:])  # held again
    assert "70 firme corrispondono" in _get(mod, "/admin/signatures?state=pending")  # pending again
    assert "Annullata da moderatrice@example.org" in _get(mod, "/admin/invalidations")
    # A second undo does nothing.
    mod.post(f"/admin/invalidations/{record.id}/undo")
    assert count() == 226
    log = actions()
    assert log.count("signature.invalidate") == 1 and log.count("signature.invalidation_undo") == 1


def test_invalidating_one_signature_is_an_invalidation_of_one(app, mod):
    ids = add_signatures(3)
    mod.post("/admin/signatures/invalidate", data={"ids": ids[1], "action": "confirm", "reason": "Insulti"})
    assert count() == 2
    record = db.session.scalar(select(SignatureInvalidation))
    assert record.count == 1 and db.session.get(Signature, ids[1]).invalidation_id == record.id
    assert "Insulti" in _get(mod, f"/admin/signatures/{ids[1]}")


def test_invalidating_needs_a_filter(app, mod):
    add_signatures(3)
    response = mod.get("/admin/signatures/invalidate")
    assert response.status_code == 302
    response = mod.post("/admin/signatures/invalidate", data={"action": "confirm", "reason": "Tutto"})
    assert response.status_code == 302
    assert count() == 3


def test_overlapping_invalidations_each_take_what_is_still_valid(app, mod):
    a = add_signatures(3, domain="a.example", prefix="x")
    mod.post("/admin/signatures/invalidate", data={"ids": a[0], "action": "confirm", "reason": "Uno"})
    mod.post("/admin/signatures/invalidate", data={"domain": "a.example", "action": "confirm", "reason": "Tutti"})
    first, second = db.session.scalars(select(SignatureInvalidation).order_by(SignatureInvalidation.id)).all()
    assert (first.count, second.count) == (1, 2)
    mod.post(f"/admin/invalidations/{second.id}/undo")
    assert count() == 2 and db.session.get(Signature, a[0]).invalidation_id == first.id


@pytest.mark.parametrize("lang, words", [
    ("it", ["Firme", "Firme trattenute", "Invalidazioni", "Di tendenza", "Cerca"]),
    ("en", ["Signatures", "Held signatures", "Invalidations", "Trending", "Search"]),
])
def test_signature_pages_in_both_languages(app, mod, lang, words):
    ids = add_signatures(2, domain="crew.example")
    pages = "".join(_get(mod, f"{url}{'&' if '?' in url else '?'}lang={lang}") for url in (
        "/admin/signatures", "/admin/signatures?state=held", f"/admin/signatures/{ids[0]}",
        "/admin/signatures/invalidate?domain=crew.example", "/admin/invalidations", "/admin/signatures/trending"))
    for word in words:
        assert word in pages, word


def test_back_office_forms_need_their_csrf_token(app):
    ids = add_signatures(2, suspect=True, status=SignatureStatus.pending)
    client = logged_in(app)
    app.config["WTF_CSRF_ENABLED"] = True  # a forged post carries the cookie, not the token
    assert client.post("/admin/signatures/release", data={"ids": ids[0]}).status_code == 400
    refused = client.post("/admin/signatures/invalidate", data={"ids": ids[1], "action": "confirm", "reason": "x"})
    assert refused.status_code == 400
    assert listed_ids(_get(client, "/admin/signatures?state=held")) == set(ids)


def test_each_action_reads_in_the_audit_log(app):
    ids = add_signatures(3, suspect=True, status=SignatureStatus.pending)
    admin = logged_in(app, Role.administrator)
    admin.post("/admin/signatures/release", data={"ids": ids[0]})
    admin.post("/admin/signatures/invalidate", data={"ids": ids[1], "action": "confirm", "reason": "Insulti"})
    record = db.session.scalar(select(SignatureInvalidation))
    admin.post(f"/admin/invalidations/{record.id}/undo")
    admin.post("/admin/blocklist", data={"kind": "domain", "value": "yopmail.com"})
    page = _get(admin, "/admin/audit?lang=en")
    for words in ("Released held signatures", "Invalidated signatures", "Undid an invalidation",
                  "Added an entry to a block list"):
        assert words in page, words
    assert ">signature.invalidate<" not in page and "Insulti" in page  # words, not codes
