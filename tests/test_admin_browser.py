"""In a real headless Chromium: a moderator logs in and publishes a report (CSRF on, as in
production), without a CSP violation; and the back-office pages pass an accessibility check."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Group, Report, ReportStatus
from test_admin_helpers import EMAIL, PASSWORD, make_moderator, queued_report
from conftest import audit_pages

pytestmark = pytest.mark.browser


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def test_a_moderator_logs_in_and_publishes_a_report(app, page, live_server):
    make_moderator()
    report = queued_report(app, name="Gli amici del lago", lang="it")
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto("/admin/")
    assert "/admin/login" in page.url  # anonymous: sent to the login form (Italian browser)
    assert page.locator("html").get_attribute("lang") == "it"
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Accedi").click()
    assert "Email o password sbagliate." in page.locator("main").inner_text()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Coda di moderazione"
    page.get_by_role("link", name="Gli amici del lago").click()
    assert "segnalatore@example.net" in page.locator("main").inner_text()
    assert page.locator("img[alt^='Screenshot 1']").evaluate("img => img.naturalWidth") == 40
    page.get_by_label("Racconto pubblico in inglese").fill("The hijackers renamed it overnight.")
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


def test_back_office_pages_are_accessible_keep_to_the_csp_and_fit_a_phone(app, page, live_server):
    make_moderator()
    report = queued_report(app)
    page.goto("/admin/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    paths = ["/admin/", f"/admin/reports/{report.id}", "/admin/groups", "/admin/audit", "/admin/login?lang=en"]
    assert audit_pages(page, paths, live_server) == {}
