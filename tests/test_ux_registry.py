"""The registry as a reader sees it: the 2014 list's date, no columns of blanks, crews as their
own accounts give them, cards on a phone."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Crew, Group
from app.models.base import utcnow
from tests.helpers.browser import audit_pages


class TableReader(HTMLParser):
    """The registry table's header texts and its rows' cell texts, as a reader would see them
    (text inside .visually-hidden and aria-hidden is left out)."""

    def __init__(self):
        super().__init__()
        self.headers, self.rows, self._cell, self._hidden, self._in_table = [], [], None, 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "registry-table" in (attrs.get("class") or ""):
            self._in_table = True
        if not self._in_table:
            return
        if self._hidden or "visually-hidden" in (attrs.get("class") or "") or attrs.get("aria-hidden"):
            self._hidden += 1
        if tag == "tr":
            self.rows.append([])
        if tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag):
        if not self._in_table:
            return
        if tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            (self.headers if len(self.rows) == 1 else self.rows[-1]).append(text)
            self._cell = None
        elif self._hidden and tag in ("span",):
            self._hidden -= 1
        if tag == "table":
            self._in_table = False

    def handle_data(self, data):
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def read_table(client, path):
    reader = TableReader()
    reader.feed(client.get(path).get_data(as_text=True))
    return reader.headers, [r for r in reader.rows[1:] if r]


def is_letter_day(text: str) -> bool:
    """Whether `text` gives 15 September 2014 (in whatever format the language uses) and no
    other year, such as the day the list was loaded."""
    return bool(re.search(r"\b15\b", text)) and re.findall(r"\b\d{4}\b", text) == ["2014"] * text.count("2014")


@pytest.mark.parametrize("path", ["/en/registry", "/it/registro"])
def test_2014_groups_show_the_letters_date_not_the_load_date(seeded, client, path):
    headers, rows = read_table(client, path)
    listed = headers.index("Listed" if path.startswith("/en") else "Nell’elenco")
    assert rows and all(is_letter_day(row[listed]) for row in rows)
    assert 'datetime="2014-09-15"' in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("path", ["/en/registry", "/it/registro", "/en/registry?page=2", "/en/registry?page=4"])
def test_no_column_is_blank_from_top_to_bottom(seeded, client, path):
    headers, rows = read_table(client, path)
    for column, header in enumerate(headers):
        assert any(row[column] for row in rows), f"column {header!r} is empty on {path}"
    assert "unknown" not in client.get(path).get_data(as_text=True).replace(
        '<span class="visually-hidden">unknown</span>', "").replace('value="unknown"', "")


def test_group_page_of_the_2014_list_has_no_load_day_in_its_timeline(seeded, client):
    html = client.get("/en/registry/group/nell-alveo-del-torrente").get_data(as_text=True)
    timeline = html[html.index('<ol class="timeline">'):]
    timeline = timeline[:timeline.index("</ol>")]
    assert '<time datetime="2014-09-15">' in timeline and "listed in the open letter" in timeline
    assert "added" not in timeline and str(utcnow().year) not in timeline
    listed = re.search(r"<dd>([^<]*), in the open letter of the admins</dd>", html)  # not "Listed: listed on…"
    assert listed and is_letter_day(listed.group(1))


def test_an_unknown_crew_is_not_named_as_a_crew(seeded, client):
    group = db.session.scalar(select(Group).where(Group.name == "Nell'alveo del torrente"))
    group.crew = Crew.unknown
    db.session.commit()
    html = client.get(f"/en/registry/group/{group.slug}").get_data(as_text=True)
    assert "hijacked by Unknown" not in html and "hijacked by unknown" not in html
    assert re.search(r"</time>: hijacked</li>", html)


def test_vasco_rossi_is_listed_under_the_crew_its_own_account_names(seeded, client):
    group = db.session.scalar(select(Group).where(Group.name == "Vasco Rossi"))
    assert group.crew == Crew.shitarmy
    assert "ShitArmy" in group.account_en


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/en/registry", "/it/registro"])
def test_registry_is_cards_on_a_phone_in_the_sites_column(seeded, page, path):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    row = page.locator(".registry-table tbody tr").first
    box = row.bounding_box()
    assert box["width"] <= 340 and box["height"] > 60  # a card: name and facts stacked
    assert row.locator("th").bounding_box()["width"] >= 280  # the name gets the card's width
    page.set_viewport_size({"width": 1280, "height": 900})
    main_width = page.locator("main .wrap").bounding_box()["width"]
    page.goto(path.replace("registry", "letter").replace("registro", "lettera"))
    assert page.locator("main .wrap").bounding_box()["width"] == main_width


@pytest.mark.browser
def test_registry_pages_pass_the_audit(seeded, page, live_server):
    assert audit_pages(page, ["/en/registry", "/it/registro", "/en/registry/group/vasco-rossi"], live_server) == {}
