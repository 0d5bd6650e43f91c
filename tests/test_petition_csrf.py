"""CSRF on the petition's forms, turned on as in production."""
import re

import pytest
from sqlalchemy import func, select
from test_petition_helpers import queued_link

from app.extensions import db
from app.models import Signature, SignatureStatus
from app.petition import service


@pytest.fixture
def config_overrides():
    """CSRF on, as in production."""
    return {"WTF_CSRF_ENABLED": True}


def test_a_post_without_csrf_token_is_refused_and_keeps_what_was_typed(seeded, client):
    response = client.post("/en/sign", data={"name": "No Token", "email": "nt@example.org", "privacy": "y"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "The form expired. Please send it again." in body and 'value="No Token"' in body
    assert db.session.scalar(select(Signature)) is None


def test_confirm_and_withdraw_buttons_need_the_csrf_token(seeded, client):
    with client.application.test_request_context("/en/sign"):
        service.sign(service.SignatureData(name="Token Test", email="tt@example.org"), "en", "10.0.0.1")
    path = queued_link()
    response = client.post(path)  # no token: the page with the button again, nothing confirmed
    assert response.status_code == 200 and "Confirm my signature" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(Signature.status)) == SignatureStatus.pending


def test_the_form_at_the_end_of_the_letter_carries_each_visitors_own_token(seeded, app):
    tokens = []
    for _ in range(2):
        visitor = app.test_client()
        for url in ("/en/letter", "/en/sign"):
            page = visitor.get(url).get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            answer = visitor.post("/en/sign", data={
                "csrf_token": token, "name": "Letter Reader", "email": f"reader{len(tokens)}@example.org",
                "privacy": "y"}, follow_redirects=True)
            assert answer.status_code == 200 and "Now check your email" in answer.get_data(as_text=True)
            tokens.append(token)
    assert len(set(tokens)) >= 2  # not one cached token for everybody
    db.session.rollback()
    assert db.session.scalar(select(func.count(Signature.id))) == 4
