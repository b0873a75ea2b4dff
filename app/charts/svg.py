"""Charts drawn on the server as SVG geometry: no JavaScript, nothing inline to allow in the
Content-Security-Policy, readable by screen readers through the table printed beside them.

This module only computes where things go (pure Python, no Flask); the Jinja macros in
``templates/macros/charts.html`` turn the geometry into ``<svg>`` elements and tables, with
labels in the reader's language. Colours come from CSS classes (``sz-series-N``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Number = int | float


@dataclass(frozen=True)
class Series:
    key: str  # a stable name for tests and CSS, e.g. "requests"
    label: str
    values: Sequence[Number | None]  # one per category; None = no data (drawn as a gap)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int  # index into the chart's series, for the colour class
    value: Number
    text: str  # the value as the reader sees it, for the tooltip


@dataclass(frozen=True)
class Tick:
    position: float  # y of a horizontal grid line (columns) or x of a vertical one (bars)
    text: str


@dataclass(frozen=True)
class AxisLabel:
    x: float
    y: float
    text: str


@dataclass
class Chart:
    """Everything a template needs to draw one chart and print its table."""

    kind: str  # "columns" (categories along x) or "bars" (categories down y)
    title: str
    categories: list[str]
    series: list[Series]
    width: int
    height: int
    plot_left: float
    plot_top: float
    plot_width: float
    plot_height: float
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    labels: list[AxisLabel] = field(default_factory=list)
    formatted: list[list[str]] = field(default_factory=list)  # [category][series] for the table

    @property
    def empty(self) -> bool:
        return not any(v for s in self.series for v in s.values if v)


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above ``value`` (an axis maximum)."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-9:
            return candidate
    return 10 ** (exponent + 1)  # pragma: no cover - the loop always returns


def _default_format(value: Number) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


TICKS = 4  # grid lines above zero


def axis_ticks(values: Sequence[Number], maximum: float | None = None) -> list[float]:
    """Round tick values from 0 to an axis top at or above every value; whole numbers for
    counts (a tick of 0.25 requests means nothing)."""
    if maximum is not None:
        return [maximum * i / TICKS for i in range(TICKS + 1)]
    peak = max(values, default=0)
    step = nice_ceiling(peak / TICKS) if peak > 0 else 1
    if all(isinstance(v, int) for v in values):
        step = max(1, math.ceil(step))
    return [step * i for i in range(TICKS + 1)]


def _formatted(series: Sequence[Series], n: int, fmt: Callable[[Number], str]) -> list[list[str]]:
    return [["—" if s.values[i] is None else fmt(s.values[i]) for s in series] for i in range(n)]


def column_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 640,
    height: int = 220,
    fmt: Callable[[Number], str] = _default_format,
    maximum: float | None = None,
) -> Chart:
    """Grouped columns: one group per category (e.g. a week), one column per series."""
    left, top, right, bottom = 40.0, 12.0, 8.0, 28.0
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    tick_values = axis_ticks(values, maximum)
    axis_max = tick_values[-1]
    chart = Chart(
        "columns", title, list(categories), list(series), width, height, left, top, plot_w, plot_h
    )
    n = max(len(categories), 1)
    group_w = plot_w / n
    inner = group_w * 0.8
    col_w = inner / max(len(series), 1)
    for i, category in enumerate(categories):
        group_x = left + i * group_w + (group_w - inner) / 2
        for j, s in enumerate(series):
            value = s.values[i]
            if not value:  # nothing to draw; the table still says 0 or —
                continue
            h = plot_h * min(value / axis_max, 1.0) if axis_max else 0
            chart.bars.append(
                Bar(
                    group_x + j * col_w,
                    top + plot_h - h,
                    max(col_w - 1, 1),
                    h,
                    j,
                    value,
                    fmt(value),
                )
            )
        # Label every category when they fit, else every other one.
        if n <= 12 or i % 2 == 0:
            chart.labels.append(AxisLabel(left + (i + 0.5) * group_w, height - 10, category))
    chart.ticks = [Tick(top + plot_h - plot_h * t / axis_max, fmt(t)) for t in tick_values]
    chart.formatted = _formatted(series, len(categories), fmt)
    return chart


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Series,
    *,
    width: int = 640,
    row_height: int = 26,
    label_width: int | None = None,
    fmt: Callable[[Number], str] = _default_format,
    maximum: float | None = None,
) -> Chart:
    """Horizontal bars, one per category (e.g. a plug-in), for one measure (e.g. win rate)."""
    label_width = label_width if label_width is not None else round(width * 0.34)
    top, bottom, right = 6.0, 22.0, 48.0
    height = int(top + bottom + row_height * max(len(categories), 1))
    plot_w = width - label_width - right
    values = [v for v in series.values if v is not None]
    tick_values = axis_ticks(values, maximum)
    axis_max = tick_values[-1]
    chart = Chart(
        "bars",
        title,
        list(categories),
        [series],
        width,
        height,
        float(label_width),
        top,
        plot_w,
        height - top - bottom,
    )
    for i, category in enumerate(categories):
        y = top + i * row_height
        chart.labels.append(AxisLabel(label_width - 6, y + row_height / 2, category))
        value = series.values[i]
        if value is None:
            continue
        w = plot_w * min(value / axis_max, 1.0) if axis_max else 0
        chart.bars.append(Bar(label_width, y + 4, w, row_height - 8, 0, value, fmt(value)))
    chart.ticks = [Tick(label_width + plot_w * t / axis_max, fmt(t)) for t in tick_values]
    chart.formatted = _formatted([series], len(categories), fmt)
    return chart


@dataclass(frozen=True)
class HeatTable:
    """Counts by two dimensions, each cell with a shade 0-5 relative to the largest count."""

    title: str
    rows: list[str]
    columns: list[str]
    counts: list[list[int]]

    def shade(self, count: int) -> int:
        peak = max((c for row in self.counts for c in row), default=0)
        return 0 if not count or not peak else max(1, math.ceil(5 * count / peak))

    @property
    def empty(self) -> bool:
        return not any(c for row in self.counts for c in row)
