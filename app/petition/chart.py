"""The signature chart on the public list: a running total laid out for an inline <svg>
(server-drawn, no script, presentation attributes only)."""
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Chart:
    """A cumulative line chart, laid out for an inline <svg> (coordinates in the viewBox)."""

    width: int
    height: int
    points: str  # "x,y x,y …" for <polyline>
    area: str  # the same line closed along the x axis, for a filled <polygon>
    first: date | None
    last: date | None
    total: int
    y_ticks: list[tuple[float, int]]  # (y, value)


def chart(days: list[tuple[date, int]], width: int = 600, height: int = 220, pad: int = 40) -> Chart:
    """Lay out the running total of `days` as a line from the first day to the last."""
    if not days:
        return Chart(width, height, "", "", None, None, 0, [])
    first, last = days[0][0], days[-1][0]
    span = max((last - first).days, 1)
    total = sum(n for _, n in days)
    plot_w, plot_h = width - 2 * pad, height - 2 * pad

    def y_of(value: int) -> float:
        return pad + plot_h * (1 - value / total)

    coords, running = [], 0
    for day, n in days:
        running += n
        coords.append((pad + plot_w * (day - first).days / span, y_of(running)))
    if len(days) == 1:  # a single day: a level line across the chart
        coords = [(pad, coords[0][1]), (pad + plot_w, coords[0][1])]
    base = pad + plot_h
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    area = f"{coords[0][0]:.1f},{base:.1f} {line} {coords[-1][0]:.1f},{base:.1f}"
    ticks = [(y_of(v), v) for v in sorted({0, total // 2, total})]
    return Chart(width, height, line, area, first, last, total, ticks)

