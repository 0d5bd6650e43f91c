"""Back office: moderator accounts, login and logout, throttling, sessions, and that nothing
under /admin/ answers an anonymous visitor."""
import re

import pytest
from sqlalchemy import select, update

from app.admin import accounts
from app.extensions import db
from app.models import AuditLog, Crew, Group, GroupStatus, Moderator, OutboxMail, Report
from app.models.base import utcnow
from tests.helpers.admin import EMAIL, PASSWORD, login, make_moderator, totp_code

WRONG = {
    "en": "Wrong email, password or code.",
    "it": "Email, password o codice sbagliati.",
}
LOCK_NOTE = {
    "en": "After 5 failed attempts from one place, logging in from there waits 15 minutes.",
    "it": "Dopo 5 tentativi falliti da uno stesso posto, da lì bisogna aspettare 15 minuti per accedere.",
}


@pytest.fixture
def moderator(app):
    """One moderator account."""
    return make_moderator()


# --- Accounts from the command line -----------------------------------------------------------

def test_cli_create_reads_password_from_stdin_and_hashes_it_with_argon2(runner):
    result = runner.invoke(args=["moderator", "create", "Mod@Example.org", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "mod@example.org created" in result.output
    moderator = db.session.scalar(select(Moderator))
    assert moderator.email == "mod@example.org"
    assert moderator.password_hash.startswith("$argon2id$")
    assert PASSWORD not in moderator.password_hash
    assert moderator.check_password(PASSWORD) and not moderator.check_password("wrong password!!")


def test_cli_create_asks_twice_and_refuses_a_mismatch(runner):
    result = runner.invoke(args=["moderator", "create", "a@example.org"],
                           input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert db.session.scalar(select(Moderator)).check_password(PASSWORD)


def test_cli_create_refuses_short_password_bad_email_and_duplicates(runner):
    short = runner.invoke(args=["moderator", "create", "a@example.org", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least 12" in short.output
    bad = runner.invoke(args=["moderator", "create", "not-an-email", "--password-stdin"], input=PASSWORD + "\n")
    assert bad.exit_code != 0 and "not a valid email" in bad.output
    assert db.session.scalar(select(Moderator)) is None
    first = runner.invoke(args=["moderator", "create", "a@example.org", "--password-stdin"], input=PASSWORD + "\n")
    assert first.exit_code == 0
    again = runner.invoke(args=["moderator", "create", "A@example.org", "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_cli_list_disable_enable(runner, moderator, client):
    assert EMAIL in runner.invoke(args=["moderator", "list"]).output
    assert runner.invoke(args=["moderator", "disable", EMAIL]).exit_code == 0
    assert "disabled" in runner.invoke(args=["moderator", "list"]).output
    assert "/admin/login" in login(client).headers.get("Location", "/admin/login")
    assert WRONG["it"] in login(client, lang="it").get_data(as_text=True)
    assert runner.invoke(args=["moderator", "enable", EMAIL]).exit_code == 0
    assert login(client).headers["Location"].endswith("/admin/")
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["moderator.create", "moderator.disable", "login.failure", "login.failure",
                       "moderator.enable", "login.success"]


# --- Login and logout ----------------------------------------------------------------------

@pytest.mark.parametrize("lang, title, button", [("it", "Accedi", "Accedi"), ("en", "Log in", "Log in")])
def test_login_page_in_both_languages(client, lang, title, button):
    page = client.get(f"/admin/login?lang={lang}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{title}</h1>" in html
    assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html
    assert page.headers["Cache-Control"] in ("no-store", "private, no-store")
    # The choice sticks for the next back-office page.
    assert f'<html lang="{lang}">' in client.get("/admin/login").get_data(as_text=True)


def test_login_language_follows_accept_language_without_a_choice(client):
    html = client.get("/admin/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    html = client.get("/admin/login", headers={"Accept-Language": "it-IT"}).get_data(as_text=True)
    assert '<html lang="it">' in html


@pytest.mark.parametrize("lang, queue_title", [("it", "Coda di moderazione"), ("en", "Moderation queue")])
def test_login_success_opens_the_queue_and_logout_ends_it(client, moderator, lang, queue_title):
    response = login(client, lang=lang)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Expires=" in cookie  # a permanent session: it expires
    page = client.get("/admin/")
    assert page.status_code == 200 and queue_title in page.get_data(as_text=True)
    assert EMAIL in page.get_data(as_text=True)
    assert db.session.get(Moderator, moderator.id).last_login_at is not None
    # Logging out is a POST; a GET is not even allowed.
    assert client.get("/admin/logout").status_code == 405
    out = client.post("/admin/logout")
    assert out.status_code == 302 and out.headers["Location"].endswith("/admin/login")
    assert client.get("/admin/").status_code == 302


def test_login_returns_to_the_page_asked_for_but_never_elsewhere(client, moderator):
    assert login(client, next=None).status_code == 302
    client.post("/admin/logout")
    db.session.execute(update(Moderator).values(totp_last_step=None))
    db.session.commit()
    response = client.post("/admin/login?next=/admin/audit",
                           data={"email": EMAIL, "password": PASSWORD, "code": totp_code()})
    assert response.headers["Location"].endswith("/admin/audit")
    client.post("/admin/logout")
    for evil in ("//evil.example/admin/", "https://evil.example/admin/", "/it/lettera"):
        db.session.execute(update(Moderator).values(totp_last_step=None))
        db.session.commit()
        response = client.post("/admin/login", query_string={"next": evil},
                               data={"email": EMAIL, "password": PASSWORD, "code": totp_code()})
        assert response.headers["Location"].endswith("/admin/"), evil
        assert "evil" not in response.headers["Location"]
        client.post("/admin/logout")


@pytest.mark.parametrize("lang", ["it", "en"])
def test_unknown_email_and_wrong_password_get_the_same_answer(client, moderator, lang):
    unknown = login(client, email="nobody@example.org", lang=lang)
    wrong = login(client, password="not the password", lang=lang)
    bodies = []
    for response in (unknown, wrong):
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert WRONG[lang] in html and LOCK_NOTE[lang] in html
        assert 'value="' + ("nobody@example.org" if response is unknown else EMAIL) + '"' in html  # kept
        assert "not the password" not in html  # a password is never echoed back
        bodies.append(re.sub(r'value="[^"]*"', "", html))
    assert bodies[0] == bodies[1]
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("lang, message", [("it", "Inserisci la tua password."), ("en", "Enter your password.")])
def test_login_missing_fields(client, moderator, lang, message):
    html = login(client, password="", lang=lang).get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html


def test_honeypot_login_is_refused_like_a_wrong_password(client, moderator):
    html = login(client, website="http://spam.example").get_data(as_text=True)
    assert WRONG["it"] in html
    assert client.get("/admin/").status_code == 302


# --- Sessions ------------------------------------------------------------------------------

def test_disabled_moderator_is_logged_out_at_the_next_request(client, moderator):
    login(client)
    accounts.set_active(db.session.get(Moderator, moderator.id), False)
    db.session.commit()
    assert client.get("/admin/").status_code == 302


# --- Nothing for anonymous visitors ----------------------------------------------------------

def _admin_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/admin") and rule.endpoint != "admin.login"]


def test_every_admin_route_refuses_anonymous_visitors(app, client):
    rules = _admin_rules(app)
    assert len(rules) >= 20  # the test covers the routes that exist, whatever they are
    for rule in rules:
        url = rule.build({arg: 1 for arg in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url)
            assert "/admin/login" in response.headers["Location"], (method, url)
            assert b"Moderation queue" not in response.data and b"@" not in response.data


ENGLISH = {"Accept-Language": "en"}  # the CSRF refusal comes before ?lang= is read
CSRF_REFUSED = "This form was open for too long, or your browser does not keep our session cookie"


def _something_to_act_on(app) -> dict:
    """A queued report (with a screenshot) and a published group: the ids for every route's
    arguments, and a snapshot of everything an action could change."""
    from tests.helpers.admin import queued_report

    report = queued_report(app)
    group = Group(slug="un-gruppo", name="Un gruppo", name_folded="un gruppo",
                  status=GroupStatus.hijacked, crew=Crew.shitstorm, account_it="Racconto.",
                  published=True, published_at=utcnow())
    db.session.add(group)
    db.session.commit()
    return {"report_id": report.id, "group_id": group.id, "screenshot_id": report.screenshots[0].id,
            "moderator_id": db.session.scalar(select(Moderator.id))}


def _state(ids: dict) -> tuple:
    """What a forged or anonymous request must leave as it was."""
    db.session.expire_all()
    report, group = db.session.get(Report, ids["report_id"]), db.session.get(Group, ids["group_id"])
    return (report.status, report.reject_reason, group.status, group.account_it, group.account_en,
            [e.published for e in report.evidence], [s.published for s in report.screenshots],
            db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all(),
            db.session.scalars(select(OutboxMail.id)).all())


def test_every_admin_route_refuses_anonymous_visitors_with_csrf_on(app, client, moderator):
    # CSRF is checked before the login: an anonymous GET goes to the login form, an anonymous
    # POST without a token is refused outright (400), and nothing changes either way.
    app.config["WTF_CSRF_ENABLED"] = True
    ids = _something_to_act_on(app)
    before = _state(ids)
    for rule in _admin_rules(app):
        url = rule.build({arg: ids.get(arg, 1) for arg in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, headers=ENGLISH, data={"reason": "abusive", "status": "closed",
                                                             "account_it": "Forged.", "group_id": ids["group_id"]})
            if method == "GET":
                assert response.status_code == 302, (method, url)
                assert "/admin/login" in response.headers["Location"], (method, url)
            else:
                assert response.status_code == 400, (method, url)
                assert CSRF_REFUSED in response.get_data(as_text=True), (method, url)
    assert _state(ids) == before


def test_a_logged_in_moderator_cannot_be_made_to_act_without_the_token(app, client, moderator):
    # A forged cross-site POST carries the moderator's cookie but not the token: refused, no change.
    app.config["WTF_CSRF_ENABLED"] = True
    from tests.helpers import csrf_token

    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    assert client.post("/admin/login", data={"email": EMAIL, "password": PASSWORD, "code": totp_code(),
                                             "csrf_token": token}).status_code == 302
    ids = _something_to_act_on(app)
    before = _state(ids)
    report_id, group_id = ids["report_id"], ids["group_id"]
    forged = {
        f"/admin/reports/{report_id}/publish": {"name": "Forged", "status": "hijacked", "crew": "shitstorm",
                                                "evidence": "1", "screenshots": "1"},
        f"/admin/reports/{report_id}/reject": {"reason": "abusive", "message": "Forged."},
        f"/admin/reports/{report_id}/merge": {"group_id": str(group_id)},
        f"/admin/groups/{group_id}/status": {"status": "closed"},
        f"/admin/groups/{group_id}/account": {"account_it": "Forged.", "account_en": "Forged."},
        "/admin/password": {"current": PASSWORD, "password": "forged password 123", "repeat": "forged password 123"},
        "/admin/logout": {},
    }
    for url, data in forged.items():
        response = client.post(url, data=data, headers=ENGLISH)
        assert response.status_code == 400, url
        assert CSRF_REFUSED in response.get_data(as_text=True), url
    assert _state(ids) == before
    assert client.get("/admin/").status_code == 200  # still logged in


def test_robots_and_caches_are_kept_out(client, moderator):
    login(client)
    response = client.get("/admin/")
    assert response.headers["Cache-Control"] in ("no-store", "private, no-store")
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.get_data(as_text=True)


# --- CSRF ----------------------------------------------------------------------------------

@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_login_needs_the_csrf_token(csrf_on, client, moderator):
    refused = client.post("/admin/login?lang=en", data={"email": EMAIL, "password": PASSWORD})
    assert refused.status_code == 400  # CSRFProtect refuses it before the view runs
    assert client.get("/admin/").status_code == 302
    from tests.helpers import csrf_token

    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    ok = client.post("/admin/login", data={"email": EMAIL, "password": PASSWORD, "code": totp_code(),
                                           "csrf_token": token})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/admin/")
    # Logging out without the token (a forged cross-site POST) does not log out.
    client.post("/admin/logout")
    assert client.get("/admin/").status_code == 200
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    client.post("/admin/logout", data={"csrf_token": token})
    assert client.get("/admin/").status_code == 302


def test_admin_pages_have_no_inline_script_or_style(client, moderator):
    login(client)
    for url in ("/admin/login", "/admin/", "/admin/groups", "/admin/audit"):
        html = client.get(url).get_data(as_text=True)
        assert "<style" not in html and "style=" not in html, url
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), url
        assert not re.search(r"\son[a-z]+=", html), url


@pytest.mark.parametrize("lang, title, public_site, queue", [
    ("en", "<title>Groups · Back office · Dear Humanity</title>", "The public site", "Queue"),
    ("it", "<title>Gruppi · Area moderatori · Cara Umanità</title>", "Il sito pubblico", "Coda"),
])
def test_back_office_layout_is_the_sites_with_its_own_header_and_footer(client, moderator, lang, title,
                                                                        public_site, queue):
    login(client)
    html = client.get(f"/admin/groups?lang={lang}").get_data(as_text=True)
    assert title in html and f'<html lang="{lang}">' in html
    assert '<body class="admin">' in html and '<div class="wrap wrap-wide">' in html
    assert re.search(rf'<nav class="site-nav" aria-label="[^"]+">\s*<ul>\s*<li><a href="/admin/">{queue}</a>', html)
    assert 'href="/en/letter"' not in html and 'href="/it/lettera"' not in html  # not the public menu
    assert f'<p><a href="/{lang}/">{public_site}</a></p>' in html
    assert 'action="/admin/logout"' in html and EMAIL in html
    assert html.count('<a class="skip-link" href="#main">') == 1 and html.count("<main") == 1
    # The login page: no menu and no logout before logging in.
    client.post("/admin/logout")
    login_page = client.get(f"/admin/login?lang={lang}").get_data(as_text=True)
    assert 'class="site-nav"' not in login_page and "/admin/logout" not in login_page
