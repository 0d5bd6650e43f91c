"""The petition in a real headless Chromium: signing with CSRF on, sharing, accessibility."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ListingState, Signature, SignatureStatus
from app.models.base import utcnow
from tests.helpers.browser import audit_pages

pytestmark = pytest.mark.browser

PAGES = ["/it/firma", "/en/sign", "/it/firme", "/en/signatures"]


@pytest.fixture
def config_overrides():
    """CSRF on, as in production."""
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def signers(seeded):
    """A few confirmed, listed signatures over three days, so the list and chart have content."""
    now = utcnow()
    for i, name in enumerate(["Anna Neri", "Luca Bruno", "Sara Gallo"]):
        db.session.add(Signature(name=name, email=f"b{i}@example.org", email_canonical=f"b{i}@example.org",
                                 city="Torino", lang="it", public=True, is_admin=i == 0,
                                 group_name="Gruppo X",
                                 reason="Per i miei gruppi", status=SignatureStatus.confirmed,
                                 confirmed_at=now - timedelta(days=2 - i), expires_at=now,
                                 listing=ListingState.approved))
    db.session.commit()


def test_sign_in_the_browser_with_csrf(seeded, page):
    page.goto("/en/sign")
    page.get_by_label("Full name").fill("Chiara Esposito")
    page.get_by_label("Email").fill("chiara@example.org")
    page.get_by_label("I consent to my data being processed as the privacy notice explains").check()
    page.get_by_role("button", name="Sign the letter").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you! Now check your email"
    db.session.rollback()
    assert db.session.scalar(select(Signature.name)) == "Chiara Esposito"


def test_errors_in_the_browser_keep_what_was_typed(seeded, page):
    page.goto("/it/firma")
    page.get_by_label("Nome e cognome").fill("Chiara Esposito")
    page.get_by_role("button", name="Firma la lettera").click()
    assert "Inserisci il tuo indirizzo email." in page.locator("#email-error").inner_text()
    assert page.get_by_label("Nome e cognome").input_value() == "Chiara Esposito"


def test_copy_button_appears_with_javascript(seeded, page):
    page.goto("/en/sign")
    assert page.get_by_role("button", name="Copy the link").is_visible()


def test_without_javascript_no_copy_button_that_would_do_nothing(seeded, browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/en/sign")
        assert page.locator("[data-copy]").count() == 1 and not page.locator("[data-copy]").is_visible()
        assert page.get_by_text("Or copy this address:").is_visible()
    finally:
        context.close()


def test_petition_pages_are_accessible_keep_to_the_csp_and_fit_a_phone(signers, page, live_server):
    assert audit_pages(page, PAGES, live_server) == {}


def test_sign_form_with_its_errors_shown_is_accessible(signers, page, live_server):
    page.goto("/it/firma")
    page.get_by_label("Amministro (o ho amministrato) un gruppo dirottato").check()
    page.get_by_role("button", name="Firma la lettera").click()
    assert page.locator("#error-summary").is_visible()
    assert audit_pages(page, [None], live_server) == {}


def test_confirm_page_shows_the_details_and_confirms_with_csrf(signers, page, live_server):
    from app.models import TokenPurpose
    from app.petition.signing import _new_link
    signature = Signature(name="Dario Fo", email="dario@example.org", email_canonical="dario@example.org",
                          city="Milano", lang="it", public=True, expires_at=utcnow() + timedelta(days=7))
    db.session.add(signature)
    db.session.flush()
    token = _new_link(signature.id, TokenPurpose.confirm)
    db.session.commit()
    page.goto(f"/it/firma/conferma/{token}")
    shown = page.locator("dl.signature-details").inner_text()
    assert "Dario Fo" in shown and "Milano" in shown and "elenco pubblico" in shown
    assert audit_pages(page, [None], live_server) == {}
    page.get_by_role("button", name="Conferma la mia firma").click()
    assert "confermata" in page.get_by_role("heading", level=1).inner_text()
    db.session.rollback()
    assert db.session.scalar(select(Signature.status).where(Signature.name == "Dario Fo")) == SignatureStatus.confirmed
