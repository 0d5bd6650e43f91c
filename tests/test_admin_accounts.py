"""Back-office accounts: the second factor (enrolment, a code refused the second time, recovery
codes), sessions that end on the server (logout, password change, 2FA reset, disabling, idle
and absolute time-outs), throttling an attacker cannot turn against the moderator, roles, and
the accounts page and commands."""
import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from app.admin import accounts, routes, two_factor
from app.extensions import db
from app.models import AuditLog, Moderator, ModeratorSession, RecoveryCode, Role
from app.models.base import utcnow
from tests.helpers.admin import EMAIL, PASSWORD, SECRET, login, make_administrator, make_moderator, totp_code

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
HOME = {"REMOTE_ADDR": "198.51.100.7"}


def _client(app, environ):
    """A browser at the address `environ` gives."""
    client = app.test_client()
    client.environ_base.update(environ)
    return client


def _post_login(client, code, email=EMAIL, password=PASSWORD, lang=None):
    """The login form with exactly this code (no help from the helpers)."""
    url = "/admin/login" + (f"?lang={lang}" if lang else "")
    return client.post(url, data={"email": email, "password": password, "code": code})


def _logged_in(client) -> bool:
    """True when the back office opens for this browser."""
    return client.get("/admin/").status_code == 200


# --- Enrolment --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, heading, wrong", [
    ("en", "Set up the second factor", "This code is not right."),
    ("it", "Imposta il secondo fattore", "Questo codice non è giusto."),
])
def test_the_first_login_enrols_the_second_factor(app, client, lang, heading, wrong):
    make_moderator(enrolled=False)
    response = _post_login(client, "", lang=lang)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/two-factor")
    # Nothing else opens before the enrolment.
    for url in ("/admin/", "/admin/groups", "/admin/audit", "/admin/password"):
        assert client.get(url).headers["Location"].endswith("/admin/two-factor"), url
    page = client.get("/admin/two-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and heading in html
    assert 'class="site-nav"' not in html  # no menu yet
    secret = db.session.scalar(select(Moderator.totp_secret))
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in html  # the key as text
    assert '<img class="totp-qr" src="/admin/two-factor/qr.svg"' in html
    qr = client.get("/admin/two-factor/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    assert qr.headers["Cache-Control"] == "no-store" and secret.encode() not in qr.data
    # A wrong code: the page again, with the error next to the field.
    refused = client.post("/admin/two-factor", data={"code": "12345x"})
    assert refused.status_code == 422 and wrong in refused.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    done = client.post("/admin/two-factor", data={"code": pyotp.TOTP(secret).now()})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = [line.split("<code>")[1].split("</code>")[0] for line in html.splitlines() if "<li><code>" in line]
    assert len(codes) == 10 and len(set(codes)) == 10
    hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    assert _logged_in(client)
    # Shown once: the enrolment is over, its page and QR code are gone.
    assert client.get("/admin/two-factor").headers["Location"].endswith("/admin/")
    assert client.get("/admin/two-factor/qr.svg").status_code == 404
    assert "admin/two-factor" not in client.get("/admin/").get_data(as_text=True)


def test_an_enrolled_account_needs_the_code(app, client):
    make_moderator()
    assert _post_login(client, "").status_code == 200
    assert _post_login(client, "000000" if totp_code() != "000000" else "111111").status_code == 200
    assert not _logged_in(client)
    assert _post_login(client, totp_code()).status_code == 302
    assert _logged_in(client)


def test_a_code_is_refused_the_second_time(app):
    make_moderator()
    code = totp_code()
    first = app.test_client()
    assert _post_login(first, code).status_code == 302
    second = app.test_client()  # someone who saw the code over the shoulder, right after
    assert _post_login(second, code).status_code == 200
    assert not _logged_in(second)
    # The next step's code still works (the app's clock may run a little ahead).
    later = pyotp.TOTP(SECRET).at(time.time() + 30)
    assert _post_login(second, later).status_code == 302


def test_each_recovery_code_works_once(app, client):
    moderator = make_moderator()
    codes = two_factor.new_recovery_codes(moderator)
    db.session.commit()
    assert _post_login(client, codes[3].upper().replace("-", " ")).status_code == 302  # as typed from paper
    client.post("/admin/logout")
    assert _post_login(client, codes[3]).status_code == 200
    assert _post_login(client, codes[4]).status_code == 302
    assert db.session.scalar(select(func.count(RecoveryCode.id)).where(RecoveryCode.used_at.is_not(None))) == 2


# --- Sessions ---------------------------------------------------------------------------------

def _copy_cookie(source, target):
    """Put `source`'s session cookie into `target` (what a thief does)."""
    cookie = source.get_cookie("session")
    target.set_cookie("session", cookie.value)


def test_logout_ends_every_session_even_a_copied_cookie(app):
    make_moderator()
    office, laptop, thief = app.test_client(), app.test_client(), app.test_client()
    login(office)
    login(laptop)
    _copy_cookie(office, thief)
    assert _logged_in(thief)
    office.post("/admin/logout")
    assert not _logged_in(thief) and not _logged_in(laptop) and not _logged_in(office)
    assert db.session.scalar(select(func.count(ModeratorSession.id))) == 0


def test_a_new_session_id_at_every_login(app, client):
    make_moderator()
    client.get("/admin/login")
    with client.session_transaction() as session:
        session["admin_sid"] = "planted-by-someone"
    login(client)
    with client.session_transaction() as session:
        first = session["admin_sid"]
    assert first != "planted-by-someone"
    client.post("/admin/logout")
    login(client)
    with client.session_transaction() as session:
        assert session["admin_sid"] != first


@pytest.mark.parametrize("command", [
    ["moderator", "password", EMAIL, "--password-stdin"],
    ["moderator", "reset-2fa", EMAIL],
    ["moderator", "disable", EMAIL],
])
def test_password_change_2fa_reset_and_disabling_end_the_sessions(app, runner, command):
    make_moderator()
    browser, thief = app.test_client(), app.test_client()
    login(browser)
    _copy_cookie(browser, thief)
    result = runner.invoke(args=command, input="a brand new password\n")
    assert result.exit_code == 0, result.output
    assert not _logged_in(browser) and not _logged_in(thief)


def test_after_a_2fa_reset_the_next_login_enrols_again(app, client, runner):
    two_factor.new_recovery_codes(make_moderator())
    db.session.commit()
    assert runner.invoke(args=["moderator", "reset-2fa", EMAIL]).exit_code == 0
    assert db.session.scalar(select(func.count(RecoveryCode.id))) == 0
    response = _post_login(client, "")
    assert response.headers["Location"].endswith("/admin/two-factor")


def test_password_command_sets_a_password_that_works(app, client, runner):
    make_moderator()
    assert runner.invoke(args=["moderator", "password", EMAIL, "--password-stdin"],
                         input="short\n").exit_code != 0
    assert runner.invoke(args=["moderator", "password", EMAIL, "--password-stdin"],
                         input="another long password\n").exit_code == 0
    assert login(client).status_code == 200
    assert login(client, password="another long password").status_code == 302


def _clock(monkeypatch, delta: timedelta):
    """Move the back office's clock `delta` ahead."""
    monkeypatch.setattr(routes, "utcnow", lambda: utcnow() + delta)


def test_idle_time_out(app, client, monkeypatch):
    make_moderator()
    login(client)
    _clock(monkeypatch, timedelta(minutes=29))
    assert _logged_in(client)
    _clock(monkeypatch, timedelta(minutes=29 + 31))
    response = client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/login")
    assert "La tua sessione è terminata." in client.get("/admin/login").get_data(as_text=True)
    monkeypatch.undo()
    assert not _logged_in(client)


def test_absolute_time_out_even_when_active(app, client, monkeypatch):
    make_moderator()
    login(client)
    for minutes in range(20, 8 * 60, 20):  # a request every 20 minutes
        _clock(monkeypatch, timedelta(minutes=minutes))
        assert _logged_in(client), minutes
    _clock(monkeypatch, timedelta(hours=8, minutes=1))
    assert not _logged_in(client)


# --- Throttling -------------------------------------------------------------------------------

def test_an_attackers_failures_do_not_lock_the_moderator_out(app):
    make_moderator()
    attacker = _client(app, ATTACKER)
    for _ in range(5):
        assert _post_login(attacker, "123456", password="guess guess guess").status_code == 200
    # The attacker's address is locked out of the account: even the right password and code fail.
    assert login(attacker).status_code == 200 and not _logged_in(attacker)
    # The moderator, at home, gets in.
    moderator = _client(app, HOME)
    assert login(moderator).status_code == 302 and _logged_in(moderator)
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions.count("login.failure") == 6 and "login.locked" in actions and actions[-1] == "login.success"


def test_the_lock_of_an_address_lifts(app, monkeypatch):
    make_moderator()
    attacker = _client(app, ATTACKER)
    for _ in range(5):
        _post_login(attacker, "123456", password="guess guess guess")
    monkeypatch.setattr(routes, "utcnow", lambda: utcnow() + timedelta(minutes=14))
    assert _post_login(attacker, pyotp.TOTP(SECRET).at(time.time() + 14 * 60)).status_code == 200
    monkeypatch.setattr(routes, "utcnow", lambda: utcnow() + timedelta(minutes=16))
    assert _post_login(attacker, pyotp.TOTP(SECRET).at(time.time() + 16 * 60)).status_code == 302


def test_guesses_from_many_addresses_slow_down_but_the_moderator_still_gets_in(app):
    make_moderator()
    for n in range(20):  # a botnet: four guesses from each of five addresses
        bot = _client(app, {"REMOTE_ADDR": f"203.0.113.{n // 4 + 1}"})
        _post_login(bot, "123456", password=f"guess number {n}")
    # From now on every address gets one wrong try, then waits.
    fresh = _client(app, {"REMOTE_ADDR": "203.0.113.99"})
    _post_login(fresh, "123456", password="one more guess")
    assert login(fresh).status_code == 200
    assert login(_client(app, HOME)).status_code == 302


@pytest.mark.parametrize("lang", ["en", "it"])
def test_every_kind_of_failure_gets_the_same_answer(app, lang):
    make_moderator()
    answers = set()
    for email, password, code in ((EMAIL, "wrong password!", totp_code()), ("nobody@example.org", PASSWORD, "1"),
                                  (EMAIL, PASSWORD, "999999" if totp_code() != "999999" else "111111")):
        response = _post_login(app.test_client(), code, email=email, password=password, lang=lang)
        assert response.status_code == 200
        page = response.get_data(as_text=True).replace(email, "")
        answers.add(re.sub(r'name="csrf_token" value="[^"]*"', "", page))  # each visitor's own token
    assert len(answers) == 1
    entries = db.session.scalars(select(AuditLog).where(AuditLog.action == "login.failure")).all()
    assert sorted(e.after_data()["why"] for e in entries) == ["code", "password", "unknown"]


# --- Roles and the accounts page ----------------------------------------------------------------

def test_a_moderator_cannot_reach_administrator_pages(app, client):
    make_moderator()
    target = make_administrator()
    login(client)
    assert client.get("/admin/accounts").status_code == 403
    for url in ("/admin/accounts", f"/admin/accounts/{target.id}/disable",
                f"/admin/accounts/{target.id}/reset-2fa", f"/admin/accounts/{target.id}/password"):
        assert client.post(url, data={"email": "x@example.org", "password": "p" * 20, "role": "administrator",
                                      "repeat": "p" * 20}).status_code == 403, url
    assert db.session.get(Moderator, target.id).active
    assert db.session.scalar(select(func.count(Moderator.id))) == 2
    assert "/admin/accounts" not in client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("lang, created, duplicate, short", [
    ("en", "Account nuovo@example.org created.", "There is already an account with this email address.",
     "The password must be at least 12 characters long."),
    ("it", "Account nuovo@example.org creato.", "Esiste già un account con questo indirizzo email.",
     "La password deve avere almeno 12 caratteri."),
])
def test_an_administrator_creates_accounts(app, client, lang, created, duplicate, short):
    administrator = make_administrator()
    login(client, email=administrator.email)
    client.get(f"/admin/accounts?lang={lang}")
    bad = client.post("/admin/accounts", data={"email": "nuovo@example.org", "role": "moderator", "password": "short"})
    assert bad.status_code == 422 and short in bad.get_data(as_text=True)
    assert 'value="nuovo@example.org"' in bad.get_data(as_text=True)  # kept
    ok = client.post("/admin/accounts", data={"email": "Nuovo@Example.org", "role": "moderator",
                                              "password": "a long first password"}, follow_redirects=True)
    assert created in ok.get_data(as_text=True)
    again = client.post("/admin/accounts", data={"email": "nuovo@example.org", "role": "administrator",
                                                 "password": "a long first password"})
    assert again.status_code == 422 and duplicate in again.get_data(as_text=True)
    new = accounts.get_moderator("nuovo@example.org")
    assert new.role == Role.moderator and not new.totp_enabled
    assert db.session.scalar(select(AuditLog.actor).where(AuditLog.action == "moderator.create",
                                                          AuditLog.target_id == new.id)) == administrator.email


def test_an_administrator_disables_resets_and_sets_passwords(app, client):
    administrator = make_administrator()
    make_moderator()
    other = app.test_client()
    login(other)
    login(client, email=administrator.email)
    moderator_id = accounts.get_moderator(EMAIL).id
    client.post(f"/admin/accounts/{moderator_id}/disable")
    assert not _logged_in(other) and login(other).status_code == 200
    client.post(f"/admin/accounts/{moderator_id}/enable")
    assert login(other).status_code == 302
    client.post(f"/admin/accounts/{moderator_id}/reset-2fa")
    assert not _logged_in(other)
    assert not db.session.get(Moderator, moderator_id).totp_enabled
    client.post(f"/admin/accounts/{moderator_id}/password",
                data={"password": "the new password here", "repeat": "the new password here"})
    assert _post_login(other, "", password="the new password here").headers["Location"].endswith("/two-factor")
    assert _logged_in(client)  # the administrator's own session goes on


def test_cli_creates_an_administrator(app, runner, client):
    result = runner.invoke(args=["moderator", "create", "capo@example.org", "--role", "administrator",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0 and "administrator capo@example.org created" in result.output
    assert accounts.get_moderator("capo@example.org").is_administrator
    assert "administrator" in runner.invoke(args=["moderator", "list"]).output


@pytest.mark.parametrize("lang, wrong, changed", [
    ("en", "This is not your current password.", "Your password has been changed."),
    ("it", "Questa non è la tua password attuale.", "La tua password è cambiata."),
])
def test_changing_ones_own_password_ends_every_session(app, client, lang, wrong, changed):
    make_moderator()
    elsewhere = app.test_client()
    login(elsewhere)
    login(client)
    client.get(f"/admin/password?lang={lang}")
    refused = client.post("/admin/password", data={"current": "not it at all", "password": "a new long password",
                                                    "repeat": "a new long password"})
    assert refused.status_code == 422 and wrong in refused.get_data(as_text=True)
    done = client.post("/admin/password", data={"current": PASSWORD, "password": "a new long password",
                                                 "repeat": "a new long password"}, follow_redirects=True)
    assert changed in done.get_data(as_text=True)
    assert not _logged_in(client) and not _logged_in(elsewhere)
    assert login(client, password="a new long password").status_code == 302
