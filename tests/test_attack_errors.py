"""Attack: make the error page itself fail, so that the server's bare 500 goes out without our
headers (review 2026-12-01, finding 7: `?_external=1` broke the layout, and so the error page).
Every error answer carries the security headers, even when its handler fails."""
import pytest

from app.security import HEADERS


def assert_headers(response):
    """The security headers are all there."""
    for name, value in HEADERS:
        assert response.headers.get(name) == value, name


@pytest.fixture
def production_errors(app):
    """Crashes answered as in production (tests otherwise see the exception itself)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_a_layout_that_fails_on_the_404_page_still_answers_with_our_headers(production_errors, client):
    def broken(*args, **kwargs):
        raise RuntimeError("the layout is broken")

    production_errors.jinja_env.globals["twin_url"] = broken  # every page's language switch
    for path in ("/en/no-such-page", "/it/lettera"):
        response = client.get(path)
        assert response.status_code == 500
        assert_headers(response)
        text = response.get_data(as_text=True)
        assert "Something went wrong" in text and "Qualcosa è andato storto" in text
        assert "the layout is broken" not in text


def test_an_after_request_hook_that_fails_still_answers_with_our_headers(production_errors, client):
    def broken(response):
        raise RuntimeError("a hook is broken")

    production_errors.after_request_funcs.setdefault(None, []).insert(0, broken)
    response = client.get("/en/no-such-page")
    assert response.status_code == 500
    assert_headers(response)
    assert "a hook is broken" not in response.get_data(as_text=True)


def test_a_crash_is_rolled_back_and_answered_in_the_page_language(production_errors, client):
    from app.extensions import db
    from app.models import Crew, Group, GroupStatus

    def boom():
        db.session.add(Group(name="half", name_folded="half", slug="half-written",
                             status=GroupStatus.hijacked, crew=Crew.unknown))
        db.session.flush()
        raise RuntimeError("crash after a write")

    production_errors.add_url_rule("/en/boom", "boom", boom)
    response = client.get("/en/boom")
    assert response.status_code == 500 and "Something went wrong" in response.get_data(as_text=True)
    assert_headers(response)
    assert db.session.query(Group).filter_by(slug="half-written").count() == 0


def test_in_tests_a_crash_is_still_a_crash(app, client):
    """No errorhandler(Exception): the test (and the debugger) sees the exception."""
    def boom():
        raise RuntimeError("visible")

    app.add_url_rule("/en/boom", "boom", boom)
    with pytest.raises(RuntimeError, match="visible"):
        client.get("/en/boom")
