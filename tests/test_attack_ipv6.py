"""Attack: one IPv6 subscriber's /64 used as 2⁶⁴ addresses (review 2026-12-01, finding 3: five
addresses of 2001:db8:1:2::/64 sent 10 report mails to one victim in seconds; 6 signatures from
it all counted). Every limit now counts an IPv6 address's /64 as one client."""
import pytest
from sqlalchemy import select

from app.extensions import db, limit_key_for
from app.models import Signature
from tests.helpers.petition import form_data
from tests.helpers.registry import report_data

NETWORK = [f"2001:db8:1:2::{n:x}" for n in range(1, 7)] + ["2001:db8:1:2:ffff:ffff:ffff:fffe"]
OTHER = "2001:db8:1:3::1"  # the next /64: another subscriber


@pytest.fixture
def config_overrides():
    """Production's limits on."""
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_REPORT": "2 per minute;10 per hour",
            "RATELIMIT_SIGN": "1 per minute;5 per 5 minutes", "RATELIMIT_LOGIN": "5 per minute;20 per hour"}


def test_the_limit_key_of_an_ipv6_address_is_its_64():
    assert {limit_key_for(ip) for ip in NETWORK} == {"2001:db8:1:2::/64"}
    assert limit_key_for(OTHER) == "2001:db8:1:3::/64"
    assert limit_key_for("::ffff:192.0.2.1") == "192.0.2.1" == limit_key_for("192.0.2.1")
    assert limit_key_for("192.0.2.2") != limit_key_for("192.0.2.1")


def test_reports_from_one_64_share_one_limit(app, client):
    answers = [client.post("/en/registry/report", data=report_data(name=f"Group {n}"),
                           environ_base={"REMOTE_ADDR": ip}).status_code for n, ip in enumerate(NETWORK[:5])]
    assert answers == [303, 303, 429, 429, 429]
    other = client.post("/en/registry/report", data=report_data(name="Other"), environ_base={"REMOTE_ADDR": OTHER})
    assert other.status_code == 303


def test_signatures_from_one_64_are_counted_once_a_minute(app, client):
    for n, ip in enumerate(NETWORK[:6]):
        assert client.post("/en/sign", data=form_data(email=f"s{n}@example.org"),
                           environ_base={"REMOTE_ADDR": ip}).status_code == 200
    db.session.rollback()
    suspect = db.session.scalars(select(Signature.suspect).order_by(Signature.id)).all()
    assert suspect == [False, True, True, True, True, True]


def test_login_attempts_from_one_64_share_one_limit(app, client):
    answers = [client.post("/admin/login", data={"email": "x@example.org", "password": "nope nope nope"},
                           environ_base={"REMOTE_ADDR": ip}).status_code for ip in NETWORK]
    assert answers[:5] == [200] * 5 and answers[5:] == [429, 429]
