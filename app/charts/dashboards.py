"""The dashboards' charts, labelled in the reader's language (geometry in app.charts.svg)."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from app.charts.svg import Chart, HeatTable, Number, Series, bar_chart, column_chart
from app.i18n import code_label
from app.services.dashboards import AdminDashboard, Demand, VendorDashboard

# The SVGs' own widths, close to the width they are shown at, so their text keeps its size.
FULL_WIDTH = 1000
HALF_WIDTH = 520
LABEL_CHARS = 16  # longer plug-in names are shortened in the SVG; the table has them whole


def _weeks(weeks: list[date]) -> list[str]:
    return [format_date(week, "M/d") for week in weeks]


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def percent(value: Number) -> str:
    return f"{round(value * 100)} %"


def hours(value: Number) -> str:
    """Durations on axes and bars: minutes below an hour (a quote within minutes happens)."""
    if value == 0:
        return "0"
    minutes = value * 60
    if minutes < 10:  # one decimal, so an axis of small durations has distinct ticks
        return _("%(n)s min", n=f"{minutes:.1f}".rstrip("0").rstrip("."))
    if value < 1:
        return _("%(n)s min", n=round(minutes))
    return _("%(n)s h", n=f"{value:.1f}".rstrip("0").rstrip("."))


def vendor_charts(data: VendorDashboard) -> dict[str, Chart]:
    names = [_short(row.stats.listing.name) for row in data.listings]
    return {
        "funnel": column_chart(
            _("Requests, quotes and wins per week"),
            _weeks(data.weeks),
            [
                Series("requests", _("Requests"), data.requests),
                Series("quotes", _("Quotes"), data.quotes),
                Series("wins", _("Wins"), data.wins),
            ],
            width=FULL_WIDTH,
            height=260,
        ),
        "win_rate": bar_chart(
            _("Win rate per plug-in"),
            names,
            Series("win_rate", _("Win rate"), [row.stats.win_rate for row in data.listings]),
            fmt=percent,
            maximum=1,
            width=HALF_WIDTH,
        ),
        "response": bar_chart(
            _("Median time to quote per plug-in"),
            names,
            Series("response", _("Time to quote"), [row.response_hours for row in data.listings]),
            fmt=hours,
            width=HALF_WIDTH,
        ),
    }


def admin_charts(data: AdminDashboard) -> dict[str, Chart]:
    weeks = _weeks(data.weeks)
    return {
        "needs": column_chart(
            _("Needs posted and awarded per week"),
            weeks,
            [
                Series("posted", _("Needs posted"), data.posted),
                Series("awarded", _("Needs awarded"), data.awarded),
            ],
            width=HALF_WIDTH,
        ),
        "first_quote": column_chart(
            _("Median time to the first quote, by week posted"),
            weeks,
            [Series("first_quote", _("Time to first quote"), data.first_quote_hours)],
            fmt=hours,
            width=HALF_WIDTH,
        ),
    }


def heat_table(title: str, demand: Demand, vocabulary: str) -> HeatTable:
    return HeatTable(
        title,
        [code_label("capability", code) for code in demand.capabilities],
        [code_label(vocabulary, code) for code in demand.columns],
        demand.counts,
    )


def admin_heat_tables(data: AdminDashboard) -> list[HeatTable]:
    return [
        heat_table(_("Demand by capability and province"), data.by_region, "region"),
        heat_table(_("Demand by capability and industry"), data.by_industry, "industry"),
    ]
