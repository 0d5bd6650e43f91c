"""Fuzzing every query parameter of every GET route (Hypothesis), found by walking the URL map
(a new route is fuzzed without anyone listing it), as an administrator so that the back office's
pages are reached too: hostile keys (`_external`, `_scheme`, `_method` …) and values (NUL,
30-digit numbers, CR/LF, look-alike text) never give a 5xx, and never write to the database."""
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from app import create_app
from app.config import TestConfig
from tests.helpers.fuzz import examples, kept_rows, rule_url, values

GET_ENDPOINTS = sorted({r.endpoint for r in create_app(TestConfig).url_map.iter_rules()
                        if "GET" in r.methods and r.endpoint != "static"})
# Keys our views read, keys url_for treats specially, and whatever else.
KEYS = ["page", "per_page", "q", "sort", "status", "crew", "group", "lang", "next", "format", "id",
        "_external", "_scheme", "_method", "_anchor", "lang_code", "endpoint", "token", "slug"]


@pytest.fixture
def config_overrides():
    """CSRF on, as in production (the pages render their tokens)."""
    return {"WTF_CSRF_ENABLED": True}


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_no_query_string_gives_a_5xx(site, client, endpoint):
    urls = [u for u in (rule_url(site, r) for r in site.url_map.iter_rules(endpoint) if "GET" in r.methods) if u]
    if not urls:
        pytest.skip(f"{endpoint}: no URL can be built for it")
    query = st.lists(st.tuples(st.sampled_from(KEYS) | st.text(max_size=8), values), max_size=4)

    @hsettings(max_examples=examples(10))
    @given(url=st.sampled_from(urls), pairs=query)
    def get(url, pairs):
        before = kept_rows()
        answer = client.get(url, query_string=pairs)
        assert answer.status_code < 500, (url, pairs)
        assert kept_rows() == before, (url, pairs)

    get()
