"""The mail outbox. A mail is queued in the same transaction as what caused it and sent by the
mail sender (`flask mail send --loop`, app.worker), never by a web worker, with back-off and a
limit. Mails that anyone's form can make us send to an address are capped per address.

Several senders may run at once: each claims mails with a lease (a conditional UPDATE, taken
under `FOR UPDATE SKIP LOCKED` on PostgreSQL), so no mail is sent twice.
"""
import hashlib
import json
import logging
import re
import time
import uuid
from datetime import timedelta
from email.utils import formataddr, parseaddr

import click
from flask import Flask, current_app, render_template, url_for
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext
from flask_mailman import EmailMultiAlternatives
from jinja2 import TemplateNotFound
from markupsafe import Markup, escape
from sqlalchemy import insert, or_, select, update

from app.extensions import db, mail, over_limit
from app.formats import babel_locale
from app.models import MailStatus, OutboxMail
from app.models.base import utcnow
from app.text import canonical_email

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
_URL = re.compile(r"https?://\S+")


# Mails that a stranger's form submission can make us send to an address: capped per address
# (MAIL_PROMPTED_LIMIT), so that the site cannot be used to flood someone's mailbox.
PROMPTED = frozenset({"signature_confirm", "signature_already", "report_confirm"})


def enqueue(to: str, template: str, lang: str, ref: str | None = None, **context) -> int:
    """Queue the mail `templates/email/<template>.<lang>.txt` in the session's transaction and
    return its id; the caller commits. Only the template's name and its `context` (plain JSON
    values) are stored: the mail is rendered when it is sent (see `render`), by the sender."""
    context["own_site"] = own_site()
    now = utcnow()
    row = {
        "to_addr": to, "subject": "", "body_text": "", "body_html": "", "lang": lang,
        "template": template, "context": json.dumps(context, ensure_ascii=False), "ref": ref,
        "status": MailStatus.pending, "attempts": 0, "last_error": None, "next_attempt_at": now,
        "claimed_by": None, "claimed_until": None, "created_at": now, "sent_at": None,
    }
    return db.session.connection().execute(insert(OutboxMail.__table__), row).inserted_primary_key[0]


def own_site() -> str:
    """The site's address with a final slash: links to it are the only clickable ones in mails."""
    return (current_app.config.get("SITE_URL") or url_for("letter.root", _external=True)).rstrip("/") + "/"


def render(template: str, lang: str, context: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a queued mail. The text is `<template>.<lang>.txt`, whose
    first line is the subject, signed by the coalition; the HTML is `<template>.<lang>.html`
    if present, else the text laid out by `email/layout.html`."""
    context = dict(context)
    site = context.pop("own_site", None) or own_site()
    context.pop("mail_headers", None)  # for the message, not the template (see `_headers`)
    with force_locale(babel_locale(lang)):
        text = render_template(f"email/{template}.{lang}.txt", **context)
        subject, _, body = text.partition("\n")
        body = body.strip("\n") + "\n"
        # One sign-off for every mail (docs/glossary.md): ending on the bare site name read
        # like the opening of a letter ("Dear Humanity").
        sign_off = gettext("— The “Dear Humanity” coalition")
        if body.rstrip().rsplit("\n", 1)[-1].strip() != sign_off:
            body += f"\n{sign_off}\n"
        try:
            html = render_template(f"email/{template}.{lang}.html", **context)
        except TemplateNotFound:
            html = render_template("email/layout.html", subject=subject, lang=lang,
                                   paragraphs=_paragraphs(body, site))
    return subject.strip(), body, html


def _paragraphs(body: str, own_site: str) -> list[Markup]:
    """Plain-text paragraphs as HTML. Only links to our own site become clickable: text that a
    visitor typed (a group's name, say) can never turn our mail into someone else's link."""

    def link(match):
        url = match.group(0)
        return f'<a href="{url}">{url}</a>' if url.startswith(own_site) else url

    out = []
    for para in re.split(r"\n\s*\n", body.strip()):
        html = _URL.sub(link, str(escape(para)))
        out.append(Markup(html.replace("\n", "<br>\n")))
    return out


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def claim(me: str, limit: int = 100, ids: list[int] | None = None) -> list[int]:
    """Take a lease for sender `me` on up to `limit` due mails; return their ids (committed)."""
    now = utcnow()
    free = or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now)
    due = (OutboxMail.status == MailStatus.pending, OutboxMail.next_attempt_at <= now, free)
    # A mailing's emails (app.campaign) after everything else: a confirm link never waits behind them.
    query = select(OutboxMail.id).where(*due).order_by(OutboxMail.template == "update_mailing",
                                                       OutboxMail.id).limit(limit)
    if ids is not None:
        query = query.where(OutboxMail.id.in_(ids))
    candidates = db.session.scalars(query.with_for_update(skip_locked=True)).all()
    claimed = []
    for mail_id in candidates:
        taken = db.session.execute(
            update(OutboxMail).where(OutboxMail.id == mail_id, *due)
            .values(claimed_by=me, claimed_until=now + LEASE)
        )
        if taken.rowcount:
            claimed.append(mail_id)
    db.session.commit()
    return claimed


def _renew(me: str, mail_id: int) -> bool:
    """Extend our lease on one mail just before sending it; False if it is no longer ours."""
    renewed = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.claimed_by == me,
               OutboxMail.status == MailStatus.pending)
        .values(claimed_until=utcnow() + LEASE)
    )
    db.session.commit()
    return bool(renewed.rowcount)


def sender_for(lang: str) -> str:
    """MAIL_DEFAULT_SENDER, with the site's name in `lang` when it names no one."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    name, addr = parseaddr(configured)
    if name:
        return configured
    with force_locale(babel_locale(lang)):
        return formataddr((gettext("Dear Humanity"), addr))


def deliver(ids: list[int] | None = None, limit: int = 100) -> tuple[int, int]:
    """Send due mails (only `ids` if given). Returns (sent, failed this round)."""
    me = uuid.uuid4().hex
    claimed = claim(me, limit, ids)
    if not claimed:
        return 0, 0
    sent = failed = 0
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    # One SMTP connection for the batch, opened inside the per-mail try: a server that is down
    # counts as a failed attempt of each mail (with back-off), not as a crash that leaves them
    # claimed. (A backend's send() opens and closes a connection it finds closed, so it is
    # opened here first: then every message of the batch goes over it.)
    connection = mail.get_connection()
    try:
        for mail_id in claimed:
            if not _renew(me, mail_id):  # our lease ran out (a slow batch): another sender has it
                continue
            outgoing = db.session.get(OutboxMail, mail_id)
            if outgoing is None:  # erased meanwhile (a withdrawn signature)
                continue
            if outgoing.template in PROMPTED and _over_prompted_cap(outgoing.to_addr):
                outgoing.status = MailStatus.failed
                outgoing.last_error = "not sent: this address had its share of such mails today"
                outgoing.context = None
                outgoing.claimed_by = outgoing.claimed_until = None
                db.session.commit()
                log.warning("mail %s dropped: recipient over MAIL_PROMPTED_LIMIT", mail_id)
                continue
            try:
                subject, text, html = _contents(outgoing)
                message = EmailMultiAlternatives(subject, text, sender_for(outgoing.lang),
                                                 [outgoing.to_addr], connection=connection,
                                                 headers=_headers(outgoing))
                message.attach_alternative(html, "text/html")
                connection.open()  # no-op while open; again after a failure closed it
                message.send()
            except Exception as exc:  # any SMTP or network failure: retry later
                failed += 1
                outgoing.attempts += 1
                outgoing.last_error = f"{type(exc).__name__}: {exc}"[:500]
                if outgoing.attempts >= max_attempts:
                    outgoing.status = MailStatus.failed
                    log.error("mail %s given up after %s attempts: %s", mail_id, outgoing.attempts, exc)
                else:
                    outgoing.next_attempt_at = utcnow() + backoff(outgoing.attempts)
                    log.warning("mail %s not sent (attempt %s): %s", mail_id, outgoing.attempts, exc)
                connection.close()  # reconnect for the next one
            else:
                sent += 1
                if current_app.config.get("MAIL_BACKEND") == "file":
                    for link in _URL.findall(text):
                        log.warning("mail %s written to %s; link: %s", mail_id,
                                    current_app.config["MAIL_FILE_PATH"], link)
                outgoing.status = MailStatus.sent
                outgoing.sent_at = utcnow()
                outgoing.subject = subject[:300]
                # The links it carried are not kept once delivered.
                outgoing.context = None
                outgoing.body_text = outgoing.body_html = ""
            outgoing.claimed_by = outgoing.claimed_until = None
            db.session.commit()
    finally:
        connection.close()
    return sent, failed


def _contents(outgoing: OutboxMail) -> tuple[str, str, str]:
    """What to send: rendered now from the stored context (a row queued before mails were
    rendered at sending time holds its bodies instead)."""
    if outgoing.context is None:
        return outgoing.subject, outgoing.body_text, outgoing.body_html
    return render(outgoing.template, outgoing.lang, json.loads(outgoing.context))


def _headers(outgoing: OutboxMail) -> dict | None:
    """Extra headers queued with a mail (`mail_headers`: a mailing's List-Unsubscribe)."""
    if outgoing.context is None:
        return None
    return json.loads(outgoing.context).get("mail_headers") or None


def _over_prompted_cap(address: str) -> bool:
    """Count one more prompted mail to `address` (by its canonical form, hashed); True when
    over MAIL_PROMPTED_LIMIT. Shared by every sender through the rate-limit storage."""
    key = hashlib.sha256(canonical_email(address).encode()).hexdigest()
    return over_limit(current_app.config["MAIL_PROMPTED_LIMIT"], "mail-prompted", key)


def init_app(app: Flask) -> None:
    """Mail settings and the `flask mail send` command."""
    if not app.config["MAIL_SERVER"]:
        app.config["MAIL_BACKEND"] = app.config["MAIL_BACKEND"] or "file"
        app.config["MAIL_FILE_PATH"] = app.config["MAIL_FILE_PATH"] or f"{app.instance_path}/mail"
    mail.init_app(app)
    app.cli.add_command(mail_cli)


@click.group("mail")
def mail_cli():
    """The mail outbox."""


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending every --interval seconds.")
@click.option("--interval", type=float, default=None,
              help="Seconds between looks for new work (default MAIL_POLL_SECONDS).")
@with_appcontext
def send_command(loop: bool, interval: float | None):
    """Register waiting signatures and send every mail that is due (from cron, or as a loop
    with --loop; run as many as you like)."""
    from app.worker import work_until_idle

    pause = interval if interval is not None else current_app.config["MAIL_POLL_SECONDS"]
    while True:
        sent, failed = work_until_idle()
        if sent or failed or not loop:  # a loop says nothing when idle
            click.echo(f"sent {sent}, failed {failed}")
        if not loop:
            return
        time.sleep(pause)
