"""Requests for quotes, quotes, awards and engagements through the deals service: every
transition, the illegal ones included (a domain error with a clear message, never a 500)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.models import (
    AuditEvent,
    Engagement,
    EngagementStatus,
    ListingStatus,
    NeedStatus,
    QuoteRevision,
    QuoteStatus,
    RfqStatus,
)
from app.services import engagements, needs, quotes, rfqs, vendor_stats
from tests import factories
from tests.deal_builders import make_deal, quote_terms


def actions(db, subject) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(
                AuditEvent.subject_type == type(subject).__name__,
                AuditEvent.subject_id == subject.id,
            )
            .order_by(AuditEvent.id)
        )
    )


# --- requests for quotes -------------------------------------------------------------------


def test_sending_requests_notifies_each_vendor_and_audits(db):
    deal = make_deal(vendors=2, quoted=0)
    assert [r.status for r in deal.rfqs] == [RfqStatus.SENT, RfqStatus.SENT]
    assert {r.vendor_id for r in deal.rfqs} == {v.organisation_id for v in deal.vendors}
    for rfq, vendor in zip(deal.rfqs, deal.vendors, strict=True):
        assert factories.notification_kinds(vendor) == ["rfq.received"]
        assert actions(db, rfq) == ["rfq.sent"]


def test_the_cap_per_need_is_configurable_and_enforced(app, db, sme):
    vendor = factories.vendor_user()
    listings = [factories.listing(vendor) for _ in range(4)]
    need = factories.need(sme)
    app.config["RFQ_CAP_PER_NEED"] = 3
    try:
        with pytest.raises(DomainError, match="at most 3 plug-ins per need"):
            rfqs.send_rfqs(sme, need, [item.id for item in listings], "hi")
        rfqs.send_rfqs(sme, need, [listings[0].id, listings[1].id], "hi")
        db.session.commit()
        with pytest.raises(DomainError, match="1 left"):
            rfqs.send_rfqs(sme, need, [listings[2].id, listings[3].id], "hi")
        rfqs.send_rfqs(sme, need, [listings[2].id], "hi")
    finally:
        app.config["RFQ_CAP_PER_NEED"] = 5


def test_the_default_cap_is_five(db, sme):
    vendor = factories.vendor_user()
    listings = [factories.listing(vendor) for _ in range(6)]
    need = factories.need(sme)
    with pytest.raises(DomainError, match="at most 5"):
        rfqs.send_rfqs(sme, need, [item.id for item in listings], "hi")


@pytest.mark.parametrize(
    ("problem", "error", "message"),
    [
        ("twice", DomainError, "already asked"),
        ("no message", InvalidInput, "Please correct"),
        ("nothing chosen", InvalidInput, "Please correct"),
        ("not open", DomainError, "only be sent for an open need"),
        ("unpublished", NotFound, "No such plug-in"),
        ("someone else's need", NotFound, "No such need"),
    ],
)
def test_bad_requests_are_refused(db, sme, problem, error, message):
    vendor = factories.vendor_user()
    listing = factories.listing(vendor)
    need = factories.need(sme)
    ids, text, actor = [listing.id], "请报价", sme
    if problem == "twice":
        rfqs.send_rfqs(sme, need, ids, text)
    elif problem == "no message":
        text = "  "
    elif problem == "nothing chosen":
        ids = []
    elif problem == "not open":
        need.status = NeedStatus.DRAFT
    elif problem == "unpublished":
        listing.status = ListingStatus.PENDING_REVIEW
    elif problem == "someone else's need":
        actor = factories.sme_user()
    with pytest.raises(error, match=message):
        rfqs.send_rfqs(actor, need, ids, text)


def test_vendors_and_admins_cannot_send_requests(db, vendor, admin, sme):
    listing = factories.listing(factories.vendor_user())
    need = factories.need(sme)
    for user in (vendor, admin):
        with pytest.raises(Forbidden):
            rfqs.send_rfqs(user, need, [listing.id], "hi")


def test_declining_needs_a_reason_and_tells_the_sme(db):
    deal = make_deal(vendors=1, quoted=0)
    rfq, vendor = deal.rfqs[0], deal.vendors[0]
    with pytest.raises(InvalidInput):
        rfqs.decline_rfq(vendor, rfq, " ")
    rfqs.decline_rfq(vendor, rfq, "不在服务区域")
    db.session.commit()
    assert rfq.status == RfqStatus.DECLINED and rfq.decline_reason == "不在服务区域"
    assert factories.notification_kinds(deal.sme) == ["rfq.declined"]
    assert actions(db, rfq) == ["rfq.sent", "rfq.declined"]
    with pytest.raises(DomainError, match="You already declined this request"):
        rfqs.decline_rfq(vendor, rfq, "again")
    with pytest.raises(DomainError, match="You already declined this request"):
        quotes.submit_quote(vendor, rfq, quote_terms())


# --- quotes -------------------------------------------------------------------------------


def test_a_quote_moves_the_request_to_quoted_and_tells_the_sme(db):
    deal = make_deal(vendors=1)
    quote, rfq = deal.quotes[0], deal.rfqs[0]
    assert quote.status == QuoteStatus.SUBMITTED and quote.revision == 1
    assert quote.first_year_total == 50000
    assert rfq.status == RfqStatus.QUOTED
    assert factories.notification_kinds(deal.sme) == ["quote.received"]
    with pytest.raises(DomainError, match="You already sent a quote for this request"):
        quotes.submit_quote(deal.vendors[0], rfq, quote_terms())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"licence": -1}, "licence"),
        ({"licence": 0, "implementation": 0, "training": 0, "annual_fees": 0}, "licence"),
        ({"delivery_weeks": None}, "delivery_weeks"),
        ({"delivery_weeks": 600}, "delivery_weeks"),
        ({"training": "abc"}, "training"),
        ({"scope": ""}, "scope"),
        ({"valid_until": date.today() - timedelta(days=1)}, "valid_until"),
        ({"valid_until": "not a date"}, "valid_until"),
    ],
)
def test_bad_quote_terms_name_the_field(db, changes, field):
    deal = make_deal(vendors=1, quoted=0)
    with pytest.raises(InvalidInput) as info:
        quotes.submit_quote(deal.vendors[0], deal.rfqs[0], quote_terms(**changes))
    assert field in info.value.errors


def test_revising_keeps_the_history(db):
    deal = make_deal(vendors=1)
    quote, vendor = deal.quotes[0], deal.vendors[0]
    quotes.revise_quote(vendor, quote, quote_terms(licence=10000, delivery_weeks=4))
    db.session.commit()
    quotes.revise_quote(vendor, quote, quote_terms(licence=8000))
    db.session.commit()
    assert quote.revision == 3 and quote.licence == 8000
    history = db.session.scalars(
        sa.select(QuoteRevision).where(QuoteRevision.quote_id == quote.id).order_by("revision")
    ).all()
    assert [(h.revision, h.licence, h.delivery_weeks) for h in history] == [
        (1, 20000, 6),
        (2, 10000, 4),
    ]
    assert factories.notification_kinds(deal.sme) == [
        "quote.received",
        "quote.revised",
        "quote.revised",
    ]
    assert actions(db, quote) == ["quote.submitted", "quote.revised", "quote.revised"]


def test_withdrawing_reopens_the_request_and_a_new_quote_may_follow(db):
    deal = make_deal(vendors=1)
    quote, rfq, vendor = deal.quotes[0], deal.rfqs[0], deal.vendors[0]
    quotes.withdraw_quote(vendor, quote, "价格算错了")
    db.session.commit()
    assert quote.status == QuoteStatus.WITHDRAWN and rfq.status == RfqStatus.SENT
    assert factories.notification_kinds(deal.sme)[-1] == "quote.withdrawn"
    with pytest.raises(DomainError, match="This quote was already withdrawn"):
        quotes.withdraw_quote(vendor, quote)
    with pytest.raises(DomainError, match="This quote was withdrawn before your revision arrived"):
        quotes.revise_quote(vendor, quote, quote_terms())
    again = quotes.submit_quote(vendor, rfq, quote_terms(licence=18000))
    db.session.commit()
    assert again.status == QuoteStatus.SUBMITTED and quotes.live_quote(rfq) is again


def test_a_vendor_cannot_touch_another_vendors_request_or_quote(db):
    deal = make_deal(vendors=2)
    other = deal.vendors[1]
    with pytest.raises(NotFound):
        quotes.submit_quote(other, deal.rfqs[0], quote_terms())
    with pytest.raises(NotFound):
        rfqs.decline_rfq(other, deal.rfqs[0], "no")
    with pytest.raises(NotFound):
        quotes.revise_quote(other, deal.quotes[0], quote_terms())
    with pytest.raises(NotFound):
        quotes.withdraw_quote(other, deal.quotes[0])
    with pytest.raises(NotFound):
        rfqs.get_rfq_for_vendor(other, deal.rfqs[0].id)
    with pytest.raises(Forbidden):
        quotes.submit_quote(deal.sme, deal.rfqs[0], quote_terms())


def test_quote_amounts_are_seen_only_by_the_sme_the_quoting_vendor_and_admins(db, admin):
    deal = make_deal(vendors=2)
    first, second = deal.quotes
    assert quotes.quotes_for_need(deal.sme, deal.need) == [first, second]
    assert quotes.quotes_for_need(admin, deal.need) == [first, second]
    assert quotes.quotes_for_need(deal.vendors[0], deal.need) == [first]
    assert quotes.quotes_for_need(deal.vendors[1], deal.need) == [second]
    with pytest.raises(NotFound):
        quotes.quotes_for_need(factories.sme_user(), deal.need)
    assert quotes.can_see_quote(deal.vendors[0], first)
    assert not quotes.can_see_quote(deal.vendors[0], second)
    assert not quotes.can_see_quote(factories.vendor_user(), first)
    with pytest.raises(NotFound):
        quotes.get_quote(deal.vendors[1], first.id)


# --- award and engagement -------------------------------------------------------------------


def test_award_declines_the_others_and_starts_an_engagement_in_one_go(db):
    deal = make_deal(vendors=3, quoted=2)
    winner, loser = deal.quotes
    engagement = engagements.award(deal.sme, winner)
    db.session.commit()
    assert winner.status == QuoteStatus.ACCEPTED and loser.status == QuoteStatus.REJECTED
    assert [r.status for r in deal.rfqs] == [RfqStatus.AWARDED, RfqStatus.LOST, RfqStatus.EXPIRED]
    assert deal.need.status == NeedStatus.AWARDED
    assert (engagement.status, engagement.quote_id) == (EngagementStatus.ACTIVE, winner.id)
    assert engagement.vendor_id == deal.vendors[0].organisation_id
    assert engagement.sme_id == deal.sme.organisation_id
    assert factories.notification_kinds(deal.vendors[0])[-1] == "quote.accepted"
    assert factories.notification_kinds(deal.vendors[1])[-1] == "quote.rejected"
    assert factories.notification_kinds(deal.vendors[2])[-1] == "rfq.closed"
    assert "need.awarded" in actions(db, deal.need)
    assert actions(db, engagement) == ["engagement.started"]


def test_a_need_is_awarded_once(db):
    deal = make_deal(vendors=2, award=True)
    with pytest.raises(
        DomainError, match="Another quote was accepted for this need before yours arrived"
    ):
        engagements.award(deal.sme, deal.quotes[1])
    assert db.session.scalar(sa.select(sa.func.count(Engagement.id))) == 1


@pytest.mark.parametrize("state", ["withdrawn", "expired", "cancelled"])
def test_award_refuses_quotes_that_cannot_be_accepted(db, state):
    deal = make_deal(vendors=1)
    quote = deal.quotes[0]
    if state == "withdrawn":
        quotes.withdraw_quote(deal.vendors[0], quote)
        message = "The vendor withdrew this quote before your acceptance arrived"
    elif state == "expired":
        quote.valid_until = date.today() - timedelta(days=1)
        message = "expired"
    else:
        needs.cancel_need(deal.sme, deal.need, "预算取消")
        message = "This need was cancelled before your acceptance arrived"
    db.session.commit()
    with pytest.raises(DomainError, match=message):
        engagements.award(deal.sme, quote)


def test_only_the_owning_sme_awards(db, admin):
    deal = make_deal(vendors=1)
    with pytest.raises(NotFound):
        engagements.award(factories.sme_user(), deal.quotes[0])
    for user in (deal.vendors[0], admin):
        with pytest.raises(Forbidden):
            engagements.award(user, deal.quotes[0])


def test_completing_closes_the_need_once(db):
    deal = make_deal(vendors=1, award=True)
    with pytest.raises(Forbidden):
        engagements.complete_engagement(deal.vendors[0], deal.engagement)
    with pytest.raises(NotFound):
        engagements.complete_engagement(factories.sme_user(), deal.engagement)
    engagements.complete_engagement(deal.sme, deal.engagement)
    db.session.commit()
    assert deal.engagement.status == EngagementStatus.COMPLETED
    assert deal.engagement.completed_at is not None
    assert deal.need.status == NeedStatus.CLOSED
    assert factories.notification_kinds(deal.vendors[0])[-1] == "engagement.completed"
    with pytest.raises(DomainError, match="already completed"):
        engagements.complete_engagement(deal.sme, deal.engagement)


def test_engagements_are_seen_by_their_parties_and_admins_only(db, admin):
    deal = make_deal(vendors=2, award=True)
    for user in (deal.sme, deal.vendors[0], admin):
        assert engagements.get_engagement(user, deal.engagement.id) is deal.engagement
    for user in (deal.vendors[1], factories.sme_user()):
        with pytest.raises(NotFound):
            engagements.get_engagement(user, deal.engagement.id)


def test_the_dashboard_counts_requests_quotes_awards_and_win_rate(db):
    deal = make_deal(vendors=2, award=True)
    winner, loser = deal.vendors
    deal.listings[0].views = 7
    db.session.commit()
    (stats,) = vendor_stats.vendor_dashboard(winner)
    assert (stats.views, stats.requests, stats.quotes, stats.awards) == (7, 1, 1, 1)
    assert stats.win_rate == 1.0
    (stats,) = vendor_stats.vendor_dashboard(loser)
    assert (stats.requests, stats.quotes, stats.awards, stats.win_rate) == (1, 1, 0, 0.0)
    factories.listing(loser)
    idle = vendor_stats.vendor_dashboard(loser)[-1]
    assert (idle.requests, idle.win_rate) == (0, None)
