"""In a real headless Chromium: the back office's signature pages pass the accessibility check,
keep to the CSP and fit a phone, in both languages; and a moderator invalidates a crew's
signatures through the preview with CSRF on, as in production."""
import pytest

from sqlalchemy import func, select

from app.extensions import db
from app.models import BlockKind, SignatureBlock, SignatureStatus
from app.models.petition import SignatureInvalidation
from tests.helpers.admin import PASSWORD, make_administrator, totp_code
from tests.helpers.browser import audit_pages
from tests.helpers.petition import count
from tests.helpers.signatures import add_signatures, ip

pytestmark = pytest.mark.browser


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def _log_in(page, email):
    page.goto("/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Codice", exact=True).fill(totp_code())
    page.get_by_role("button", name="Accedi").click()


def test_signature_pages_are_accessible_in_both_languages(app, page, live_server):
    administrator = make_administrator()
    ids = add_signatures(3, domain="yopmail.com", ip_hash=ip("router"))
    add_signatures(2, prefix="famiglia", suspect=True, status=SignatureStatus.pending)
    db.session.add(SignatureBlock(kind=BlockKind.domain, value="yopmail.com", actor="cli"))
    db.session.commit()
    _log_in(page, administrator.email)
    paths = ["/admin/signatures", "/admin/signatures?state=held", f"/admin/signatures/{ids[0]}",
             "/admin/signatures/invalidate?domain=yopmail.com", "/admin/invalidations",
             "/admin/signatures/trending", "/admin/blocklist"]
    assert audit_pages(page, paths + [p + ("&" if "?" in p else "?") + "lang=en" for p in paths], live_server) == {}


def test_a_moderator_invalidates_through_the_preview_and_undoes_it(app, page, live_server):
    administrator = make_administrator()
    add_signatures(12, domain="yopmail.com")
    add_signatures(3, domain="libero.it", prefix="vero")
    _log_in(page, administrator.email)
    page.goto("/admin/signatures")
    page.get_by_label("Dominio email").fill("yopmail.com")
    page.get_by_role("button", name="Cerca").click()
    page.get_by_role("link", name="Invalida ciò che questo filtro trova…").click()
    assert "12 firme saranno invalidate" in page.locator("main").inner_text()
    page.get_by_role("button", name="Invalida 12 firme").click()
    assert "Scrivi perché invalidi queste firme." in page.locator("main").inner_text()  # the reason first
    assert audit_pages(page, [None], live_server) == {}  # the form with its error
    page.get_by_label("Motivo").fill("Caselle usa e getta")
    page.get_by_role("button", name="Invalida 12 firme").click()
    assert "12 firme invalidate" in page.locator("main").inner_text()
    assert count() == 3
    # Its number is the table's id (not 1 on a database whose sequences other tests moved on).
    number = db.session.scalar(select(func.max(SignatureInvalidation.id)))
    page.get_by_role("button", name=f"Annulla la n. {number}").click()
    assert count() == 15
