"""The per-process response cache (app/cache.py), turned on as in production, with CSRF on."""
import re

import pytest
from flask import make_response
from sqlalchemy import select

from app import cache as response_cache
from app import create_app
from app.extensions import db
from app.models import Group
from conftest import make_test_config
from test_admin_helpers import EMAIL, PASSWORD, csrf_token, make_moderator, totp_code

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# Headers that belong to one visitor or one moment, not to the page.
PER_VISIT = {"Set-Cookie", "Date"}


@pytest.fixture
def config_overrides():
    """The cache and CSRF on, as in production."""
    return {"RESPONSE_CACHE_SECONDS": 10, "WTF_CSRF_ENABLED": True}


def count_views(app, *endpoints):
    """Wrap the views of `endpoints` so that the returned list grows each time one runs."""
    calls = []
    for endpoint in endpoints:
        view = app.view_functions[endpoint]

        def counted(*args, _view=view, _endpoint=endpoint, **kwargs):
            calls.append(_endpoint)
            return _view(*args, **kwargs)

        app.view_functions[endpoint] = counted
    return calls


def public_urls():
    """One URL for each endpoint the cache may keep, in both languages where they have them."""
    group = db.session.scalars(select(Group).where(Group.published.is_(True)).order_by(Group.id)).first()
    return {
        "letter.home": ["/it/", "/en/"], "letter.letter": ["/it/lettera", "/en/letter"],
        "letter.about": ["/en/about"], "letter.privacy": ["/it/privacy"],
        "registry.index": ["/it/registro", "/en/registry?q=piu&page=1"],
        "registry.group": [f"/en/registry/group/{group.slug}"], "registry.feed": ["/it/registro/feed.atom"],
        "petition.signatures": ["/en/signatures"],
        "petition.check_mail": ["/it/firma/controlla-la-posta"], "petition.confirmed": ["/en/sign/confirmed"],
        "petition.withdrawn": ["/it/firma/ritirata"],
        "api.groups": ["/api/v1/groups", "/api/v1/groups?per_page=5"], "api.group": [f"/api/v1/groups/{group.id}"],
        "api.groups_csv": ["/api/v1/groups.csv"], "api.stats": ["/api/v1/stats"], "api.openapi": ["/api/v1/openapi.json"],
    }


def test_every_public_page_is_served_again_from_the_cache_with_the_same_headers(seeded, app):
    urls = public_urls()
    assert set(urls) == response_cache.CACHEABLE
    calls = count_views(app, *urls)
    for endpoint, paths in urls.items():
        for path in paths:
            first = app.test_client().get(path)
            again = app.test_client().get(path)
            assert first.status_code == again.status_code == 200, path
            assert calls.count(endpoint) == paths.index(path) + 1, f"{path} ran its view twice"
            headers = {k: v for k, v in first.headers.items() if k not in PER_VISIT}
            assert headers == {k: v for k, v in again.headers.items() if k not in PER_VISIT}, path
            assert "Content-Security-Policy" in again.headers and again.headers["X-Frame-Options"] == "DENY"
            assert TOKEN.sub("", first.get_data(as_text=True)) == TOKEN.sub("", again.get_data(as_text=True))
    csv = app.test_client().get("/api/v1/groups.csv")
    assert csv.headers["Content-Disposition"] == 'attachment; filename="hijacked-groups.csv"'
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.headers["Access-Control-Allow-Origin"] == "*"
    page = app.test_client().get("/en/letter")
    assert page.headers["Content-Type"] == "text/html; charset=utf-8" and page.headers["Vary"] == "Cookie"


def test_each_visitor_gets_their_own_valid_token_from_the_cached_letter(seeded, app):
    calls = count_views(app, "letter.letter")
    app.test_client().get("/en/letter")  # kept
    tokens = []
    for n in range(2):
        visitor = app.test_client()
        page = visitor.get("/en/letter")
        cookies = page.headers.getlist("Set-Cookie")  # only the one that holds their token
        assert len(cookies) == 1 and cookies[0].startswith("session=")
        tokens.append(TOKEN.search(page.get_data(as_text=True)).group(1))
        answer = visitor.post("/en/sign", data={"csrf_token": tokens[-1], "name": "Cache Reader",
                                                "email": f"cached{n}@example.org", "privacy": "y"},
                              follow_redirects=True)
        assert answer.status_code == 200 and "Now check your email" in answer.get_data(as_text=True)
    assert calls == ["letter.letter"]
    assert tokens[0] != tokens[1]
    assert "\x00" not in page.get_data(as_text=True)


def test_a_returning_visitor_keeps_their_session_token(seeded, app):
    visitor = app.test_client()
    app.test_client().get("/en/letter")
    first = TOKEN.search(visitor.get("/en/letter").get_data(as_text=True)).group(1)
    second = visitor.get("/en/letter")
    assert "Set-Cookie" not in second.headers  # same session: nothing new to set
    token = TOKEN.search(second.get_data(as_text=True)).group(1)
    answer = visitor.post("/en/sign", data={"csrf_token": token, "name": "Twice", "email": "twice@example.org",
                                            "privacy": "y"}, follow_redirects=True)
    assert "Now check your email" in answer.get_data(as_text=True) and first


def test_head_is_answered_from_a_kept_get(seeded, app):
    calls = count_views(app, "api.groups")
    client = app.test_client()
    body = client.get("/api/v1/groups").get_data()
    head = client.head("/api/v1/groups")
    assert head.status_code == 200 and head.get_data() == b"" and calls == ["api.groups"]
    assert head.headers["Content-Type"] == "application/json" and int(head.headers["Content-Length"]) == len(body)


def test_the_query_string_is_part_of_the_key(seeded, app):
    calls = count_views(app, "registry.index")
    client = app.test_client()
    for path in ("/en/registry", "/en/registry?q=a", "/en/registry?q=b", "/en/registry?q=a", "/it/registro"):
        client.get(path)
    assert len(calls) == 4


def test_answers_expire_after_the_setting(seeded, app, monkeypatch):
    calls = count_views(app, "api.stats")
    client = app.test_client()
    now = response_cache.time.monotonic()
    client.get("/api/v1/stats")
    monkeypatch.setattr(response_cache.time, "monotonic", lambda: now + 9)
    client.get("/api/v1/stats")
    assert len(calls) == 1
    monkeypatch.setattr(response_cache.time, "monotonic", lambda: now + 11)
    client.get("/api/v1/stats")
    assert len(calls) == 2


def test_a_page_with_the_count_expires_with_the_figures_it_shows(seeded, app, monkeypatch):
    clock = [response_cache.time.monotonic()]
    monkeypatch.setattr(response_cache.time, "monotonic", lambda: clock[0])  # app.stats' clock too
    calls = count_views(app, "letter.home", "registry.index")
    client = app.test_client()
    client.get("/api/v1/stats")  # the figures are computed now, and kept 10 s
    clock[0] += 6
    client.get("/en/")  # shows those figures: kept 4 s, not 10
    client.get("/en/registry")  # shows no count: kept 10 s
    clock[0] += 3.9
    client.get("/en/")
    client.get("/en/registry")
    assert calls == ["letter.home", "registry.index"]
    clock[0] += 0.2  # the count would now be more than 10 s old
    client.get("/en/")
    client.get("/en/registry")
    assert calls == ["letter.home", "registry.index", "letter.home"]


def test_zero_seconds_turns_the_cache_off(seeded, database_uri):
    plain = create_app(make_test_config(database_uri, RESPONSE_CACHE_SECONDS=0))
    calls = count_views(plain, "api.stats")
    client = plain.test_client()
    try:
        client.get("/api/v1/stats")
        client.get("/api/v1/stats")
    finally:
        with plain.app_context():
            db.engine.dispose()  # this app has its own pool: close it
    assert len(calls) == 2 and "response_cache" not in plain.extensions


def test_other_pages_and_other_answers_are_never_kept(seeded, app):
    calls = count_views(app, "petition.sign", "petition.confirm", "registry.group", "press.index")
    client = app.test_client()
    for _ in range(2):
        client.get("/en/sign")  # not in the list
        client.get("/en/sign/confirm/not-a-token")  # a mailed link
        client.get("/en/registry/group/no-such-group")  # 404
        client.get("/en/press")
    assert sorted(calls) == sorted(["petition.sign", "petition.confirm", "registry.group", "press.index"] * 2)
    assert client.get("/admin/").status_code == 302  # the back office is out of reach as before
    post = client.post("/en/signatures")
    assert post.status_code == 405


def test_a_response_that_sets_a_cookie_is_not_kept(seeded, app):
    view = app.view_functions["letter.about"]
    calls = []

    def with_cookie(**kwargs):
        calls.append(1)
        response = make_response(view(**kwargs))
        response.set_cookie("seen", "1")
        return response

    app.view_functions["letter.about"] = with_cookie
    for _ in range(2):
        assert "seen=1" in app.test_client().get("/en/about").headers["Set-Cookie"]
    assert len(calls) == 2


def test_a_page_with_flashed_messages_is_neither_served_nor_kept(seeded, app):
    calls = count_views(app, "letter.about")
    app.test_client().get("/en/about")  # kept
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this visitor only")]
    assert "A message for this visitor only" in visitor.get("/en/about").get_data(as_text=True)
    assert len(calls) == 2
    for client in (visitor, app.test_client()):
        assert "A message for this visitor only" not in client.get("/en/about").get_data(as_text=True)
    assert len(calls) == 2


def test_a_logged_in_moderator_never_gets_nor_leaves_a_kept_page(seeded, app):
    make_moderator()
    moderator = app.test_client()
    token = csrf_token(moderator.get("/admin/login").get_data(as_text=True))
    assert moderator.post("/admin/login", data={"email": EMAIL, "password": PASSWORD, "code": totp_code(),
                                                "csrf_token": token}).status_code == 302
    calls = count_views(app, "registry.index")
    anonymous = app.test_client()
    anonymous.get("/en/registry")  # kept
    moderator.get("/en/registry")  # not served from the cache
    assert len(calls) == 2
    app.extensions["response_cache"].clear()
    moderator.get("/en/registry")  # not kept either
    anonymous.get("/en/registry")
    assert len(calls) == 4
    assert EMAIL not in anonymous.get("/en/registry").get_data(as_text=True)


def test_the_cache_is_bounded_in_entries_and_bytes():
    kept = response_cache.ResponseCache(10, max_entries=3, max_bytes=10)
    for n in range(4):
        kept.put(f"/{n}", 200, [], b"ab", False)
    assert len(kept) == 3 and kept.get("/0") is None and kept.get("/3") is not None
    kept.get("/1")  # recently used: survives the next eviction
    kept.put("/big", 200, [], b"0123456", False)
    assert kept.get("/1") is not None and kept.get("/big") is not None
    assert kept.get("/2") is None and kept.get("/3") is None


def test_without_site_url_the_host_is_part_of_the_key(seeded, app):
    app.config["SITE_URL"] = ""
    path = public_urls()["api.group"][0]
    client = app.test_client()
    first = client.get(path, base_url="http://one.example").get_data(as_text=True)
    other = client.get(path, base_url="http://evil.example").get_data(as_text=True)
    assert "one.example" in first and "evil.example" in other and "one.example" not in other
