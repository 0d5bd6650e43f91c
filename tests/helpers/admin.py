"""Helpers shared by the back-office tests: a moderator, logging in, a queued report."""
from datetime import timedelta

import pyotp
from sqlalchemy import update

from app.admin import accounts
from app.extensions import db
from app.models import Crew, GroupStatus, Moderator, Report, ReportEvidence, ReportStatus, Role, Screenshot
from app.models.base import utcnow
from app.models.registry import ReporterRole
from app.text import fold
from tests.helpers.registry import plain_png

EMAIL = "moderatrice@example.org"
PASSWORD = "correct horse battery staple"


SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the enrolled accounts' TOTP secret


def make_moderator(email: str = EMAIL, password: str = PASSWORD, role: Role = Role.moderator,
                   enrolled: bool = True):
    """An account, committed: by default with its second factor already set up (SECRET)."""
    moderator = accounts.create_moderator(email, password, role)
    if enrolled:
        moderator.totp_secret, moderator.totp_enabled = SECRET, True
    db.session.commit()
    return moderator


def make_administrator(email: str = "amministratrice@example.org", password: str = PASSWORD):
    """An administrator with the second factor set up, committed."""
    return make_moderator(email, password, Role.administrator)


def totp_code(secret: str = SECRET) -> str:
    """The code an authenticator app shows now."""
    return pyotp.TOTP(secret).now()


def login(client, email: str = EMAIL, password: str = PASSWORD, lang: str | None = None,
          code: str | None = None, **extra):
    """POST the login form; returns the response (not followed). Without `code`, the current
    TOTP code, with the account's last used step forgotten first (tests that log in several
    times within 30 seconds are not about reusing codes; test_admin_2fa is)."""
    if code is None:
        db.session.execute(update(Moderator).where(Moderator.email == email).values(totp_last_step=None))
        db.session.commit()
        code = totp_code()
    url = "/admin/login" + (f"?lang={lang}" if lang else "")
    return client.post(url, data={"email": email, "password": password, "code": code, **extra})


def png_bytes() -> bytes:
    """The screenshot `queued_report` stores (40 × 30)."""
    return plain_png((200, 30, 30), (40, 30))


def queued_report(app, name="Cuochi per caso", lang="it", email="segnalatore@example.net",
                  confirmed_ago=timedelta(hours=1), screenshot=True, **fields) -> Report:
    """A confirmed report in the queue, with one evidence link and (optionally) one screenshot
    stored under UPLOADS_DIR as the report form would store it. Committed."""
    values = dict(
        name=name, name_folded=fold(name), facebook_url=None, group_status=GroupStatus.hijacked,
        crew=Crew.shitstorm, hijacked_on="2014-07", members_at_hijack=12000, members_after=300,
        account="Ci hanno tolto il gruppo in una notte." if lang == "it" else "They took the group overnight.",
        lang=lang, reporter_name="Anna Rossi", reporter_email=email, reporter_role=ReporterRole.admin,
        consent=True, status=ReportStatus.queued, confirmed_at=utcnow() - confirmed_ago,
    )
    values.update(fields)
    report = Report(**values)
    report.evidence.append(ReportEvidence(position=0, url="https://example.com/evidence"))
    if screenshot:
        import os
        import secrets

        rel = f"screenshots/{secrets.token_hex(8)}.png"
        full = os.path.join(app.config["UPLOADS_DIR"], rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        data = png_bytes()
        with open(full, "wb") as handle:
            handle.write(data)
        report.screenshots.append(Screenshot(position=0, path=rel, mimetype="image/png", width=40,
                                             height=30, size_bytes=len(data)))
    db.session.add(report)
    db.session.commit()
    return report
