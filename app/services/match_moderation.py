"""An admin's decisions on a need's matches: pin, hide, and block a vendor for one need or
everywhere, plus the match-moderation list.

Each decision takes the need's lock first (:func:`app.services.transitions.lock_need`), as
every transition under a need does, audits it with the reason and tells whoever is affected.
Nothing here commits: the caller commits once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.errors import DomainError
from app.extensions import db
from app.models import (
    ListingStatus,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Organisation,
    OrgKind,
    PluginListing,
    User,
    VendorBlock,
)
from app.services import audit
from app.services.matching import blocked_vendor_ids, visible_matches
from app.services.notify import members, notify_all
from app.services.reasons import clean_reason
from app.services.roles import require_admin
from app.services.rows import contains
from app.services.transitions import lock_need


def _moderated(match: Match, admin: User, status: MatchStatus, reason: str | None) -> None:
    match.status = status
    match.moderation_reason = reason
    match.moderated_by_id = admin.id


def _vendor_blocked(match: Match) -> bool:
    return match.listing.vendor_id in blocked_vendor_ids(match.need)


def pin_match(admin: User, match: Match, reason: str | None = None) -> Match:
    """Put a match first in the SME's list (shown → pinned)."""
    require_admin(admin)
    reason = clean_reason(reason, required=False)
    lock_need(match.need_id)
    if match.status != MatchStatus.SHOWN:
        raise DomainError(_("Only a shown match can be pinned."))
    if match.listing.status != ListingStatus.PUBLISHED:
        raise DomainError(_("This plug-in is not published, so its match cannot be pinned."))
    if _vendor_blocked(match):
        raise DomainError(_("This vendor is blocked for this need; unblock it first."))
    _moderated(match, admin, MatchStatus.PINNED, reason)
    audit.record(
        admin,
        "match.pinned",
        match,
        reason=reason,
        need_id=match.need_id,
        listing_id=match.listing_id,
    )
    return match


def unpin_match(admin: User, match: Match) -> Match:
    """Back to the engine's order (pinned → shown)."""
    require_admin(admin)
    lock_need(match.need_id)
    if match.status != MatchStatus.PINNED:
        raise DomainError(_("Only a pinned match can be unpinned."))
    _moderated(match, admin, MatchStatus.SHOWN, None)
    audit.record(admin, "match.unpinned", match, need_id=match.need_id, listing_id=match.listing_id)
    return match


def hide_match(admin: User, match: Match, reason: str, *, tell_sme: bool = True) -> Match:
    """Take a match out of the SME's list (shown or pinned → hidden), with a reason.

    The SME is told (``match.hidden``) when the match was visible to them, so a vendor they
    were looking at does not vanish without a word.
    """
    require_admin(admin)
    reason = clean_reason(reason)
    lock_need(match.need_id)
    if match.status == MatchStatus.HIDDEN:
        raise DomainError(_("This match is already hidden."))
    was_visible = match in visible_matches(match.need)
    _moderated(match, admin, MatchStatus.HIDDEN, reason)
    audit.record(
        admin,
        "match.hidden",
        match,
        reason=reason,
        need_id=match.need_id,
        listing_id=match.listing_id,
    )
    if tell_sme and was_visible:
        _tell_sme(match.need, reason)
    return match


def unhide_match(admin: User, match: Match) -> Match:
    """Give a hidden match back to the SME (hidden → shown)."""
    require_admin(admin)
    lock_need(match.need_id)
    if match.status != MatchStatus.HIDDEN:
        raise DomainError(_("Only a hidden match can be shown again."))
    _moderated(match, admin, MatchStatus.SHOWN, None)
    audit.record(admin, "match.unhidden", match, need_id=match.need_id, listing_id=match.listing_id)
    return match


def _tell_sme(need: Need, reason: str) -> None:
    notify_all(
        members(need.organisation_id),
        "match.hidden",
        link=f"/needs/{need.id}",
        need=need.title,
        reason=reason,
    )


def block_vendor(
    admin: User, vendor: Organisation, reason: str, need: Need | None = None
) -> VendorBlock:
    """Stop matching ``vendor`` for ``need`` (or for every need when ``need`` is None)."""
    require_admin(admin)
    reason = clean_reason(reason)
    if vendor.kind != OrgKind.VENDOR:
        raise DomainError(_("Only vendor organisations can be blocked."))
    everywhere = db.session.scalar(
        sa.select(VendorBlock).where(
            VendorBlock.vendor_id == vendor.id, VendorBlock.need_id.is_(None)
        )
    )
    if everywhere is not None:
        raise DomainError(_("This vendor is already blocked everywhere."))
    if need is not None:
        existing = db.session.scalar(
            sa.select(VendorBlock).where(
                VendorBlock.vendor_id == vendor.id, VendorBlock.need_id == need.id
            )
        )
        if existing is not None:
            raise DomainError(_("This vendor is already blocked for this need."))
    had_visible = need is not None and any(
        m.listing.vendor_id == vendor.id for m in visible_matches(need)
    )
    block = VendorBlock(
        vendor_id=vendor.id,
        need_id=need.id if need is not None else None,
        reason=reason,
        created_by_id=admin.id,
    )
    db.session.add(block)
    audit.record(
        admin,
        "vendor.blocked",
        vendor,
        reason=reason,
        need_id=need.id if need is not None else None,
    )
    if had_visible:
        _tell_sme(need, reason)
    return block


def unblock_vendor(admin: User, block: VendorBlock, reason: str | None = None) -> None:
    """Lift a block; the vendor's matches that were kept (pinned, hidden) come back as they were,
    shown ones return with the next refresh of the need's matches."""
    require_admin(admin)
    reason = clean_reason(reason, required=False)
    vendor = block.vendor
    need_id = block.need_id
    db.session.delete(block)
    audit.record(admin, "vendor.unblocked", vendor, reason=reason, need_id=need_id)


def blocks_for(need: Need) -> list[VendorBlock]:
    """The blocks that apply to ``need``: its own and the everywhere ones."""
    return list(
        db.session.scalars(
            sa.select(VendorBlock)
            .where(sa.or_(VendorBlock.need_id == need.id, VendorBlock.need_id.is_(None)))
            .order_by(VendorBlock.created_at.desc(), VendorBlock.id.desc())
        )
    )


def global_blocks() -> list[VendorBlock]:
    return list(
        db.session.scalars(
            sa.select(VendorBlock)
            .where(VendorBlock.need_id.is_(None))
            .order_by(VendorBlock.created_at.desc(), VendorBlock.id.desc())
        )
    )


def all_matches(need: Need) -> list[Match]:
    """Every stored match of ``need``, hidden ones included: pins first, then by rank."""
    return list(
        db.session.scalars(
            sa.select(Match)
            .where(Match.need_id == need.id)
            .order_by((Match.status == MatchStatus.PINNED).desc(), Match.rank, Match.id)
            .options(joinedload(Match.listing).joinedload(PluginListing.vendor))
        )
    )


def needs_query(q: str | None = None, status: str | None = None) -> sa.Select:
    """Needs for the match-moderation list, newest first; ``q`` searches title and company."""
    query = sa.select(Need).join(Need.organisation)
    query = query.where(contains(q, Need.title, Organisation.name))
    if status:
        query = query.where(Need.status == NeedStatus(status))
    return query.order_by(Need.created_at.desc(), Need.id.desc())


def match_counts(need_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per need: how many matches are in each status."""
    counts: dict[int, dict[str, int]] = {nid: {} for nid in need_ids}
    if not need_ids:
        return counts
    rows = db.session.execute(
        sa.select(Match.need_id, Match.status, sa.func.count(Match.id))
        .where(Match.need_id.in_(need_ids))
        .group_by(Match.need_id, Match.status)
    )
    for need_id, status, count in rows:
        counts[need_id][str(status)] = count
    return counts
