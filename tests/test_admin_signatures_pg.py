"""Back office, signatures, where concurrency matters (PostgreSQL): two moderators invalidating
overlapping filters at once take each signature once; two mail senders noticing one trending
key at once mail about it once."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Signature, SignatureInvalidation
from app.models.base import utcnow
from app.petition import moderation, trending
from app.petition.moderation import SignatureFilter
from tests.helpers.signatures import add_signatures

pytestmark = pytest.mark.postgres


def _at_once(app, jobs):
    """Run each job in its own thread and app context (its own session), all released together."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(i, job):
        with app.app_context():
            try:
                barrier.wait(10)
                results[i] = job()
                db.session.commit()
            except Exception as exc:  # reported below
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    return results


def test_overlapping_invalidations_at_once_take_each_signature_once(pg_app):
    ids = add_signatures(200, domain="crew.example")
    by_domain = SignatureFilter(domain="crew.example")
    by_ids = SignatureFilter(ids=tuple(ids[:150]))
    def job(flt, actor):
        def invalidate():
            try:
                return moderation.invalidate(flt, "Banda", actor).count
            except moderation.NothingToInvalidate:  # the other one took them all first
                return 0
        return invalidate

    records = _at_once(pg_app, [job(by_domain, "a"), job(by_ids, "b")])
    db.session.rollback()
    assert sum(records) == 200
    assert db.session.scalar(select(func.count()).where(Signature.invalidation_id.is_(None))) == 0
    counts = db.session.execute(select(Signature.invalidation_id, func.count())
                                .group_by(Signature.invalidation_id)).all()
    stored = {r.id: r.count for r in db.session.scalars(select(SignatureInvalidation))}
    assert dict(counts) == stored


def test_two_senders_claim_a_trending_key_once(pg_app):
    now = utcnow()
    claims = _at_once(pg_app, [lambda: trending._claim("domain", "yopmail.com", now) for _ in range(3)])
    assert sorted(claims) == [False, False, True]
    later = now + timedelta(minutes=61)
    claims = _at_once(pg_app, [lambda: trending._claim("domain", "yopmail.com", later) for _ in range(3)])
    assert sorted(claims) == [False, False, True]


def test_trending_domains_on_postgresql(pg_app):
    add_signatures(4, domain="yopmail.com", prefix="t")
    add_signatures(2, domain="libero.it", prefix="v")
    top = trending.top("domain", utcnow() - timedelta(hours=1))
    assert top == [("yopmail.com", 4), ("libero.it", 2)]
