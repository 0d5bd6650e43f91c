"""Updates: written in the back office in both languages, published only when complete, shown
on their pages, in an Atom feed per language and on the home and letter pages."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import AuditLog, Update
from tests.helpers.campaign import ATOM, BOTH, logged_in, parse_atom, published_update

PATHS = {"it": "/it/aggiornamenti", "en": "/en/updates"}


def test_an_update_in_one_language_cannot_be_published(client):
    logged_in(client)
    response = client.post("/admin/updates/new", data={"title_it": "Solo italiano", "body_it": "Testo."})
    assert response.status_code == 303
    update = db.session.scalar(select(Update))
    page = client.get(f"/admin/updates/{update.id}").get_data(as_text=True)
    assert "Not published: an update is published only when both languages" in page
    refused = client.post(f"/admin/updates/{update.id}/publish", follow_redirects=True)
    assert "An update is published only when both languages have a title and a text." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Update, update.id).published_at is None
    for lang, path in PATHS.items():
        assert "Solo italiano" not in client.get(path).get_data(as_text=True)
        assert client.get(f"{path}/{update.id}").status_code == 404


def test_the_database_refuses_a_published_update_missing_a_language(app):
    db.session.add(Update(title_it="Solo", body_it="Testo", published_at=datetime.now()))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_write_preview_publish_and_read_in_both_languages(client):
    logged_in(client)
    saved = client.post("/admin/updates/new", data=BOTH, follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert "Update saved." in html and "<strong>met</strong>" in html and "<strong>incontrato</strong>" in html
    update = db.session.scalar(select(Update))
    published = client.post(f"/admin/updates/{update.id}/publish", follow_redirects=True)
    assert "Update published." in published.get_data(as_text=True)
    # after moderator.create and login.success:
    assert [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))][2:] == \
        ["update.save", "update.publish"]
    it = client.get(PATHS["it"]).get_data(as_text=True)
    en = client.get(PATHS["en"]).get_data(as_text=True)
    assert "Siamo andati a Bruxelles" in it and "We went to Brussels" not in it
    assert "We went to Brussels" in en and "Siamo andati a Bruxelles" not in en
    page = client.get(f"/en/updates/{update.id}")
    assert page.status_code == 200 and "<strong>met</strong>" in page.get_data(as_text=True)
    assert f'hreflang="it" href="http://localhost/it/aggiornamenti/{update.id}"' in page.get_data(as_text=True)
    # Withdrawn, it leaves the public pages.
    client.post(f"/admin/updates/{update.id}/unpublish")
    assert client.get(f"/en/updates/{update.id}").status_code == 404


def test_a_published_update_cannot_lose_a_language(client):
    logged_in(client, "it")
    update = published_update()
    response = client.post(f"/admin/updates/{update.id}", data={**BOTH, "body_en": ""})
    assert response.status_code == 422
    assert "Un aggiornamento pubblicato deve avere un titolo e un testo in entrambe le lingue." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Update, update.id).body_en == BOTH["body_en"]


@pytest.mark.parametrize("lang, message", [("en", "At most 200 characters, please."),
                                           ("it", "Al massimo 200 caratteri, per favore.")])
def test_the_update_form_shows_its_errors_in_both_languages_and_keeps_the_text(client, lang, message):
    logged_in(client, lang)
    response = client.post("/admin/updates/new", data={**BOTH, "title_en": "x" * 201})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "Abbiamo **incontrato**" in html
    assert db.session.scalar(select(Update)) is None


def test_raw_html_in_markdown_is_shown_as_text(client):
    update = published_update(body_en='Hello <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>')
    html = client.get(f"/en/updates/{update.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_feed_is_valid_atom_in_each_language(client, lang):
    older = published_update(published_ago=timedelta(days=2), title_it="Primo", title_en="First")
    newer = published_update(title_it="Secondo", title_en="Second")
    db.session.add(Update(title_it="Bozza", body_it="Non ancora."))
    db.session.commit()
    response = client.get(f"{PATHS[lang]}/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    root = parse_atom(response.data)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == (["Secondo", "Primo"] if lang == "it" else ["Second", "First"])
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert ids == [f"http://localhost{PATHS[lang]}/{newer.id}", f"http://localhost{PATHS[lang]}/{older.id}"]
    assert root.find(f"{ATOM}id").text == f"http://localhost{PATHS[lang]}/feed.atom"
    datetime.fromisoformat(root.find(f"{ATOM}updated").text)
    assert b"Bozza" not in response.data


def test_an_empty_feed_is_still_valid(client):
    parse_atom(client.get("/en/updates/feed.atom").data)


@pytest.mark.parametrize("lang, home, letter", [("it", "/it/", "/it/lettera"), ("en", "/en/", "/en/letter")])
def test_the_latest_update_is_on_home_and_letter_pages(seeded, client, lang, home, letter):
    published_update(published_ago=timedelta(days=3), title_it="Vecchio", title_en="Old")
    latest = published_update(title_it="Nuovissimo", title_en="Brand new")
    for path in (home, letter):
        html = client.get(path).get_data(as_text=True)
        assert (latest.title_it if lang == "it" else latest.title_en) in html
        assert f"{PATHS[lang]}/{latest.id}" in html
        assert "Vecchio" not in html and "Old</a>" not in html


def test_back_office_update_pages_need_a_login(client):
    for path in ("/admin/updates", "/admin/updates/new"):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert client.post("/admin/updates/new", data=BOTH).status_code == 302
    assert db.session.scalar(select(Update)) is None


def test_back_office_update_forms_need_the_csrf_token(app, client):
    logged_in(client)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/admin/updates/new", data=BOTH).status_code == 400
    assert db.session.scalar(select(Update)) is None
