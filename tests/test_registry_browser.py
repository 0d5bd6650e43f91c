"""The registry in a real headless Chromium: accessibility, CSP, a 360 px phone, and reporting a
group with a screenshot through the form."""
import pytest

from app.extensions import db
from app.models import Crew, Group, GroupStatus, ReportStatus
from app.models.base import utcnow
from app.text import fold
from tests.helpers.browser import audit_pages
from tests.helpers.registry import plain_png, reports

pytestmark = pytest.mark.browser

PAGES = ["/it/registro", "/en/registry?q=piu", "/it/registro/gruppo/nun-te-regghe-piu",
         "/en/registry/group/solo-italiano", "/it/registro/segnala", "/en/registry/report",
         "/en/registry/report/sent"]


@pytest.fixture
def registry(seeded):
    """The 2014 groups plus one with an account only in Italian."""
    db.session.add(Group(slug="solo-italiano", name="Solo italiano", name_folded=fold("Solo italiano"),
                         status=GroupStatus.recovered, crew=Crew.shitarmy, hijacked_on="2014-07-18",
                         account_it="Solo in italiano.", published=True, published_at=utcnow()))
    db.session.commit()
    return seeded


def test_registry_pages_are_accessible_keep_to_the_csp_and_fit_a_phone(registry, page, live_server):
    assert audit_pages(page, PAGES, live_server) == {}


def test_report_form_with_its_errors_shown_is_accessible(registry, page, live_server):
    page.goto("/it/registro/segnala")
    page.get_by_role("button", name="Invia la segnalazione").click()
    assert page.locator("#error-summary").is_visible()
    assert audit_pages(page, [None], live_server) == {}


def test_reporting_a_group_with_a_screenshot(registry, page, tmp_path):
    shot = tmp_path / "schermata.png"
    shot.write_bytes(plain_png())
    page.goto("/en/registry/report")
    page.get_by_label("Name of the group").fill("Browser group")
    page.get_by_label("Facebook address of the group or page").fill("facebook.com/groups/browsergroup")
    page.get_by_label("Current status").select_option("recreated")
    page.get_by_label("When it happened").fill("07/2014")
    page.get_by_label("Your account").fill("Taken overnight.")
    page.get_by_label("Screenshots").set_input_files(str(shot))
    page.get_by_label("Your name").fill("Anna")
    page.get_by_label("Your email").fill("anna@example.org")
    page.get_by_label("Administrator").check()
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Send the report").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you! Now check your email"
    [report] = reports()
    assert report.status == ReportStatus.pending_email and report.hijacked_on == "2014-07"
    assert len(report.screenshots) == 1 and report.facebook_url == "https://www.facebook.com/groups/browsergroup"
