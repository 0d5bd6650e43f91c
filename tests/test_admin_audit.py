"""The audit log reads in both languages: who did what to which item, in sentences with links,
filtered by person and by action, a page at a time; no action code and no JSON on screen."""
import html
import re

import pytest
from sqlalchemy import select

from app.admin.service import audit
from app.extensions import db
from app.models import AuditLog, RejectReason
from tests.helpers.admin import EMAIL, login, make_administrator, make_moderator, queued_report
from tests.helpers.pages import page_text

ADMIN = "amministratrice@example.org"




def table(text: str) -> str:
    """The log's table only (the filter form lists every sentence as an option)."""
    return text[text.index("<tbody>"):text.index("</tbody>")] if "<tbody>" in text else ""


@pytest.mark.parametrize("lang, words", [
    ("en", {"reject": "Rejected a report", "login": "Logged in", "reason": "Reason: Spam or abuse",
            "item": "report {id}", "failed": "Tried to log in and failed", "why": "Why: wrong password",
            "anonymous": "Someone not logged in"}),
    ("it", {"reject": "Ha rifiutato una segnalazione", "login": "Ha effettuato l’accesso",
            "reason": "Motivo: Spam o abuso", "item": "segnalazione {id}",
            "failed": "Ha tentato di accedere senza riuscirci", "why": "Perché: password sbagliata",
            "anonymous": "Qualcuno senza accesso"}),
])
def test_the_log_speaks_in_sentences_with_links(app, client, lang, words):
    make_moderator()
    login(client, password="wrong password entirely")  # a failure, by someone not logged in
    login(client)
    report = queued_report(app)
    client.post(f"/admin/reports/{report.id}/reject", data={"reason": "abusive", "note": "Solo insulti."})
    text = page_text(client.get(f"/admin/audit?lang={lang}"))
    rows = table(text)
    for key in ("reject", "login", "reason", "failed", "why", "anonymous"):
        assert words[key] in rows, key
    assert f'<a href="/admin/reports/{report.id}">{words["item"].format(id=report.id)}</a>' in rows
    assert "Solo insulti." in rows and EMAIL in rows
    # No internal codes, no JSON.
    for code in ("report.reject", "login.success", "login.failure", '"why"', "{", "abusive"):
        assert code not in rows, code
    assert rows.index(words["reject"]) < rows.index(words["login"])  # newest first


def test_filters_by_person_and_by_action(app, client):
    make_moderator()
    make_administrator()
    login(client)
    audit("group.status", "group", 7, actor=ADMIN)
    audit("report.reject", "report", 8, after={"report": {"reject_reason": RejectReason.duplicate.value}},
          actor=ADMIN)
    db.session.commit()
    rows = table(page_text(client.get(f"/admin/audit?lang=en&who={ADMIN}")))
    assert "Changed the status of a group" in rows and "Rejected a report" in rows
    assert "Logged in" not in rows and EMAIL not in rows
    rows = table(page_text(client.get("/admin/audit?lang=en&action=login.success")))
    assert "Logged in" in rows and "Rejected a report" not in rows and ADMIN not in rows
    rows = table(page_text(client.get(f"/admin/audit?lang=en&action=report.reject&who={ADMIN}")))
    assert "Rejected a report" in rows and "Reason: Duplicate" in rows and "Changed the status" not in rows
    # The form shows what was chosen, with every person and action as words.
    form = client.get(f"/admin/audit?lang=en&who={ADMIN}").get_data(as_text=True)
    assert f'<option selected value="{ADMIN}">' in form or f'value="{ADMIN}" selected' in form
    assert ">Exported the signatures with their email addresses<" in form
    # An unknown person or action shows the whole log rather than an error.
    for query in ("who=nobody@example.org", "action=drop.table", "who=&action="):
        answer = client.get(f"/admin/audit?lang=en&{query}")
        assert answer.status_code == 200 and "Logged in" in table(page_text(answer)), query


def test_an_unknown_action_reads_as_a_generic_sentence(app, mod_client):
    audit("future.thing", "widget", 3, before={"secret_code": 1}, after={"x": 2}, actor="system")
    db.session.commit()
    for lang, generic, site in (("en", "Did something the log has no words for yet", "The site"),
                                ("it", "Ha fatto qualcosa che il registro delle azioni non sa ancora descrivere", "Il sito")):
        rows = table(page_text(mod_client.get(f"/admin/audit?lang={lang}")))
        assert generic in rows and site in rows
        assert "future.thing" not in rows and "widget" not in rows and "secret_code" not in rows


def test_the_log_is_paginated_keeping_the_filters(app, mod_client):
    for n in range(55):
        audit("group.status", "group", n + 1, actor="cli")
    db.session.commit()
    first = mod_client.get("/admin/audit?lang=en&who=cli").get_data(as_text=True)
    assert "56 entries." in first  # and the account made by the command line
    link = re.search(r'href="([^"]*page=2[^"]*)"', first).group(1)
    assert "who=cli" in html.unescape(link)
    second = page_text(mod_client.get(html.unescape(link)))
    assert "group 1<" in table(second) and "group 55<" not in table(second)
    assert "The command line" in table(second)
    assert mod_client.get("/admin/audit?page=999").status_code == 200


def test_the_log_needs_a_login(client):
    assert client.get("/admin/audit").status_code == 302
    assert db.session.scalars(select(AuditLog)).all() == []


def test_the_signatures_actions_read_as_sentences_with_their_facts(app, mod_client):
    audit("signature.invalidate", "invalidation", 4,
          after={"count": 2, "reason": "One crew, throwaway domains", "criteria": {"domain": "x.example"}})
    audit("signature.invalidation_undo", "invalidation", 4, after={"count": 2})
    db.session.commit()
    rows = table(page_text(mod_client.get("/admin/audit?lang=en")))
    assert "Invalidated signatures" in rows and "Undid an invalidation" in rows
    assert "2 signatures" in rows and "Reason: One crew, throwaway domains" in rows
    assert '<a href="/admin/invalidations">invalidation 4</a>' in rows
    assert "criteria" not in rows and "x.example" not in rows
    rows = table(page_text(mod_client.get("/admin/audit?lang=it")))
    assert "Ha invalidato firme" in rows and "2 firme" in rows and "Motivo: One crew" in rows
