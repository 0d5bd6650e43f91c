"""The press room in a real headless Chromium: accessibility, CSP, a 360 px phone."""
import pytest

from tests.helpers.browser import audit_pages

pytestmark = pytest.mark.browser

PAGES = ["/it/stampa", "/en/press"]


def test_press_page_accessible_within_csp_and_fits_a_phone(seeded, page, live_server):
    page.goto("/en/press/letter.txt")  # so the downloads table shows a size and a SHA-256
    assert audit_pages(page, PAGES, live_server) == {}
    # The figures and a fingerprint are there for a journalist to read.
    assert "SHA-256" in page.locator("main").inner_text()
