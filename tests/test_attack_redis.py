"""Attack: with the rate limits' Redis down (or taken down), the report and moderator-login POSTs
answered 500 (review 2026-12-01, finding 8). Every limit now fails open to the worker's own
memory, and the outage is logged once, not once per request."""
import logging

import pytest

from app.extensions import limiter
from tests.helpers.admin import login, make_moderator
from tests.helpers.petition import form_data
from tests.helpers.registry import send_report
from tests.helpers.services import free_port


@pytest.fixture
def config_overrides():
    """Limits on, in a Redis nothing listens for."""
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0",
            "RATELIMIT_REPORT": "2 per minute", "RATELIMIT_LOGIN": "5 per minute"}


@pytest.fixture(autouse=True)
def _no_reset_of_a_dead_redis(app):
    """The suite resets the limits after each test: there is nothing to reset here."""
    yield
    limiter.enabled = False


def outage_logs(caplog) -> list:
    """The log records that tell of the limits' storage being down."""
    return [r for r in caplog.records if "storage unreachable" in r.getMessage()]


def test_report_login_and_sign_posts_answer_normally_with_redis_down(app, client, caplog):
    caplog.set_level(logging.INFO)
    assert send_report(client, "en").status_code == 303
    make_moderator()
    assert login(client).status_code == 302
    assert client.post("/en/sign", data=form_data(email="down@example.org")).status_code == 200
    assert client.post("/en/sign", data=form_data(email="down2@example.org")).status_code == 200
    assert len(outage_logs(caplog)) == 1


def test_with_redis_down_the_limits_still_hold_in_the_worker_s_memory(app, client, caplog):
    assert send_report(client, "en").status_code == 303
    assert send_report(client, "it", name="Second").status_code == 303
    third = send_report(client, "it", name="Third")
    assert third.status_code == 429 and "Troppi tentativi" in third.get_data(as_text=True)
    assert len(outage_logs(caplog)) == 1


def test_a_wrong_password_with_redis_down_is_a_normal_refusal(app, client):
    make_moderator()
    answer = login(client, password="wrong password, long enough")
    assert answer.status_code == 200
