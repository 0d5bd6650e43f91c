"""Back office: the moderation queue, publishing, rejecting, merging, status changes, the
public account, screenshots, and the audit entry every action leaves."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (AuditLog, Crew, Group, GroupEvent, GroupEventKind, GroupStatus, RejectReason,
                        Report, ReportStatus)
from app.models.base import utcnow
from app.text import fold
from conftest import text_part
from test_admin_helpers import EMAIL, login, make_moderator, png_bytes, queued_report

REPORTER = "segnalatore@example.net"


@pytest.fixture
def mod_client(app, client):
    """A client logged in as a moderator."""
    make_moderator()
    assert login(client).status_code == 302
    return client


def _publish_data(**overrides) -> dict:
    data = {"name": "Cuochi per caso", "facebook_url": "", "status": "hijacked", "crew": "shitstorm",
            "hijacked_on": "2014-07", "members_at_hijack": "12000", "members_after": "300",
            "account_it": "Il gruppo è stato rubato nel luglio 2014.",
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
    assert image.headers["Cache-Control"] == "no-store"
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
    ("it", "La tua segnalazione è pubblicata: Cuochi per caso (edited)", "Ciao Anna Rossi"),
    ("en", "Your report is published: Cuochi per caso (edited)", "Hello Anna Rossi"),
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
    assert group.account_it == "Il gruppo è stato rubato nel luglio 2014."
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
    assert "Enter the group&#39;s name." in html or "Enter the group's name." in html
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
    ("it", "La tua segnalazione non è stata pubblicata: Cuochi per caso",
     "Motivo: le prove fornite non bastano per pubblicarla.", "Nota del moderatore:"),
    ("en", "Your report was not published: Cuochi per caso",
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
                                           ("it", "Non c&#39;è nessuna voce con questo numero.")])
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
    html = mod_client.get("/admin/audit?lang=en").get_data(as_text=True)
    for action in ("report.publish", "report.reject", "group.status", "moderator.create"):
        assert action in html, action
    assert html.count(EMAIL) >= 4  # the three actions plus the header
    assert html.index("group.status") < html.index("report.publish")  # newest first


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
