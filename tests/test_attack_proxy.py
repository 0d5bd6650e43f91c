"""Attack: forged X-Forwarded-* headers (review 2026-12-01, finding 1), against the production
set-up the README describes: one trusted proxy (PROXY_COUNT=1) and SITE_URL set.

A visitor sends `X-Forwarded-Prefix: //evil.example` (or `.evil.example`, `@evil.example`) and
`X-Forwarded-Host`; neither their own page, nor any other visitor's page, nor a mail the site
sends because of their request may carry it. Only X-Forwarded-For and -Proto are trusted."""
import re

import pytest

from tests.helpers.mail import text_part
from tests.helpers.petition import fetch, form_data

SITE = "https://caraumanita.example"
FORGED = ["//evil.example", ".evil.example", "@evil.example", "/x"]
WITHDRAW = re.compile(r"\S*/en/sign/withdraw/[A-Za-z0-9_-]+")


@pytest.fixture
def config_overrides():
    """Production's proxy settings, and production's per-process page cache left on."""
    return {"PROXY_COUNT": 1, "SITE_URL": SITE, "CACHE_TYPE": "SimpleCache"}


def forged(prefix: str) -> dict:
    """The headers an attacker adds; the proxy passes X-Forwarded-Prefix and -Host through."""
    return {"X-Forwarded-Prefix": prefix, "X-Forwarded-Host": "evil.example", "X-Forwarded-For": "203.0.113.9"}


@pytest.mark.parametrize("prefix", FORGED)
def test_a_forged_prefix_reaches_no_page_of_the_attacker_or_of_the_next_visitor(seeded, app, prefix):
    attacker, visitor = app.test_client(), app.test_client()
    for path in ("/en/letter", "/en/sign", "/it/lettera", "/en/registry", "/en/registry/feed.atom"):
        own = fetch(attacker, path, headers=forged(prefix)).get_data(as_text=True)
        assert "evil.example" not in own and 'href="/x/' not in own and 'action="/x/' not in own
        page = fetch(visitor, path).get_data(as_text=True)
        assert "evil.example" not in page and "/x/" not in page
    letter = fetch(visitor, "/en/letter").get_data(as_text=True)
    assert re.search(r'class="sign-form[^"]*" method="post" action="/en/sign"', letter)
    group_links = re.findall(r'href="([^"]*/registry/group/[^"]*)"', letter)
    assert len(group_links) >= 78 and all(link.startswith("/en/registry/group/") for link in group_links)


@pytest.mark.parametrize("prefix", FORGED)
def test_a_forged_prefix_never_reaches_the_already_signed_mail(seeded, app, client, runner, smtp, prefix):
    """Re-submitting a signer's address with a forged prefix must not mail them a withdraw link
    to the attacker's host (its token would erase the signature there)."""
    victim = "victim@example.org"
    fetch(client, "/en/sign", "POST", data=form_data(email=victim))
    runner.invoke(args=["mail", "send"])
    confirm = re.search(r"https://\S+/en/sign/confirm/[A-Za-z0-9_-]+", text_part(smtp.to(victim)[-1])).group(0)
    fetch(client, confirm.removeprefix(SITE), "POST")
    smtp.clear()

    attacker = app.test_client()
    fetch(attacker, "/en/sign", "POST", data=form_data(email=victim), headers=forged(prefix))
    runner.invoke(args=["mail", "send"])
    already = smtp.to(victim)[-1]
    body = text_part(already)
    assert "evil.example" not in body and "evil.example" not in already.as_string()
    links = WITHDRAW.findall(body)
    assert links and all(link.startswith(f"{SITE}/en/sign/withdraw/") for link in links)


def test_the_proxy_s_own_headers_still_count(seeded, app, client):
    """X-Forwarded-Proto from the proxy still makes the request HTTPS (HSTS)."""
    answer = client.get("/en/letter", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"})
    assert answer.status_code == 200 and "Strict-Transport-Security" in answer.headers
