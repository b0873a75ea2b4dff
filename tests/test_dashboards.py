"""Dashboards with charts: weekly funnels, rates, response times and demand heat tables,
drawn as SVG on the server, printed as tables, in both languages."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from app.charts.svg import HeatTable, Series, axis_ticks, bar_chart, column_chart, nice_ceiling
from app.services import dashboards
from app.services.dashboards import week_starts, weekly_counts
from tests import factories
from tests.conftest import english
from tests.deal_builders import make_deal


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (0.42, 0.5), (240, 250)]
)
def test_axis_maxima_are_round_numbers(value, expected):
    assert nice_ceiling(value) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("values", "top"), [([], 4), ([1], 4), ([3], 4), ([7], 8), ([11], 20), ([0.42], 0.8)]
)
def test_axes_end_on_round_ticks(values, top):

    ticks = axis_ticks(values)
    assert len(ticks) == 5 and ticks[0] == 0 and ticks[-1] == pytest.approx(top)


def test_columns_are_as_tall_as_their_values():
    chart = column_chart(
        "t", ["a", "b"], [Series("x", "X", [2, 4]), Series("y", "Y", [None, 1])], height=228
    )
    assert chart.plot_height == 188
    heights = {(b.series, b.value): b.height for b in chart.bars}
    assert heights[(0, 4)] == pytest.approx(188)  # the axis goes to 4
    assert heights[(0, 2)] == pytest.approx(94)
    assert heights[(1, 1)] == pytest.approx(47)
    assert len(chart.bars) == 3  # no data is a gap, not a zero
    assert chart.formatted == [["2", "—"], ["4", "1"]]
    baseline = chart.plot_top + chart.plot_height
    assert all(b.y + b.height == pytest.approx(baseline) for b in chart.bars)


def test_bars_on_a_fixed_scale():
    chart = bar_chart("t", ["a", "b"], Series("r", "R", [0.5, None]), maximum=1, fmt=str)
    (bar,) = chart.bars
    assert bar.width == pytest.approx(chart.plot_width / 2)
    assert [label.text for label in chart.labels] == ["a", "b"]


def test_heat_shades_are_relative_to_the_peak():
    table = HeatTable("t", ["r"], ["a", "b", "c"], [[0, 1, 10]])
    assert [table.shade(c) for c in (0, 1, 5, 10)] == [0, 1, 3, 5]


def test_weeks_start_on_monday_and_end_with_this_week():
    starts = week_starts(date(2026, 12, 3), weeks=3)  # a Thursday
    assert starts == [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]
    moments = [datetime(2026, 11, 30, 0, 1), datetime(2026, 12, 6, 23, 59), datetime(2026, 11, 1)]
    assert weekly_counts(moments, starts) == [0, 0, 2]


def test_vendor_dashboard_funnel_per_week(db):
    deal = make_deal(vendors=2, award=True)
    winner, loser = deal.vendors
    deal.rfqs[0].created_at -= timedelta(weeks=1, hours=3)  # asked last week
    db.session.commit()
    data = dashboards.vendor_dashboard(winner)
    assert (data.requests[-2:], data.quotes[-1], data.wins[-1]) == ([1, 0], 1, 1)
    assert data.listings[0].stats.win_rate == 1
    assert data.listings[0].response_hours == pytest.approx(7 * 24 + 3, abs=0.1)
    assert dashboards.vendor_dashboard(loser).wins[-1] == 0


def _svg(html: str, key: str) -> str:
    match = re.search(rf'data-chart="{key}".*?</figure>', html, re.S)
    assert match, f"no chart {key}"
    return match.group(0)


def test_vendor_dashboard_page_draws_charts_in_both_languages(app, db):
    deal = make_deal(vendors=1, award=True)
    client = english(app.test_client(user=deal.vendors[0]))
    html = client.get("/vendor/dashboard").get_data(as_text=True)
    funnel = _svg(html, "funnel")
    assert "Requests, quotes and wins per week" in funnel
    assert funnel.count('<rect class="sz-series-') == 3  # one request, quote and win this week
    assert "<table" in funnel and "Week from" in funnel
    assert "100 %" in _svg(html, "win_rate")
    assert "<script" not in funnel and "style=" not in funnel
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    html = client.get("/vendor/dashboard").get_data(as_text=True)
    assert "每周询价、报价与中标" in _svg(html, "funnel")
    assert "各插件中标率" in html


def test_admin_dashboard_rates_and_demand(admin_client, admin, db):
    make_deal(vendors=2, award=True)
    other = factories.sme_user(region="CN-ZJ", industry="C33")
    factories.need(other, capabilities=["quality.inspection"], region="CN-ZJ", industry="C33")
    data = dashboards.admin_dashboard(admin)
    assert data.posted[-1] == 2 and data.awarded[-1] == 1
    assert (data.requests, data.awarded_requests, data.request_to_award) == (2, 1, 0.5)
    assert data.median_first_quote_hours is not None
    assert "quality.inspection" in data.by_region.capabilities
    assert "CN-ZJ" in data.by_region.columns and "CN-JX" in data.by_region.columns
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert "Needs posted and awarded per week" in _svg(html, "needs")
    assert 'data-insight="request_to_award">50 %' in html
    heat = re.search(r'data-heat="demand-1".*?</figure>', html, re.S).group(0)
    assert "Zhejiang" in heat and "Automated quality inspection" in heat
    assert "sz-heat-5" in heat
