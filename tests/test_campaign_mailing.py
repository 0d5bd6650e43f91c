"""Mailing an update to the signers who asked for news: the opt-in on the sign form, who gets
it (once, in their language), the RFC 8058 one-click unsubscribe and its page, the pace, and
that it goes once however often the button is pressed or however many senders run."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Mailing, MailingRecipient, OutboxMail, Signature, SignatureStatus
from app.security import token_digest
from tests.helpers import in_threads
from tests.helpers.campaign import logged_in, published_update
from tests.helpers.mail import html_part, text_part
from tests.helpers.petition import WITHDRAW_LINK, fetch, form_data, last_link, sign

UNSUBSCRIBE = re.compile(r"http://localhost/(?:it/notizie/annulla|en/news/unsubscribe)/[A-Za-z0-9_-]+")
TITLES = {"it": "Siamo andati a Bruxelles", "en": "We went to Brussels"}


def signer(client, smtp, email: str, lang: str = "it", news: bool = True, confirm: bool = True, **fields):
    """Sign (asking for news or not) and, unless told otherwise, confirm through the mailed link."""
    if news:
        fields["news"] = "y"
    assert sign(client, lang, email=email, **fields).status_code == 200
    if confirm:
        assert fetch(client, last_link(smtp, email), "POST").status_code == 200
    return db.session.scalar(select(Signature).where(Signature.email == email))


def start_mailing(client, update_id: int):
    """Press the back office's send button (logged in)."""
    return client.post(f"/admin/updates/{update_id}/mailing")


def news_to(smtp, address: str):
    """The update emails received by `address`."""
    return [m for m in smtp.to(address) if m["List-Unsubscribe"]]


def fresh(signature_id: int) -> Signature | None:
    db.session.expire_all()
    return db.session.get(Signature, signature_id)


def test_the_opt_in_is_off_by_default_and_kept_on_a_form_error(client):
    for path in ("/it/firma", "/en/sign"):
        html = client.get(path).get_data(as_text=True)
        box = re.search(r'<input[^>]*name="news"[^>]*>', html).group(0)
        assert "checked" not in box
    assert "Send me news of this campaign" in client.get("/en/sign").get_data(as_text=True)
    assert "Inviami le notizie di questa campagna" in client.get("/it/firma").get_data(as_text=True)
    wrong = client.post("/en/sign", data=form_data(name="", news="y"))
    assert wrong.status_code == 422
    assert "checked" in re.search(r'<input[^>]*name="news"[^>]*>', wrong.get_data(as_text=True)).group(0)


def test_the_opt_in_reaches_the_signature_and_its_confirm_page(client, smtp):
    asked = signer(client, smtp, "asked@example.org", "en", confirm=False)
    silent = signer(client, smtp, "silent@example.org", "en", news=False, confirm=False)
    assert asked.news is True and silent.news is False
    page = fetch(client, last_link(smtp, "asked@example.org")).get_data(as_text=True)
    assert "We will email you the coalition’s updates" in page


def test_the_update_goes_once_to_confirmed_signers_who_asked_in_their_language(client, smtp):
    anna = signer(client, smtp, "anna@example.org", "it", name="Anna Verdi")
    bob = signer(client, smtp, "bob@example.org", "en", name="Bob Smith")
    signer(client, smtp, "carla@example.org", "it", news=False)  # did not ask
    signer(client, smtp, "dario@example.org", "it", confirm=False)  # never confirmed
    update = published_update()
    logged_in(client)
    page = client.get(f"/admin/updates/{update.id}/mailing").get_data(as_text=True)
    assert "In Italian: 1" in page and "In English: 1" in page
    assert "ecco le ultime notizie" in page and "Here is the latest news" in page  # both previews
    smtp.clear()
    assert start_mailing(client, update.id).status_code == 303
    assert start_mailing(client, update.id).status_code == 303  # pressed twice
    followed = client.get(f"/admin/updates/{update.id}/mailing").get_data(as_text=True)
    assert "This update has been emailed already" in followed
    assert sorted(m["To"] for m in smtp.messages) == ["anna@example.org", "bob@example.org"]
    for person, lang, greeting in ((anna, "it", "Ciao Anna Verdi,"), (bob, "en", "Hello Bob Smith,")):
        [mail] = news_to(smtp, person.email)
        assert mail["Subject"] == TITLES[lang]
        text = text_part(mail)
        assert greeting in text and ("incontrato" if lang == "it" else "met the MEPs") in text
        [url] = UNSUBSCRIBE.findall(text)
        assert ("/it/notizie/annulla/" if lang == "it" else "/en/news/unsubscribe/") in url
        # (folded past 78 characters, as RFC 5322 allows: a reader unfolds and trims it)
        assert mail["List-Unsubscribe"].strip() == f"<{url}>"
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f'href="{url}"' in html_part(mail)
        token = url.rsplit("/", 1)[1]
        digests = db.session.scalars(select(MailingRecipient.token_digest)).all()
        assert token_digest(token) in digests and token not in digests  # only its hash is kept
    assert "2 / 2" in client.get(f"/admin/updates/{update.id}/mailing").get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "update.mail")) == 1
    assert db.session.scalar(select(func.count(Mailing.id))) == 1


def test_one_click_unsubscribe_works_without_a_session_from_any_origin(app, client, smtp):
    anna = signer(client, smtp, "anna@example.org", "it")
    logged_in(client)
    start_mailing(client, published_update().id)
    path = UNSUBSCRIBE.findall(text_part(news_to(smtp, "anna@example.org")[0]))[0].removeprefix("http://localhost")
    mail_client = app.test_client()  # no cookie, no token: what a mail provider sends
    answer = mail_client.post(path, data={"List-Unsubscribe": "One-Click"},
                              headers={"Origin": "https://mail.example", "Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert fresh(anna.id).news is False


def test_opening_the_link_does_not_unsubscribe_the_button_does(app, client, smtp):
    anna = signer(client, smtp, "anna@example.org", "en")
    logged_in(client)
    start_mailing(client, published_update().id)
    path = UNSUBSCRIBE.findall(text_part(news_to(smtp, "anna@example.org")[0]))[0].removeprefix("http://localhost")
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "Stop the news" in page.get_data(as_text=True)
    assert '<form method="post">' in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "same-origin" and "no-store" in page.headers["Cache-Control"]
    assert visitor.head(path).status_code == 200
    assert fresh(anna.id).news is True
    pressed = visitor.post(path)
    assert pressed.status_code == 303
    assert "We will not email you the coalition’s updates any more." in visitor.get(
        pressed.headers["Location"]).get_data(as_text=True)
    assert fresh(anna.id).news is False
    assert "You no longer get the coalition’s updates" in visitor.get(path).get_data(as_text=True)
    assert visitor.get("/en/news/unsubscribe/not-a-token").status_code == 404


def test_the_unsubscribed_get_nothing_next_time(client, smtp):
    signer(client, smtp, "anna@example.org", "it")
    signer(client, smtp, "bob@example.org", "en")
    logged_in(client)
    start_mailing(client, published_update().id)
    path = UNSUBSCRIBE.findall(text_part(news_to(smtp, "anna@example.org")[0]))[0].removeprefix("http://localhost")
    client.post(path, data={"List-Unsubscribe": "One-Click"})
    smtp.clear()
    second = published_update(title_it="Secondo", title_en="Second")
    start_mailing(client, second.id)
    assert [m["To"] for m in smtp.messages] == ["bob@example.org"]


def test_a_withdrawn_signer_gets_nothing_even_once_queued(client, smtp):
    from app.outbox import deliver
    from app.worker import work_once

    signer(client, smtp, "anna@example.org", "it")
    dario = signer(client, smtp, "dario@example.org", "it")
    withdraw = last_link(smtp, "dario@example.org", WITHDRAW_LINK)
    logged_in(client)
    smtp.clear()
    client.sender = False  # the button queues nothing by itself: the sender does, then sends
    start_mailing(client, published_update().id)
    work_once(send=False)
    assert db.session.scalar(select(func.count(MailingRecipient.id))) == 2
    fetch(client, withdraw, "POST")  # withdrawn between queueing and sending
    assert fresh(dario.id) is None
    deliver()
    assert [m["To"] for m in smtp.messages] == ["anna@example.org"]
    assert db.session.scalar(select(func.count(MailingRecipient.id))) == 1


def test_an_invalidated_signer_gets_nothing(client, smtp):
    from app.models.petition import SignatureInvalidation

    signer(client, smtp, "anna@example.org", "it")
    troll = signer(client, smtp, "troll@example.org", "it")
    invalidation = SignatureInvalidation(reason="a bot", criteria="{}", count=1, actor="moderatrice@example.org")
    db.session.add(invalidation)
    db.session.flush()
    troll.invalidation_id = invalidation.id
    db.session.commit()
    logged_in(client)
    smtp.clear()
    start_mailing(client, published_update().id)
    assert [m["To"] for m in smtp.messages] == ["anna@example.org"]


def test_a_mailing_goes_at_a_steady_pace_and_confirm_links_do_not_wait(app, client, smtp):
    app.config["MAILING_PER_MINUTE"] = 2  # one every 30 seconds
    for n in range(3):
        signer(client, smtp, f"s{n}@example.org", "it")
    logged_in(client)
    smtp.clear()

    def mailed() -> int:
        return len([m for m in smtp.messages if m["List-Unsubscribe"]])

    start_mailing(client, published_update().id)
    assert mailed() == 1
    sign(client, "en", email="newcomer@example.org")
    assert len(smtp.to("newcomer@example.org")) == 1  # not behind the mailing
    client.get("/en/updates")  # another round of the sender, within the 30 seconds
    assert mailed() == 1
    for expected in (2, 3, 3):
        db.session.expire_all()
        mailing = db.session.scalar(select(Mailing))
        mailing.next_at -= timedelta(seconds=30)  # as if 30 seconds had passed
        db.session.commit()
        client.get("/en/updates")
        assert mailed() == expected
    db.session.expire_all()
    assert db.session.scalar(select(Mailing.finished_at)) is not None


def test_confirm_links_are_sent_before_a_mailing_s_emails(client, smtp):
    from app.outbox import claim, enqueue

    signer(client, smtp, "anna@example.org", "it")
    logged_in(client)
    client.sender = False
    start_mailing(client, published_update().id)
    from app.worker import work_once

    work_once(send=False)  # the mailing's email is queued first…
    enqueue("late@example.org", "signature_confirm", "en", name="Late", days=7, confirm_url="http://localhost/x")
    db.session.commit()
    first = claim("test", limit=1)  # …and the confirm link goes first all the same
    assert db.session.get(OutboxMail, first[0]).template == "signature_confirm"


def two_senders_send_once(app):
    """Ten presses of the button at once, then two senders' rounds at once."""
    from app.worker import work_once

    update = published_update()
    for n in range(6):
        db.session.add(Signature(name=f"S {n}", email=f"s{n}@example.org", email_canonical=f"s{n}@example.org",
                                 lang="it" if n % 2 else "en", news=True, status=SignatureStatus.confirmed,
                                 confirmed_at=update.published_at, expires_at=update.published_at))
    db.session.commit()
    update_id = update.id

    def press(i):
        with app.app_context():
            from app.campaign.service import mailings
            from app.models import Update

            try:
                mailings.start(db.session.get(Update, update_id), f"moderator{i}@example.org")
                db.session.commit()
                return True
            except mailings.AlreadyMailed:
                return False

    assert sorted(in_threads(10, press)) == [False] * 9 + [True]

    def sender(i):
        with app.app_context():
            return work_once(send=False)[0]

    assert sum(in_threads(2, sender)) == 6
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 6
    assert db.session.scalar(select(func.count(func.distinct(OutboxMail.to_addr)))) == 6
    assert db.session.scalar(select(func.count(MailingRecipient.id))) == 6


def test_ten_presses_and_two_senders_queue_each_email_once_sqlite(app):
    app.config["MAILING_PER_MINUTE"] = 100
    two_senders_send_once(app)


@pytest.mark.postgres
def test_ten_presses_and_two_senders_queue_each_email_once_postgres(pg_app):
    pg_app.config["MAILING_PER_MINUTE"] = 100
    two_senders_send_once(pg_app)


@pytest.mark.browser
def test_the_unsubscribe_pages_are_accessible_keep_to_the_csp_and_fit_a_phone(seeded, page, live_server):
    from app.models import Mailing
    from app.models.base import utcnow
    from tests.helpers.browser import audit_pages

    update = published_update()
    signature = Signature(name="Anna", email="anna@example.org", email_canonical="anna@example.org", lang="it",
                          news=True, status=SignatureStatus.confirmed, confirmed_at=utcnow(), expires_at=utcnow())
    mailing = Mailing(update_id=update.id, started_by="m@example.org")
    db.session.add_all([signature, mailing])
    db.session.flush()
    db.session.add(MailingRecipient(mailing_id=mailing.id, signature_id=signature.id, lang="it",
                                    token_digest=token_digest("a-token")))
    db.session.commit()
    assert audit_pages(page, ["/it/notizie/annulla/a-token", "/en/news/unsubscribe/a-token", "/it/notizie/annullate",
                              "/en/news/unsubscribed", "/en/news/unsubscribe/unknown"], live_server) == {}
    page.goto("/en/news/unsubscribe/a-token")
    page.get_by_role("button", name="Stop the news").click()
    assert "No more news" in page.title()
    assert fresh(signature.id).news is False
