"""Fuzzing every form (Hypothesis): each POST endpoint of the URL map, with CSRF on, in each of its
languages, gets what its page's form sends with hostile values in its fields and keys of its own.
Never a 5xx; a refusal (4xx) writes nothing to the database. A new form is fuzzed without anyone
listing it: the endpoints come from the URL map, the fields from the pages that render them."""
import os

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from app import create_app
from app.config import TestConfig
from tests.helpers.fuzz import examples, kept_rows, page_forms, rule_url, values

POST_ENDPOINTS = sorted({r.endpoint for r in create_app(TestConfig).url_map.iter_rules() if "POST" in r.methods})
HEADERS = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}


@pytest.fixture
def config_overrides():
    """CSRF on, as in production."""
    return {"WTF_CSRF_ENABLED": True}


def rules_of(app, endpoint: str, method: str):
    """The endpoint's rules (one per language for public pages) that accept `method`."""
    return [r for r in app.url_map.iter_rules(endpoint) if method in r.methods]


def form_of(app, client, endpoint: str) -> tuple[list[dict], object]:
    """The fields of the form that posts to `endpoint`, from its own page or, failing that, any
    page of the site, and the client that saw it (a visitor's for the login form, which a
    logged-in administrator is sent away from); [] when no page shows it (mailed-link buttons
    with a made-up token)."""
    fields = _form_of(app, client, "administrator", endpoint)
    if fields:
        return fields, client
    visitor = app.test_client()
    return _form_of(app, visitor, "visitor", endpoint), visitor


# Which pages show a form posting to which endpoint, as an administrator and as a visitor see
# the site: {who: {endpoint: {(page endpoint, page rule)}}}, read once per test process by
# reading every page (each test's `site` has the same pages and forms).
_FORMS_ON: dict[str, dict[str, set[tuple[str, str]]]] = {}


def _form_of(app, client, who: str, endpoint: str) -> list[dict]:
    """The fields of the form that posts to `endpoint`, as `client` sees the site: from the page
    of its own endpoint if that shows it, else from the page of the endpoint named most like it
    (admin.blocklist_remove's form is on admin.blocklist)."""
    pages = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
    if who not in _FORMS_ON:
        _FORMS_ON[who] = {}
        for rule in pages:
            for form in _forms(app, client, rule):
                _FORMS_ON[who].setdefault(_target(app, form), set()).add((rule.endpoint, rule.rule))
    showing = _FORMS_ON[who].get(endpoint, set())
    preferred = sorted((r for r in pages if (r.endpoint, r.rule) in showing),  # stable: else the URL map's order
                       key=lambda r: (r.endpoint != endpoint, -len(os.path.commonprefix([r.endpoint, endpoint]))))
    for rule in preferred:  # fetched again: the form's CSRF token is this client's
        for form in _forms(app, client, rule):
            if _target(app, form) == endpoint:
                return form["fields"]
    return []


def _forms(app, client, rule) -> list[dict]:
    """The POST forms of the page at `rule` (none when it is not an HTML page)."""
    url = rule_url(app, rule)
    if not url:
        return []
    page = client.get(url)
    if page.status_code != 200 or page.mimetype != "text/html":
        return []
    return page_forms(page.get_data(as_text=True))


def _target(app, form: dict) -> str | None:
    """The endpoint a form posts to."""
    try:
        found, _args = app.url_map.bind("localhost").match(form["action"].split("?")[0], method="POST")
    except Exception:
        return None
    return found


def field_strategy(field: dict):
    """What a hostile client sends for one field: mostly what the page offers, often not."""
    kind, value = field["kind"], field["value"]
    if kind in ("hidden", "submit"):
        return st.one_of(st.just(value), st.just(value), values)
    if kind in ("checkbox", "radio"):
        return st.one_of(st.none(), st.just(value or "y"), values)
    if kind == "select":
        return st.one_of(st.sampled_from(field["options"] or [""]), values)
    if kind == "email":
        return st.one_of(st.emails(), values)
    return st.one_of(st.just(value), values)


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_no_form_gives_a_5xx_or_writes_when_refused(site, client, endpoint):
    fields, client = form_of(site, client, endpoint)
    urls = [rule_url(site, r) for r in rules_of(site, endpoint, "POST")]
    urls = [u for u in urls if u]
    assert urls
    typed = sum(f["kind"] not in ("hidden", "submit") for f in fields)
    shape = st.fixed_dictionaries({f["name"]: field_strategy(f) for f in fields})
    extra = st.dictionaries(st.sampled_from(["_method", "csrf_token", "website", "lang_code", "x\x00", "next"])
                            | st.text(max_size=8), values, max_size=3)

    counts = [kept_rows()]  # the rows before the next example (one count per example)

    @hsettings(max_examples=examples(1 if typed else 20))
    @given(url=st.sampled_from(urls), data=shape, more=extra)
    def post(url, data, more):
        sent = {k: v for k, v in {**more, **data}.items() if v is not None}
        answer = client.post(url, data=sent, headers=HEADERS)
        assert answer.status_code < 500, (url, sent)
        after = kept_rows()
        if answer.status_code >= 400:
            assert after == counts[-1], (url, sent)
        counts.append(after)

    post()
