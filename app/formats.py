"""Dates and numbers as people write them, one helper per kind (docs/glossary.md).

One date format per language, everywhere (pages, mails, documents), in the site's time zone:
  day     1º dicembre 2026                     1 December 2026
  when    1º dicembre 2026, ore 20:27          1 December 2026, 20:27 (Italian time)
  month   dicembre 2026                        December 2026
  approx  1,2 milioni                          1.2 million
and exact counts through Flask-Babel's `numberformat` (12.000, 12,000).

Italian running text needs the date's article, which elides before 8 and 11 ("l’8", "all’11",
"dell’8") and takes "1º": the templates pass it (`stats.updated_at|when("al")`), the helper
writes it, and the translations never put an article before a date placeholder
(tests/test_words_dates.py checks both). English ignores the article.
"""
from datetime import date, datetime

from babel.numbers import format_compact_decimal
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale, gettext

# The Babel locale of each site language: English pages read British English (og:locale en_GB).
BABEL_LOCALES = {"it": "it", "en": "en_GB"}
# Italian articles and articulated prepositions, and their elided forms (before a vowel sound).
ELIDED = {"il": "l’", "al": "all’", "del": "dell’", "dal": "dall’", "nel": "nell’", "sul": "sull’"}


def babel_locale(lang: str) -> str:
    """The Babel locale for a site language ("en" → "en_GB"), for `force_locale` and the selector."""
    return BABEL_LOCALES.get(lang, lang)


def _italian() -> bool:
    """True when this request (or forced locale) is Italian."""
    locale = get_locale()
    return locale is not None and locale.language == "it"


def _with_article(text: str, day_of_month: int, article: str | None) -> str:
    """`text` (a date starting with its day) preceded by the Italian `article`, elided before
    8 and 11 ("l’8", "all’11"); unchanged in English or without an article."""
    if not article or not _italian():
        return text
    if article not in ELIDED:
        raise ValueError(f"unknown Italian article {article!r}: use one of {', '.join(ELIDED)}")
    if day_of_month in (8, 11):
        return ELIDED[article] + text
    return f"{article} {text}"


def _day_text(value: date | datetime) -> tuple[str, int]:
    """("1º dicembre 2026" or "1 December 2026", day of the month) in the site's time zone."""
    if isinstance(value, datetime):
        day_of_month = int(format_datetime(value, "d"))
        month_year = format_datetime(value, "MMMM y")
    else:
        day_of_month = value.day
        month_year = format_date(value, "MMMM y")
    ordinal = "º" if day_of_month == 1 and _italian() else ""
    return f"{day_of_month}{ordinal} {month_year}", day_of_month


def day(value: date | datetime | None, article: str | None = None) -> str:
    """A calendar day: "1º dicembre 2026" / "1 December 2026"; with `article` in Italian,
    "il 1º dicembre 2026", "l’8 dicembre 2026", "all’11 dicembre 2026"."""
    if value is None:
        return ""
    text, day_of_month = _day_text(value)
    return _with_article(text, day_of_month, article)


def when(value: datetime | None, article: str | None = None) -> str:
    """A moment: "1º dicembre 2026, ore 20:27" / "1 December 2026, 20:27 (Italian time)"."""
    if value is None:
        return ""
    text, day_of_month = _day_text(value)
    moment = gettext("%(day)s, %(time)s (Italian time)", day=text, time=format_datetime(value, "HH:mm"))
    return _with_article(moment, day_of_month, article)


def month(value: date | datetime | None) -> str:
    """A month: "luglio 2014" / "July 2014"."""
    if value is None:
        return ""
    return format_datetime(value, "LLLL y") if isinstance(value, datetime) else format_date(value, "LLLL y")


def approx(value: int | float) -> str:
    """A big figure rounded as people say it: "1,2 milioni" / "1.2 million" (from a million up;
    smaller figures exactly: "95", "12.000")."""
    from flask_babel import format_decimal

    if abs(value) < 1_000_000:
        return format_decimal(value)
    return format_compact_decimal(value, format_type="long", fraction_digits=1, locale=get_locale())


def init_app(app: Flask) -> None:
    """Register the helpers as Jinja filters, and take away Flask-Babel's date filters, so that
    a template cannot show a date in another format (it would fail to compile)."""
    for name in ("dateformat", "datetimeformat", "timeformat", "timedeltaformat"):
        app.jinja_env.filters.pop(name, None)
    app.jinja_env.filters.update(day=day, when=when, month=month, approx=approx)
