"""Attack: crafted URLs and headers that gave a 500 (review 2026-12-01, finding 7), each sent
as the attacker sent it. Now: a normal page, a 400 or a 404 with our page and our headers."""
import pytest

from app.security import HEADERS
from app.urls import MAX_INT
from tests.helpers.admin import login, make_moderator

PAGES = ["/", "/it/", "/en/", "/en/letter", "/it/lettera", "/en/sign", "/it/firma", "/en/registry",
         "/en/signatures", "/en/press", "/en/about", "/en/privacy", "/en/registry/report",
         "/en/registry/feed.atom", "/admin/login", "/en/no-such-page", "/healthz", "/api/v1/groups"]
RESERVED = ["_external=1", "_scheme=x", "_method=POST", "_anchor=x", "_external=1&_scheme=javascript",
            "lang_code=xx", "endpoint=x", "lang=it&_method=x"]
THIRTY_DIGITS = "9" * 30


def assert_our_answer(response, *codes):
    """One of `codes`, never a 5xx, with our security headers."""
    assert response.status_code in codes, (response.status_code, response.request.url)
    for name, _value in HEADERS:
        assert name in response.headers, name


@pytest.fixture
def moderator_client(app, client):
    """A client logged in to the back office."""
    make_moderator()
    assert login(client).status_code == 302
    return client


@pytest.mark.parametrize("query", RESERVED)
def test_reserved_url_for_keys_in_the_query_never_break_a_page(seeded, client, query):
    for path in PAGES:
        response = client.get(f"{path}?{query}")
        assert_our_answer(response, 200, 301, 302, 308, 404)
        if response.status_code == 200 and response.mimetype == "text/html":
            page = response.get_data(as_text=True)
            assert "javascript:" not in page and "x://" not in page


def test_the_language_switch_keeps_the_query_as_a_query(seeded, client):
    page = client.get("/en/registry?q=casa&_external=1").get_data(as_text=True)
    assert 'href="/it/registro?q=casa&amp;_external=1"' in page


@pytest.mark.parametrize("path", ["/en/registry", "/en/signatures", "/it/firme", "/admin/",
                                  "/admin/groups", "/admin/audit"])
@pytest.mark.parametrize("page", [THIRTY_DIGITS, str(MAX_INT + 1), "-1", "0", "1e9", "٣"])
def test_page_numbers_out_of_range_are_ignored(seeded, moderator_client, path, page):
    assert_our_answer(moderator_client.get(f"{path}?page={page}"), 200)


@pytest.mark.parametrize("page", [THIRTY_DIGITS, str(MAX_INT + 1), "0", "-3"])
def test_the_api_refuses_page_numbers_out_of_range(seeded, client, page):
    assert_our_answer(client.get(f"/api/v1/groups?page={page}"), 400)
    assert_our_answer(client.get(f"/api/v1/groups?per_page={page}"), 400)


@pytest.mark.parametrize("path", ["/api/v1/groups/{n}", "/registry/screenshots/{n}", "/admin/reports/{n}",
                                  "/admin/groups/{n}", "/admin/screenshots/{n}"])
@pytest.mark.parametrize("n", [MAX_INT + 1, 10**30, MAX_INT])
def test_ids_past_what_the_database_holds_are_not_found(seeded, moderator_client, path, n):
    assert_our_answer(moderator_client.get(path.format(n=n)), 404)


@pytest.mark.parametrize("url", ["/en/registry?q=%00", "/api/v1/groups?q=%00", "/api/v1/groups.csv?q=%00",
                                 "/admin/groups?q=%00", "/en/registry/report?group=%00", "/en/registry?q=a%00b",
                                 "/en/registry?%00=1", "/en/signatures?page=1%0D%0A", "/en/registry?sort=%1b"])
def test_control_characters_in_a_query_are_a_400(seeded, moderator_client, url):
    """On PostgreSQL a NUL in a query parameter was a 500 (no text may hold one)."""
    assert_our_answer(moderator_client.get(url), 400)


@pytest.mark.parametrize("url", ["/en/registry/group/%00", "/en/registry/group/a%00b", "/it/registro/gruppo/%0A",
                                 "/en/sign/confirm/%00", "/it/firma/ritira/x%00"])
def test_control_characters_in_a_path_are_a_404(seeded, client, url):
    assert_our_answer(client.get(url), 404)


@pytest.mark.parametrize("host", ["a" * 300, "a" * 64 + ".example", ("a" * 60 + ".") * 5 + "example",
                                  "exa mple", "evil.example:99999999"])
def test_an_impossible_host_header_is_a_400(seeded, client, host):
    assert_our_answer(client.get("/en/letter", headers={"Host": host}), 400)


def test_an_ordinary_host_with_a_port_still_works(seeded, client):
    assert_our_answer(client.get("/en/letter", headers={"Host": "caraumanita.example:8443"}), 200)
    assert_our_answer(client.get("/en/letter", headers={"Host": "[::1]:5000"}), 200)


def test_cr_lf_in_next_never_reaches_a_header(app, client):
    make_moderator()
    answer = login(client, lang=None, next_=None) if False else client.post(
        "/admin/login?next=/admin/%0D%0ASet-Cookie:%20x=1", data={"email": "moderatrice@example.org",
                                                                 "password": "correct horse battery staple"})
    assert_our_answer(answer, 400)
    assert "x=1" not in answer.headers.get("Set-Cookie", "")
