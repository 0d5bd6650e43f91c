"""The bilingual site: pages, languages, the letter as written, errors, headers, health, seed."""
import html
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import ConfigError, create_app
from app.config import Config
from app.extensions import db
from app.models import Group, LetterVersion

CONTENT = Path(__file__).resolve().parents[1] / "content"
PAGES = [
    ("/it/", "/en/"),
    ("/it/lettera", "/en/letter"),
    ("/it/chi-siamo", "/en/about"),
    ("/it/privacy", "/en/privacy"),
]


def page_text(response) -> str:
    """The visible text of a page, tags removed, entities decoded, spaces folded."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.mark.parametrize("it_path,en_path", PAGES)
def test_each_page_in_both_languages_links_its_twin(client, seeded, it_path, en_path):
    for path, lang, twin, twin_lang in ((it_path, "it", en_path, "en"), (en_path, "en", it_path, "it")):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert f'<html lang="{lang}">' in body
        assert f'<link rel="alternate" hreflang="{twin_lang}" href="http://localhost{twin}">' in body
        assert f'href="{twin}" hreflang="{twin_lang}"' in body  # the visible switch
        assert re.search(r"<title>[^<]+ · (Cara Umanità|Dear Humanity)</title>", body)


def test_titles_and_navigation_are_translated(client, seeded):
    it = page_text(client.get("/it/chi-siamo"))
    en = page_text(client.get("/en/about"))
    assert "Chi siamo e che cosa è successo" in it and "Vai al contenuto" in it and "La lettera" in it
    assert "Who we are and what happened" in en and "Skip to content" in en and "The letter" in en


@pytest.mark.parametrize("header,target", [
    ("it-IT,it;q=0.9", "/it/"),
    ("en-GB,en;q=0.8", "/en/"),
    ("de-DE,de;q=0.9", "/it/"),
    (None, "/it/"),
    ("de;q=1.0, en;q=0.5", "/en/"),
])
def test_bare_root_redirects_by_accept_language(client, header, target):
    headers = {"Accept-Language": header} if header else {}
    response = client.get("/", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert "Accept-Language" in response.headers["Vary"]


def _paragraphs(lang: str) -> list[str]:
    text = (CONTENT / f"letter.{lang}.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    return [re.sub(r"\s+", " ", p.strip().lstrip("# ")) for p in text.split("\n\n") if p.strip()]


@pytest.mark.parametrize("lang,path", [("it", "/it/lettera"), ("en", "/en/letter")])
def test_letter_page_holds_the_letter_as_written_with_signatories(client, seeded, lang, path):
    text = page_text(client.get(path))
    paragraphs = _paragraphs(lang)
    assert len(paragraphs) > 15
    for paragraph in paragraphs:
        assert paragraph in text, paragraph[:60]
    assert "Alessandra Amorosi (Avezzano / AQ)" in text and "Tiziana Lenzini (Roma)." in text


def test_hijackers_address_is_plain_text_not_a_link(client, seeded):
    for path in ("/it/lettera", "/en/letter"):
        body = client.get(path).get_data(as_text=True)
        assert "www.facebook.com/SHITSTORM.the.original" in body
        assert 'href="http://www.facebook.com/SHITSTORM' not in body
        assert not re.search(r'<a [^>]*SHITSTORM', body)


def test_numbers_are_formatted_per_locale(client, seeded):
    assert "oltre 1,2 milioni" in page_text(client.get("/it/"))
    assert "over 1.2 million" in page_text(client.get("/en/"))


def test_letter_opening_on_home_page(client, seeded):
    assert "Cara Umanità," in page_text(client.get("/it/"))
    assert "Dear Friends of this world without frontiers," in page_text(client.get("/en/"))


@pytest.mark.parametrize("path,phrase", [
    ("/it/pagina-che-non-esiste", "Pagina non trovata"),
    ("/en/no-such-page", "Page not found"),
])
def test_not_found_is_translated(client, path, phrase):
    response = client.get(path)
    assert response.status_code == 404
    assert phrase in page_text(response)


def test_server_error_is_translated(app, client):
    def boom():
        raise RuntimeError("test crash")

    app.add_url_rule("/it/boom", "boom_it", boom)
    app.add_url_rule("/en/boom", "boom_en", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production; tests otherwise see the crash
    for path, phrase in (("/it/boom", "Qualcosa è andato storto"), ("/en/boom", "Something went wrong")):
        response = client.get(path)
        assert response.status_code == 500
        assert phrase in page_text(response)
        assert "test crash" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/it/", "/en/letter", "/it/nope", "/static/css/site.css", "/healthz", "/"])
def test_security_headers_on_every_response(client, seeded, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'none'"):
        assert directive in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP here


def test_hsts_when_served_over_https(client, seeded):
    response = client.get("/it/", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_pages_have_no_inline_code_or_third_party_origin(client, seeded):
    for it_path, en_path in PAGES:
        for path in (it_path, en_path):
            body = client.get(path).get_data(as_text=True)
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), path
            assert "<style" not in body and "style=" not in body and " onclick=" not in body
            for url in re.findall(r'(?:src|href)="(https?:)?//([^/"]+)', body):
                assert url[1] in ("localhost",), (path, url)


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_healthz_503_when_database_unreachable(tmp_path):
    broken = type("Broken", (Config,), {
        "TESTING": True, "SECRET_KEY": "x" * 32,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing-dir/nope/db.sqlite",
    })
    app = create_app(broken)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503


def test_production_refuses_the_development_secret_and_a_missing_site_url(monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEVELOPMENT", raising=False)
    monkeypatch.delenv("FLASK_SITE_URL", raising=False)
    with pytest.raises(ConfigError, match="FLASK_SECRET_KEY"):
        create_app(Config)
    monkeypatch.setenv("FLASK_SECRET_KEY", "a-real-secret-of-enough-length-123")
    with pytest.raises(ConfigError, match="FLASK_SITE_URL"):
        create_app(Config)
    monkeypatch.setenv("FLASK_SITE_URL", "https://caraumanita.example")
    app = create_app(Config)
    assert app.config["SECRET_KEY"] == "a-real-secret-of-enough-length-123"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_absolute_links_use_site_url_not_the_requests_host(app):
    app.config["SITE_URL"] = "https://caraumanita.example"
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        from flask import url_for

        assert url_for("letter.letter", lang_code="en", _external=True) == "https://caraumanita.example/en/letter"
        assert url_for("letter.letter", lang_code="en") == "/en/letter"


def test_settings_come_from_flask_prefixed_environment(monkeypatch):
    monkeypatch.setenv("FLASK_SITE_URL", "https://caraumanita.example")
    monkeypatch.setenv("FLASK_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("FLASK_MAIL_PORT", "2525")
    monkeypatch.setenv("FLASK_PRESS_CONTACT", "press@example.org")
    app = create_app(Config)
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["PRESS_CONTACT"] == "press@example.org"


def test_seed_is_idempotent(app, runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "groups added: 78" in first.output
    second = runner.invoke(args=["seed"])
    assert "letter: unchanged; groups added: 0" in second.output
    assert db.session.scalar(select(func.count(Group.id))) == 78
    assert db.session.scalar(select(func.count(LetterVersion.id))) == 2


def test_seeded_groups_keep_unicode_names_and_facts(seeded):
    circled = db.session.scalar(select(Group).where(Group.name.like("%ⓛⓐ%")))
    assert circled.name == ">ⓛⓐ ©ⓐⓟⓐ ⓖⓘⓡⓐ<╝- LA CAPAGIRA"
    assert circled.slug == "la-apa-gira-la-capagira"
    torrente = db.session.scalar(select(Group).where(Group.name == "Nell'alveo del torrente"))
    assert torrente.members_at_hijack == 65300 and torrente.hijacked_on == "2014-07-18"
    assert torrente.published


def test_a_changed_letter_becomes_a_new_version(app, seeded, monkeypatch, tmp_path):
    from app.letter import service

    for lang in ("it", "en"):
        (tmp_path / f"letter.{lang}.md").write_text(
            (CONTENT / f"letter.{lang}.md").read_text(encoding="utf-8"), encoding="utf-8")
    with (tmp_path / "letter.en.md").open("a", encoding="utf-8") as handle:
        handle.write("\nA corrected line.\n")
    monkeypatch.setattr(service, "CONTENT_DIR", tmp_path)
    assert service.load_letters() == ["en v2"]
    assert service.statement_version() == 2
    assert service.current_letter("en").version == 2


@pytest.mark.parametrize("lang,phrase", [("it", "rimasto aperto troppo a lungo"), ("en", "open for too long")])
def test_a_post_without_csrf_token_gets_a_clear_translated_answer(app, client, lang, phrase):
    """Forms that are not re-rendered with the error themselves get a translated 400 page."""
    app.config["WTF_CSRF_ENABLED"] = True
    client.get(f"/admin/login?lang={lang}")
    response = client.post("/admin/login", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert phrase in page_text(response)


@pytest.mark.parametrize("path,heading", [
    ("/it/lettera", "Elenco parziale di gruppi su Facebook carpiti da Shitstorm e Nameless"),
    ("/en/letter", "Partial list of Facebook groups stolen by Shitstorm and Nameless"),
])
def test_letter_page_lists_the_78_groups_it_published_linked_to_the_registry(client, seeded, path, heading):
    body = client.get(path).get_data(as_text=True)
    assert heading in body
    section = body.split(heading, 1)[1]
    links = re.findall(r'<li><a href="(/(?:it/registro/gruppo|en/registry/group)/[a-z0-9-]+)">', section)
    assert len(links) == 78
    assert html.escape(">ⓛⓐ ©ⓐⓟⓐ ⓖⓘⓡⓐ<╝- LA CAPAGIRA") in section
    assert client.get(links[0]).status_code == 200
