"""Attack: web addresses slipped into the names, cities and reasons that the site mails and
shows (review 2026-12-01, finding 3: 13 of 21 tricks passed, so confirm mails started "Hello Ann
Buy at scam.de now,"). Each trick, in each field that refuses addresses, in both languages."""
import html
import unicodedata

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Report, Signature
from app.text import has_web_address
from tests.helpers.petition import form_data
from tests.helpers.registry import report_data, send_report

# The review's 21 tricks: plain addresses with a top-level domain the old list lacked, dots that
# are not ASCII dots, invisible characters inside the word, letters that only look like ASCII,
# a backslashed scheme, and the "defanged" dot.
TRICKS = [
    "scam.de", "scam.shop", "scam.pw/x", "SCAM.COM", "http://scam", "www.scam",
    "scam\u3002com",        # ideographic full stop
    "scam\uff0ecom",        # full-width full stop
    "scam\uff61com",        # half-width ideographic full stop
    "scam\u2024com",        # one dot leader
    "scam\u200b.com",       # zero-width space
    "scam\u00ad.com",       # soft hyphen
    "scam\u2060.com",       # word joiner
    "https:\\\\scam",       # https:\\scam
    "Ⓢⓒⓐⓜ.ⓒⓞⓜ",           # circled letters
    "ｓｃａｍ.ｃｏｍ",        # full-width letters
    "𝐬𝐜𝐚𝐦.𝐜𝐨𝐦",             # mathematical bold
    "скам.рф",              # an internationalised top-level domain
    "scam.xn--p1ai",        # the same, as the DNS spells it
    "scam[.]com",           # defanged
    "scam.co\u0301m",       # a combining accent inside the domain
]
MESSAGES = {"en": ("This cannot contain a web address.", "This contains characters we cannot accept."),
            "it": ("Non può contenere un indirizzo web.", "Contiene caratteri che non possiamo accettare.")}
SIGN = {"it": "/it/firma", "en": "/en/sign"}
# Names with dots, abbreviations and numbers that are not addresses, and must still pass.
HONEST = ["Maria Rossi", "J.R.R. Tolkien", "Dott.ssa Bianchi", "Reggio nell'Emilia", "3.14", "ecc.",
          "Perché. Perché no", "San Giovanni in Fiore", "Ḿarìa Ñúñez", "李小龙"]


def test_there_are_21_tricks_and_each_is_an_address():
    assert len(TRICKS) == 21
    assert [t for t in TRICKS if not has_web_address(f"Buy at {t} now")] == []
    assert [t for t in HONEST if has_web_address(t)] == []


def refused(response, lang: str) -> bool:
    """The form came back (422) with one of our two messages in `lang`."""
    text = html.unescape(response.get_data(as_text=True))
    return response.status_code == 422 and any(m in text for m in MESSAGES[lang])


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("field", ["name", "city", "reason", "group_name"])
def test_every_trick_is_refused_in_the_sign_form(app, client, lang, field):
    extra = {"is_admin": "y"} if field == "group_name" else {}
    for trick in TRICKS:
        value = f"Ann Buy at {trick} now"
        answer = client.post(SIGN[lang], data=form_data(email="ann@example.org", **{field: value}, **extra))
        assert refused(answer, lang), (field, trick)
        kept = unicodedata.normalize("NFC", value)  # as the form's filter stores it
        assert kept in html.unescape(answer.get_data(as_text=True))  # the form keeps what was typed
    assert db.session.scalar(select(func.count(Signature.id))) == 0


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("field", ["name", "reporter_name"])
def test_every_trick_is_refused_in_the_report_form(app, client, lang, field):
    for trick in TRICKS:
        answer = send_report(client, lang, **{field: f"Gruppo {trick}"})
        assert refused(answer, lang), (field, trick)
    assert db.session.scalar(select(func.count(Report.id))) == 0


@pytest.mark.parametrize("lang", ["it", "en"])
def test_honest_names_with_dots_still_sign(app, client, lang):
    for name in HONEST[:4]:
        answer = client.post(SIGN[lang], data=form_data(name=name, email=f"{len(name)}@example.org"))
        assert answer.status_code == 200, name  # the check-your-mail page


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("value", ["Mar\u200bia", "Maria\u202e", "Maria\u200f", "Ma\u00adria", "\ufeffMaria"])
def test_names_and_cities_refuse_invisible_and_direction_characters(app, client, lang, value):
    for field in ("name", "city"):
        answer = client.post(SIGN[lang], data=form_data(**{field: value}))
        assert answer.status_code == 422 and MESSAGES[lang][1] in html.unescape(answer.get_data(as_text=True))


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("url", ["https://a.example/\u202ex", "https://a.example/\x00x", "https://a.example/\x07",
                                 "https://a.exa\u200bmple/x"])
def test_evidence_addresses_refuse_invisible_and_control_characters(app, client, lang, url):
    answer = send_report(client, lang, evidence=url)
    assert answer.status_code == 422 and MESSAGES[lang][1] in html.unescape(answer.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Report.id))) == 0


def test_a_reason_may_still_hold_an_emoji_joined_by_zero_width_joiners(app, client):
    answer = client.post("/en/sign", data=form_data(reason="For my family 👨\u200d👩\u200d👧"))
    assert answer.status_code == 200
    assert report_data  # (the report helpers are shared with the report form tests above)
