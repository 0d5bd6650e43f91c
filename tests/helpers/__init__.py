"""Helpers shared by the tests (fixtures stay in tests/conftest.py). One module per part:

- `services`: where PostgreSQL and Redis are (TEST_POSTGRES_URI, TEST_REDIS_URI), a free port
- `apps`: a TestConfig on a given database, the buffered test client, an app for one block
- `mail`: the loopback SMTP server, a received mail's parts, the links mailed or queued
- `browser`: Debian's Chromium, and the audit of a page as a visitor meets it (axe, CSP, width)
- `pages`: the sitemap as a crawler reads it; `in_threads` (here): work started in threads at once
- `production` (nginx, scratch databases), `words` (the catalogs as the glossary tests read them)
- `petition`, `registry`, `admin`, `signatures`, `campaign`, `fuzz`: the actions of each part (sign, send a
  report, log in, endorse …) and their data

Import them by their full name (`from tests.helpers.petition import sign`), never from conftest.
"""
import re
import threading

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def form(defaults: dict, fields: dict) -> dict:
    """A form's `defaults` with `fields` changed (None removes a field)."""
    data = {**defaults, **fields}
    return {k: v for k, v in data.items() if v is not None}


def mailed_link(it_path: str, en_path: str) -> re.Pattern:
    """The pattern of a link mailed in either language, say `it/firma/conferma` and `en/sign/confirm`."""
    return re.compile(rf"http://localhost/(?:{it_path}|{en_path})/[A-Za-z0-9_-]+")


def in_threads(n: int, work) -> list:
    """Run `work(i)` in `n` threads released together; return the results (re-raising errors)."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected, so that the test fails with it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results
