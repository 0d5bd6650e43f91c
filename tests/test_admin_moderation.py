"""Back office: the moderation queue, publishing, rejecting, merging, status changes, the
public account, screenshots, and the audit entry every action leaves."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    AuditLog,
    Crew,
    Group,
    GroupEvent,
    GroupEventKind,
    GroupStatus,
    RejectReason,
    Report,
    ReportStatus,
)
from app.models.base import utcnow
from app.text import fold
from tests.helpers.admin import EMAIL, png_bytes, queued_report
from tests.helpers.mail import text_part

REPORTER = "segnalatore@example.net"



def _publish_data(**overrides) -> dict:
    data = {"name": "Cuochi per caso", "facebook_url": "", "status": "hijacked", "crew": "shitstorm",
            "hijacked_on": "2014-07", "members_at_hijack": "12000", "members_after": "300",
            "account_it": "Il gruppo è stato dirottato nel luglio 2014.",
            "account_en": "The group was hijacked in July 2014.", "note": ""}
    data.update(overrides)
    return data


def _log(action: str) -> list[AuditLog]:
    return db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def _group(name: str) -> Group | None:
    return db.session.scalar(select(Group).where(Group.name == name))


def _existing_group(name="Nun te regghe più", status=GroupStatus.hijacked) -> Group:
    group = Group(slug=fold(name).replace(" ", "-"), name=name, name_folded=fold(name), status=status,
                  crew=Crew.shitstorm_nameless, account_it="Racconto.", account_en="",
                  published=True, published_at=utcnow())
    db.session.add(group)
    db.session.commit()
    return group


# --- The queue -----------------------------------------------------------------------------

def test_queue_lists_confirmed_reports_oldest_first_with_the_reporters_email(app, mod_client):
    queued_report(app, name="Newer group", email="newer@example.net", confirmed_ago=timedelta(hours=1))
    queued_report(app, name="Older group", email="older@example.net", confirmed_ago=timedelta(days=2))
    queued_report(app, name="Unconfirmed group", status=ReportStatus.pending_email, confirmed_at=None)
    queued_report(app, name="Rejected group", status=ReportStatus.rejected)
    html = mod_client.get("/admin/?lang=en").get_data(as_text=True)
    assert "2 confirmed reports are waiting, oldest first." in html
    assert html.index("Older group") < html.index("Newer group")
    assert "older@example.net" in html and "newer@example.net" in html
    assert "Unconfirmed group" not in html and "Rejected group" not in html
    assert "2 segnalazioni confermate sono in attesa" in mod_client.get("/admin/?lang=it").get_data(as_text=True)


def test_report_page_shows_everything_including_the_screenshot(app, mod_client, client):
    report = queued_report(app)
    html = mod_client.get(f"/admin/reports/{report.id}?lang=en").get_data(as_text=True)
    for text in ("Cuochi per caso", REPORTER, "Anna Rossi", "https://example.com/evidence",
                 "Ci hanno tolto il gruppo in una notte.", "12,000"):
        assert text in html, text
    shot_url = f"/admin/screenshots/{report.screenshots[0].id}"
    assert f'src="{shot_url}"' in html
    image = mod_client.get(shot_url)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data == png_bytes()
    assert image.headers["Cache-Control"] in ("no-store", "private, no-store")
    # The Italian reporter's text prefills the Italian public account, not the English one.
    import re

    account_it = re.search(r'<textarea[^>]*name="account_it"[^>]*>([^<]*)</textarea>', html).group(1)
    account_en = re.search(r'<textarea[^>]*name="account_en"[^>]*>([^<]*)</textarea>', html).group(1)
    assert account_it.strip() == "Ci hanno tolto il gruppo in una notte." and not account_en.strip()
    assert mod_client.get("/admin/screenshots/999999").status_code == 404
    assert mod_client.get("/admin/reports/999999").status_code == 404


def test_screenshots_are_not_served_to_anonymous_visitors(app):
    report = queued_report(app)
    anonymous = app.test_client().get(f"/admin/screenshots/{report.screenshots[0].id}")
    assert anonymous.status_code == 302 and anonymous.data != png_bytes()


# --- Publish -------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, subject, greeting", [
    ("it", "La tua segnalazione è stata pubblicata", "Ciao Anna Rossi"),
    ("en", "Your report has been published", "Hello Anna Rossi"),
])
def test_publish_makes_it_public_and_mails_the_reporter(app, mod_client, smtp, lang, subject, greeting):
    report = queued_report(app, lang=lang)
    evidence_id, shot_id = report.evidence[0].id, report.screenshots[0].id
    public = app.test_client()
    assert "Cuochi per caso" not in public.get("/en/registry").get_data(as_text=True)
    response = mod_client.post(f"/admin/reports/{report.id}/publish", data={
        **_publish_data(name="Cuochi per caso (edited)", status="recovered"),
        "evidence": [str(evidence_id)], "screenshots": [str(shot_id)]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    group = _group("Cuochi per caso (edited)")
    assert group is not None and group.published and group.status == GroupStatus.recovered
    assert group.account_it == "Il gruppo è stato dirottato nel luglio 2014."
    assert group.account_en == "The group was hijacked in July 2014."
    report = db.session.get(Report, report.id)
    assert report.status == ReportStatus.published and report.group_id == group.id
    assert report.evidence[0].published and report.screenshots[0].published
    # Public now: on the registry and its page; the reporter's email nowhere.
    listing = public.get("/en/registry").get_data(as_text=True)
    assert "Cuochi per caso (edited)" in listing and REPORTER not in listing
    page = public.get(f"/en/registry/group/{group.slug}")
    assert page.status_code == 200
    assert "The group was hijacked in July 2014." in page.get_data(as_text=True)
    assert REPORTER not in page.get_data(as_text=True)
    # The reporter's mail, in their language, with the absolute link to the entry.
    mails = smtp.to(REPORTER)
    assert len(mails) == 1
    assert mails[0]["Subject"].strip() == subject
    body = text_part(mails[0])
    path = {"it": "/it/registro/gruppo/", "en": "/en/registry/group/"}[lang]
    assert greeting in body and f"http://localhost{path}{group.slug}" in body
    # The audit log: who, what, before and after.
    (entry,) = _log("report.publish")
    assert entry.actor == EMAIL and entry.target_type == "report" and entry.target_id == report.id
    assert json.loads(entry.before)["report"]["status"] == "queued"
    after = json.loads(entry.after)
    assert after["report"]["status"] == "published"
    assert after["group"]["name"] == "Cuochi per caso (edited)" and after["group"]["status"] == "recovered"


def test_publish_errors_keep_what_was_typed_and_publish_nothing(app, mod_client, smtp):
    report = queued_report(app)
    response = mod_client.post(f"/admin/reports/{report.id}/publish?lang=en", data=_publish_data(
        name="", hijacked_on="luglio", members_at_hijack="-3", account_en="My edited text"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the group’s name." in html
    assert "Write a month (2014-07) or a day (2014-07-18)." in html
    assert "Enter a number of 0 or more." in html
    assert "My edited text" in html
    italian = mod_client.post(f"/admin/reports/{report.id}/publish?lang=it", data=_publish_data(name=""))
    assert "Inserisci il nome del gruppo." in italian.get_data(as_text=True)
    assert db.session.get(Report, report.id).status == ReportStatus.queued
    assert db.session.scalar(select(Group)) is None and not smtp.messages and not _log("report.publish")


def test_publish_refuses_a_facebook_address_already_in_the_registry(app, mod_client):
    existing = _existing_group()
    existing.facebook_url = "https://www.facebook.com/groups/nunteregghepiu"
    db.session.commit()
    report = queued_report(app)
    response = mod_client.post(f"/admin/reports/{report.id}/publish?lang=en", data=_publish_data(
        facebook_url="https://www.facebook.com/groups/nunteregghepiu"))
    assert response.status_code == 422
    assert f"Entry no. {existing.id}" in response.get_data(as_text=True)
    assert db.session.get(Report, report.id).status == ReportStatus.queued


def test_a_decided_report_cannot_be_decided_again(app, mod_client, smtp):
    report = queued_report(app)
    mod_client.post(f"/admin/reports/{report.id}/publish", data=_publish_data())
    again = mod_client.post(f"/admin/reports/{report.id}/reject?lang=en", data={"reason": "duplicate"},
                            follow_redirects=True)
    assert "This report is no longer in the queue" in again.get_data(as_text=True)
    assert db.session.get(Report, report.id).status == ReportStatus.published
    assert len(smtp.to(REPORTER)) == 1


# --- Reject --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, subject, reason_text, note_title", [
    ("it", "La tua segnalazione non è stata pubblicata",
     "Motivo: le prove fornite non bastano per pubblicarla.", "Nota del moderatore:"),
    ("en", "Your report was not published",
     "Reason: the evidence given is not enough to publish it.", "Note from the moderator:"),
])
def test_reject_mails_the_reason_in_the_reporters_language(app, mod_client, smtp, lang, subject,
                                                            reason_text, note_title):
    report = queued_report(app, lang=lang)
    response = mod_client.post(f"/admin/reports/{report.id}/reject", data={
        "reason": "insufficient_evidence", "message": "Send a screenshot of the admin list.",
        "note": "Looks like a troll test."})
    assert response.status_code == 302
    report = db.session.get(Report, report.id)
    assert report.status == ReportStatus.rejected
    assert report.reject_reason == RejectReason.insufficient_evidence
    assert report.moderator_note == "Looks like a troll test."
    assert db.session.scalar(select(Group)) is None
    (mail,) = smtp.to(REPORTER)
    assert mail["Subject"].strip() == subject
    body = text_part(mail)
    assert reason_text in body and note_title in body and "Send a screenshot of the admin list." in body
    assert "Looks like a troll test." not in body  # the internal note stays internal
    (entry,) = _log("report.reject")
    assert entry.actor == EMAIL and json.loads(entry.after)["report"]["reject_reason"] == "insufficient_evidence"
    assert json.loads(entry.before)["report"]["status"] == "queued"
    assert "Cuochi per caso" not in app.test_client().get("/it/registro").get_data(as_text=True)


def test_reject_needs_a_reason_from_the_list(app, mod_client, smtp):
    report = queued_report(app)
    response = mod_client.post(f"/admin/reports/{report.id}/reject?lang=en", data={"reason": "because"})
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.get(Report, report.id).status == ReportStatus.queued and not smtp.messages


# --- Merge ---------------------------------------------------------------------------------

def test_merge_adds_the_report_to_an_existing_entry(app, mod_client, smtp):
    group = _existing_group()
    report = queued_report(app, name="Nun te regghe piu")
    response = mod_client.post(f"/admin/reports/{report.id}/merge", data={
        "group_id": str(group.id), "note": "Another admin confirmed the date."})
    assert response.status_code == 302
    report = db.session.get(Report, report.id)
    group = db.session.get(Group, group.id)
    assert report.status == ReportStatus.merged and report.group_id == group.id
    assert group.name == "Nun te regghe più" and group.account_it == "Racconto."  # unchanged
    events = [e for e in group.events if e.kind == GroupEventKind.updated]
    assert events and events[-1].note == "Another admin confirmed the date."
    assert db.session.scalars(select(Group)).all() == [group]  # no duplicate entry
    (entry,) = _log("report.merge")
    assert json.loads(entry.after)["report"]["status"] == "merged"
    assert json.loads(entry.after)["group"]["id"] == group.id
    assert len(smtp.to(REPORTER)) == 1


@pytest.mark.parametrize("lang, message", [("en", "There is no entry with this number."),
                                           ("it", "Non c’è nessuna scheda con questo numero.")])
def test_merge_into_a_missing_entry_is_an_error(app, mod_client, lang, message):
    report = queued_report(app)
    response = mod_client.post(f"/admin/reports/{report.id}/merge?lang={lang}", data={"group_id": "424242"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.get(Report, report.id).status == ReportStatus.queued and not _log("report.merge")


def test_a_report_recognised_as_a_duplicate_publishes_onto_its_entry(app, mod_client, smtp):
    group = _existing_group()
    report = queued_report(app, name="nun te regghe piu", group_id=group.id, is_addition=True)
    html = mod_client.get(f"/admin/reports/{report.id}?lang=en").get_data(as_text=True)
    assert "this report adds information to it" in html
    assert 'value="Nun te regghe più"' in html  # the form starts from the entry, not the report
    mod_client.post(f"/admin/reports/{report.id}/publish", data=_publish_data(
        name="Nun te regghe più", crew="shitstorm_nameless", account_it="Racconto aggiornato."))
    assert db.session.scalars(select(Group)).all() == [db.session.get(Group, group.id)]
    assert db.session.get(Group, group.id).account_it == "Racconto aggiornato."


# --- Groups: status and account -------------------------------------------------------------

def test_status_change_appears_in_the_timeline_and_the_log(app, mod_client):
    group = _existing_group()
    response = mod_client.post(f"/admin/groups/{group.id}/status", data={
        "status": "recovered", "note": "Facebook gave it back."})
    assert response.status_code == 302
    group = db.session.get(Group, group.id)
    assert group.status == GroupStatus.recovered
    event = db.session.scalar(select(GroupEvent).where(GroupEvent.kind == GroupEventKind.status_changed))
    assert (event.old_status, event.new_status, event.note) == (
        GroupStatus.hijacked, GroupStatus.recovered, "Facebook gave it back.")
    html = mod_client.get(f"/admin/groups/{group.id}?lang=en").get_data(as_text=True)
    assert "status changed from Still hijacked to Recovered" in html and "Facebook gave it back." in html
    html = mod_client.get(f"/admin/groups/{group.id}?lang=it").get_data(as_text=True)
    assert "stato cambiato da Ancora in mano ai dirottatori a Recuperato" in html
    public = app.test_client().get(f"/it/registro/gruppo/{group.slug}")
    assert public.status_code == 200 and "Facebook gave it back." in public.get_data(as_text=True)
    (entry,) = _log("group.status")
    assert entry.actor == EMAIL and entry.target_type == "group" and entry.target_id == group.id
    assert json.loads(entry.before) == {"status": "hijacked"}
    assert json.loads(entry.after) == {"status": "recovered", "note": "Facebook gave it back."}


@pytest.mark.parametrize("lang, message", [("en", "The group already has this status."),
                                           ("it", "Il gruppo ha già questo stato.")])
def test_status_change_to_the_same_status_is_an_error(app, mod_client, lang, message):
    group = _existing_group()
    response = mod_client.post(f"/admin/groups/{group.id}/status?lang={lang}", data={"status": "hijacked"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert not _log("group.status")


def test_the_public_account_in_both_languages(app, mod_client):
    group = _existing_group()
    mod_client.post(f"/admin/groups/{group.id}/account", data={
        "account_it": "Racconto nuovo.", "account_en": "New account."})
    group = db.session.get(Group, group.id)
    assert (group.account_it, group.account_en) == ("Racconto nuovo.", "New account.")
    (entry,) = _log("group.account")
    assert json.loads(entry.before) == {"account_it": "Racconto.", "account_en": ""}
    assert json.loads(entry.after) == {"account_it": "Racconto nuovo.", "account_en": "New account."}
    # Saving the same text again changes nothing and logs nothing.
    mod_client.post(f"/admin/groups/{group.id}/account", data={
        "account_it": "Racconto nuovo.", "account_en": "New account."})
    assert len(_log("group.account")) == 1


def test_groups_search_ignores_case_and_accents(app, mod_client):
    _existing_group()
    _existing_group(name="Altro gruppo")
    html = mod_client.get("/admin/groups?q=PIU&lang=en").get_data(as_text=True)
    assert "Nun te regghe più" in html and "Altro gruppo" not in html


# --- The audit log page ---------------------------------------------------------------------

def test_audit_page_lists_every_action_with_who_and_when(app, mod_client, smtp):
    group = _existing_group()
    first, second = queued_report(app), queued_report(app, name="Second")
    mod_client.post(f"/admin/reports/{first.id}/publish", data=_publish_data(name="First published"))
    mod_client.post(f"/admin/reports/{second.id}/reject", data={"reason": "abusive"})
    mod_client.post(f"/admin/groups/{group.id}/status", data={"status": "closed"})
    page = mod_client.get("/admin/audit?lang=en").get_data(as_text=True)
    html = page[page.index("<tbody>"):]  # the log itself (the filter lists every action too)
    for action in ("Published a report", "Rejected a report", "Changed the status of a group",
                   "Created an account"):
        assert action in html, action
    assert "report.publish" not in html and "group.status" not in html  # words, not codes
    assert html.count(EMAIL) >= 3  # the three actions
    assert html.index("Changed the status of a group") < html.index("Published a report")  # newest first


def test_what_reporters_typed_shows_as_text_never_as_markup(app, mod_client):
    report = queued_report(app, name='<script src="/x.js"></script>Gruppo', account="<b>bold</b> & <i>co</i>")
    report.evidence[0].url = "javascript:alert(1)"  # the form refuses it; the back office still never links it
    db.session.commit()
    for url in ("/admin/", f"/admin/reports/{report.id}"):
        html = mod_client.get(url).get_data(as_text=True)
        assert '<script src="/x.js">' not in html and "&lt;script" in html, url
    html = mod_client.get(f"/admin/reports/{report.id}").get_data(as_text=True)
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert 'href="javascript:' not in html


# --- Merging with evidence ---------------------------------------------------------------------

@pytest.mark.parametrize("lang, legend", [("en", "Evidence to make public"), ("it", "Prove da rendere pubbliche")])
def test_merge_form_offers_the_reports_evidence(app, mod_client, lang, legend):
    report = queued_report(app)
    html = mod_client.get(f"/admin/reports/{report.id}?lang={lang}").get_data(as_text=True)
    merge_form = html[html.index('id="merge-title"'):]
    assert legend in merge_form
    assert f'id="merge-evidence-{report.evidence[0].id}"' in merge_form
    assert f'id="merge-screenshot-{report.screenshots[0].id}"' in merge_form


def test_merge_makes_the_chosen_evidence_public_and_keeps_the_rest_private(app, mod_client, smtp):
    group = _existing_group()
    chosen = queued_report(app, name="Nun te regghe piu")
    ignored = queued_report(app, name="Nun te regghe", email="altro@example.net")
    evidence_id, shot_id = chosen.evidence[0].id, chosen.screenshots[0].id
    ignored.evidence[0].url = "https://example.com/not-chosen"
    db.session.commit()
    response = mod_client.post(f"/admin/reports/{chosen.id}/merge", data={
        "group_id": str(group.id), "evidence": [str(evidence_id)], "screenshots": [str(shot_id)]})
    assert response.status_code == 302
    assert mod_client.post(f"/admin/reports/{ignored.id}/merge", data={"group_id": str(group.id)}).status_code == 302
    chosen, ignored = db.session.get(Report, chosen.id), db.session.get(Report, ignored.id)
    assert chosen.evidence[0].published and chosen.screenshots[0].published
    assert not ignored.evidence[0].published and not ignored.screenshots[0].published
    # On the public page of the entry: the chosen link and screenshot, nothing of the other.
    public = app.test_client()
    for page_url in (f"/en/registry/group/{group.slug}", f"/it/registro/gruppo/{group.slug}"):
        page = public.get(page_url).get_data(as_text=True)
        assert "https://example.com/evidence" in page and "https://example.com/not-chosen" not in page
        assert f"/registry/screenshots/{shot_id}" in page
        assert f"/registry/screenshots/{ignored.screenshots[0].id}" not in page
        assert REPORTER not in page
    assert public.get(f"/registry/screenshots/{shot_id}").data == png_bytes()
    assert public.get(f"/registry/screenshots/{ignored.screenshots[0].id}").status_code == 404
    entry = _log("report.merge")[0]
    assert json.loads(entry.after)["report"]["evidence_public"] == [evidence_id]
    assert json.loads(entry.after)["report"]["screenshots_public"] == [shot_id]


def test_a_merge_error_keeps_the_evidence_ticked_in_the_merge_form_only(app, mod_client):
    report = queued_report(app)
    evidence_id = report.evidence[0].id
    response = mod_client.post(f"/admin/reports/{report.id}/merge?lang=en",
                               data={"group_id": "424242", "evidence": [str(evidence_id)]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'id="merge-evidence-{evidence_id}"[^>]* checked', html)
    assert not re.search(rf'id="publish-evidence-{evidence_id}"[^>]* checked', html)
    assert not db.session.get(Report, report.id).evidence[0].published


# --- Unconfirmed reports are not the back office's ---------------------------------------------

def test_an_unconfirmed_report_cannot_be_seen_or_decided(app, mod_client, smtp):
    group = _existing_group()
    report = queued_report(app, name="Nun te regghe piu", status=ReportStatus.pending_email,
                           confirmed_at=None, group_id=group.id, is_addition=True)
    report_id, shot_id = report.id, report.screenshots[0].id
    assert mod_client.get(f"/admin/reports/{report_id}").status_code == 404
    assert mod_client.get(f"/admin/screenshots/{shot_id}").status_code == 404
    for action, data in (("reject", {"reason": "abusive", "message": "Go away."}),
                         ("publish", _publish_data()), ("merge", {"group_id": str(group.id)})):
        assert mod_client.post(f"/admin/reports/{report_id}/{action}", data=data).status_code == 404, action
    report = db.session.get(Report, report_id)
    assert report.status == ReportStatus.pending_email and report.reject_reason is None
    assert not smtp.messages and not db.session.scalars(
        select(AuditLog).where(AuditLog.target_type == "report")).all()
    # The entry it would add to does not list it (nor its address) either.
    html = mod_client.get(f"/admin/groups/{group.id}?lang=en").get_data(as_text=True)
    assert REPORTER not in html and f"/admin/reports/{report_id}" not in html


def test_the_service_refuses_to_reject_an_unconfirmed_report(app):
    from app.admin import service
    from app.registry.moderation import ModerationError

    report = queued_report(app, status=ReportStatus.pending_email, confirmed_at=None)
    with pytest.raises(ModerationError):
        service.reject(report, "abusive", message="Go away.")
    db.session.rollback()
    assert db.session.get(Report, report.id).status == ReportStatus.pending_email


@pytest.mark.parametrize("lang, label", [("en", "Message to the reporter (optional)"),
                                         ("it", "Messaggio per chi ha segnalato (facoltativo)")])
def test_the_reject_form_has_the_message_for_the_reporter(app, mod_client, lang, label):
    report = queued_report(app)
    html = mod_client.get(f"/admin/reports/{report.id}?lang={lang}").get_data(as_text=True)
    reject_form = html[html.index('id="reject-title"'):html.index('id="merge-title"')]
    assert label in reject_form and 'name="message"' in reject_form
    assert len(re.findall(r'\sid="note"', html)) == 1  # each form's note has its own id


# --- The queue, a page at a time ---------------------------------------------------------------

@pytest.mark.parametrize("lang, waiting, page_of, next_label", [
    ("en", "3 confirmed reports are waiting, oldest first.", "Page 1 of 2", "Next page"),
    ("it", "3 segnalazioni confermate sono in attesa", "Pagina 1 di 2", "Pagina successiva"),
])
def test_queue_is_paginated(app, mod_client, monkeypatch, lang, waiting, page_of, next_label):
    from app.admin import moderation

    monkeypatch.setattr(moderation, "PER_PAGE", 2)
    for days in (3, 2, 1):
        queued_report(app, name=f"Group {days}", confirmed_ago=timedelta(days=days), screenshot=False)
    html = mod_client.get(f"/admin/?lang={lang}").get_data(as_text=True)
    assert waiting in html and page_of in html
    assert "Group 3" in html and "Group 2" in html and "Group 1" not in html
    assert re.search(rf'<a href="/admin/\?page=2[^"]*" rel="next">{next_label}</a>', html)
    second = mod_client.get(f"/admin/?page=2&lang={lang}").get_data(as_text=True)
    assert "Group 1" in second and "Group 3" not in second


def test_queue_loads_groups_and_evidence_in_a_fixed_number_of_queries(app, mod_client):
    from sqlalchemy import event

    group = _existing_group()

    def queries_for_queue() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert mod_client.get("/admin/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    queued_report(app, name="First", group_id=group.id, is_addition=True)
    few = queries_for_queue()
    for n in range(5):
        queued_report(app, name=f"More {n}", group_id=group.id, is_addition=True)
    assert queries_for_queue() == few


# --- The audit log page: merges and account edits too -----------------------------------------

@pytest.mark.parametrize("lang, report_link, group_link, merged, edited", [
    ("en", "report", "group", "Merged a report into an entry", "Edited the public account of a group"),
    ("it", "segnalazione", "gruppo", "Ha unito una segnalazione a una scheda",
     "Ha modificato il resoconto pubblico di un gruppo")])
def test_audit_page_shows_merges_and_account_edits(app, mod_client, smtp, lang, report_link, group_link,
                                                   merged, edited):
    group = _existing_group()
    report = queued_report(app)
    mod_client.post(f"/admin/reports/{report.id}/merge", data={"group_id": str(group.id),
                                                               "note": "Confirmed by a second admin."})
    mod_client.post(f"/admin/groups/{group.id}/account", data={"account_it": "Racconto riscritto.",
                                                               "account_en": "Rewritten account."})
    page = mod_client.get(f"/admin/audit?lang={lang}").get_data(as_text=True)
    html = page[page.index("<tbody>"):]  # the log itself (the filter lists every action too)
    assert html.index(edited) < html.index(merged)  # newest first
    assert f'<a href="/admin/reports/{report.id}">{report_link} {report.id}</a>' in html
    assert f'<a href="/admin/groups/{group.id}">{group_link} {group.id}</a>' in html
    assert "Confirmed by a second admin." in html
    assert "Racconto riscritto." in html and "Rewritten account." in html
    assert html.count(EMAIL) >= 2  # both actions


@pytest.mark.parametrize("lang, address, note", [
    ("en", "Facebook address", "Public note for the timeline (optional)"),
    ("it", "Indirizzo Facebook", "Nota pubblica per la cronologia (facoltativa)"),
])
def test_the_publish_form_keeps_the_facebook_address_and_offers_the_public_note(app, mod_client, lang,
                                                                                  address, note):
    url = "https://www.facebook.com/groups/cuochipercaso"
    report = queued_report(app, facebook_url=url)
    html = mod_client.get(f"/admin/reports/{report.id}?lang={lang}").get_data(as_text=True)
    publish_form = html[html.index('id="publish-title"'):html.index('id="reject-title"')]
    assert address in publish_form and note in publish_form
    assert re.search(rf'name="facebook_url"[^>]*value="{re.escape(url)}"', publish_form)
    # Sending the form as the page fills it keeps the address on the new entry.
    mod_client.post(f"/admin/reports/{report.id}/publish", data=_publish_data(
        facebook_url=url, note="Reported by its founder."))
    group = _group("Cuochi per caso")
    assert group.facebook_url == url
    assert [e.note for e in group.events if e.kind == GroupEventKind.published] == ["Reported by its founder."]
