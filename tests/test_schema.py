"""The database itself refuses what must never happen, whatever the application does."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.models import (
    Engagement,
    Match,
    Need,
    Organisation,
    PluginListing,
    Quote,
    QuoteStatus,
    Review,
    Rfq,
    User,
)
from tests import factories


@pytest.fixture
def deal(db, sme, vendor):
    """A need with two requests for quotes, each answered by a submitted quote."""
    need = factories.need(sme)
    quotes = []
    for _ in range(2):
        listing = factories.listing(vendor)
        rfq = Rfq(need_id=need.id, listing_id=listing.id, vendor_id=vendor.organisation_id)
        db.session.add(rfq)
        db.session.flush()
        quote = Quote(
            rfq_id=rfq.id,
            need_id=need.id,
            vendor_id=vendor.organisation_id,
            licence=20000,
            implementation=10000,
            delivery_weeks=6,
            valid_until=date(2027, 3, 31),
        )
        db.session.add(quote)
        quotes.append(quote)
    db.session.commit()
    return need, quotes


def _fails(db, statement=None) -> None:
    with pytest.raises(IntegrityError):
        if statement is not None:
            db.session.execute(statement)
        db.session.flush()
    db.session.rollback()


def test_emails_are_unique(db, sme):
    db.session.add(User(email=sme.email, password_hash="x", name="dup", role="sme"))
    _fails(db)


def test_at_most_one_accepted_quote_per_need(db, deal):
    _, (first, second) = deal
    first.status = QuoteStatus.ACCEPTED
    db.session.commit()
    second.status = QuoteStatus.ACCEPTED
    _fails(db)


def test_quote_prices_cannot_be_negative(db, deal):
    _, (quote, _) = deal
    _fails(db, sa.update(Quote).where(Quote.id == quote.id).values(training=-1))


def test_listing_prices_cannot_be_negative_or_inverted(db, vendor):
    listing = factories.listing(vendor)
    _fails(db, sa.update(PluginListing).where(PluginListing.id == listing.id).values(price_min=-5))
    _fails(
        db,
        sa.update(PluginListing)
        .where(PluginListing.id == listing.id)
        .values(price_min=90000, price_max=50000),
    )


def _engagement(db, need, quote) -> Engagement:
    engagement = Engagement(
        need_id=need.id,
        quote_id=quote.id,
        listing_id=quote.rfq.listing_id,
        sme_id=need.organisation_id,
        vendor_id=quote.vendor_id,
    )
    db.session.add(engagement)
    db.session.commit()
    return engagement


def _review(engagement, **ratings) -> Review:
    values = {"rating": 5, "quality": 5, "cost": 4, "timeliness": 4, "support": 5, **ratings}
    return Review(
        engagement_id=engagement.id,
        listing_id=engagement.listing_id,
        vendor_id=engagement.vendor_id,
        **values,
    )


def test_one_review_per_engagement(db, deal):
    need, (quote, _) = deal
    engagement = _engagement(db, need, quote)
    db.session.add(_review(engagement))
    db.session.commit()
    db.session.add(_review(engagement))
    _fails(db)


@pytest.mark.parametrize("field", ["rating", "quality", "cost", "timeliness", "support"])
@pytest.mark.parametrize("value", [0, 6])
def test_ratings_are_between_1_and_5(db, deal, field, value):
    need, (quote, _) = deal
    engagement = _engagement(db, need, quote)
    db.session.add(_review(engagement, **{field: value}))
    _fails(db)


def test_an_organisation_with_members_cannot_be_deleted(db, sme):
    _fails(db, sa.delete(Organisation).where(Organisation.id == sme.organisation_id))


def test_a_listing_with_requests_cannot_be_deleted(db, deal):
    _, (quote, _) = deal
    _fails(db, sa.delete(PluginListing).where(PluginListing.id == quote.rfq.listing_id))


def test_deleting_a_need_without_deals_removes_its_matches(db, sme, vendor):
    need = factories.need(sme)
    listing = factories.listing(vendor)
    db.session.add(
        Match(need_id=need.id, listing_id=listing.id, rank=1, score=0.9, model_version="t")
    )
    db.session.commit()
    db.session.execute(sa.delete(Need).where(Need.id == need.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 0


def test_unknown_states_are_refused(db, sme):
    need = factories.need(sme)
    _fails(db, sa.text("UPDATE needs SET status = 'lost' WHERE id = :id").bindparams(id=need.id))
