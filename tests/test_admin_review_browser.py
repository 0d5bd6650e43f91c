"""In a real headless Chromium, CSRF on: a moderator approves a waiting entry of the public list
and verifies an admin claim with the page's buttons; the review page, the audit log and the
exports pass the accessibility check in both languages, keep to the CSP and fit a phone."""
import pytest

from app.models import ListingState
from tests.helpers.admin import make_administrator, totp_code
from tests.helpers.browser import audit_pages
from tests.helpers.review import browser_log_in, confirmed

pytestmark = pytest.mark.browser


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def test_a_moderator_approves_in_the_browser_and_the_pages_pass_the_audit(app, page, live_server):
    administrator = make_administrator()
    confirmed("Giulia Bianchi", city="Lecce", reason="Ho perso il mio gruppo", is_admin=True,
              group_name="Amici di Lecce")
    confirmed("Un Nome Molto Lungo Che Non Finisce Mai Davvero", city="Reggio nell’Emilia",
              reason="x" * 300, listing=ListingState.approved)
    browser_log_in(page, administrator.email, totp_code())

    page.goto("/admin/list-review")
    assert page.get_by_role("heading", level=1).inner_text() == "Revisione dell’elenco pubblico"
    page.get_by_role("button", name="Approva · Giulia Bianchi", exact=True).click()
    assert "Fatto: 1 riga cambiata." in page.locator("main").inner_text()
    page.goto("/admin/list-review?state=approved")
    page.get_by_role("button", name="Verifica che ha amministrato il gruppo · Giulia Bianchi").click()
    page.goto("/it/firme")
    listed = page.locator("main").inner_text()
    assert "Giulia Bianchi" in listed and "ha amministrato Amici di Lecce (verificato)" in listed

    paths = ["/admin/list-review", "/admin/list-review?state=approved&lang=en", "/admin/list-review?state=hidden",
             "/admin/audit", "/admin/audit?lang=en&action=listing.approve", "/admin/exports",
             "/admin/exports?lang=en", "/it/firme", "/en/signatures"]
    assert audit_pages(page, paths, live_server) == {}
