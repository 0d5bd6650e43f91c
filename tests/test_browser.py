"""In a real headless Chromium: the language switch, the letter, and an accessibility check."""
import pytest

from tests.helpers.browser import audit_pages

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/it/", "/en/", "/it/lettera", "/en/letter", "/it/chi-siamo", "/en/about",
                "/it/privacy", "/en/privacy", "/it/pagina-inesistente"]


def test_open_root_switch_language_open_letter(seeded, page):
    page.goto("/")
    assert page.url.endswith("/it/")
    assert page.locator("html").get_attribute("lang") == "it"
    page.get_by_role("link", name="English", exact=True).click()
    assert page.url.endswith("/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="The letter").click()
    assert page.url.endswith("/en/letter")
    assert page.get_by_role("heading", level=1).inner_text() == "Open letter to Facebook and to Humanity"
    page.get_by_role("link", name="Italiano", exact=True).click()
    assert page.url.endswith("/it/lettera")
    assert "Cara Umanità," in page.locator("main").inner_text()


def test_skip_link_moves_focus_to_main(seeded, page):
    page.goto("/en/letter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_pages_are_accessible_keep_to_the_csp_and_fit_a_phone(seeded, page, live_server):
    assert audit_pages(page, PUBLIC_PAGES, live_server) == {}


def test_circled_letters_are_drawn_with_our_own_symbols_font(seeded, page):
    """The group written in circled letters must not show as boxes where the system lacks them."""
    page.goto("/it/registro/gruppo/la-apa-gira-la-capagira")
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate("[...document.fonts].filter(f => f.family.includes('Campaign Symbols'))"
                           ".map(f => f.status)")
    assert loaded == ["loaded"]
