"""One date format and one number style per language (docs/glossary.md, app/formats.py): the
helpers write them, the translations leave the Italian article to the helpers, no template or
module formats a date another way, and the pages people read show nothing else."""
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask_babel import force_locale
from jinja2 import TemplateAssertionError

from app.formats import approx, babel_locale, day, month, when
from tests.helpers.words import catalog, strings

ROOT = Path(__file__).resolve().parents[1]
DATE_PLACEHOLDER = r"%\((?:when|date|day|start|end)\)s"


@pytest.mark.parametrize("lang, value, article, expected", [
    ("it", date(2026, 12, 1), None, "1º dicembre 2026"),
    ("it", date(2026, 12, 1), "il", "il 1º dicembre 2026"),
    ("it", date(2026, 12, 8), "il", "l’8 dicembre 2026"),
    ("it", date(2026, 12, 11), "al", "all’11 dicembre 2026"),
    ("it", date(2026, 12, 8), "del", "dell’8 dicembre 2026"),
    ("it", date(2026, 12, 18), "dal", "dal 18 dicembre 2026"),
    ("it", date(2014, 7, 18), None, "18 luglio 2014"),
    ("en", date(2026, 12, 1), "il", "1 December 2026"),
    ("en", date(2026, 12, 8), None, "8 December 2026"),
])
def test_a_day_in_each_language_with_its_elided_article(app, lang, value, article, expected):
    with app.test_request_context(), force_locale(babel_locale(lang)):
        assert day(value, article) == expected


def test_a_moment_is_shown_in_rome_time_in_one_format_per_language(app):
    moment = datetime(2026, 12, 8, 19, 27, tzinfo=UTC)  # 20:27 in Rome (CET)
    summer = datetime(2026, 7, 1, 6, 5, tzinfo=UTC)  # 08:05 in Rome (CEST)
    with app.test_request_context():
        with force_locale("it"):
            assert when(moment) == "8 dicembre 2026, ore 20:27 (ora italiana)"
            assert when(moment, "al") == "all’8 dicembre 2026, ore 20:27 (ora italiana)"
            assert when(summer, "il") == "il 1º luglio 2026, ore 08:05 (ora italiana)"
            assert day(datetime(2026, 11, 30, 23, 30, tzinfo=UTC)) == "1º dicembre 2026"  # Rome's day
            assert month(date(2012, 12, 1)) == "dicembre 2012"
        with force_locale(babel_locale("en")):
            assert when(moment, "al") == "8 December 2026, 20:27 (Italian time)"
            assert month(date(2012, 12, 1)) == "December 2012"


def test_numbers_as_people_write_them(app):
    with app.test_request_context():
        with force_locale("it"):
            assert approx(1_200_000) == "1,2 milioni" and approx(95) == "95" and approx(12000) == "12.000"
        with force_locale(babel_locale("en")):
            assert approx(1_200_000) == "1.2 million" and approx(12000) == "12,000"


def test_an_unknown_article_is_a_mistake_not_a_silent_one(app):
    with app.test_request_context(), force_locale("it"), pytest.raises(ValueError):
        day(date(2026, 12, 8), "lo")


def test_english_pages_use_british_english(client):
    html = client.get("/en/").get_data(as_text=True)
    assert 'lang="en"' in html
    with client.application.test_request_context("/en/"):
        client.application.preprocess_request()
        from flask_babel import get_locale

        assert str(get_locale()) == "en_GB"


def test_no_italian_translation_puts_an_article_before_a_date():
    """The helper writes the article (elided before 8 and 11): "il %(when)s" would give "il 8"."""
    article = re.compile(r"\b(?:il|al|del|dal|nel|sul|l’|all’|dell’|dall’|nell’|sull’)\s*" + DATE_PLACEHOLDER)
    found = [(m.id, text) for m in catalog("it") if m.id for text in strings(m, "it") if article.search(text)]
    assert found == [], "pass the article to the helper instead: |when(\"al\"), |day(\"il\")"


def test_templates_cannot_use_another_date_format(app):
    """Flask-Babel's date filters are gone: a template using one fails to compile."""
    for name in ("dateformat", "datetimeformat", "timeformat"):
        with pytest.raises(TemplateAssertionError):
            app.jinja_env.from_string("{{ x|%s }}" % name)


def test_no_module_formats_a_date_but_the_helpers():
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path.name == "formats.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bformat_(date|datetime|time)\b|\.strftime\(\"%d", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


MONTHS_EN = "January|February|March|April|May|June|July|August|September|October|November|December"
MONTHS_IT = "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre"
WRONG = {
    "it": [
        r"\b(?:il|al|del|dal|nel|sul) (?:8|11)\b",  # not elided
        rf"(?<![\d/.])1 (?:{MONTHS_IT})\b",  # "1 dicembre" without º
        r"\b\d{1,2} (?:gen|feb|mar|apr|mag|giu|lug|ago|set|ott|nov|dic)\b",  # abbreviated month
        r"\b\d{1,2}:\d{2}:\d{2}\b|\bCET\b|\bCEST\b|[+-]0[12]00\b",
    ],
    "en": [
        rf"\b(?:{MONTHS_EN}) \d{{1,2}},",
        r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b",
        r"\b\d{1,2}:\d{2}:\d{2}\b|\b[AP]M\b|\bCET\b|[+-]0[12]00\b",
    ],
}


RIGHT = {"it": rf"\b(?:1º|[12]?\d|3[01]) (?:{MONTHS_IT}) \d{{4}}\b",
         "en": rf"\b\d{{1,2}} (?:{MONTHS_EN}) \d{{4}}\b"}


def visible_text(html: str) -> str:
    """What a reader sees (no tags, no attribute values such as datetime="2014-07-18")."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("lang", ["it", "en"])
def test_pages_show_dates_only_in_their_languages_format(seeded, client, lang):
    paths = {"it": ["/it/", "/it/stampa", "/it/registro", "/it/lettera", "/it/firme"],
             "en": ["/en/", "/en/press", "/en/registry", "/en/letter", "/en/signatures"]}[lang]
    registry = client.get(paths[2]).get_data(as_text=True)
    paths += re.findall(r'href="(/%s/[^"/]+/[^"?]+)"' % lang, registry)[:3]  # a few group pages
    shown, dates = 0, 0
    for path in paths:
        answer = client.get(path)
        if answer.status_code != 200:
            continue
        text = visible_text(answer.get_data(as_text=True))
        for pattern in WRONG[lang]:
            assert not re.search(pattern, text), (path, re.search(pattern, text).group())
        shown += 1
        dates += len(re.findall(RIGHT[lang], text))
    assert shown >= 5 and dates >= 3  # the check saw real dates (today's, 2014's)


def test_the_page_check_catches_the_formats_it_is_for():
    """A check that cannot fail is a defect: the review's examples of wrong dates are caught."""
    for lang, wrong in [("it", "aggiornati al 8 dicembre"), ("it", "il 1 dicembre 2026"), ("it", "il 1 dic"),
                        ("en", "December 1, 2026, 8:27:42 PM +0100"), ("en", "1 Dec 2026")]:
        assert any(re.search(p, wrong) for p in WRONG[lang]), wrong
    for lang, right in [("it", "all’8 dicembre 2026, ore 20:27"), ("it", "il 1º dicembre 2026"),
                        ("en", "1 December 2026, 20:27 (Italian time)")]:
        assert not any(re.search(p, right) for p in WRONG[lang]), right
