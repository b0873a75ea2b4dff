"""Pooled requests for industry clusters: open a group need, join it, close joining, quote
with volume tiers (awarding per member is :mod:`app.services.pool_awards`).

States: pool joining → open → awarded; member joined → agreed → awarded, joined → left.

Lock order: the pool's lead need (the aggregate everything of the pool hangs under), then a
member's own need (engagements.award_for), then a subsidy programme. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.i18n import money
from app.models import (
    Need,
    NeedStatus,
    Organisation,
    OrgKind,
    Quote,
    QuoteStatus,
    Rfq,
    Role,
    User,
)
from app.models.base import utcnow
from app.models.pools import MemberStatus, Pool, PoolMember, PoolQuoteTier, PoolStatus
from app.services import audit, matching, needs, rfqs
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
    lock_pool(pool)
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
    lock_pool(pool)
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
    require_organiser(user, pool)
    lock_pool(pool)
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


def acting_member(user: User, pool: Pool) -> PoolMember:
    require_sme(user)
    member = member_of(user, pool)
    if member is None:
        raise NotFound(_("Your enterprise is not a member of this pool."))
    return member


def require_organiser(user: User, pool: Pool) -> None:
    require_sme(user)
    if not is_organiser(user, pool):
        raise Forbidden(_("Only the pool's organiser can do this."))


def _member(pool: Pool, org_id: int) -> PoolMember | None:
    return db.session.scalar(
        sa.select(PoolMember).where(
            PoolMember.pool_id == pool.id, PoolMember.organisation_id == org_id
        )
    )


def lock_pool(pool: Pool) -> None:
    """Lock the pool's lead need (the one lock every transition under a need takes first)
    and read the pool's rows again under the lock."""
    lock_need(pool.lead_need_id)
    db.session.refresh(pool)
    db.session.scalars(
        sa.select(PoolMember)
        .where(PoolMember.pool_id == pool.id)
        .execution_options(populate_existing=True)
    ).all()
