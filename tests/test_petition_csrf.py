"""Cross-site posts to the anonymous forms are refused by their origin (no CSRF token, so the
public pages are the same for everyone and cacheable); the back office keeps its tokens."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Signature, SignatureStatus
from tests.helpers.petition import last_link

SIGNER = {"name": "Cross Site", "email": "cross@example.org", "privacy": "y"}


@pytest.fixture
def config_overrides():
    """CSRF on, as in production (it only concerns the back office now)."""
    return {"WTF_CSRF_ENABLED": True}


def _count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Signature.id)))


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site to us
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
])
@pytest.mark.parametrize("lang, message", [
    ("en", "This form was sent from another website"),
    ("it", "Questo modulo è stato inviato da un altro sito"),
])
def test_a_cross_site_sign_post_is_refused_in_the_pages_language(seeded, client, headers, lang, message):
    response = client.post(f"/{lang}/{'sign' if lang == 'en' else 'firma'}", data=SIGNER, headers=headers)
    assert response.status_code == 403
    assert message in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert _count() == 0


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},  # typed or bookmarked
    {"Origin": "http://localhost"},  # an older browser: the Origin is our own (SITE_URL)
    {},  # not a browser
])
def test_a_same_site_sign_post_passes(seeded, client, headers):
    response = client.post("/en/sign", data=SIGNER, headers=headers)
    assert response.status_code == 200
    assert _count() == 1


def test_the_confirm_button_of_a_mailed_link_works_from_its_own_page_and_not_from_elsewhere(seeded, client, smtp):
    client.post("/en/sign", data=SIGNER)
    path = last_link(smtp, SIGNER["email"])
    page = client.get(path)
    # Not no-referrer: the button's POST must still carry our Origin for older browsers.
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert client.post(path, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    db.session.rollback()
    assert db.session.scalar(select(Signature.status)) == SignatureStatus.pending
    done = client.post(path, headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"})
    assert done.status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(Signature.status)) == SignatureStatus.confirmed


def test_public_pages_carry_no_token_and_set_no_cookie(seeded, client):
    for url in ("/en/letter", "/en/sign", "/it/firma", "/en/registry", "/en/registry/report", "/en/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "csrf_token" not in page.get_data(as_text=True), url
        assert "Set-Cookie" not in page.headers, url
        assert page.headers["Cache-Control"].startswith("public, max-age="), url


def test_the_back_office_login_keeps_its_csrf_token(client):
    page = client.get("/admin/login")
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    assert "no-store" in page.headers["Cache-Control"]
    refused = client.post("/admin/login", data={"email": "a@example.org", "password": "x" * 12})
    assert refused.status_code in (400, 422)
