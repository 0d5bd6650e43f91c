"""Back office: the per-IP limit on login attempts (on top of the per-account lock)."""
import pytest

from tests.helpers.admin import login, make_moderator


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute"}


@pytest.mark.parametrize("lang, message", [
    ("en", "Too many attempts in a short time."),
    ("it", "Troppi tentativi in poco tempo."),
])
def test_login_attempts_are_limited_per_ip(app, client, lang, message):
    make_moderator()
    for n in range(3):
        assert login(client, email=f"guess{n}@example.org", lang=lang).status_code == 200
    refused = login(client, lang=lang)  # even the right password, once the IP is over the limit
    assert refused.status_code == 429
    assert message in refused.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    # Another address is not affected; viewing the form is never limited.
    assert client.get("/admin/login").status_code == 200
    other_ip = app.test_client().post("/admin/login", data={"email": "x@example.org", "password": "y"},
                                      environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other_ip.status_code == 200
