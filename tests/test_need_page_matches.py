"""The need page tells honestly how good each match is (issue 13, item 5)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import sqlalchemy as sa

from app.extensions import db
from app.models import Need
from app.services import matching
from app.services.match_view import confidence
from matching.model import default_model
from tests import factories


def _page(client, need) -> str:
    matching.refresh_matches(need)

    db.session.commit()
    return client.get(f"/needs/{need.id}").get_data(as_text=True)


def _need_with_matches(sme, **need_fields):
    vendor = factories.vendor_user()
    fitting = factories.listing(vendor)  # the dyeing-lot scheduler the factory need asks for
    for name, summary, caps in (
        ("染缸能耗监测", "按染缸记录用电、用汽和用水，算出每缸布的能耗。", ["energy.management"]),
        ("考勤薪酬人事系统", "排班考勤、计件工资、个税社保。", ["hr.management"]),
    ):
        factories.listing(
            factories.vendor_user(),
            name=name,
            summary=summary,
            capabilities=caps,
            industries=["*"],
            price_min=5000,
            price_max=9000,
        )
    need = factories.need(sme, **need_fields)
    return need, fitting


def test_matches_carry_a_confidence_and_weak_ones_are_folded_away(sme_client, sme, db):
    need, fitting = _need_with_matches(sme)
    page = _page(sme_client, need)
    card = re.search(rf'data-match="{fitting.slug}" data-confidence="(\w+)"', page)
    assert card and card.group(1) == "strong"
    weaker = page[page.index('id="weaker-matches"') :]
    folded = re.findall(r'data-match="([^"]+)" data-confidence="weak"', weaker)
    # The calibrated probability folds both plug-ins that do something else, also the
    # energy monitor that merely shares the word 染缸 (about 1 % likely to be a good fit).
    assert folded and "Show 2 weaker matches" in weaker
    assert sorted(m.listing.name for m in need.matches if m.listing.slug in folded) == sorted(
        ["考勤薪酬人事系统", "染缸能耗监测"]
    )
    assert all(0 <= m.components["probability"] <= 1 for m in need.matches)
    assert page.index(f'data-match="{fitting.slug}"') < page.index('id="weaker-matches"')
    # One plain sentence, in the need's language: what it does, why it fits, what does not.
    sentence = db.session.scalar(sa.select(Need)).matches
    assert any(
        m.explanation.startswith("为您的需求提供") and m.explanation.endswith("。")
        for m in sentence
    )


def test_score_parts_are_in_the_readers_language(sme_client, sme, db):
    need, _ = _need_with_matches(sme)
    sme_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    page = _page(sme_client, need)
    assert "强匹配" in page and "预算 " in page
    assert not re.search(r"sz-chip\">(budget|text|capability) \d", page)


def test_a_sticky_bar_counts_the_requests_for_quotes_from_the_top(sme_client, sme, db):
    need, fitting = _need_with_matches(sme)
    page = _page(sme_client, need)
    bar = page.index('id="rfq-bar"')
    assert bar < page.index(f'data-match="{fitting.slug}"')
    assert "Tick up to 5 plug-ins to ask for quotes." in page  # without JavaScript
    assert 'data-template="__N__ of 5 selected for quotes"' in page  # for rfq-bar.js
    assert 'href="#rfq-send"' in page and 'id="rfq-send"' in page
    assert "/static/js/rfq-bar.js" in page and "<script>" not in page


def test_the_page_says_when_the_budget_limit_removed_fitting_solutions(sme_client, sme, db):
    need, fitting = _need_with_matches(sme, budget_max=10000)  # the scheduler costs 30,000+
    page = _page(sme_client, need)
    assert f'data-match="{fitting.slug}"' not in page
    assert "1 fitting solution costs more than twice your budget." in page
    shown = sme_client.get(f"/needs/{need.id}?over_budget=1").get_data(as_text=True)
    assert f'data-over-budget="{fitting.slug}"' in shown


def test_the_over_budget_note_is_matched_again_when_its_listing_changes(sme_client, sme, db):
    need, fitting = _need_with_matches(sme, budget_max=10000)
    _page(sme_client, need)
    assert need.over_budget == [fitting.slug]  # recorded with the matches, read by the page
    fitting.price_min, fitting.price_max = 15000, 18000  # now within twice the budget
    db.session.commit()
    assert matching.rematch_for_listings([fitting.slug]) >= 1
    page = sme_client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert f'data-match="{fitting.slug}"' in page
    assert 'id="over-budget"' not in page


def test_the_level_follows_the_stored_probability_by_the_shipped_thresholds(db):

    cal = default_model().calibration
    parts = {"text": 0.0, "capability": 0.0}  # the older rule would say "weak"
    sure = SimpleNamespace(score=1.0, components={**parts, "probability": cal.strong_})
    unsure = SimpleNamespace(score=1.0, components={**parts, "probability": cal.weak_ / 2})
    middle = (cal.strong_ + cal.weak_) / 2
    between = SimpleNamespace(score=1.0, components={**parts, "probability": middle})
    assert [confidence(m, 1.0) for m in (sure, between, unsure)] == ["strong", "possible", "weak"]
