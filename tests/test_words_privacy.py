"""The privacy notice states what the code does (GDPR art. 13 and 14): its retention periods are
the settings `flask purge` uses, its controller and contact are the settings, and every part
the article asks for is there, in both languages."""
import re
from datetime import timedelta

import pytest

PATH = {"it": "/it/privacy", "en": "/en/privacy"}
UNIT = {"it": r"(?:giorn[oi]|or[ae])", "en": r"(?:days?|hours?)"}
HEADINGS = {
    "it": ["Informativa sulla privacy", "Titolare del trattamento", "Quali dati e perché", "Chi li vede",
           "Per quanto tempo", "Cookie", "I tuoi diritti", "Reclamo al Garante", "Aggiornamenti"],
    "en": ["Privacy notice", "Data controller", "What we collect and why", "Who sees them",
           "How long we keep them", "Cookies", "Your rights", "Complaints to the Garante", "Updates"],
}
MUST_SAY = {
    "it": ["art. 6, par. 1, lett. a", "art. 9, par. 2, lett. a", "art. 6, par. 1, lett. f",
           "legittimo interesse",
           "Garante per la protezione dei dati personali", "cookie tecnico di sessione",
           "decisioni automatizzate", "portabilità", "rettifica", "cancellazione", "limitazione",
           "opporti", "revocare il consenso", "art. 14", "fornitore del servizio di posta", "moderatori"],
    "en": ["art. 6(1)(a)", "art. 9(2)(a)", "art. 6(1)(f)", "legitimate interest",
           "Garante per la protezione dei dati personali", "technical session cookie",
           "automated decisions", "portability", "rectification", "erasure", "restriction",
           "object", "withdraw your consent", "art. 14", "email provider", "moderators"],
}


def text_of(answer) -> str:
    """The page's visible words, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True)))


def retention_spans(html: str) -> dict[str, str]:
    """{setting name: the period the page states for it} from the notice's retention spans."""
    return dict(re.findall(r'<span class="retention" data-setting="(\w+)">([^<]+)</span>', html))


@pytest.mark.parametrize("config_overrides", [{
    "SIGNATURE_LINK_DAYS": 5, "REPORT_LINK_DAYS": 3, "IP_HASH_DAYS": 21,
    "PERMANENT_SESSION_LIFETIME": 4 * 3600, "PRIVACY_CONTACT": "privacy@example.org",
    "DATA_CONTROLLER": "Associazione Cara Umanità, via Roma 1, 00100 Roma",
}])
@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_notice_states_the_settings_the_code_uses(client, lang):
    answer = client.get(PATH[lang])
    html, text = answer.get_data(as_text=True), text_of(answer)
    spans = retention_spans(html)
    expected = {"SIGNATURE_LINK_DAYS": 5, "REPORT_LINK_DAYS": 3, "IP_HASH_DAYS": 21,
                "PERMANENT_SESSION_LIFETIME": 4}
    assert {k: int(v.split()[0]) for k, v in spans.items()} == expected
    # Every period the page states is one of those: none written by hand that could drift.
    stated = {int(n) for n in re.findall(r"\b(\d+) " + UNIT[lang] + r"\b", text)}
    assert stated == set(expected.values())
    assert "Associazione Cara Umanità, via Roma 1, 00100 Roma" in text
    assert 'href="mailto:privacy@example.org"' in html


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_notice_has_every_part_article_13_asks_for(client, lang):
    answer = client.get(PATH[lang])
    assert answer.status_code == 200
    text = text_of(answer)
    missing = [words for words in HEADINGS[lang] + MUST_SAY[lang] if words not in text]
    assert missing == []
    assert re.search(r"(Ultimo aggiornamento|Last updated): (1º dicembre 2026|1 December 2026)", text)


def test_without_a_controller_the_notice_says_so_rather_than_hiding_it(client):
    text = text_of(client.get("/it/privacy"))
    assert "i dati del titolare non sono ancora stati indicati" in text
    assert "L’indirizzo per le richieste sulla privacy non è ancora stato indicato" in text


def test_signing_and_purge_keep_to_the_periods_the_notice_states(app, client, runner):
    """What the page says is what the code does: a signature's link lasts SIGNATURE_LINK_DAYS,
    `flask purge` erases it once expired, and drops IP hashes older than IP_HASH_DAYS."""
    from app.extensions import db
    from app.models import Signature
    from tests.helpers.petition import sign

    app.config.update(SIGNATURE_LINK_DAYS=2, IP_HASH_DAYS=3)
    sign(client, email="new@example.org")
    sign(client, email="old@example.org")
    new, old = (db.session.scalar(db.select(Signature).filter_by(email=e))
                for e in ("new@example.org", "old@example.org"))
    assert new.expires_at - new.created_at == timedelta(days=2)
    old.created_at -= timedelta(days=2, hours=1)
    old.expires_at -= timedelta(days=2, hours=1)
    new.ip_hash = "h"
    db.session.commit()
    assert runner.invoke(args=["purge"]).exit_code == 0
    db.session.expire_all()
    assert [s.email for s in db.session.scalars(db.select(Signature))] == ["new@example.org"]
    new = db.session.scalar(db.select(Signature))
    new.created_at -= timedelta(days=3, hours=1)
    db.session.commit()
    assert runner.invoke(args=["purge"]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(db.select(Signature)).ip_hash is None
