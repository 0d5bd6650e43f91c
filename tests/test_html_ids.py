"""An id names one element on a page: a label's `for`, an error's `aria-describedby` and the skip
link find their element by it. Pages with several forms (a report's publish, reject and merge)
used to write id="csrf_token" once per form."""
import re
from collections import Counter

import pytest

from tests.helpers.fuzz import rule_url

ID = re.compile(r'\sid="([^"]*)"')


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}  # as in production: every form carries its token


def test_no_page_in_either_language_repeats_an_id(site, client):
    checked = 0
    for rule in site.url_map.iter_rules():
        url = "GET" in rule.methods and rule.endpoint != "static" and rule_url(site, rule)
        if not url:
            continue
        for lang in ("it", "en"):
            response = client.get(url, headers={"Accept-Language": lang})
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            repeated = [i for i, n in Counter(ID.findall(response.get_data(as_text=True))).items() if n > 1]
            assert not repeated, (url, lang, repeated)
            checked += 1
    assert checked >= 60  # the public pages and the back office's, in both languages
