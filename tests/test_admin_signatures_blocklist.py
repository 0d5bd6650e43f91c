"""Back office, signatures: block lists (administrators only) hold matching signatures
silently; trending IP hashes and domains, and the mail to the moderators when one passes
TRENDING_ALERT an hour, at most once an hour."""
import html
import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import BlockKind, Role, Signature, SignatureBlock, SignatureStatus, TrendingAlert
from app.security import ip_hash
from tests.helpers.mail import text_part
from tests.helpers.petition import form_data
from tests.helpers.signatures import ADMIN_EMAIL, MOD_EMAIL, actions, add_signatures, ip, logged_in

SIGNER_IP = "203.0.113.7"


def _sign(client, email: str, address: str = SIGNER_IP):
    """Sign from `address`: what the signer gets (status, the page it answers with, the address
    it names blanked out, as tests/test_petition.py compares them)."""
    response = client.post("/it/firma", data=form_data(email=email, name="Nome Cognome"),
                           environ_base={"REMOTE_ADDR": address}, follow_redirects=True)
    page = re.compile(re.escape(html.escape(email)), re.I).sub("ADDRESS", response.get_data(as_text=True))
    return response.status_code, page


def _signature(email: str) -> Signature:
    db.session.rollback()
    return db.session.scalar(select(Signature).where(Signature.email == email))


def test_block_lists_hold_matching_signatures_silently(app, smtp):
    admin = logged_in(app, Role.administrator)
    blocked_ip = "198.51.100.9"
    for kind, value in (("domain", "@Yopmail.com"), ("email", "Mario.Rossi+firma@gmail.com"),
                        ("ip_hash", ip_hash(blocked_ip).upper())):
        assert admin.post("/admin/blocklist", data={"kind": kind, "value": value, "note": "banda"}).status_code == 302
    stored = {(b.kind, b.value) for b in db.session.scalars(select(SignatureBlock))}
    assert stored == {(BlockKind.domain, "yopmail.com"), (BlockKind.email, "mariorossi@gmail.com"),
                      (BlockKind.ip_hash, ip_hash(blocked_ip))}

    visitor = app.test_client()
    normal = _sign(visitor, "libera@example.org")
    blocked = {email: _sign(visitor, email, address) for email, address in (
        ("troll@yopmail.com", SIGNER_IP), ("altro@mail.yopmail.com", SIGNER_IP),
        ("m.a.r.i.o.rossi@googlemail.com", SIGNER_IP), ("dal-router@example.org", blocked_ip))}
    for email, answer in blocked.items():
        assert answer == normal, email  # the same answer, the same page
        signature = _signature(email)
        assert signature.suspect and signature.status == SignatureStatus.pending, email
        assert smtp.to(email) == [], email
    assert len(smtp.to("libera@example.org")) == 1
    assert not _signature("libera@example.org").suspect
    # The held queue shows them, for a moderator to release or invalidate.
    moderator = logged_in(app)
    held = moderator.get("/admin/signatures?state=held").get_data(as_text=True)
    assert held.count('<td><a href="/admin/signatures/') == 4


def test_block_list_entries_are_checked_removed_and_logged(app):
    admin = logged_in(app, Role.administrator)
    for kind, value, error in (("domain", "non è un dominio", "Inserisci un dominio"),
                               ("email", "senza-chiocciola", "Inserisci un indirizzo email"),
                               ("ip_hash", "1234", "Inserisci un hash IP")):
        response = admin.post("/admin/blocklist", data={"kind": kind, "value": value})
        assert response.status_code == 422 and error in response.get_data(as_text=True)
        assert value in response.get_data(as_text=True)  # what was typed stays
    admin.post("/admin/blocklist", data={"kind": "domain", "value": "yopmail.com"})
    again = admin.post("/admin/blocklist", data={"kind": "domain", "value": "YOPMAIL.com"})
    assert again.status_code == 422 and "già nell’elenco" in again.get_data(as_text=True)
    entry = db.session.scalar(select(SignatureBlock))
    assert admin.post(f"/admin/blocklist/{entry.id}/remove").status_code == 302
    assert db.session.scalar(select(SignatureBlock)) is None
    _sign(app.test_client(), "ora@yopmail.com")
    assert not _signature("ora@yopmail.com").suspect
    log = actions()
    assert log.count("blocklist.add") == 1 and log.count("blocklist.remove") == 1


def test_a_signature_offers_its_block_list_entries_to_administrators(app):
    [signature_id] = add_signatures(1, domain="yopmail.com", ip_hash=ip("router"))
    admin = logged_in(app, Role.administrator)
    page = admin.get(f"/admin/signatures/{signature_id}").get_data(as_text=True)
    assert "/admin/blocklist?kind=domain&amp;value=yopmail.com" in page
    form = admin.get(f"/admin/blocklist?kind=ip_hash&value={ip('router')}").get_data(as_text=True)
    assert f'value="{ip("router")}"' in form


def test_a_moderator_cannot_reach_the_block_lists(app):
    moderator = logged_in(app)
    assert moderator.get("/admin/blocklist").status_code == 403
    assert moderator.post("/admin/blocklist", data={"kind": "domain", "value": "example.org"}).status_code == 403
    db.session.add(SignatureBlock(kind=BlockKind.domain, value="yopmail.com", actor="cli"))
    db.session.commit()
    entry_id = db.session.scalar(select(SignatureBlock.id))
    assert moderator.post(f"/admin/blocklist/{entry_id}/remove").status_code == 403
    assert db.session.scalar(select(SignatureBlock.id)) == entry_id
    assert db.session.scalar(select(SignatureBlock).where(SignatureBlock.value == "example.org")) is None
    page = moderator.get("/admin/signatures").get_data(as_text=True)
    assert "/admin/blocklist" not in page
    assert "/admin/blocklist" in logged_in(app, Role.administrator).get("/admin/signatures").get_data(as_text=True)


# --- Trending ------------------------------------------------------------------------------

def test_the_trending_page_lists_keys_by_their_signatures(app):
    add_signatures(7, domain="yopmail.com", prefix="t", ip_hash=ip("router"))
    add_signatures(3, domain="libero.it", prefix="v", ago=timedelta(hours=5))
    moderator = logged_in(app)
    for lang, title in (("it", "Nell’ultima ora"), ("en", "In the last hour")):
        page = moderator.get(f"/admin/signatures/trending?lang={lang}").get_data(as_text=True)
        assert title in page
    hour = page[page.index("In the last hour"):page.index("In the last day")]
    day = page[page.index("In the last day"):]
    assert f"/admin/signatures?ip_hash={ip('router')}" in hour and ">7<" in hour
    assert "/admin/signatures?domain=yopmail.com" in hour and "libero.it" not in hour
    assert "/admin/signatures?domain=libero.it" in day and ">3<" in day


def _alerts(smtp, address: str) -> list:
    return [m for m in smtp.to(address) if "Firme in aumento" in m["Subject"]]


def test_the_trending_alert_mails_the_moderators_once_an_hour(app, smtp):
    app.config["TRENDING_ALERT"] = 3
    logged_in(app)
    logged_in(app, Role.administrator)
    visitor = app.test_client()
    for i in range(2):
        _sign(visitor, f"persona{i}@example{i}.org")
    assert _alerts(smtp, MOD_EMAIL) == []
    _sign(visitor, "persona2@example2.org")  # the third from one address in an hour
    [mail] = _alerts(smtp, MOD_EMAIL)
    assert len(_alerts(smtp, ADMIN_EMAIL)) == 1
    body = text_part(mail)
    assert mail["Subject"] == "Firme in aumento da un solo indirizzo IP"
    assert "nell’ultima ora sono arrivate 3 firme da un solo indirizzo IP" in body
    assert f"http://localhost/admin/signatures?ip_hash={ip_hash(SIGNER_IP)}" in body
    _sign(visitor, "persona3@example3.org")
    assert len(_alerts(smtp, MOD_EMAIL)) == 1  # not again within the hour
    # An hour later it may go again.
    db.session.rollback()
    for row in db.session.scalars(select(TrendingAlert)):
        row.alerted_at -= timedelta(minutes=61)
    db.session.commit()
    _sign(visitor, "persona4@example4.org")
    assert len(_alerts(smtp, MOD_EMAIL)) == 2
    assert "signature" not in " ".join(actions())  # the sender's mail is not a moderator's action


def test_a_trending_domain_is_mailed_about_too(app, smtp):
    app.config["TRENDING_ALERT"] = 3
    logged_in(app)
    visitor = app.test_client()
    for i in range(3):
        _sign(visitor, f"troll{i}@yopmail.com", address=f"192.0.2.{i + 1}")
    [mail] = _alerts(smtp, MOD_EMAIL)
    assert mail["Subject"] == "Firme in aumento dal dominio yopmail.com"
    assert "http://localhost/admin/signatures?domain=yopmail.com" in text_part(mail)


def test_no_trending_alert_below_the_threshold_or_when_turned_off(app, smtp):
    logged_in(app)
    visitor = app.test_client()
    for i in range(5):
        _sign(visitor, f"persona{i}@example.org")  # default threshold: 100 an hour
    app.config["TRENDING_ALERT"] = 0
    _sign(visitor, "persona9@example.org")
    assert _alerts(smtp, MOD_EMAIL) == []


def test_the_trending_check_runs_at_most_once_a_period_and_not_while_the_cache_is_down(app, monkeypatch):
    from cachelib import SimpleCache

    from app import extensions
    from app.petition import trending

    checks = []
    monkeypatch.setattr(trending, "alert", lambda: checks.append(1) or 0)
    monkeypatch.setattr(extensions, "cache", SimpleCache())  # a cache that keeps, as in production
    trending.alert_if_due()
    trending.alert_if_due()
    assert checks == [1]

    class Down:
        def add(self, *args, **kwargs):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(extensions, "cache", Down())
    trending.alert_if_due()
    assert checks == [1]
