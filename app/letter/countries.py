"""Confirmed signatures by country: the counts, and a bar chart laid out for an <svg> drawn
on the server (coordinates only: colours come from the stylesheet, so no inline style)."""
from dataclasses import dataclass

from babel import Locale
from sqlalchemy import func, select

from app.extensions import db
from app.models import Signature
from app.stats import counted

CHART_BARS = 10  # the most frequent countries get a bar each; the rest are added up


@dataclass(frozen=True)
class CountryRow:
    """One country's confirmed signatures."""

    code: str
    name: str
    count: int
    share: float  # of all confirmed signatures, 0 to 1


def signatures_by_country(lang: str) -> list[CountryRow]:
    """Counted signatures per country, most first (then by name in `lang`)."""
    rows = db.session.execute(
        select(Signature.country, func.count(Signature.id)).where(counted()).group_by(Signature.country)
    ).all()
    total = sum(count for _code, count in rows) or 1
    names = Locale.parse(lang).territories
    result = [CountryRow(code, names.get(code, code), count, count / total) for code, count in rows]
    return sorted(result, key=lambda row: (-row.count, row.name))


@dataclass(frozen=True)
class Bar:
    """One bar of the chart, in the viewBox's units."""

    label: str
    count: int
    y: float
    width: float
    label_x: float
    text_y: float


@dataclass(frozen=True)
class CountryChart:
    """A horizontal bar chart: the view box and its bars."""

    width: int
    height: int
    bars: list[Bar]
    bar_height: int
    left: int


def country_chart(rows: list[CountryRow], others_label: str = "…", width: int = 600,
                  bar_height: int = 22, gap: int = 8, left: int = 170) -> CountryChart | None:
    """Bars for the CHART_BARS most frequent countries (the rest as one more bar), scaled to
    the largest; None when there is nothing to draw."""
    if not rows:
        return None
    shown = [(row.name, row.count) for row in rows[:CHART_BARS]]
    rest = sum(row.count for row in rows[CHART_BARS:])
    if rest:
        shown.append((others_label, rest))
    largest = max(count for _name, count in shown)
    room = width - left - 60  # space for the count after the longest bar
    bars = []
    for index, (name, count) in enumerate(shown):
        y = gap + index * (bar_height + gap)
        length = max(room * count / largest, 1)
        bars.append(Bar(label=name, count=count, y=y, width=round(length, 1),
                        label_x=round(left + length + 6, 1), text_y=y + bar_height * 0.72))
    height = gap + len(bars) * (bar_height + gap)
    return CountryChart(width=width, height=height, bars=bars, bar_height=bar_height, left=left)
