"""Awarding a pooled request, per member: each member accepts a quote for itself, or agrees
to one so the organiser awards it for every member that agreed, at the volume tier of the
member count.

Lock order: the pool's lead need, then a member's own need (engagements.award_for), then a
subsidy programme. Nothing here commits.
"""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import locale_of
from app.models import (
    PRICE_PARTS,
    Engagement,
    Need,
    NeedStatus,
    Quote,
    QuoteStatus,
    Rfq,
    RfqStatus,
    User,
)
from app.models.pools import MemberStatus, Pool, PoolMember, PoolStatus
from app.services import audit, engagements, milestone_plans
from app.services.notify import members, notify_all
from app.services.pools import acting_member, lock_pool, price_for, require_organiser


def agree(user: User, pool: Pool, quote: Quote) -> PoolMember:
    """The member agrees to a quote so the organiser can award it for the member."""
    member = acting_member(user, pool)
    lock_pool(pool)
    _check_acceptable(pool, member, quote)
    member.status = MemberStatus.AGREED
    member.agreed_quote_id = quote.id
    audit.record(user, "pool.agreed", pool, member_id=member.id, quote_id=quote.id)
    notify_all(
        [pool.organiser] if pool.organiser else [],
        "pool.agreed",
        link=f"/programmes/pools/{pool.id}",
        member=member.organisation.name,
        need=pool.lead_need.title,
    )
    return member


def accept(user: User, pool: Pool, quote: Quote) -> Engagement:
    """A member accepts a pool quote for itself, at the tier of the member count."""
    member = acting_member(user, pool)
    lock_pool(pool)
    return _award_member(user, pool, member, quote)


def award_agreed(user: User, pool: Pool, quote: Quote) -> list[Engagement]:
    """The organiser awards ``quote`` for every member that agreed to it."""
    require_organiser(user, pool)
    lock_pool(pool)
    agreed = [
        m
        for m in pool.active_members
        if m.status == MemberStatus.AGREED and m.agreed_quote_id == quote.id
    ]
    if not agreed:
        raise DomainError(_("No member has agreed to this quote yet."))
    engagements = [_award_member(user, pool, m, quote) for m in agreed]
    for member in agreed:
        notify_all(
            members(member.organisation_id),
            "pool.awarded_for_you",
            link=f"/needs/{member.need_id}",
            vendor=quote.vendor.name,
            need=pool.lead_need.title,
        )
    return engagements


def _pooled_request_message(pool: Pool, count: int, reader_id: int | None) -> str:
    """The member request's automatic message, in the language of the vendor who reads it
    (the quote's author), not of whoever happens to accept."""
    reader = db.session.get(User, reader_id) if reader_id is not None else None
    with force_locale(locale_of(reader)):
        return ngettext(
            "Pooled request #%(id)s, %(num)d member",
            "Pooled request #%(id)s, %(num)d members",
            count,
            id=pool.id,
        )


def _award_member(actor: User, pool: Pool, member: PoolMember, quote: Quote) -> Engagement:
    """The member's own need, request and quote at its tier price, awarded in the same
    transaction through the marketplace's award (engagement, audit, notices, subsidy)."""
    _check_acceptable(pool, member, quote)
    lead = pool.lead_need
    count = len(pool.active_members)
    priced = price_for(quote, count)
    own = Need(
        organisation_id=member.organisation_id,
        author_id=actor.id,
        status=NeedStatus.OPEN,
        title=lead.title,
        description=lead.description,
        lang=lead.lang,
        industry=lead.industry,
        region=lead.region,
        company_size=member.company_size,
        employees=member.employees,
        budget_max=lead.budget_max,
        timeline_weeks=lead.timeline_weeks,
        capabilities=list(lead.capabilities or []),
        maturity_level=member.organisation.maturity_level,
    )
    db.session.add(own)
    rfq = Rfq(
        need=own,
        listing_id=quote.rfq.listing_id,
        vendor_id=quote.vendor_id,
        sender_id=actor.id,
        message=_pooled_request_message(pool, count, quote.author_id),
        status=RfqStatus.QUOTED,
    )
    db.session.add(rfq)
    own_quote = Quote(
        rfq=rfq,
        need=own,
        vendor_id=quote.vendor_id,
        author_id=quote.author_id,
        status=QuoteStatus.SUBMITTED,
        revision=1,
        delivery_weeks=quote.delivery_weeks,
        scope=quote.scope,
        valid_until=quote.valid_until,
        **_scaled_parts(quote, priced.price),
    )
    db.session.add(own_quote)
    db.session.flush()
    milestone_plans.copy_plan(quote, own_quote)  # the member's engagement gets the quote's plan
    audit.record(
        actor,
        "pool.member_quote",
        own_quote,
        pool_id=pool.id,
        pool_quote_id=quote.id,
        members=count,
        price=priced.price,
        tier=priced.tier.min_members if priced.tier else None,
    )
    engagement = engagements.award_for(actor, own_quote)
    member.status = MemberStatus.AWARDED
    member.need_id = own.id
    member.engagement_id = engagement.id
    member.price = priced.price
    if pool.status != PoolStatus.AWARDED:
        pool.status = PoolStatus.AWARDED
        lead.status = NeedStatus.AWARDED  # the group found its vendor: no new quoting
    audit.record(actor, "pool.member_awarded", pool, member_id=member.id, need_id=own.id)
    return engagement


def _scaled_parts(quote: Quote, price: int) -> dict[str, int]:
    """The quote's price breakdown scaled to ``price``; rounding goes to the largest part."""
    total = quote.first_year_total
    parts = {p: getattr(quote, p) * price // total for p in PRICE_PARTS}
    largest = max(PRICE_PARTS, key=lambda p: getattr(quote, p))
    parts[largest] += price - sum(parts.values())
    return parts


def _check_acceptable(pool: Pool, member: PoolMember, quote: Quote) -> None:
    if quote.need_id != pool.lead_need_id:
        raise NotFound(_("No such quote."))
    if pool.status == PoolStatus.JOINING:
        raise DomainError(_("Quotes can be accepted once the organiser closes joining."))
    if member.status == MemberStatus.AWARDED:
        raise DomainError(_("Your enterprise already accepted a quote of this pool."))
    if member.status == MemberStatus.LEFT:
        raise DomainError(_("Your enterprise left this pool."))
    if quote.status != QuoteStatus.SUBMITTED:
        raise DomainError(_("This quote is no longer open for acceptance."))
    if quote.valid_until < date.today():
        raise DomainError(_("This quote has expired; ask the vendor to revise it."))
