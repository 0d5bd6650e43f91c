"""The sender looks for a due digest at most once a minute among all senders (a key in the
shared cache), not at every half-second pass."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.admin.digest import CHECKED_KEY
from app.extensions import db, forget
from app.models import AlertSent, Signature, SignatureStatus
from app.models.base import utcnow
from tests.helpers.admin import EMAIL, make_moderator


@pytest.fixture
def config_overrides():
    return {"CACHE_TYPE": "SimpleCache"}


def test_the_sender_looks_once_a_minute(app, client, smtp):
    forget(CHECKED_KEY)
    make_moderator()
    now = utcnow()
    db.session.add(Signature(name="Famiglia", email="f@example.org", email_canonical="f@example.org", lang="it",
                             suspect=True, status=SignatureStatus.pending, created_at=now - timedelta(hours=13),
                             expires_at=now + timedelta(days=7)))
    db.session.commit()
    forget(CHECKED_KEY)  # the requests above already looked (nothing was due then)
    client.get("/it/")
    assert len(smtp.to(EMAIL)) == 1
    db.session.execute(update(AlertSent).values(sent_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    client.get("/it/")
    assert len(smtp.to(EMAIL)) == 1  # looked less than a minute ago: not yet
    forget(CHECKED_KEY)  # a minute later
    client.get("/it/")
    assert len(smtp.to(EMAIL)) == 2
