"""The browser tests' Chromium (Debian's, driven by Playwright) and the audit of a page as a
visitor meets it."""
import os

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

_axe = None


def audit_pages(page, paths, base_url: str) -> dict:
    """Open each path as a visitor would and collect what they would hit: axe-core's serious and
    critical violations, CSP violations, requests to another origin, and sideways scrolling on a
    360 px phone. A path of None audits the page as it is now (say, a form showing its errors).
    Returns {path: [problems]}: empty when all is well."""
    global _axe
    from axe_playwright_python.sync_playwright import Axe

    _axe = _axe or Axe()
    problems: dict = {}
    current: list = []
    on_request = lambda r: None if r.url.startswith(base_url) else current.append(("other origin", r.url))  # noqa: E731
    on_console = lambda m: current.append(("CSP", m.text)) if "Content Security Policy" in m.text else None  # noqa: E731
    page.on("request", on_request)
    page.on("console", on_console)
    try:
        for path in paths:
            current.clear()
            page.set_viewport_size({"width": 1280, "height": 900})
            if path is not None:
                page.goto(path)
            for v in _axe.run(page).response["violations"]:
                if v["impact"] in ("serious", "critical"):
                    current.append((v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]))
            page.set_viewport_size({"width": 360, "height": 740})
            if page.evaluate("document.documentElement.scrollWidth - window.innerWidth") > 0:
                current.append(("wider than a 360 px phone",))
            if current:
                problems[path or page.url] = list(current)
    finally:
        page.remove_listener("request", on_request)
        page.remove_listener("console", on_console)
    return problems
