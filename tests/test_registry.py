"""Reporting a hijacked group: the form and its errors in both languages, the mails, the double
opt-in, the moderation state changes, duplicates, and screenshots that keep only their pixels."""
import csv
import html
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.models import Crew, Group, GroupEvent, GroupEventKind, GroupStatus, RejectReason, ReportStatus
from app.models.base import utcnow
from app.registry import moderation
from app.registry.reports import NotFacebook, normalize_facebook_url
from app.text import fold
from tests.helpers.mail import html_part, text_part
from tests.helpers.pages import page_text
from tests.helpers.registry import (
    GPS_IFD,
    PATHS,
    REPORTER_EMAIL,
    REPORTER_NAME,
    fetch,
    jpeg_with_secrets,
    last_link,
    plain_png,
    png_with_secrets,
    reports,
    send_report,
)

SENT = {"it": "Grazie! Ora controlla la tua email", "en": "Thank you! Now check your email"}
QUEUED = {"it": "La tua segnalazione è in coda", "en": "Your report is in the queue"}
CONFIRM_BUTTON = {"it": "Conferma la mia segnalazione", "en": "Confirm my report"}
# Nothing a visitor typed goes into a subject (our mails must not carry someone else's message).
SUBJECT = {"it": "Conferma la tua segnalazione", "en": "Confirm your report"}
QUEUED_SUBJECT = {"it": "La tua segnalazione è in coda", "en": "Your report is in the queue"}
STILL_HIJACKED = {"it": "Ancora in mano ai dirottatori", "en": "Still hijacked"}
DAY = {"it": "18 luglio 2014", "en": "18 July 2014"}
MEMBERS = {"it": "12.000", "en": "12,000"}
CANONICAL = "https://www.facebook.com/groups/cucinapovera"



def public_bodies(client, lang: str, slug: str | None = None) -> dict[str, str]:
    """Every public place a group can show up: list, search, page, JSON, CSV, feed."""
    bodies = {
        "index": fetch(client, PATHS[lang]["index"]).get_data(as_text=True),
        "search": fetch(client, PATHS[lang]["index"] + "?q=cucina").get_data(as_text=True),
        "json": fetch(client, "/api/v1/groups?per_page=200").get_data(as_text=True),
        "csv": fetch(client, "/api/v1/groups.csv").get_data(as_text=True),
        "feed": fetch(client, PATHS[lang]["feed"]).get_data(as_text=True),
    }
    if slug:
        bodies["page"] = fetch(client, PATHS[lang]["group"] + slug).get_data(as_text=True)
    return bodies


# --- The whole way: report → mail → confirm → queue → publish → public ------------------------

@pytest.mark.parametrize("lang", ["it", "en"])
def test_report_mail_confirm_queue_publish_then_public_everywhere(app, client, smtp, lang):
    response = send_report(client, lang, files=[(png_with_secrets(), "prova.png"), (plain_png(), "due.png")])
    assert response.status_code == 303
    sent = fetch(client, response.headers["Location"])
    assert SENT[lang] in page_text(sent)

    # A mail in the reporter's language, with a link to a page with a button.
    [mail] = smtp.to(REPORTER_EMAIL)
    assert mail["Subject"].strip() == SUBJECT[lang]
    assert REPORTER_NAME in text_part(mail)
    link = last_link(smtp)
    assert link.startswith(f"/{lang}/")
    [report] = reports()
    assert report.status == ReportStatus.pending_email and report.lang == lang
    assert report.facebook_url == CANONICAL
    assert report.hijacked_on == "2014-07-18" and report.members_at_hijack == 12000
    assert [e.url for e in report.evidence] == ["https://archive.org/web/123", "http://example.org/article"]
    assert len(report.screenshots) == 2

    # Nothing is public before a moderator publishes it.
    for where, body in public_bodies(client, lang).items():
        assert "Cucina Povera" not in body, where

    # Opening the link does not confirm (mail scanners open links); the button does.
    page = fetch(client, link)
    assert page.status_code == 200 and CONFIRM_BUTTON[lang] in page_text(page)
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Cache-Control"] in ("no-store", "private, no-store")  # the token is in the address
    assert reports()[0].status == ReportStatus.pending_email
    done = fetch(client, link, "POST")
    assert done.status_code == 200 and QUEUED[lang] in page_text(done)
    assert done.headers["Cache-Control"] in ("no-store", "private, no-store") and done.headers["Referrer-Policy"] == "same-origin"
    report = reports()[0]
    assert report.status == ReportStatus.queued and report.confirmed_at is not None
    assert [m["Subject"].strip() for m in smtp.to(REPORTER_EMAIL)] == [SUBJECT[lang], QUEUED_SUBJECT[lang]]
    assert db.session.scalar(select(func.count(Group.id))
                             .where(Group.name_folded == fold("Cucina Povera Italiana"))) == 0
    for where, body in public_bodies(client, lang).items():
        assert "Cucina Povera" not in body, where

    # A moderator publishes it with one link and one screenshot.
    group = moderation.publish_report(report, {
        "evidence_ids": [report.evidence[0].id], "screenshot_ids": [report.screenshots[0].id],
        "account_en": "One morning the group had a new name.",
    })
    db.session.commit()
    assert report.status == ReportStatus.published and report.group_id == group.id
    assert group.slug == "cucina-povera-italiana" and group.published

    bodies = public_bodies(client, lang, group.slug)
    for where, body in bodies.items():
        assert "Cucina Povera Italiana" in body, where
        assert REPORTER_EMAIL not in body and REPORTER_NAME not in body, where
    page = html.unescape(bodies["page"])
    assert STILL_HIJACKED[lang] in page and "ShitArmy" in page
    assert DAY[lang] in page and MEMBERS[lang] in page
    assert "https://archive.org/web/123" in page and "example.org/article" not in page
    shown, hidden = report.screenshots
    assert f"/registry/screenshots/{shown.id}" in page and f"/registry/screenshots/{hidden.id}" not in page
    image = fetch(client, f"/registry/screenshots/{shown.id}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert fetch(client, f"/registry/screenshots/{hidden.id}").status_code == 404
    # The moderated account is shown in the page's language, falling back to the reporter's.
    if lang == "en":
        assert "One morning the group had a new name." in page
    else:
        assert "Una mattina abbiamo trovato il gruppo rinominato." in page
    assert CANONICAL in bodies["csv"] and CANONICAL in bodies["json"]
    assert any(g["name"] == "Cucina Povera Italiana" for g in json.loads(bodies["json"])["data"])
    assert f"/{lang}/{'registro/gruppo' if lang == 'it' else 'registry/group'}/cucina-povera-italiana" in bodies["feed"]


def test_mails_are_plain_and_html_and_never_carry_markup_from_the_form(app, client, smtp):
    send_report(client, "en", name="<b>Bold</b> group", reporter_name="<i>Me</i>")
    [mail] = smtp.to(REPORTER_EMAIL)
    assert "<b>Bold</b> group" in text_part(mail)  # plain text: as typed
    assert "<b>Bold</b>" not in html_part(mail) and "&lt;b&gt;Bold&lt;/b&gt;" in html_part(mail)


def test_confirm_link_twice_unknown_and_expired(app, client, smtp):
    send_report(client, "it")
    link = last_link(smtp)
    fetch(client, link, "POST")
    again = fetch(client, link, "POST")
    assert again.status_code == 200
    assert len(smtp.to(REPORTER_EMAIL)) == 2  # the "in the queue" mail went once
    assert "già confermato" in page_text(fetch(client, link))
    unknown = fetch(client, "/it/registro/conferma/not-a-token")
    assert unknown.status_code == 404 and unknown.headers["Cache-Control"] in ("no-store", "private, no-store")
    assert fetch(client, "/en/registry/confirm/not-a-token", "POST").status_code == 404

    smtp.clear()
    send_report(client, "en", reporter_email="late@example.org")
    late = last_link(smtp, "late@example.org")
    report = reports()[-1]
    report.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    expired = fetch(client, late, "POST")
    assert expired.status_code == 404 and "It has expired" in page_text(expired)
    assert reports()[-1].status == ReportStatus.pending_email


def test_honeypot_gets_the_same_answer_and_nothing_is_stored(app, client, smtp):
    response = send_report(client, "it", website="http://spam.example")
    assert response.status_code == 303
    assert SENT["it"] in page_text(fetch(client, response.headers["Location"]))
    assert reports() == [] and smtp.to(REPORTER_EMAIL) == []


# --- Duplicates ------------------------------------------------------------------------------

def test_same_name_is_recognised_and_the_report_adds_to_that_entry(seeded, client, smtp):
    existing = db.session.scalar(select(Group).where(Group.name == "NUN TE REGGHE PIÙ"))
    groups_before = db.session.scalar(select(func.count(Group.id)))
    response = send_report(client, "it", name="nun te regghe piu",
                           facebook_url="facebook.com/groups/999", account="Aggiungo le prove.")
    sent = page_text(fetch(client, response.headers["Location"]))
    assert "Questo gruppo è già nel registro" in sent
    assert f'href="/it/registro/gruppo/{existing.slug}"' in sent
    [mail] = smtp.to(REPORTER_EMAIL)
    assert "già nel registro" in text_part(mail)
    [report] = reports()
    assert report.is_addition and report.group_id == existing.id

    fetch(client, last_link(smtp), "POST")
    group = moderation.publish_report(reports()[0], {"evidence_ids": [reports()[0].evidence[0].id],
                                                   "note": "Nuove prove dagli amministratori."})
    db.session.commit()
    assert group.id == existing.id
    assert db.session.scalar(select(func.count(Group.id))) == groups_before
    page = page_text(fetch(client, f"/it/registro/gruppo/{existing.slug}"))
    assert "aggiunte nuove informazioni" in page and "Nuove prove dagli amministratori." in page
    assert "https://archive.org/web/123" in page


def test_same_facebook_url_in_another_spelling_is_recognised(app, client, smtp):
    group = Group(slug="cucina", name="Cucina", name_folded="cucina", facebook_url=CANONICAL,
                  status=GroupStatus.hijacked, crew=Crew.unknown, published=True, published_at=utcnow())
    db.session.add(group)
    db.session.commit()
    response = send_report(client, "en", name="A completely different name",
                           facebook_url="http://m.facebook.com/groups/CucinaPovera/about")
    assert "This group is already in the registry" in page_text(fetch(client, response.headers["Location"]))
    assert reports()[0].group_id == group.id


def test_publishing_a_new_entry_with_a_taken_url_asks_to_merge(app, client, smtp):
    send_report(client, "en")
    fetch(client, last_link(smtp), "POST")
    other = Group(slug="other", name="Other", name_folded="other", facebook_url="https://www.facebook.com/groups/x",
                  status=GroupStatus.hijacked, crew=Crew.unknown, published=True, published_at=utcnow())
    db.session.add(other)
    db.session.commit()
    report = reports()[0]
    with pytest.raises(moderation.DuplicateGroupError) as caught:
        moderation.publish_report(report, {"facebook_url": "facebook.com/groups/X"})
    assert caught.value.group.id == other.id
    db.session.rollback()
    merged = moderation.merge_report(reports()[0], other, {"note": "Same group."})
    db.session.commit()
    assert merged.id == other.id and reports()[0].status == ReportStatus.merged
    assert [e.kind for e in other.events] == [GroupEventKind.updated]


# --- Other moderation state changes ----------------------------------------------------------

def test_rejected_report_never_becomes_public(app, client, smtp):
    send_report(client, "it")
    fetch(client, last_link(smtp), "POST")
    report = moderation.reject_report(reports()[0], RejectReason.insufficient_evidence, "nessuna prova")
    db.session.commit()
    assert report.status == ReportStatus.rejected and report.reject_reason == RejectReason.insufficient_evidence
    for where, body in public_bodies(client, "it").items():
        assert "Cucina Povera" not in body, where
    with pytest.raises(moderation.ModerationError):
        moderation.publish_report(report)


def test_status_change_shows_on_the_timeline_in_both_languages(seeded, client):
    group = db.session.scalar(select(Group).where(Group.name == "NUN TE REGGHE PIÙ"))
    moderation.change_status(group, GroupStatus.recovered, "Restituito il 3 marzo.")
    db.session.commit()
    with pytest.raises(moderation.ModerationError):
        moderation.change_status(group, "recovered")
    it = page_text(fetch(client, f"/it/registro/gruppo/{group.slug}"))
    en = page_text(fetch(client, f"/en/registry/group/{group.slug}"))
    assert "stato cambiato da “Ancora in mano ai dirottatori” a “Recuperato”" in it
    assert "status changed from “Still hijacked” to “Recovered”" in en
    assert "Restituito il 3 marzo." in it
    assert db.session.scalar(select(GroupEvent.new_status)) == GroupStatus.recovered


# --- Each field error, in both languages ----------------------------------------------------

LONG = "x" * 4001
FIELD_ERRORS = [
    ("facebook_url", {"facebook_url": "https://example.com/groups/1"},
     "Inserisci l’indirizzo di un gruppo o di una pagina Facebook", "Please enter the address of a Facebook group or page"),
    ("facebook_url", {"facebook_url": "https://www.facebook.com/profile.php?id=4"},
     "Inserisci l’indirizzo di un gruppo o di una pagina Facebook", "Please enter the address of a Facebook group or page"),
    ("facebook_url", {"facebook_url": "javascript:alert(1)//facebook.com/groups/1"},
     "Inserisci l’indirizzo di un gruppo o di una pagina Facebook", "Please enter the address of a Facebook group or page"),
    ("evidence", {"evidence": "https://ok.example/1\njavascript:alert(document.cookie)"},
     "Questo non è un indirizzo web che inizia con http:// o https://: javascript:alert(document.cookie)",
     "This is not a web address starting with http:// or https://: javascript:alert(document.cookie)"),
    ("evidence", {"evidence": "\n".join(f"https://e.example/{i}" for i in range(6))},
     "Al massimo 5 link, per favore.", "At most 5 links, please."),
    ("account", {"account": LONG}, "(ne hai scritti 4001)", "(you wrote 4001)"),
    ("account", {"account": ""}, "Raccontaci che cosa è successo.", "Please tell us what happened."),
    ("name", {"name": ""}, "Inserisci il nome del gruppo.", "Please enter the group’s name."),
    # The names go into our mail: no links in them (full, www. or a bare domain).
    ("name", {"name": "Win a prize at http://phish.example/login"},
     "Non può contenere un indirizzo web.", "This cannot contain a web address."),
    ("name", {"name": "Cucina Povera, now at evil.com/x"},
     "Non può contenere un indirizzo web.", "This cannot contain a web address."),
    ("reporter_name", {"reporter_name": "www.phish.example"},
     "Non può contenere un indirizzo web.", "This cannot contain a web address."),
    ("reporter_name", {"reporter_name": "Mario, see bit.ly/abc"},
     "Non può contenere un indirizzo web.", "This cannot contain a web address."),
    ("hijacked_on", {"hijacked_on": "31/02/2014"}, "Inserisci una data passata: un giorno (18/07/2014) o un mese (07/2014).",
     "Please enter a past day (18/07/2014) or month (07/2014)."),
    ("hijacked_on", {"hijacked_on": "07/2099"}, "Inserisci una data passata: un giorno (18/07/2014) o un mese (07/2014).",
     "Please enter a past day (18/07/2014) or month (07/2014)."),
    ("members_at_hijack", {"members_at_hijack": "tanti"}, "Inserisci un numero, per esempio 12.000, oppure lascia vuoto il campo.",
     "Please enter a number, for example 12,000, or leave it empty."),
    ("reporter_email", {"reporter_email": "not-an-address"}, "Inserisci un indirizzo email valido",
     "Please enter a valid email address"),
    ("reporter_name", {"reporter_name": ""}, "Inserisci nome e cognome.", "Please enter your name."),
    ("reporter_role", {"reporter_role": None}, "Indica il tuo ruolo nel gruppo.",
     "Please tell us your role in the group."),
    ("consent", {"consent": None}, "Possiamo accettare la segnalazione solo con il tuo consenso.",
     "We can only take the report with your agreement."),
]


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("field, fields, it_message, en_message", FIELD_ERRORS)
def test_each_field_error_is_shown_next_to_its_field(app, client, lang, field, fields, it_message, en_message):
    response = send_report(client, lang, **fields)
    assert response.status_code == 422
    text = page_text(response)
    message = it_message if lang == "it" else en_message
    error = text.split(f'id="{field}-error">', 1)
    assert len(error) == 2, f"no error next to {field}"
    assert message in error[1].split("</p>", 1)[0]
    assert 'id="error-summary"' in text
    assert reports() == []
    # What was typed is kept (except the field that was wrong, when it was emptied).
    if field != "reporter_email":
        assert "reporter.secret@example.org" in text


SCREENSHOT_ERRORS = [
    ([(plain_png(), f"s{i}.png") for i in range(6)], "Al massimo 5 screenshot, per favore.",
     "At most 5 screenshots, please."),
    ([(b"%PDF-1.4 not an image at all", "evidence.png")], "evidence.png non è un’immagine PNG o JPEG.",
     "evidence.png is not a PNG or JPEG image."),
    ([(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.jpg")],
     "x.jpg non è un’immagine PNG o JPEG.", "x.jpg is not a PNG or JPEG image."),
    ([(b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024), "big.png")], "big.png supera i 5 MB.",
     "big.png is larger than 5 MB."),
]


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    return out.getvalue()


SCREENSHOT_ERRORS.append(([(_gif(), "anim.gif")], "anim.gif non è un’immagine PNG o JPEG.",
                          "anim.gif is not a PNG or JPEG image."))


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("files, it_message, en_message", SCREENSHOT_ERRORS)
def test_screenshot_errors(app, client, lang, files, it_message, en_message):
    response = send_report(client, lang, files=files)
    assert response.status_code == 422
    text = page_text(response)
    assert (it_message if lang == "it" else en_message) in text.split('id="screenshots-error">', 1)[1]
    assert reports() == []
    uploads = Path(app.config["UPLOADS_DIR"])
    assert not uploads.exists() or not any(uploads.rglob("*.*"))


def test_files_need_not_be_chosen_again_after_another_error(app, client):
    response = send_report(client, "en", files=[(plain_png(), "ok.png")], consent=None)
    assert "We kept the screenshot you sent: you need not choose it again." in page_text(response)


# --- Screenshots keep only their pixels ------------------------------------------------------

def test_png_and_jpeg_come_out_without_exif_gps_or_comments(app, client, smtp):
    png, jpeg = png_with_secrets(), jpeg_with_secrets()
    # The uploads really carry the data (or this test could not fail).
    with Image.open(io.BytesIO(png)) as src:
        assert src.getexif().get_ifd(GPS_IFD) and "Comment" in src.info
    with Image.open(io.BytesIO(jpeg)) as src:
        assert src.getexif().get_ifd(GPS_IFD)
    assert b"SpyCamMaker" in png and b"SpyCamMaker" in jpeg

    assert send_report(client, "it", files=[(png, "a.png"), (jpeg, "b.jpg")]).status_code == 303
    stored = [Path(app.config["UPLOADS_DIR"]) / s.path for s in reports()[0].screenshots]
    assert [p.suffix for p in stored] == [".png", ".jpg"]
    for path in stored:
        assert "static" not in path.parts
        raw = path.read_bytes()
        assert b"SpyCamMaker" not in raw and b"<script" not in raw and b"Exif" not in raw
        with Image.open(path) as out:
            assert len(out.getexif()) == 0 and not out.getexif().get_ifd(GPS_IFD)
            assert "exif" not in out.info and "Comment" not in out.info and "comment" not in out.info
            assert out.size == (40, 30)
    with Image.open(stored[0]) as out:
        assert out.convert("RGB").getpixel((5, 5)) == (200, 30, 30)  # the picture itself survives


def test_unpublished_screenshots_are_never_served(app, client, smtp):
    send_report(client, "en", files=[(plain_png(), "a.png")])
    fetch(client, last_link(smtp), "POST")
    shot = reports()[0].screenshots[0]
    assert fetch(client, f"/registry/screenshots/{shot.id}").status_code == 404
    moderation.publish_report(reports()[0], {})  # published without choosing the screenshot
    db.session.commit()
    assert fetch(client, f"/registry/screenshots/{shot.id}").status_code == 404


# --- Facebook addresses ---------------------------------------------------------------------

@pytest.mark.parametrize("raw, canonical", [
    ("https://www.facebook.com/groups/123456789/", "https://www.facebook.com/groups/123456789"),
    ("http://m.facebook.com/groups/NunTeRegghe/permalink/55/?ref=x#top", "https://www.facebook.com/groups/nunteregghe"),
    ("it-it.facebook.com/groups/abc.def", "https://www.facebook.com/groups/abc.def"),
    ("facebook.com/SomePage", "https://www.facebook.com/somepage"),
    ("https://mbasic.facebook.com/SomePage/posts/1", "https://www.facebook.com/somepage"),
    ("https://www.facebook.com/pages/Old-Page/12345", "https://www.facebook.com/12345"),
])
def test_facebook_addresses_are_normalised(raw, canonical):
    assert normalize_facebook_url(raw) == canonical


@pytest.mark.parametrize("raw", [
    "https://facebook.com.evil.example/groups/1", "https://evil.example/facebook.com/groups/1",
    "javascript:alert(1)", "ftp://www.facebook.com/groups/1", "https://user@www.facebook.com/groups/1",
    "https://www.facebook.com/profile.php?id=4", "https://www.facebook.com/", "https://www.facebook.com/groups/",
    "https://www.facebook.com:8443/groups/1", "https://fb.com/groups/1", "data:text/html,facebook.com",
])
def test_non_facebook_addresses_are_refused(raw):
    with pytest.raises(NotFacebook):
        normalize_facebook_url(raw)


def test_csv_of_a_published_report_keeps_the_name_as_typed(app, client, smtp):
    send_report(client, "it", name="=SUM(A1:A9)")
    fetch(client, last_link(smtp), "POST")
    moderation.publish_report(reports()[0], {})
    db.session.commit()
    rows = list(csv.DictReader(io.StringIO(fetch(client, "/api/v1/groups.csv").get_data(as_text=True))))
    assert rows[0]["name"] == "'=SUM(A1:A9)"


def test_send_more_information_prefills_the_group(seeded, client):
    group = db.session.scalar(select(Group).where(Group.name == "NUN TE REGGHE PIÙ"))
    page = fetch(client, f"/en/registry/group/{group.slug}").get_data(as_text=True)
    assert f'href="/en/registry/report?group={group.slug}"' in page
    form = fetch(client, f"/en/registry/report?group={group.slug}").get_data(as_text=True)
    assert 'value="NUN TE REGGHE PIÙ"' in form


def test_purge_deletes_expired_unconfirmed_reports_and_their_files(app, client, smtp, runner):
    send_report(client, "it", files=[(plain_png(), "a.png")])
    send_report(client, "en", name="Fresh one", reporter_email="fresh@example.org")
    old, fresh = reports()
    path = Path(app.config["UPLOADS_DIR"]) / old.screenshots[0].path
    assert path.is_file()
    old.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    result = runner.invoke(args=["purge"])
    assert "unconfirmed reports deleted: 1;" in result.output
    assert [r.name for r in reports()] == ["Fresh one"] and not path.exists()
