"""The demand's timeline: seeded, kept in the back office, shown on the letter page and in the
press room in the page's language."""
import pytest
from sqlalchemy import select

from app.campaign.service import timeline
from app.extensions import db
from app.models import AuditLog, TimelineStep
from tests.helpers.campaign import logged_in


@pytest.fixture
def seeded_timeline(seeded):
    """The letter, the groups and the timeline's first steps, as `flask seed` loads them."""
    assert timeline.seed() == 2
    db.session.commit()
    assert timeline.seed() == 0  # running it again adds nothing
    return seeded


@pytest.mark.parametrize("path, published, answer", [
    ("/it/lettera", "15 settembre 2014", "La risposta di Facebook: ancora nessuna"),
    ("/en/letter", "15 September 2014", "Facebook’s answer: none yet"),
    ("/it/stampa", "15 settembre 2014", "La risposta di Facebook: ancora nessuna"),
    ("/en/press", "15 September 2014", "Facebook’s answer: none yet"),
])
def test_the_seeded_timeline_is_on_the_letter_page_and_the_press_room(seeded_timeline, client, path, published, answer):
    html = client.get(path).get_data(as_text=True)
    assert published in html and answer in html
    assert html.index(published) < html.index(answer)  # a step still to come goes last


def test_a_moderator_adds_a_step_which_goes_in_date_order(seeded_timeline, client):
    logged_in(client)
    response = client.post("/admin/timeline", data={"happened_on": "2014-10-01", "label_it": "Inviata a Facebook",
                                                     "label_en": "Sent to Facebook"}, follow_redirects=True)
    assert "Timeline saved." in response.get_data(as_text=True)
    html = client.get("/en/letter").get_data(as_text=True)
    assert html.index("15 September 2014") < html.index("1 October 2014") < html.index("Sent to Facebook") \
        < html.index("Facebook’s answer: none yet")
    assert "Inviata a Facebook" in client.get("/it/lettera").get_data(as_text=True)
    assert db.session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "timeline.save"


def test_a_moderator_changes_and_removes_a_step(seeded_timeline, client):
    logged_in(client)
    answer = db.session.scalar(select(TimelineStep).where(TimelineStep.happened_on.is_(None)))
    client.post(f"/admin/timeline/{answer.id}", data={"happened_on": "2014-12-01",
                                                      "label_it": "Facebook risponde", "label_en": "Facebook answers"})
    press = client.get("/en/press").get_data(as_text=True)
    assert "1 December 2014" in press and "Facebook answers" in press
    client.post(f"/admin/timeline/{answer.id}/delete")
    assert "Facebook answers" not in client.get("/en/press").get_data(as_text=True)
    assert [a for a in db.session.scalars(select(AuditLog.action).order_by(AuditLog.id))][-2:] == \
        ["timeline.save", "timeline.delete"]


@pytest.mark.parametrize("lang, messages", [
    ("en", ["Please write the step in Italian.", "Please write the step in English.", "Not a valid date value."]),
    ("it", ["Scrivi il passo in italiano.", "Scrivi il passo in inglese.", "Non è una data valida"]),
])
def test_the_step_form_shows_its_errors_in_both_languages(client, lang, messages):
    logged_in(client, lang)
    response = client.post("/admin/timeline", data={"happened_on": "15/09/2014", "label_it": "", "label_en": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in messages:
        assert message in html
    assert 'value="15/09/2014"' in html
    assert db.session.scalar(select(TimelineStep)) is None


def test_timeline_pages_need_a_login(client):
    assert client.get("/admin/timeline").status_code == 302
    assert client.post("/admin/timeline", data={"label_it": "x", "label_en": "y"}).status_code == 302
    assert db.session.scalar(select(TimelineStep)) is None
