"""Upgrading to the reviewed public list: the consenting signers confirmed before it were public
already, so they stay on the list (approved); everyone else waits for a moderator."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.helpers.apps import make_test_config

REVISION = "d8ced1e75e5d"  # the public list is reviewed


def test_public_signers_confirmed_before_the_upgrade_stay_listed(tmp_path):
    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'upgrade.db'}"))
    with app.app_context():
        upgrade(revision=f"{REVISION}-1")
        rows = [("listed", 1, "confirmed", 0), ("unlisted", 0, "confirmed", 0), ("pending", 1, "pending", 0),
                ("held", 1, "confirmed", 1)]
        with db.engine.begin() as conn:
            for name, public, status, suspect in rows:
                conn.execute(text(
                    "INSERT INTO signature (name, email, email_canonical, city, country, is_admin, group_name,"
                    " reason, public, news, lang, status, suspect, mails_sent, created_at, expires_at)"
                    " VALUES (:n, :e, :e, '', 'IT', 0, '', '', :p, 0, 'it', :s, :h, 0, '2026-12-01', '2026-12-08')"),
                    {"n": name, "e": f"{name}@example.org", "p": public, "s": status, "h": suspect})
        upgrade(revision=REVISION)
        with db.engine.connect() as conn:
            states = dict(conn.execute(text("SELECT name, listing FROM signature")).all())
        assert states == {"listed": "approved", "unlisted": "waiting", "pending": "waiting", "held": "waiting"}
        downgrade(revision="base")
        db.engine.dispose()
