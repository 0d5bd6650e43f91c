"""In a real headless Chromium: the language switch, the letter, and an accessibility check."""
import pytest

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/it/", "/en/", "/it/lettera", "/en/letter", "/it/chi-siamo", "/en/about",
                "/it/privacy", "/en/privacy", "/it/pagina-inesistente"]


def test_open_root_switch_language_open_letter(seeded, page):
    page.goto("/")
    assert page.url.endswith("/it/")
    assert page.locator("html").get_attribute("lang") == "it"
    page.get_by_role("link", name="English").click()
    assert page.url.endswith("/en/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="The letter").click()
    assert page.url.endswith("/en/letter")
    assert page.get_by_role("heading", level=1).inner_text() == "Open letter to Facebook and to Humanity"
    page.get_by_role("link", name="Italiano").click()
    assert page.url.endswith("/it/lettera")
    assert "Cara Umanità," in page.locator("main").inner_text()


def test_skip_link_moves_focus_to_main(seeded, page):
    page.goto("/en/letter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_no_csp_violation_and_no_request_to_another_origin(seeded, page, live_server):
    requests, violations = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    for path in PUBLIC_PAGES:
        page.goto(path)
    assert violations == []
    assert all(url.startswith(live_server) for url in requests), [u for u in requests if not u.startswith(live_server)]


def test_pages_fit_a_360px_phone(seeded, page):
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/it/", "/en/letter"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path


def test_accessibility_no_serious_or_critical_violation(seeded, page):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems = {}
    for path in PUBLIC_PAGES:
        page.goto(path)
        results = axe.run(page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        if bad:
            problems[path] = [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]
    assert problems == {}
