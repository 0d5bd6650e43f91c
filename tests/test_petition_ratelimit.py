"""Per-IP rate limits on signing are silent: the visitor sees the normal answer, the signature is
stored but held (marked suspect): no mail goes out for it, and it is neither counted nor listed
until a moderator releases it."""
import secrets

import pytest
from sqlalchemy import select

from app.extensions import db, limiter
from app.models import Signature
from tests.helpers.petition import approve_listed, count, fetch, form_data, last_link
from tests.helpers.services import REDIS_URI


@pytest.fixture
def config_overrides(request):
    """Rate limits on (memory storage; Redis for tests marked `redis`)."""
    overrides = {"RATELIMIT_ENABLED": True, "RATELIMIT_SIGN": "1 per minute;5 per 5 minutes"}
    if request.node.get_closest_marker("redis"):
        overrides["RATELIMIT_STORAGE_URI"] = REDIS_URI
    return overrides


def sign_from(client, ip: str, lang: str = "en", **fields):
    """Sign as a visitor at `ip`."""
    path = "/it/firma" if lang == "it" else "/en/sign"
    return fetch(client, path, "POST", data=form_data(public="y", **fields), environ_base={"REMOTE_ADDR": ip})


def suspect_of(address: str) -> bool:
    """Whether the signature of `address` was marked as over the limit."""
    db.session.rollback()
    return db.session.scalar(select(Signature.suspect).where(Signature.email == address))


def silent_limit(client, smtp, ip: str, other_ip: str) -> None:
    """The burst limit (1 per minute) marks the second signature from one IP, silently."""
    first = sign_from(client, ip, name="First Person", email="first@example.org")
    second = sign_from(client, ip, name="Second Person", email="second@example.org")
    third = sign_from(client, other_ip, name="Third Person", email="third@example.org")
    assert first.status_code == second.status_code == third.status_code == 200
    # Scripts learn nothing: the same page, but for the address each typed.
    assert first.get_data().replace(b"first@", b"x@") == second.get_data().replace(b"second@", b"x@")
    assert [suspect_of(a) for a in ("first@example.org", "second@example.org", "third@example.org")] == [
        False, True, False]
    # The held one gets no mail (the site is no mail cannon for a script); it waits for a moderator.
    assert smtp.to("second@example.org") == []
    for address in ("first@example.org", "third@example.org"):
        fetch(client, last_link(smtp, address), "POST")
    assert count() == 2
    approve_listed()  # a moderator approves the waiting entries: the held one is not among them
    listed = fetch(client, "/en/signatures").get_data(as_text=True)
    assert "First Person" in listed and "Third Person" in listed and "Second Person" not in listed


def test_rate_limit_is_silent(seeded, client, smtp):
    silent_limit(client, smtp, "10.0.0.1", "10.0.0.2")


def test_sustained_limit_counts_every_attempt(app, client):
    app.config["RATELIMIT_SIGN"] = "100 per minute;3 per 5 minutes"
    for i in range(5):
        assert sign_from(client, "10.0.0.9", email=f"p{i}@example.org").status_code == 200
    assert [suspect_of(f"p{i}@example.org") for i in range(5)] == [False, False, False, True, True]


def test_invalid_forms_and_the_honeypot_store_nothing_even_over_the_limit(app, client):
    for _ in range(3):
        assert sign_from(client, "10.0.0.7", email="not-an-address").status_code == 422
        assert sign_from(client, "10.0.0.7", email="bot@example.org", website="x").status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(Signature)) is None


@pytest.mark.redis
def test_rate_limit_is_silent_with_redis_storage(seeded, client, smtp):
    import redis

    assert limiter.storage.__class__.__name__.startswith("Redis")
    run = secrets.token_hex(2)  # fresh addresses, whatever an earlier run left in Redis
    prefix = f"10.{int(run[:2], 16)}.{int(run[2:], 16)}"
    ip, other_ip = f"{prefix}.1", f"{prefix}.2"
    silent_limit(client, smtp, ip, other_ip)
    keys = redis.Redis.from_url(REDIS_URI).keys("*petition-sign*")
    assert any(ip.encode() in key for key in keys)


def test_signing_works_when_the_limits_storage_is_down(app, client, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(limiter.limiter, "hit", down)
    assert sign_from(client, "10.0.0.5", email="down@example.org").status_code == 200
    assert suspect_of("down@example.org") is False
    assert "storage unreachable" in caplog.text


def test_a_pending_signature_takes_the_rate_limit_verdict_of_the_last_submission(seeded, client, smtp):
    from app.security import ip_hash

    def ip_hash_of(address: str) -> str:
        db.session.rollback()
        return db.session.scalar(select(Signature.ip_hash).where(Signature.email == address))

    sign_from(client, "10.0.1.1", email="burner@example.org")
    sign_from(client, "10.0.1.1", name="Victim Name", email="victim@example.org")  # over the burst limit
    assert suspect_of("victim@example.org") is True
    # Submitted again from a clean address: the pending signature is no longer suspect.
    sign_from(client, "10.0.1.2", name="Victim Name", email="victim@example.org")
    assert suspect_of("victim@example.org") is False
    assert ip_hash_of("victim@example.org") == ip_hash("10.0.1.2")
    # And again, over the limit: suspect again.
    sign_from(client, "10.0.1.2", name="Victim Name", email="victim@example.org")
    assert suspect_of("victim@example.org") is True
    # A confirmed signature keeps its verdict whatever is submitted later.
    sign_from(client, "10.0.1.3", name="Victim Name", email="victim@example.org")
    fetch(client, last_link(smtp, "victim@example.org"), "POST")
    sign_from(client, "10.0.1.1", name="Victim Name", email="victim@example.org")
    assert suspect_of("victim@example.org") is False and count() == 1
