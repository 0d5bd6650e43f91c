"""Attack: NUL bytes and other control characters in form fields (review 2026-12-01, finding 7:
on PostgreSQL a login email or an evidence address with `\\x00` was a 500, since no text there
may hold a NUL). Every field of every form now answers with a translated form error."""
import html

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from app.extensions import db
from app.models import Report, Signature
from app.safeform import SafeForm
from tests.helpers.petition import form_data
from tests.helpers.registry import send_report

MESSAGE = {"en": "This contains characters we cannot accept.", "it": "Contiene caratteri che non possiamo accettare."}
SIGN = {"it": "/it/firma", "en": "/en/sign"}
BAD = ["\x00", "a\x00b", "\x1b[31m", "\x7f", "\x85", "x\x08"]


def all_subclasses(cls):
    """Every class deriving from `cls`, however deep."""
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_form_of_the_app_derives_from_safe_form(app):
    """So that a new form's every field refuses control characters without anyone remembering."""
    forms = [f for f in all_subclasses(FlaskForm) if f.__module__.startswith("app.")]
    assert len(forms) > 10
    assert [f"{f.__module__}.{f.__name__}" for f in forms if not issubclass(f, SafeForm)] == []


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("field", ["name", "email", "city", "reason", "group_name", "country", "group_id"])
def test_control_characters_in_any_sign_field_are_a_form_error(app, client, lang, field):
    for bad in BAD:
        answer = client.post(SIGN[lang], data=form_data(**{field: f"Maria{bad}"}, is_admin="y"))
        assert answer.status_code == 422, (field, bad)
        if field not in ("country", "group_id"):  # a <select> says its value is not a choice
            assert MESSAGE[lang] in html.unescape(answer.get_data(as_text=True)), (field, bad)
    assert db.session.scalar(select(func.count(Signature.id))) == 0


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("field", ["name", "facebook_url", "hijacked_on", "members_at_hijack", "account",
                                   "evidence", "reporter_name", "reporter_email", "reporter_role"])
def test_control_characters_in_any_report_field_are_a_form_error(app, client, lang, field):
    value = {"evidence": "https://a.example/\x00x", "reporter_email": "a\x00@example.org",
             "facebook_url": "https://www.facebook.com/groups/1\x00"}.get(field, "x\x00y")
    answer = send_report(client, lang, **{field: value})
    assert answer.status_code == 422
    if field != "reporter_role":
        assert MESSAGE[lang] in html.unescape(answer.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Report.id))) == 0


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_nul_in_the_login_email_is_a_form_error(app, client, lang):
    from tests.helpers.admin import make_moderator

    make_moderator()
    answer = client.post(f"/admin/login?lang={lang}", data={"email": "moderatrice@example.org\x00",
                                                             "password": "correct horse battery staple"})
    assert answer.status_code == 200  # the form again, not logged in
    assert MESSAGE[lang] in html.unescape(answer.get_data(as_text=True))


def test_a_nul_in_a_file_name_is_not_a_500(app, client):
    from tests.helpers.registry import plain_png

    answer = send_report(client, "en", files=[(plain_png(), "shot\x00.png")])
    assert answer.status_code in (303, 422)
