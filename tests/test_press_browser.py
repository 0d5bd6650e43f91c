"""The press room in a real headless Chromium: accessibility, CSP, a 360 px phone."""
import pytest

pytestmark = pytest.mark.browser

PAGES = ["/it/stampa", "/en/press"]


def test_press_page_accessible_within_csp_and_fits_a_phone(seeded, page, live_server):
    from axe_playwright_python.sync_playwright import Axe

    violations, requests = [], []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: requests.append(r.url))
    page.goto("/en/press/letter.txt")  # so the downloads table shows a size and a SHA-256
    axe = Axe()
    problems = {}
    for path in PAGES:
        page.set_viewport_size({"width": 1024, "height": 800})
        page.goto(path)
        bad = [v for v in axe.run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        if bad:
            problems[path] = [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, path
    assert problems == {}
    assert violations == []
    assert all(url.startswith(live_server) for url in requests)
    # The figures and a fingerprint are there for a journalist to read.
    assert "SHA-256" in page.locator("main").inner_text()
