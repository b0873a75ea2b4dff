"""Outcome-backed reviews: the SME records a KPI's baseline while the engagement is active
and its value after the work once it is completed; reviews show the change with a badge
when the baseline came before the work began, listing and vendor pages the median change."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.errors import DomainError, InvalidInput, NotFound
from app.models import AuditEvent, Outcome
from app.services import (
    engagements,
    kpi_changes,
    kpis,
    milestone_plans,
    milestones,
    outcomes,
    quotes,
    rfqs,
)
from app.services import reviews as reviews_service
from app.services.kpi_table import BY_CAPABILITY, GENERIC, KPIS
from app.services.outcomes import grade
from matching.taxonomy import CAPABILITIES
from tests import factories
from tests.api.conftest import ApiClient, token_for
from tests.conftest import english, submit
from tests.deal_builders import make_deal, quote_terms


def _awarded(db):
    return make_deal(vendors=1, award=True)


def _complete(db, deal):
    engagements.complete_engagement(deal.sme, deal.engagement)
    db.session.commit()


def test_the_kpi_table_is_keyed_by_taxonomy_codes_and_names_every_kpi_in_both_languages():
    assert set(BY_CAPABILITY) <= set(CAPABILITIES)
    for codes in [*BY_CAPABILITY.values(), GENERIC]:
        assert set(codes) <= set(KPIS)
    for kpi in KPIS.values():
        assert kpi.en and kpi.zh and kpi.unit_en and kpi.unit_zh


def test_the_offered_kpis_follow_the_capabilities_then_the_generic_ones(db):
    deal = _awarded(db)  # production.planning
    codes = [k.code for k in kpis.options(deal.engagement)]
    assert codes[:3] == ["on_time_delivery", "lead_time", "oee"]
    assert set(GENERIC) <= set(codes) and len(codes) == len(set(codes))


def test_baseline_then_after_gives_the_change_and_the_before_the_work_badge(app, db):
    deal = _awarded(db)
    outcome = kpis.record_baseline(deal.sme, deal.engagement, "on_time_delivery", 82)
    db.session.commit()
    assert outcome.baseline == 82 and outcome.baseline_at is not None and outcome.after is None
    _complete(db, deal)
    kpis.record_after(deal.sme, deal.engagement, "on_time_delivery", 95)
    db.session.commit()
    with app.test_request_context(), force_locale("en"):
        (change,) = kpi_changes.changes(deal.engagement)
        assert change.text == "On-time delivery 82 % → 95 %"
        assert change.change == "+13 points" and change.improved is True
        assert change.before_work is True
    with app.test_request_context(), force_locale("zh"):
        (change,) = kpi_changes.changes(deal.engagement)
        assert change.text == "准时交付率 82% → 95%"
        assert change.change == "+13 个百分点"
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.subject_type == "Outcome")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["outcome.baseline_recorded", "outcome.after_recorded"]


def _awarded_with_one_milestone(db):
    """An awarded engagement whose plan is one milestone, not delivered yet."""
    deal = make_deal(vendors=1)
    plan = [{"name": "All", "share_pct": 100, "due_week": 2, "criteria": "Runs"}]
    milestone_plans.set_quote_plan(deal.vendors[0], deal.quotes[0], plan)
    db.session.commit()
    engagement = engagements.award(deal.sme, deal.quotes[0])
    db.session.commit()
    (milestone,) = milestone_plans.plan_for(engagement)
    return deal, engagement, milestone


def test_a_change_of_one_point_reads_in_the_singular(app):
    with app.test_request_context(), force_locale("en"):
        assert kpi_changes._delta_text("points", 1) == "+1 point"
        assert kpi_changes._delta_text("points", -1) == "−1 point"
        assert kpi_changes._delta_text("points", 0.5) == "+0.5 points"
    with app.test_request_context(), force_locale("zh"):
        assert kpi_changes._delta_text("points", 1) == "+1 个百分点"


def test_a_baseline_recorded_after_the_first_delivery_has_no_badge(app, db):
    deal, engagement, milestone = _awarded_with_one_milestone(db)
    milestones.deliver(deal.vendors[0], milestone, "Installed")
    db.session.commit()
    outcome = kpis.record_baseline(deal.sme, engagement, "lead_time", 12)
    outcome.baseline_at = engagement.work_began_at + timedelta(seconds=1)  # clock resolution
    db.session.commit()
    milestones.accept(deal.sme, milestone)
    db.session.commit()
    kpis.record_after(deal.sme, engagement, "lead_time", 9)
    db.session.commit()
    with app.test_request_context(), force_locale("en"):
        (change,) = kpi_changes.changes(engagement)
        assert change.before_work is False
        assert change.change == "−25 %" and change.improved is True  # lower is better


@pytest.mark.parametrize(
    ("kpi", "value", "field"),
    [
        ("on_time_delivery", "lots", "value"),
        ("on_time_delivery", True, "value"),
        ("on_time_delivery", 101, "value"),  # a share in per cent
        ("lead_time", -1, "value"),
        ("lead_time", 1.234, "value"),
        ("lead_time", None, "value"),
        ("no_such_kpi", 3, "kpi"),
        ("online_sales_share", 3, "kpi"),  # not offered for this engagement
    ],
)
def test_bad_values_and_unknown_kpis_are_refused_with_a_message(db, kpi, value, field):
    deal = _awarded(db)
    with pytest.raises(InvalidInput) as caught:
        kpis.record_baseline(deal.sme, deal.engagement, kpi, value)
    assert list(caught.value.errors) == [field]


def test_refusals_of_state_and_of_someone_elses_engagement(db):
    deal = _awarded(db)
    with pytest.raises(DomainError, match="baseline of this KPI first"):
        kpis.record_after(deal.sme, deal.engagement, "lead_time", 3)
    db.session.rollback()
    kpis.record_baseline(deal.sme, deal.engagement, "lead_time", 10)
    db.session.commit()
    with pytest.raises(DomainError, match="already recorded"):
        kpis.record_baseline(deal.sme, deal.engagement, "lead_time", 11)
    db.session.rollback()
    with pytest.raises(DomainError, match="once the engagement is completed"):
        kpis.record_after(deal.sme, deal.engagement, "lead_time", 8)
    db.session.rollback()
    with pytest.raises(NotFound):
        kpis.record_baseline(factories.sme_user(), deal.engagement, "oee", 50)
    db.session.rollback()
    _complete(db, deal)
    with pytest.raises(DomainError, match="a baseline is recorded before it ends"):
        kpis.record_baseline(deal.sme, deal.engagement, "oee", 50)
    db.session.rollback()
    kpis.record_after(deal.sme, deal.engagement, "lead_time", 8)
    db.session.commit()
    with pytest.raises(DomainError, match="already recorded"):
        kpis.record_after(deal.sme, deal.engagement, "lead_time", 7)
    db.session.rollback()
    assert db.session.scalar(sa.select(Outcome.after)) == 8


def measured_engagement(db, vendor, listing, kpi: str, before: float, after: float):
    """A completed engagement of ``listing`` measured by ``kpi``: ``before`` → ``after``."""
    sme = factories.sme_user()
    need = factories.need(sme)
    (rfq,) = rfqs.send_rfqs(sme, need, [listing.id], "请报价。")
    db.session.commit()
    quote = quotes.submit_quote(vendor, rfq, quote_terms())
    db.session.commit()
    engagement = engagements.award(sme, quote)
    db.session.commit()
    kpis.record_baseline(sme, engagement, kpi, before)
    db.session.commit()
    engagements.complete_engagement(sme, engagement)
    db.session.commit()
    kpis.record_after(sme, engagement, kpi, after)
    db.session.commit()
    return sme, engagement


def test_the_summary_gives_the_median_change_per_kpi(app, db):
    vendor = factories.vendor_user()
    listing = factories.listing(vendor)
    for before, after in ((80, 93), (70, 80), (90, 92)):
        measured_engagement(db, vendor, listing, "on_time_delivery", before, after)
    measured_engagement(db, vendor, listing, "lead_time", 10, 8)
    with app.test_request_context(), force_locale("en"):
        summary = kpi_changes.summary(listing_id=listing.id)
        assert summary.count == 4 and summary.before_work == 4
        first, second = summary.kpis
        assert (first.name, first.count, first.median) == ("On-time delivery", 3, "+10 points")
        assert (second.name, second.median, second.improved) == ("Lead time", "−20 %", True)
        assert kpi_changes.summary(vendor_id=vendor.organisation_id).count == 4
        assert not kpi_changes.summary(vendor_id=factories.vendor_user().organisation_id)


def test_the_sme_records_on_the_plan_page_and_reviews_show_the_change(app, db):
    deal = _awarded(db)
    sme = english(app.test_client(user=deal.sme))
    url = f"/engagements/{deal.engagement.id}/plan"
    outcomes_url = f"/engagements/{deal.engagement.id}/outcomes"
    page = sme.get(url).get_data(as_text=True)
    assert "Measured outcomes" in page and "On-time delivery (%)" in page
    bad = submit(sme, outcomes_url, {"kpi": "on_time_delivery", "value": "lots"}, form_url=url)
    assert bad.status_code == 422 and "Enter a number." in bad.get_data(as_text=True)
    too_big = submit(sme, outcomes_url, {"kpi": "on_time_delivery", "value": "120"}, form_url=url)
    assert too_big.status_code == 422 and "from 0 to 100" in too_big.get_data(as_text=True)
    unknown = submit(sme, outcomes_url, {"kpi": "made_up", "value": "3"}, form_url=url)
    assert unknown.status_code == 422 and "Choose a KPI from the list." in unknown.get_data(
        as_text=True
    )
    early = submit(
        sme, f"{outcomes_url}/after", {"kpi": "on_time_delivery", "value": "95"}, form_url=url
    )
    assert early.status_code == 409
    done = submit(sme, outcomes_url, {"kpi": "on_time_delivery", "value": "82"}, form_url=url)
    assert done.status_code == 302
    assert db.session.scalar(sa.select(Outcome.baseline)) == 82
    other = english(app.test_client(user=factories.sme_user()))
    assert (
        submit(
            other, outcomes_url, {"kpi": "lead_time", "value": "3"}, form_url="/needs/new"
        ).status_code
        == 404
    )
    _complete(db, deal)
    assert (
        submit(
            sme, f"{outcomes_url}/after", {"kpi": "on_time_delivery", "value": "95,0"}, form_url=url
        ).status_code
        == 302
    )
    review = {"rating": 5, "quality": 5, "cost": 4, "timeliness": 4, "support": 5, "text": "好"}
    reviews_service.create_review(deal.sme, deal.engagement, review)
    db.session.commit()
    for path in (f"/solutions/{deal.listings[0].slug}", f"/vendors/{deal.engagement.vendor_id}"):
        en = english(app.test_client()).get(path).get_data(as_text=True)
        assert "On-time delivery 82 % → 95 %" in en, path
        assert "baseline recorded before the work began" in en
        assert "1 measured outcome" in en and "On-time delivery median +13 points" in en
        zh_client = app.test_client()
        zh_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
        zh = zh_client.get(path).get_data(as_text=True)
        assert "准时交付率 82% → 95%" in zh, path
        assert "+13 个百分点" in zh and "基线在工作开始前记录" in zh


def test_the_api_records_outcomes_and_the_review_carries_them(app, db):

    deal = _awarded(db)
    sme, vendor, other = (
        ApiClient(english(app.test_client()), token_for(u))
        for u in (deal.sme, deal.vendors[0], factories.sme_user())
    )
    url = f"/engagements/{deal.engagement.id}/outcomes"
    listed = sme.get(url).get_json()
    assert listed["items"] == [] and listed["kpis"][0]["kpi"] == "on_time_delivery"
    assert sme.post(url, json={"kpi": "on_time_delivery", "value": "x"}).status_code == 422
    assert sme.post(url, json={"kpi": "made_up", "value": 3}).status_code == 422
    assert sme.post(f"{url}/after", json={"kpi": "on_time_delivery", "value": 9}).status_code == 409
    assert other.post(url, json={"kpi": "on_time_delivery", "value": 82}).status_code == 404
    assert vendor.post(url, json={"kpi": "on_time_delivery", "value": 82}).status_code == 403
    created = sme.post(url, json={"kpi": "on_time_delivery", "value": 82})
    assert created.status_code == 201
    (item,) = created.get_json()["items"]
    assert item["baseline"] == 82 and item["after"] is None and item["baseline_before_work"]
    _complete(db, deal)
    after = sme.post(f"{url}/after", json={"kpi": "on_time_delivery", "value": 95}).get_json()
    assert after["items"][0]["change"] == "+13 points"
    assert vendor.get(url).get_json()["items"][0]["after"] == 95
    review = sme.post(
        f"/engagements/{deal.engagement.id}/review",
        json={"rating": 5, "quality": 5, "cost": 4, "timeliness": 4, "support": 5},
    ).get_json()
    (outcome,) = review["outcomes"]
    assert outcome["kpi"] == "on_time_delivery" and outcome["baseline_before_work"] is True


# --- corrections: a value may change while it can still change honestly -------------------


def _corrections(db) -> list[tuple[str, dict]]:
    return [
        (e.action, e.data)
        for e in db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action.like("outcome.%_corrected"))
            .order_by(AuditEvent.id)
        )
    ]


def test_a_baseline_is_corrected_before_the_work_began_and_keeps_its_badge(app, db):
    deal = _awarded(db)
    kpis.record_baseline(deal.sme, deal.engagement, "on_time_delivery", 28)
    db.session.commit()
    outcome = kpis.correct_baseline(deal.sme, deal.engagement, "on_time_delivery", 82)
    db.session.commit()
    assert (outcome.baseline, db.session.scalar(sa.select(sa.func.count(Outcome.id)))) == (82, 1)
    assert _corrections(db) == [
        (
            "outcome.baseline_corrected",
            {
                "engagement_id": deal.engagement.id,
                "kpi": "on_time_delivery",
                "old": 28,
                "value": 82,
            },
        )
    ]
    _complete(db, deal)
    kpis.record_after(deal.sme, deal.engagement, "on_time_delivery", 95)
    db.session.commit()
    with app.test_request_context(), force_locale("en"):
        (change,) = kpi_changes.changes(deal.engagement)
        assert change.text == "On-time delivery 82 % → 95 %" and change.before_work is True


def test_a_baseline_cannot_be_corrected_once_the_work_began(app, db):
    deal, engagement, milestone = _awarded_with_one_milestone(db)
    kpis.record_baseline(deal.sme, engagement, "lead_time", 12)
    db.session.commit()
    milestones.deliver(deal.vendors[0], milestone, "Installed")
    db.session.commit()
    for lang, message in (("en", "The work has begun"), ("zh", "工作已经开始")):
        with app.test_request_context(), force_locale(lang):
            with pytest.raises(DomainError, match=message) as caught:
                kpis.correct_baseline(deal.sme, engagement, "lead_time", 10)
            assert caught.value.status == 409
        db.session.rollback()
    assert db.session.scalar(sa.select(Outcome.baseline)) == 12 and _corrections(db) == []


def test_the_after_value_is_corrected_until_the_review_and_the_review_carries_it(app, db):
    deal = _awarded(db)
    kpis.record_baseline(deal.sme, deal.engagement, "lead_time", 10)
    db.session.commit()
    with pytest.raises(DomainError, match="not recorded yet"):
        kpis.correct_after(deal.sme, deal.engagement, "lead_time", 8)
    db.session.rollback()
    _complete(db, deal)
    with pytest.raises(DomainError, match="can no longer be corrected"):
        kpis.correct_baseline(deal.sme, deal.engagement, "lead_time", 9)  # completion = work
    db.session.rollback()
    kpis.record_after(deal.sme, deal.engagement, "lead_time", 80)
    db.session.commit()
    kpis.correct_after(deal.sme, deal.engagement, "lead_time", 8)
    db.session.commit()
    review = {"rating": 5, "quality": 5, "cost": 4, "timeliness": 4, "support": 5}
    reviews_service.create_review(deal.sme, deal.engagement, review)
    db.session.commit()
    for lang, message in (("en", "The engagement is reviewed"), ("zh", "已评价")):
        with (
            app.test_request_context(),
            force_locale(lang),
            pytest.raises(DomainError, match=message),
        ):
            kpis.correct_after(deal.sme, deal.engagement, "lead_time", 7)
        db.session.rollback()
    assert db.session.scalar(sa.select(Outcome.after)) == 8
    assert [(action, data["old"], data["value"]) for action, data in _corrections(db)] == [
        ("outcome.after_corrected", 80, 8)
    ]
    with app.test_request_context(), force_locale("en"):
        (change,) = kpi_changes.measured_by_engagement([deal.engagement.id])[deal.engagement.id]
        assert change.text == "Lead time 10 days → 8 days"


@pytest.mark.parametrize(
    ("kpi", "value", "field", "message"),
    [
        ("lead_time", 10, "value", "already recorded"),  # unchanged: nothing to correct
        ("lead_time", "x", "value", "number"),
        ("lead_time", -2, "value", "from 0"),
        ("online_sales_share", 3, "kpi", "Choose a KPI"),
    ],
)
def test_a_correction_to_a_bad_or_the_same_value_is_refused(db, kpi, value, field, message):
    deal = _awarded(db)
    kpis.record_baseline(deal.sme, deal.engagement, "lead_time", 10)
    db.session.commit()
    with pytest.raises(InvalidInput, match=message) as caught:
        kpis.correct_baseline(deal.sme, deal.engagement, kpi, value)
    assert list(caught.value.errors) == [field]
    db.session.rollback()
    assert _corrections(db) == []


def test_corrections_of_what_was_never_recorded_or_of_someone_elses_engagement(db):
    deal = _awarded(db)
    with pytest.raises(DomainError, match="Nothing is recorded for this KPI"):
        kpis.correct_baseline(deal.sme, deal.engagement, "lead_time", 3)
    db.session.rollback()
    kpis.record_baseline(deal.sme, deal.engagement, "lead_time", 10)
    db.session.commit()
    with pytest.raises(NotFound):
        kpis.correct_baseline(factories.sme_user(), deal.engagement, "lead_time", 9)
    db.session.rollback()
    assert db.session.scalar(sa.select(Outcome.baseline)) == 10


def test_the_plan_page_offers_the_correction_only_while_it_is_allowed(app, db):
    deal = _awarded(db)
    kpis.record_baseline(deal.sme, deal.engagement, "on_time_delivery", 28)
    db.session.commit()
    sme = english(app.test_client(user=deal.sme))
    url = f"/engagements/{deal.engagement.id}/plan"
    correct_url = f"/engagements/{deal.engagement.id}/outcomes/correct"
    page = sme.get(url).get_data(as_text=True)
    assert 'data-correct="baseline-on_time_delivery"' in page and "Correct the baseline" in page
    offered = re.search(r'<select[^>]*name="kpi".*?</select>', page, re.S).group(0)
    assert 'value="lead_time"' in offered and 'value="on_time_delivery"' not in offered
    data = {"kpi": "on_time_delivery", "which": "baseline"}
    same = submit(sme, correct_url, {**data, "value": "28"}, form_url=url)
    assert same.status_code == 422
    assert "This is the value already recorded" in same.get_data(as_text=True)
    odd = submit(sme, correct_url, {**data, "which": "nonsense", "value": "2"}, form_url=url)
    assert odd.status_code == 422
    done = submit(sme, correct_url, {**data, "value": "82"}, form_url=url)
    assert done.status_code == 302 and done.location.endswith(f"{url}#outcomes")
    assert db.session.scalar(sa.select(Outcome.baseline)) == 82
    _complete(db, deal)
    page = sme.get(url).get_data(as_text=True)
    assert "data-correct=" not in page  # the work is done: the baseline stays
    late = submit(sme, correct_url, {**data, "value": "80"}, form_url=url)
    assert late.status_code == 409 and "The work has begun" in late.get_data(as_text=True)
    assert db.session.scalar(sa.select(Outcome.baseline)) == 82


def test_the_review_form_shows_the_outcomes_and_records_the_missing_after_value(app, db):
    deal = _awarded(db)
    kpis.record_baseline(deal.sme, deal.engagement, "on_time_delivery", 82)
    db.session.commit()
    _complete(db, deal)
    sme = english(app.test_client(user=deal.sme))
    review_url = f"/needs/engagements/{deal.engagement.id}/review"
    page = sme.get(review_url).get_data(as_text=True)
    assert "data-review-form-outcomes" in page and "On-time delivery 82 %" in page
    assert "baseline recorded before the work began" in page
    assert 'id="after-on_time_delivery"' in page and "left out until you record it" in page
    after_url = f"/engagements/{deal.engagement.id}/outcomes/after"
    data = {"kpi": "on_time_delivery", "back": "review"}
    bad = submit(sme, after_url, {**data, "value": "120"}, form_url=review_url)
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "from 0 to 100" in body and "Review the vendor" in body
    done = submit(sme, after_url, {**data, "value": "95"}, form_url=review_url)
    assert done.status_code == 302 and done.location.endswith(f"{review_url}#outcomes")
    page = sme.get(review_url).get_data(as_text=True)
    assert "On-time delivery 82 % → 95 %" in page and "+13 points" in page
    assert 'data-correct="after-on_time_delivery"' in page
    correct_url = f"/engagements/{deal.engagement.id}/outcomes/correct"
    fixed = submit(sme, correct_url, {**data, "which": "after", "value": "96"}, form_url=review_url)
    assert fixed.status_code == 302 and fixed.location.endswith(f"{review_url}#outcomes")
    zh = app.test_client(user=deal.sme)
    zh.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    assert "准时交付率 82% → 96%" in zh.get(review_url).get_data(as_text=True)
    stars = {"rating": 5, "quality": 5, "cost": 4, "timeliness": 4, "support": 5, "text": "好"}
    assert submit(sme, review_url, stars).status_code == 302
    page = sme.get(review_url).get_data(as_text=True)
    assert "You have reviewed this engagement" in page and "82 % → 96 %" in page
    assert "data-correct=" not in page
    late = submit(sme, correct_url, {**data, "which": "after", "value": "97"}, form_url=review_url)
    assert late.status_code == 409 and "The engagement is reviewed" in late.get_data(as_text=True)


def test_the_api_corrects_outcomes_with_the_same_rules(app, db):

    deal = _awarded(db)
    sme, vendor = (
        ApiClient(english(app.test_client()), token_for(u)) for u in (deal.sme, deal.vendors[0])
    )
    url = f"/engagements/{deal.engagement.id}/outcomes"
    assert sme.put(url, json={"kpi": "lead_time", "value": 9}).status_code == 409  # none yet
    assert sme.post(url, json={"kpi": "lead_time", "value": 10}).status_code == 201
    assert sme.put(url, json={"kpi": "lead_time", "value": 10}).status_code == 422  # same
    assert sme.put(url, json={"kpi": "lead_time", "value": "x"}).status_code == 422
    assert vendor.put(url, json={"kpi": "lead_time", "value": 9}).status_code == 403
    corrected = sme.put(url, json={"kpi": "lead_time", "value": 12})
    assert corrected.status_code == 200 and corrected.get_json()["items"][0]["baseline"] == 12
    assert sme.put(f"{url}/after", json={"kpi": "lead_time", "value": 9}).status_code == 409
    _complete(db, deal)
    refused = sme.put(url, json={"kpi": "lead_time", "value": 11})
    assert refused.status_code == 409 and "The work has begun" in refused.get_data(as_text=True)
    assert sme.post(f"{url}/after", json={"kpi": "lead_time", "value": 90}).status_code == 200
    after = sme.put(f"{url}/after", json={"kpi": "lead_time", "value": 9})
    assert after.status_code == 200 and after.get_json()["items"][0]["change"] == "−25 %"
    review = {"rating": 5, "quality": 5, "cost": 4, "timeliness": 4, "support": 5}
    assert sme.post(f"/engagements/{deal.engagement.id}/review", json=review).status_code == 201
    late = sme.put(f"{url}/after", json={"kpi": "lead_time", "value": 8})
    assert late.status_code == 409 and "The engagement is reviewed" in late.get_data(as_text=True)
    assert [(a, d["old"], d["value"]) for a, d in _corrections(db)] == [
        ("outcome.baseline_corrected", 10, 12),
        ("outcome.after_corrected", 90, 9),
    ]


# --- the learned ranker's signal: a completed pair moves one grade with its measured KPIs ---


@pytest.mark.parametrize(
    ("rating", "measured", "expected"),
    [
        (None, None, 2),  # completed, not reviewed, not measured: "awarded"
        (None, True, 3),  # not reviewed, every measured KPI improved
        (None, False, 1),
        (5, True, 3),  # never above the top grade
        (5, False, 2),
        (3, True, 3),
        (2, True, 1),  # a poor review with a measured gain: one step, not the top
        (2, False, 0),  # never below zero
    ],
)
def test_measured_outcomes_move_a_completed_pairs_grade_one_step(rating, measured, expected):

    assert grade("awarded", "completed", rating, measured) == expected
    assert grade("awarded", "active", rating, measured) == 2  # not completed: no signal
    assert grade("quoted", None, None, measured) == 1


def test_the_training_grades_read_only_baselines_recorded_before_the_work(app, db):

    vendor = factories.vendor_user()
    listing = factories.listing(vendor)
    _, improved = measured_engagement(db, vendor, listing, "on_time_delivery", 80, 93)
    _, worsened = measured_engagement(db, vendor, listing, "lead_time", 10, 12)
    _, unchanged = measured_engagement(db, vendor, listing, "lead_time", 10, 10)
    _, late = measured_engagement(db, vendor, listing, "on_time_delivery", 70, 90)
    outcome = db.session.scalar(sa.select(Outcome).where(Outcome.engagement_id == late.id))
    outcome.baseline_at = late.work_began_at + timedelta(seconds=1)  # after the work began
    _, mixed = measured_engagement(db, vendor, listing, "on_time_delivery", 80, 90)
    first = db.session.scalar(sa.select(Outcome).where(Outcome.engagement_id == mixed.id))
    db.session.add(
        Outcome(
            engagement_id=mixed.id,
            kpi="lead_time",
            baseline=10,
            baseline_at=first.baseline_at,
            after=12,  # worse, while on-time delivery got better: no verdict
            after_at=first.after_at,
        )
    )
    db.session.commit()
    assert kpi_changes.verdicts() == {improved.id: True, worsened.id: False}
    graded = {record.id: g for record, _slug, g in outcomes.training_triples()}
    assert graded[str(improved.need_id)] == 3 and graded[str(worsened.need_id)] == 1
    assert graded[str(unchanged.need_id)] == 2 and graded[str(late.need_id)] == 2
    assert graded[str(mixed.need_id)] == 2
