"""Pooled requests for industry clusters: open a group need, join it, close joining, quote
with volume tiers, and award per member (each member for itself, or the organiser for every
member that agreed).

States: pool joining → open → awarded; member joined → agreed → awarded, joined → left.

Lock order: the pool's lead need (the aggregate everything of the pool hangs under), then a
member's own need (engagements.award_for), then a subsidy programme. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.i18n import money
from app.models import (
    PRICE_PARTS,
    Engagement,
    Need,
    NeedStatus,
    Organisation,
    OrgKind,
    Quote,
    QuoteStatus,
    Rfq,
    RfqStatus,
    Role,
    User,
)
from app.models.base import utcnow
from app.models.pools import MemberStatus, Pool, PoolMember, PoolQuoteTier, PoolStatus
from app.services import audit, engagements, matching, milestones, needs, rfqs
from app.services.needs import require_sme
from app.services.notify import members, notify_all
from app.services.transitions import lock_need

MAX_SITES = 1000
MAX_TIERS = 5
SIZES = ("micro", "small", "medium")  # smallest first: the group counts as its largest
LIVE_QUOTES = (QuoteStatus.SUBMITTED,)


# --- opening, joining, leaving ------------------------------------------------------------


def clean_member(fields: Mapping[str, Any], org: Organisation) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    size = fields.get("company_size") or org.company_size
    if size not in SIZES:
        errors["company_size"] = [_("Choose your company size.")]
    try:
        sites = int(fields.get("sites") or 1)
        if not 1 <= sites <= MAX_SITES:
            raise ValueError
    except (TypeError, ValueError):
        errors["sites"] = [_("Must be between %(low)s and %(high)s.", low=1, high=MAX_SITES)]
        sites = 1
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    return {"company_size": size, "sites": sites, "employees": org.employees}


def open_pool(user: User, fields: Mapping[str, Any], member: Mapping[str, Any]) -> Pool:
    """A group need of the organiser's industry and region, matched at once; the
    organiser is its first member and the SMEs it is for are invited."""
    org = require_sme(user)
    if not org.industry or not org.region:
        raise DomainError(
            _("Set your industry and province in your profile first: a pool is for both."),
            status=422,
        )
    terms = clean_member(member, org)
    need = needs.create_need(
        user, {**fields, "industry": org.industry, "region": org.region, "company_size": None}
    )
    pool = Pool(lead_need=need, organiser_id=user.id, status=PoolStatus.JOINING)
    db.session.add(pool)
    db.session.add(PoolMember(pool=pool, organisation_id=org.id, **terms))
    db.session.flush()
    _sync_lead(pool)
    audit.record(user, "pool.opened", pool, need_id=need.id, title=need.title)
    invited = db.session.scalars(
        sa.select(Organisation.id).where(
            Organisation.kind == OrgKind.SME,
            Organisation.industry == org.industry,
            Organisation.region == org.region,
            Organisation.id != org.id,
        )
    )
    notify_all(
        [u for org_id in invited for u in members(org_id)],
        "pool.invited",
        link=f"/programmes/pools/{pool.id}",
        need=need.title,
        organiser=org.name,
    )
    return pool


def join(user: User, pool: Pool, fields: Mapping[str, Any]) -> PoolMember:
    """Join a pool of the member's own industry and region, with its size and sites."""
    org = require_sme(user)
    _lock(pool)
    if pool.status != PoolStatus.JOINING:
        raise DomainError(_("This pool no longer takes new members."))
    lead = pool.lead_need
    if org.industry != lead.industry or org.region != lead.region:
        raise Forbidden(_("Only enterprises of the same industry and province can join."))
    terms = clean_member(fields, org)
    member = _member(pool, org.id)
    if member is not None and member.status != MemberStatus.LEFT:
        raise DomainError(_("Your enterprise is already a member of this pool."))
    if member is None:
        member = PoolMember(pool=pool, organisation_id=org.id)
        db.session.add(member)
    for name, value in terms.items():
        setattr(member, name, value)
    member.status = MemberStatus.JOINED
    db.session.flush()
    _sync_lead(pool)
    audit.record(user, "pool.joined", pool, member_id=member.id, sites=member.sites)
    notify_all(
        [pool.organiser] if pool.organiser else [],
        "pool.joined",
        link=f"/programmes/pools/{pool.id}",
        member=org.name,
        need=lead.title,
    )
    return member


def leave(user: User, pool: Pool) -> PoolMember:
    org = require_sme(user)
    _lock(pool)
    member = _member(pool, org.id)
    if member is None or member.status == MemberStatus.LEFT:
        raise NotFound(_("Your enterprise is not a member of this pool."))
    if pool.status != PoolStatus.JOINING:
        raise DomainError(_("Members can leave only while the pool takes new members."))
    if pool.lead_need.organisation_id == org.id:
        raise DomainError(_("The organiser cannot leave its own pool."))
    member.status = MemberStatus.LEFT
    db.session.flush()
    _sync_lead(pool)
    audit.record(user, "pool.left", pool, member_id=member.id)
    return member


def close_joining(user: User, pool: Pool) -> Pool:
    """Fix the member count (it picks the volume tier): joining → open."""
    _organiser(user, pool)
    _lock(pool)
    if pool.status != PoolStatus.JOINING:
        raise DomainError(_("Joining is already closed."))
    if len(pool.active_members) < 2:
        raise DomainError(_("A pool needs at least two members."))
    pool.status = PoolStatus.OPEN
    pool.joining_closed_at = utcnow()
    audit.record(user, "pool.joining_closed", pool, members=len(pool.active_members))
    vendor_ids = set(
        db.session.scalars(sa.select(Rfq.vendor_id).where(Rfq.need_id == pool.lead_need_id))
    )
    notify_all(
        [u for m in pool.active_members for u in members(m.organisation_id)]
        + [u for vendor_id in sorted(vendor_ids) for u in members(vendor_id)],
        "pool.joining_closed",
        link=f"/programmes/pools/{pool.id}",
        need=pool.lead_need.title,
        count=len(pool.active_members),
    )
    return pool


def _sync_lead(pool: Pool) -> None:
    """The group is matched as one need: the size of its largest member, all employees."""
    lead = pool.lead_need
    active = pool.active_members
    sizes = [m.company_size for m in active if m.company_size in SIZES]
    lead.company_size = max(sizes, key=SIZES.index) if sizes else None
    counted = [m.employees for m in active if m.employees is not None]
    lead.employees = sum(counted) if counted else None
    if lead.status == NeedStatus.OPEN:
        matching.refresh_matches(lead)


# --- reading ------------------------------------------------------------------------------


def pool_for_need(need: Need) -> Pool | None:
    return db.session.scalar(sa.select(Pool).where(Pool.lead_need_id == need.id))


def get_pool(user: User, pool_id: int) -> Pool:
    """A pool for its members and organiser, SMEs that may join it, vendors asked to quote
    for it, and admins; anyone else gets 'not found'."""
    pool = db.session.get(Pool, pool_id)
    if pool is None or not can_see(user, pool):
        raise NotFound(_("No such pool."))
    return pool


def can_see(user: User, pool: Pool) -> bool:
    if user.role == Role.ADMIN:
        return True
    lead = pool.lead_need
    if user.role == Role.VENDOR:
        return bool(
            db.session.scalar(
                sa.select(Rfq.id).where(
                    Rfq.need_id == lead.id, Rfq.vendor_id == user.organisation_id
                )
            )
        )
    org = user.organisation
    if user.role != Role.SME or org is None:
        return False
    if _member(pool, org.id) is not None:
        return True
    return pool.status == PoolStatus.JOINING and (org.industry, org.region) == (
        lead.industry,
        lead.region,
    )


def member_of(user: User, pool: Pool) -> PoolMember | None:
    if user.role != Role.SME or user.organisation_id is None:
        return None
    member = _member(pool, user.organisation_id)
    return member if member is not None and member.status != MemberStatus.LEFT else None


def is_organiser(user: User, pool: Pool) -> bool:
    return user.role == Role.SME and pool.lead_need.organisation_id == user.organisation_id


def joinable(user: User) -> list[Pool]:
    """Pools taking members in the SME's industry and province that it has not joined."""
    org = require_sme(user)
    mine = sa.select(PoolMember.pool_id).where(
        PoolMember.organisation_id == org.id, PoolMember.status != MemberStatus.LEFT
    )
    return list(
        db.session.scalars(
            sa.select(Pool)
            .join(Pool.lead_need)
            .where(
                Pool.status == PoolStatus.JOINING,
                Need.industry == org.industry,
                Need.region == org.region,
                Pool.id.not_in(mine),
            )
            .order_by(Pool.created_at.desc(), Pool.id.desc())
        )
    )


def my_pools(user: User) -> list[Pool]:
    org = require_sme(user)
    return list(
        db.session.scalars(
            sa.select(Pool)
            .join(PoolMember)
            .where(PoolMember.organisation_id == org.id, PoolMember.status != MemberStatus.LEFT)
            .order_by(Pool.created_at.desc(), Pool.id.desc())
        )
    )


# --- volume tiers (vendor) ---------------------------------------------------------------


def tiers_of(quote: Quote) -> list[PoolQuoteTier]:
    return list(
        db.session.scalars(
            sa.select(PoolQuoteTier)
            .where(PoolQuoteTier.quote_id == quote.id)
            .order_by(PoolQuoteTier.min_members)
        )
    )


def set_tiers(user: User, quote: Quote, tiers: Iterable[Mapping[str, Any]]) -> list[PoolQuoteTier]:
    """Replace a pool quote's volume tiers: from ``min_members`` (2 or more) on, each member
    pays ``price``; more members never pay more, and no tier costs more than the quote."""
    org = rfqs.require_vendor(user)
    if quote.vendor_id != org.id:
        raise NotFound(_("No such quote."))
    pool = pool_for_need(quote.need)
    if pool is None:
        raise DomainError(_("Volume tiers are for pooled requests only."))
    if quote.status != QuoteStatus.SUBMITTED:
        raise DomainError(_("Only a submitted quote can get volume tiers."))
    if pool.status == PoolStatus.AWARDED:
        raise DomainError(_("Members already accepted: the tiers can no longer change."))
    rows: list[tuple[int, int]] = []
    errors: dict[str, list[str]] = {}
    for i, tier in enumerate(list(tiers)[: MAX_TIERS + 1]):
        try:
            low, price = int(tier["min_members"]), int(tier["price"])
        except (KeyError, TypeError, ValueError):
            errors[f"tiers.{i}"] = [_("Enter whole numbers.")]
            continue
        if low < 2 or not 0 < price <= quote.first_year_total:
            errors[f"tiers.{i}"] = [
                _(
                    "From 2 members on, at a price above 0 and at most the quote's %(total)s.",
                    total=money(quote.first_year_total),
                )
            ]
            continue
        rows.append((low, price))
    rows.sort()
    if len(rows) > MAX_TIERS:
        errors["tiers"] = [_("At most %(n)s tiers.", n=MAX_TIERS)]
    lows = [low for low, _price in rows]
    if len(lows) != len(set(lows)):
        errors["tiers"] = [_("Each member count once.")]
    if any(b[1] > a[1] for a, b in pairwise(rows)):
        errors["tiers"] = [_("More members must never pay more per member.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    for old in tiers_of(quote):
        db.session.delete(old)
    db.session.flush()
    created = [PoolQuoteTier(quote_id=quote.id, min_members=low, price=p) for low, p in rows]
    db.session.add_all(created)
    db.session.flush()
    audit.record(user, "quote.tiers_set", quote, tiers=[[low, p] for low, p in rows])
    notify_all(
        [u for m in pool.active_members for u in members(m.organisation_id)],
        "pool.quote_tiers",
        link=f"/programmes/pools/{pool.id}",
        vendor=quote.vendor.name,
        need=pool.lead_need.title,
    )
    return created


@dataclass(frozen=True)
class PoolPrice:
    quote: Quote
    tiers: list[PoolQuoteTier]
    members: int
    price: int  # what each member pays at this member count
    tier: PoolQuoteTier | None  # the tier applied; None = the quote's own total


def price_for(quote: Quote, count: int) -> PoolPrice:
    tiers = tiers_of(quote)
    applied = None
    for tier in tiers:
        if tier.min_members <= count:
            applied = tier
    price = applied.price if applied else quote.first_year_total
    return PoolPrice(quote, tiers, count, price, applied)


def pool_quotes(user: User, pool: Pool) -> list[PoolPrice]:
    """The live quotes for the pool, with what each member pays at today's member count.
    Members, the organiser and admins see all; a vendor only its own."""
    query = sa.select(Quote).where(
        Quote.need_id == pool.lead_need_id, Quote.status.in_(LIVE_QUOTES)
    )
    if user.role == Role.VENDOR:
        query = query.where(Quote.vendor_id == user.organisation_id)
    elif user.role != Role.ADMIN and member_of(user, pool) is None:
        return []
    count = len(pool.active_members)
    return [price_for(q, count) for q in db.session.scalars(query.order_by(Quote.id))]


# --- accepting, per member ----------------------------------------------------------------


def agree(user: User, pool: Pool, quote: Quote) -> PoolMember:
    """The member agrees to a quote so the organiser can award it for the member."""
    member = _acting_member(user, pool)
    _lock(pool)
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
    member = _acting_member(user, pool)
    _lock(pool)
    return _award_member(user, pool, member, quote)


def award_agreed(user: User, pool: Pool, quote: Quote) -> list[Engagement]:
    """The organiser awards ``quote`` for every member that agreed to it."""
    _organiser(user, pool)
    _lock(pool)
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
        message=ngettext(
            "Pooled request #%(id)s, %(num)d member",
            "Pooled request #%(id)s, %(num)d members",
            count,
            id=pool.id,
        ),
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
    milestones.copy_plan(quote, own_quote)  # the member's engagement gets the quote's plan
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


def _acting_member(user: User, pool: Pool) -> PoolMember:
    require_sme(user)
    member = member_of(user, pool)
    if member is None:
        raise NotFound(_("Your enterprise is not a member of this pool."))
    return member


def _organiser(user: User, pool: Pool) -> None:
    require_sme(user)
    if not is_organiser(user, pool):
        raise Forbidden(_("Only the pool's organiser can do this."))


def _member(pool: Pool, org_id: int) -> PoolMember | None:
    return db.session.scalar(
        sa.select(PoolMember).where(
            PoolMember.pool_id == pool.id, PoolMember.organisation_id == org_id
        )
    )


def _lock(pool: Pool) -> None:
    """Lock the pool's lead need (the one lock every transition under a need takes first)
    and read the pool's rows again under the lock."""
    lock_need(pool.lead_need_id)
    db.session.refresh(pool)
    db.session.scalars(
        sa.select(PoolMember)
        .where(PoolMember.pool_id == pool.id)
        .execution_options(populate_existing=True)
    ).all()
