"""Verified reviews (only a completed engagement, once), the vendor's one reply, flags, and
the outcomes that train the ranker."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.models import AuditEvent, Notification, ReviewFlag, ReviewStatus
from app.services import engagements, needs, outcomes, reviews, rfqs
from tests import factories
from tests.deal_builders import make_deal

SCORES = {"rating": 4, "quality": 4, "cost": 3, "timeliness": 5, "support": 4, "text": "按期上线"}


def test_only_a_completed_engagement_can_be_reviewed_once(db):
    deal = make_deal(vendors=1, award=True)
    with pytest.raises(DomainError, match="Only a completed engagement"):
        reviews.create_review(deal.sme, deal.engagement, SCORES)
    engagements.complete_engagement(deal.sme, deal.engagement)
    review = reviews.create_review(deal.sme, deal.engagement, SCORES)
    db.session.commit()
    assert (review.rating, review.cost, review.status) == (4, 3, ReviewStatus.PUBLISHED)
    assert review.vendor_id == deal.vendors[0].organisation_id
    assert review.listing_id == deal.listings[0].id
    with pytest.raises(DomainError, match="already been reviewed"):
        reviews.create_review(deal.sme, deal.engagement, SCORES)
    kinds = db.session.scalars(
        sa.select(Notification.kind)
        .where(Notification.user_id == deal.vendors[0].id)
        .order_by(Notification.id)
    ).all()
    assert kinds[-1] == "review.received"


@pytest.mark.parametrize("bad", [{"rating": 0}, {"quality": 6}, {"support": None}, {"cost": "x"}])
def test_scores_must_be_one_to_five(db, bad):
    deal = make_deal(vendors=1, award=True, complete=True)
    with pytest.raises(InvalidInput) as info:
        reviews.create_review(deal.sme, deal.engagement, {**SCORES, **bad})
    assert set(info.value.errors) == set(bad)


def test_only_the_engagements_sme_reviews(db, admin):
    deal = make_deal(vendors=1, award=True, complete=True)
    with pytest.raises(NotFound):
        reviews.create_review(factories.sme_user(), deal.engagement, SCORES)
    for user in (deal.vendors[0], admin):
        with pytest.raises(Forbidden):
            reviews.create_review(user, deal.engagement, SCORES)


def test_the_vendor_replies_once(db):
    deal = make_deal(vendors=2, award=True, complete=True, review=True)
    vendor, other = deal.vendors
    with pytest.raises(NotFound):
        reviews.reply(other, deal.review, "谢谢")
    with pytest.raises(Forbidden):
        reviews.reply(deal.sme, deal.review, "谢谢")
    with pytest.raises(InvalidInput):
        reviews.reply(vendor, deal.review, "  ")
    reviews.reply(vendor, deal.review, "感谢认可")
    db.session.commit()
    assert deal.review.vendor_reply == "感谢认可" and deal.review.replied_at is not None
    with pytest.raises(DomainError, match="already replied"):
        reviews.reply(vendor, deal.review, "再次感谢")
    kinds = db.session.scalars(
        sa.select(Notification.kind)
        .where(Notification.user_id == deal.sme.id)
        .order_by(Notification.id)
    ).all()
    assert kinds[-1] == "review.replied"


def test_flagging_marks_the_review_and_tells_the_admins(db, admin):
    deal = make_deal(vendors=2, award=True, complete=True, review=True)
    with pytest.raises(Forbidden, match="your own review"):
        reviews.flag(deal.sme, deal.review, "oops")
    with pytest.raises(InvalidInput):
        reviews.flag(deal.vendors[0], deal.review, "")
    reviews.flag(deal.vendors[0], deal.review, "与事实不符")
    db.session.commit()
    assert deal.review.status == ReviewStatus.FLAGGED
    with pytest.raises(DomainError, match="already flagged"):
        reviews.flag(deal.vendors[0], deal.review, "again")
    reviews.flag(deal.vendors[1], deal.review, "广告")  # a second user may flag too
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ReviewFlag.id))) == 2
    admin_kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == admin.id)
    ).all()
    assert admin_kinds == ["review.flagged", "review.flagged"]
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "review.flagged")
        )
        == 2
    )
    deal.review.status = ReviewStatus.REMOVED
    db.session.commit()
    with pytest.raises(DomainError, match="already been removed"):
        reviews.flag(admin, deal.review, "x")
    with pytest.raises(NotFound):
        reviews.get_review(deal.review.id)


def test_outcomes_grade_every_requested_pair(db):
    excellent = make_deal(vendors=3, quoted=2, award=True, complete=True, review=True)
    poor = make_deal(vendors=1, award=True, complete=True)
    reviews.create_review(poor.sme, poor.engagement, {**SCORES, "rating": 2})
    middling = make_deal(vendors=1, award=True, complete=True)
    reviews.create_review(middling.sme, middling.engagement, {**SCORES, "rating": 3})
    awarded = make_deal(vendors=1, award=True)
    declined = make_deal(vendors=1, quoted=0)
    rfqs.decline_rfq(declined.vendors[0], declined.rfqs[0], "不做")
    cancelled = make_deal(vendors=1)
    needs.cancel_need(cancelled.sme, cancelled.need, "不要了")
    db.session.commit()

    triples = outcomes.training_triples()
    graded = {(record.id, slug): grade for record, slug, grade in triples}
    e = str(excellent.need.id)
    assert graded[(e, excellent.listings[0].slug)] == 3  # awarded, completed, 5 stars
    assert graded[(e, excellent.listings[1].slug)] == 1  # quoted, lost
    assert graded[(e, excellent.listings[2].slug)] == 1  # requested, never answered
    assert graded[(str(poor.need.id), poor.listings[0].slug)] == 0
    assert graded[(str(middling.need.id), middling.listings[0].slug)] == 2
    assert graded[(str(awarded.need.id), awarded.listings[0].slug)] == 2
    assert graded[(str(declined.need.id), declined.listings[0].slug)] == 1
    assert str(cancelled.need.id) not in {record.id for record, _, _ in triples}
    record = next(r for r, slug, _ in triples if r.id == e)
    assert record.description == excellent.need.description and record.lang == "zh"
