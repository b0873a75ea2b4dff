"""The portal's outcomes teach its matcher: a plug-in awarded for a need counts, for the next
need like it, as "chosen for needs like yours"; a request or quote alone does not."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Match
from app.services import engagements, matching, outcomes, reviews
from tests import data, factories
from tests.deal_builders import make_deal

REWORDED = "客户打样只要1公斤布，我们的染缸最少2吨一缸，排产靠老师傅记本子，想要系统排产。"


def _by_slug(need) -> dict:
    return {m.listing.slug: m for m in matching.refresh_matches(need)}


def test_an_award_makes_the_plug_in_a_precedent_for_the_next_similar_need(db):
    deal = make_deal(vendors=2)  # both quoted, none awarded yet
    awarded, quoted = (item.slug for item in deal.listings)
    other = factories.need(factories.sme_user(), description=REWORDED)
    before = _by_slug(other)[awarded]
    assert before.components["precedent"] == 0.0
    score_before = before.score  # the row is updated in place by the next refresh

    engagements.award(deal.sme, deal.quotes[0])
    db.session.commit()
    after = _by_slug(other)  # the same process's matcher follows the new outcome
    assert after[awarded].components["precedent"] > 0.3
    assert "与您相似的需求选用过" in after[awarded].explanation
    assert after[awarded].score > score_before
    assert after[quoted].components["precedent"] == 0.0  # quoted, not chosen
    # The awarded need's own outcome is no evidence for itself.
    assert _by_slug(deal.need)[awarded].components["precedent"] == 0.0


def test_a_good_review_after_the_work_makes_the_precedent_count_fully(db):
    deal = make_deal(vendors=1, award=True, complete=True)
    other = factories.need(factories.sme_user(), description=REWORDED)
    slug = deal.listings[0].slug
    awarded = _by_slug(other)[slug].components["precedent"]  # grade 2 of 3
    reviews.create_review(deal.sme, deal.engagement, data.review(rating=5))
    db.session.commit()
    reviewed = _by_slug(other)[slug].components["precedent"]  # grade 3: the full likeness
    assert reviewed == pytest.approx(1.5 * awarded, abs=1e-3)


def test_only_awarded_pairs_are_precedents(db):
    deal = make_deal(vendors=2)
    triples = outcomes.training_triples()
    assert {grade for _, _, grade in triples} == {outcomes.QUOTED}
    assert outcomes.precedents(triples) is None  # requests and quotes echo the ranking shown
    engagements.award(deal.sme, deal.quotes[0])
    db.session.commit()
    found = outcomes.precedents(outcomes.training_triples())
    assert set(found.chosen_) == {deal.listings[0].slug}


def test_an_award_re_matches_the_open_needs_alike_it_at_once(db):
    deal = make_deal(vendors=2)
    awarded = deal.listings[0]
    alike = factories.need(factories.sme_user(), description=REWORDED)
    unrelated = factories.need(
        factories.sme_user(), title="仓库盘点", description="仓库扫码出入库，库存盘点总对不上。"
    )
    for need in (alike, unrelated):
        matching.refresh_matches(need)
    db.session.commit()

    engagements.award(deal.sme, deal.quotes[0])  # its re-match job runs after this commit
    db.session.commit()
    stored = db.session.scalar(
        sa.select(Match).where(Match.need_id == alike.id, Match.listing_id == awarded.id)
    )
    db.session.refresh(stored)
    assert stored.components["precedent"] > 0.3  # without the SME touching the need
    # Only the needs alike the awarded one are ranked again.
    assert matching.rematch_alike([deal.need.id]) == 1
