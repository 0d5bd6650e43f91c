"""In a real headless Chromium: a new moderator enrols the second factor with the key the page
shows, logs in again with a code computed from it, and publishes a report (CSRF on, as in
production), without a CSP violation; and the back-office pages pass an accessibility check."""
import time

import pyotp
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Group, Moderator, Report, ReportStatus
from tests.helpers.admin import EMAIL, PASSWORD, make_administrator, make_moderator, queued_report, totp_code
from tests.helpers.browser import audit_pages

pytestmark = pytest.mark.browser


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def test_a_moderator_enrols_logs_in_with_a_code_and_publishes_a_report(app, page, live_server):
    make_moderator(enrolled=False)
    report = queued_report(app, name="Gli amici del lago", lang="it")
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto("/admin/")
    assert "/admin/login" in page.url  # anonymous: sent to the login form (Italian browser)
    assert page.locator("html").get_attribute("lang") == "it"
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill("wrong password here")
    page.get_by_role("button", name="Accedi").click()
    assert "Email, password o codice sbagliati." in page.locator("main").inner_text()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Accedi").click()

    # First login: the enrolment, with the QR code drawn by our server and the key as text.
    assert page.get_by_role("heading", level=1).inner_text() == "Imposta il secondo fattore"
    qr = page.get_by_role("img", name="Codice QR della chiave qui sopra, per l’app di autenticazione")
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 100  # it loads and draws
    assert qr.get_attribute("src").startswith("/admin/")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Codice dell’app").fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Attiva il secondo fattore").click()
    assert "Questo codice non è giusto." in page.locator("main").inner_text()
    page.get_by_label("Codice dell’app").fill(totp.now())
    page.get_by_role("button", name="Attiva il secondo fattore").click()
    assert page.get_by_role("heading", level=1).inner_text() == "I tuoi codici di recupero"
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    page.get_by_role("link", name="Li ho conservati: vai alla coda").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Coda di moderazione"

    # Log out, then in again with a code computed from the key the page showed (the next time
    # step: the one used to enrol is spent).
    page.get_by_role("button", name="Esci").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Codice", exact=True).fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Accedi").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Coda di moderazione"
    page.get_by_role("link", name="Gli amici del lago").click()
    assert "segnalatore@example.net" in page.locator("main").inner_text()
    shot = page.locator("img[alt^='Screenshot 1']")
    assert shot.evaluate("img => img.decode().then(() => img.naturalWidth)") == 40  # once it has loaded
    page.get_by_label("Resoconto pubblico in inglese").fill("The hijackers renamed it overnight.")
    # The publish and merge forms both offer the evidence: tick it in the publish form.
    page.get_by_role("region", name="Pubblica").get_by_label("https://example.com/evidence").check()
    page.get_by_role("button", name="Pubblica", exact=True).click()

    assert "Pubblicata: Gli amici del lago." in page.locator("main").inner_text()
    assert "Nessuna segnalazione in attesa." in page.locator("main").inner_text()
    db.session.expire_all()
    assert db.session.get(Report, report.id).status == ReportStatus.published
    group = db.session.scalar(select(Group).where(Group.name == "Gli amici del lago"))
    assert group.published and group.account_en == "The hijackers renamed it overnight."

    # The public entry, in English, with the moderator's text.
    page.goto(f"/en/registry/group/{group.slug}")
    assert "The hijackers renamed it overnight." in page.locator("main").inner_text()
    assert violations == []


def _log_in(page, email, code=None):
    """Log in through the form."""
    page.goto("/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    if code:
        page.get_by_label("Codice", exact=True).fill(code)
    page.get_by_role("button", name="Accedi").click()


def test_back_office_pages_are_accessible_keep_to_the_csp_and_fit_a_phone(app, page, live_server):
    administrator = make_administrator()
    report = queued_report(app)
    _log_in(page, administrator.email, totp_code())
    paths = ["/admin/", f"/admin/reports/{report.id}", "/admin/groups", "/admin/audit", "/admin/accounts",
             "/admin/accounts?lang=en", "/admin/password", "/admin/login?lang=en"]
    assert audit_pages(page, paths, live_server) == {}


def test_enrolment_pages_are_accessible(app, page, live_server):
    make_moderator(enrolled=False)
    _log_in(page, EMAIL)
    assert audit_pages(page, ["/admin/two-factor", "/admin/two-factor?lang=en"], live_server) == {}
    db.session.expire_all()
    secret = db.session.scalar(select(Moderator.totp_secret))
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on the second factor").click()
    assert audit_pages(page, [None], live_server) == {}  # the recovery codes
