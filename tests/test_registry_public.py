"""The public registry: search that ignores case, accents and look-alikes, filters, sorting, pages,
totals, a page per group, and the open data (JSON, CSV, Atom, OpenAPI); nothing private leaks."""
import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.admin import service as admin_service
from app.models import AuditLog, Crew, Group, GroupStatus
from app.models.base import utcnow
from app.registry import moderation
from app.registry.service import CSV_COLUMNS
from app.text import fold
from tests.helpers.registry import (
    PATHS,
    REPORTER_EMAIL,
    REPORTER_NAME,
    fetch,
    last_link,
    reports,
    send_report,
)

ATOM = "{http://www.w3.org/2005/Atom}"
ROW_LINK = re.compile(r'<th scope="row"><a href="/(?:it/registro/gruppo|en/registry/group)/([^"]+)">')


def add_group(name: str, published=True, **fields) -> Group:
    """A group straight in the database."""
    values = {"status": GroupStatus.hijacked, "crew": Crew.unknown, "published_at": utcnow()}
    values.update(fields)
    group = Group(slug=moderation.unique_slug(name), name=name, name_folded=fold(name), published=published,
                  **values)
    db.session.add(group)
    db.session.commit()
    return group


def slugs(response) -> list[str]:
    """The groups listed on a registry page, in order."""
    return ROW_LINK.findall(response.get_data(as_text=True))


def text(response) -> str:
    """The page's text as a reader sees it."""
    return html.unescape(response.get_data(as_text=True))


# --- Search ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("query", ["piu", "PIU", "più", "nun te regghe", "  Regghe   PIÙ "])
def test_search_ignores_case_accents_and_spaces(seeded, client, lang, query):
    found = slugs(fetch(client, PATHS[lang]["index"] + "?q=" + query))
    assert "nun-te-regghe-piu" in found
    assert len(found) < 10


@pytest.mark.parametrize("query", ["capa gira", "ⓖⓘⓡⓐ", "LA ©APA", "ⓛⓐ ©ⓐⓟⓐ"])
def test_the_circled_name_is_found_by_its_plain_letters(seeded, client, query):
    found = slugs(fetch(client, "/it/registro?q=" + query))
    assert "la-apa-gira-la-capagira" in found


def test_a_name_written_only_in_look_alikes_is_found_by_plain_letters(app, client):
    add_group("ⓒⓘⓡⓒⓛⓔⓢ ⓞⓝⓛⓨ")
    add_group("Ｆｕｌｌｗｉｄｔｈ Ｇｒｏｕｐ")
    add_group("Something else")
    assert slugs(fetch(client, "/en/registry?q=Circles")) == ["circles-only"]
    assert slugs(fetch(client, "/en/registry?q=fullwidth group")) == ["fullwidth-group"]
    assert slugs(fetch(client, "/en/registry?q=100%25")) == []  # LIKE wildcards are literal
    assert slugs(fetch(client, "/en/registry?q=_")) == []


def test_filters_sorting_and_unpublished_groups(app, client):
    add_group("Alpha", status=GroupStatus.recovered, crew=Crew.shitstorm, members_at_hijack=10,
              hijacked_on="2014-07-18")
    add_group("Beta", status=GroupStatus.hijacked, crew=Crew.shitstorm, members_at_hijack=500,
              hijacked_on="2012-12")
    add_group("Gamma", status=GroupStatus.recovered, crew=Crew.nameless, hijacked_on="2015-01")
    add_group("Hidden", published=False, members_at_hijack=9999)
    assert slugs(fetch(client, "/it/registro")) == ["alpha", "beta", "gamma"]
    assert slugs(fetch(client, "/it/registro?status=recovered")) == ["alpha", "gamma"]
    assert slugs(fetch(client, "/it/registro?crew=shitstorm&status=recovered")) == ["alpha"]
    assert slugs(fetch(client, "/it/registro?sort=-members")) == ["beta", "alpha", "gamma"]
    assert slugs(fetch(client, "/it/registro?sort=members")) == ["alpha", "beta", "gamma"]
    assert slugs(fetch(client, "/it/registro?sort=-date")) == ["gamma", "alpha", "beta"]
    assert slugs(fetch(client, "/it/registro?sort=date")) == ["beta", "alpha", "gamma"]
    assert slugs(fetch(client, "/it/registro?status=nonsense&sort=nonsense")) == ["alpha", "beta", "gamma"]
    assert fetch(client, "/it/registro/gruppo/hidden").status_code == 404


def test_the_search_form_works_without_javascript(seeded, client):
    page = fetch(client, "/en/registry").get_data(as_text=True)
    form = page.split('role="search"', 1)[0].rsplit("<form", 1)[1]
    assert 'method="get"' in form and 'action="/en/registry"' in form
    assert 'name="q"' in page and 'name="status"' in page and 'name="crew"' in page and 'name="sort"' in page


def test_pages_keep_the_search_and_the_language_switch_keeps_the_page(seeded, client):
    first = fetch(client, "/it/registro?q=a&sort=-members")
    total = db.session.scalar(select(func.count(Group.id)).where(Group.name_folded.like("%a%")))
    assert total > 25
    assert f"{total} gruppi trovati." in text(first)
    next_link = re.search(r'href="([^"]+)" rel="next"', first.get_data(as_text=True)).group(1)
    assert html.unescape(next_link) == "/it/registro?page=2&q=a&sort=-members"
    second = fetch(client, "/it/registro?q=a&sort=-members&page=2")
    assert len(slugs(first)) == 25 and set(slugs(first)).isdisjoint(slugs(second))
    assert "Pagina 2 di" in text(second)
    twin = re.search(r'hreflang="en" href="([^"]+)"', second.get_data(as_text=True)).group(1)
    assert "/en/registry" in twin and "page=2" in twin and "q=a" in twin
    english = fetch(client, "/en/registry?page=2")
    assert "Page 2 of 4" in text(english)  # 78 groups of 2014, 25 a page


# --- Totals ----------------------------------------------------------------------------------

def test_totals_say_at_least_when_some_counts_are_unknown(app, client):
    add_group("One", members_at_hijack=85000)
    add_group("Two", members_at_hijack=1500)
    add_group("Three")
    it, en = text(fetch(client, "/it/registro")), text(fetch(client, "/en/registry"))
    assert "almeno 86.500" in it and "1 gruppo senza numero di iscritti" in it
    assert "at least 86,500" in en and "1 group without a member count" in en
    known = text(fetch(client, "/en/registry?q=one"))
    assert "85,000" in known and "at least" not in known


# --- A page per group ------------------------------------------------------------------------

@pytest.mark.parametrize("lang, day, month, number", [
    ("it", "18 luglio 2014", "dicembre 2012", "85.000"),
    ("en", "18 July 2014", "December 2012", "85,000"),
])
def test_dates_and_numbers_follow_the_language(app, client, lang, day, month, number):
    add_group("Day group", hijacked_on="2014-07-18", members_at_hijack=85000)
    add_group("Month group", hijacked_on="2012-12")
    listing = text(fetch(client, PATHS[lang]["index"]))
    assert day in listing and month in listing and number in listing
    page = text(fetch(client, PATHS[lang]["group"] + "month-group"))
    assert month in page


def test_group_page_in_both_languages_with_account_fallback(app, client):
    add_group("Solo italiano", account_it="Racconto solo in italiano.", account_en="")
    it = fetch(client, "/it/registro/gruppo/solo-italiano").get_data(as_text=True)
    en = fetch(client, "/en/registry/group/solo-italiano").get_data(as_text=True)
    assert '<div class="account prose" lang="it">' in it and "disponibile solo" not in it
    assert '<div class="account prose" lang="it">' in en
    assert "This account is only available in Italian." in en
    assert 'hreflang="en" href="http://localhost/en/registry/group/solo-italiano"' in it
    assert fetch(client, "/en/registry/group/no-such-group").status_code == 404


def test_signers_who_were_admins_are_counted(app, client):
    from app.models.petition import Signature, SignatureStatus

    group = add_group("Counted group")
    other = add_group("Other group")
    now = utcnow()
    for i, (status, is_admin, gid) in enumerate([
        (SignatureStatus.confirmed, True, group.id), (SignatureStatus.confirmed, True, group.id),
        (SignatureStatus.pending, True, group.id), (SignatureStatus.confirmed, False, group.id),
        (SignatureStatus.confirmed, True, other.id),
    ]):
        db.session.add(Signature(name=f"S{i}", email=f"s{i}@example.org", email_canonical=f"s{i}@example.org",
                                 lang="it", status=status, is_admin=is_admin, group_id=gid,
                                 expires_at=now + timedelta(days=7), confirmed_at=now))
    db.session.commit()
    page = text(fetch(client, "/en/registry/group/counted-group"))
    assert re.search(r"Signers who were its admins</dt><dd>2</dd>", page)
    assert 'href="/en/sign"' in page


def test_a_name_with_html_is_text_everywhere(app, client, smtp):
    evil = '<script>alert("x")</script><b>Gruppo</b>'
    send_report(client, "it", name=evil, account='<img src=x onerror="alert(1)">')
    fetch(client, last_link(smtp), "POST")
    group = moderation.publish_report(reports()[0], {})
    db.session.commit()
    for lang in ("it", "en"):
        for url in (PATHS[lang]["index"], PATHS[lang]["index"] + "?q=gruppo",
                    PATHS[lang]["group"] + group.slug, PATHS[lang]["feed"]):
            body = fetch(client, url).get_data(as_text=True)
            assert "<script>alert" not in body and "<b>Gruppo" not in body and "<img src=x" not in body, url
            assert "&lt;script&gt;" in body, url
    data = json.loads(fetch(client, "/api/v1/groups").get_data(as_text=True))
    assert data["data"][0]["name"] == evil  # data stays data; the consumer escapes for its medium


# --- Open data -------------------------------------------------------------------------------

def test_json_api_is_paginated_with_stable_ids(seeded, client):
    first = json.loads(fetch(client, "/api/v1/groups?per_page=10").get_data(as_text=True))
    assert first["meta"] == {**first["meta"], "page": 1, "per_page": 10, "total": 78, "pages": 8}
    second = json.loads(fetch(client, first["links"]["next"].removeprefix("http://localhost")).get_data(as_text=True))
    assert second["meta"]["page"] == 2 and "page=1&" in second["links"]["prev"] and "per_page=10" in second["links"]["prev"]
    ids = [g["id"] for g in first["data"] + second["data"]]
    assert len(set(ids)) == 20
    one = first["data"][0]
    again = json.loads(fetch(client, f"/api/v1/groups/{one['id']}").get_data(as_text=True))
    assert again["name"] == one["name"] and again["urls"]["en"].startswith("http://localhost/en/registry/group/")
    search = json.loads(fetch(client, "/api/v1/groups?q=piu").get_data(as_text=True))
    assert [g["name"] for g in search["data"]] == ["NUN TE REGGHE PIÙ"]
    assert search["data"][0]["members_at_hijack"] == 85000
    assert fetch(client, "/api/v1/groups?per_page=1000").status_code == 400
    assert fetch(client, "/api/v1/groups?page=0").status_code == 400
    assert fetch(client, "/api/v1/groups/999999").status_code == 404
    hidden = add_group("Not yet", published=False)
    assert fetch(client, f"/api/v1/groups/{hidden.id}").status_code == 404


def test_csv_is_utf8_with_a_header_and_safe_in_spreadsheets(seeded, client):
    for name in ("=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTabbed", "\rReturn"):
        add_group(name)
    response = fetch(client, "/api/v1/groups.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    names = [r[2] for r in rows[1:]]
    assert "NUN TE REGGHE PIÙ" in names and len(rows) == 1 + 78 + 6
    assert {"'=1+2", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tTabbed", "'\rReturn"} <= set(names)
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
    filtered = fetch(client, "/api/v1/groups.csv?q=piu").data.decode()
    assert filtered.count("\r\n") == 2


def test_the_api_the_csv_and_the_audit_log_tell_the_same_facts_of_a_group(app, client, smtp):
    send_report(client, "en", files=[])
    fetch(client, last_link(smtp), "POST")
    with app.test_request_context():  # the reporter's mail links to the group's page
        group = admin_service.publish(reports()[0], {"name": "=Same “facts”", "status": GroupStatus.recovered,
                                                    "members_after": 3, "account_it": 'Riga\n"citata"'})
    db.session.commit()
    api = json.loads(fetch(client, f"/api/v1/groups/{group.id}").get_data(as_text=True))
    table = list(csv.reader(io.StringIO(fetch(client, "/api/v1/groups.csv").data.decode("utf-8"), newline="")))
    [row] = [dict(zip(table[0], r, strict=True)) for r in table[1:] if r[0] == str(group.id)]
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "report.publish"))
    logged = json.loads(entry.after)["group"]
    # One field list, one way of writing each value: the CSV is the API less its links, cell for
    # cell (formula-safe), and the log keeps the same values of the fields it keeps.
    assert list(api) == [*table[0], "urls"]
    assert row == {k: "" if v is None else ("'" + v if k == "name" else str(v)) for k, v in api.items() if k != "urls"}
    assert api["name"] == "=Same “facts”" and api["status"] == "recovered" and api["members_after"] == 3
    assert {k: v for k, v in logged.items() if k in api} == {k: api[k] for k in logged if k in api}
    assert set(logged) - set(api) == {"published"} and logged["published"] is True


@pytest.mark.parametrize("lang, title", [("it", "Registro dei gruppi dirottati: nuove schede"),
                                         ("en", "Registry of hijacked groups: new entries")])
def test_atom_feed_per_language_newest_first(app, client, lang, title):
    add_group("Older", published_at=utcnow() - timedelta(days=3))
    add_group("Newer", published_at=utcnow() - timedelta(hours=1), members_at_hijack=1200)
    add_group("Draft", published=False)
    response = fetch(client, PATHS[lang]["feed"])
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.find(f"{ATOM}title").text == title
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Newer", "Older"]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link == "http://localhost" + PATHS[lang]["group"] + "newer"
    assert ("1.200 iscritti" if lang == "it" else "1,200 members") in entries[0].find(f"{ATOM}summary").text


def test_openapi_description(app, client):
    spec = json.loads(fetch(client, "/api/v1/openapi.json").get_data(as_text=True))
    assert spec["openapi"].startswith("3.")
    assert {"/groups", "/groups/{id}", "/groups.csv"} <= set(spec["paths"])
    assert set(spec["components"]["schemas"]["Group"]["properties"]) >= set(CSV_COLUMNS)


def test_reporter_details_never_appear_publicly(app, client, smtp):
    send_report(client, "en", files=[])
    fetch(client, last_link(smtp), "POST")
    report = reports()[0]
    group = moderation.publish_report(report, {"evidence_ids": [e.id for e in report.evidence]})
    db.session.commit()
    token_link = last_link(smtp)
    urls = [PATHS["it"]["index"], PATHS["en"]["index"], PATHS["it"]["group"] + group.slug,
            PATHS["en"]["group"] + group.slug, PATHS["it"]["feed"], PATHS["en"]["feed"],
            "/api/v1/groups", f"/api/v1/groups/{group.id}", "/api/v1/groups.csv", "/api/v1/stats",
            "/api/v1/openapi.json"]
    for url in urls:
        body = fetch(client, url).get_data(as_text=True)
        assert "Cucina Povera Italiana" in body or url in ("/api/v1/stats", "/api/v1/openapi.json"), url
        for secret in (REPORTER_EMAIL, REPORTER_NAME, report.ip_hash, token_link.rsplit("/", 1)[1]):
            assert secret not in body, (url, secret)
        for key in ("reporter", "email", "ip_hash", "token"):
            if url.startswith("/api/v1/groups"):
                assert key not in body, (url, key)


def test_a_page_past_the_end_is_not_found(seeded, client):
    assert fetch(client, "/en/registry?page=4").status_code == 200
    assert fetch(client, "/en/registry?page=5").status_code == 404
    assert fetch(client, "/en/registry?q=zzzzzz").status_code == 200  # no result is still a page


def test_api_refuses_an_unknown_status_or_crew(client, seeded):
    assert client.get("/api/v1/groups?status=bogus").status_code == 400
    assert client.get("/api/v1/groups?crew=bogus").status_code == 400
    assert client.get("/api/v1/groups.csv?status=bogus").status_code == 400
    assert client.get("/api/v1/groups?status=recreated").json["meta"]["total"] == 2
