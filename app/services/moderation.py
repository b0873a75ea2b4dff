"""Platform moderation: matches, vendor blocks, flagged reviews, user accounts, plug-in health.

Listing approval and vendor verification live in :mod:`app.services.listings` and
:mod:`app.services.vendors`; this module holds the rest of the admin's decisions, plus the
read-side queries of the admin pages (queues, market health, the audit log) so that the
pages and the JSON API ask the same questions.

Every operation takes the acting admin and model instances (or plain values), checks the
role and the state, changes it, writes an audit event with the reason and notifies whoever
is affected. Nothing here commits: the caller commits once. Decisions on a need's matches
and on reviews take the need's lock first (:func:`app.services.transitions.lock_need`), as
every transition under a need does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.errors import DomainError
from app.extensions import db
from app.jobs import outbox
from app.models import (
    AuditEvent,
    Engagement,
    Health,
    ListingStatus,
    Match,
    MatchStatus,
    Milestone,
    MilestoneStatus,
    Need,
    NeedStatus,
    Organisation,
    OrgKind,
    PluginListing,
    Quote,
    Review,
    ReviewFlag,
    ReviewStatus,
    Rfq,
    Role,
    User,
    UserStatus,
    VendorBlock,
    Verification,
)
from app.models.base import utcnow
from app.services import audit
from app.services.notify import members, notify, notify_all
from app.services.ratings import ratings_changed
from app.services.reasons import clean_reason
from app.services.roles import require_admin
from app.services.sessions import end_all_sessions
from app.services.transitions import lock_need

# ---------------------------------------------------------------------------------------------
# helpers


# ---------------------------------------------------------------------------------------------
# matches: pin, unpin, hide, unhide


def _moderated(match: Match, admin: User, status: MatchStatus, reason: str | None) -> None:
    match.status = status
    match.moderation_reason = reason
    match.moderated_by_id = admin.id


def _vendor_blocked(match: Match) -> bool:
    from app.services.matching import blocked_vendor_ids

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
    from app.services.matching import visible_matches

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


# ---------------------------------------------------------------------------------------------
# vendor blocks: for one need, or everywhere


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
    had_visible = need is not None and any(m.listing.vendor_id == vendor.id for m in _visible(need))
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


def _visible(need: Need) -> list[Match]:
    from app.services.matching import visible_matches

    return visible_matches(need)


# ---------------------------------------------------------------------------------------------
# reviews: keep or remove a flagged review


def flagged_reviews() -> list[Review]:
    return list(
        db.session.scalars(
            sa.select(Review)
            .where(Review.status == ReviewStatus.FLAGGED)
            .order_by(Review.updated_at, Review.id)
        )
    )


def open_flags(review: Review) -> list[ReviewFlag]:
    return [flag for flag in review.flags if flag.resolved_at is None]


def _resolve_flags(review: Review) -> list[User]:
    now = utcnow()
    flaggers = []
    for flag in open_flags(review):
        flag.resolved_at = now
        flaggers.append(flag.user)
    return flaggers


def _moderated_already(review: Review, otherwise: str) -> str:
    """What another admin did first, when a review is no longer waiting for a decision."""
    if review.status == ReviewStatus.REMOVED:
        return _("Another admin removed this review before your decision arrived.")
    if review.status == ReviewStatus.PUBLISHED and review.moderation_reason:
        return _("Another admin kept this review before your decision arrived.")
    return otherwise


def keep_review(admin: User, review: Review, reason: str) -> Review:
    """The flags are unfounded: the review stays published (flagged → published)."""
    require_admin(admin)
    reason = clean_reason(reason)
    lock_need(review.engagement.need_id)
    if review.status != ReviewStatus.FLAGGED:
        raise DomainError(_moderated_already(review, _("Only a flagged review can be kept.")))
    review.status = ReviewStatus.PUBLISHED
    review.moderation_reason = reason
    flaggers = _resolve_flags(review)
    audit.record(admin, "review.kept", review, reason=reason, flags=len(flaggers))
    notify_all(
        [*flaggers, *members(review.vendor_id)],
        "review.kept",
        link=f"/solutions/{review.listing.slug}",
        name=review.listing.name,
        reason=reason,
    )
    return review


def remove_review(admin: User, review: Review, reason: str) -> Review:
    """The review breaks the rules: it disappears and stops counting (flagged → removed)."""
    require_admin(admin)
    reason = clean_reason(reason)
    lock_need(review.engagement.need_id)
    if review.status != ReviewStatus.FLAGGED:
        raise DomainError(_moderated_already(review, _("Only a flagged review can be removed.")))
    review.status = ReviewStatus.REMOVED
    review.moderation_reason = reason
    ratings_changed(review.vendor_id)
    flaggers = _resolve_flags(review)
    audit.record(admin, "review.removed", review, reason=reason, flags=len(flaggers))
    name = review.listing.name
    if review.author is not None:
        notify_all([review.author], "review.removed", name=name, reason=reason)
    others = [
        u
        for u in [*flaggers, *members(review.vendor_id)]
        if review.author_id is None or u.id != review.author_id
    ]
    notify_all(
        others,
        "review.removed_notice",
        link=f"/solutions/{review.listing.slug}",
        name=name,
        reason=reason,
    )
    return review


# ---------------------------------------------------------------------------------------------
# users: suspend and reinstate


def suspend_user(admin: User, user: User, reason: str) -> User:
    """Lock an account out (active → suspended); admins cannot lock themselves out."""
    require_admin(admin)
    reason = clean_reason(reason)
    if user.id == admin.id:
        raise DomainError(_("You cannot suspend your own account."))
    if user.status == UserStatus.SUSPENDED:
        raise DomainError(_("This account is already suspended."))
    user.status = UserStatus.SUSPENDED
    end_all_sessions(user)  # signed out everywhere at once, not at their next page
    audit.record(admin, "user.suspended", user, reason=reason)
    notify(user, "account.suspended", reason=reason)  # for e-mail notifiers: they cannot log in
    return user


def reinstate_user(admin: User, user: User, reason: str | None = None) -> User:
    """Let a suspended account log in again (suspended → active)."""
    require_admin(admin)
    reason = clean_reason(reason, required=False)
    if user.status != UserStatus.SUSPENDED:
        raise DomainError(_("Only a suspended account can be reinstated."))
    user.status = UserStatus.ACTIVE
    audit.record(admin, "user.reinstated", user, reason=reason)
    notify(user, "account.reinstated")
    return user


def users_query(
    q: str | None = None, role: str | None = None, status: str | None = None
) -> sa.Select:
    """Users matching a search (name, e-mail or organisation), newest first."""
    query = sa.select(User).outerjoin(User.organisation)
    if q and q.strip():
        term = f"%{q.strip().lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(User.email).like(term),
                sa.func.lower(User.name).like(term),
                sa.func.lower(Organisation.name).like(term),
            )
        )
    if role:
        query = query.where(User.role == Role(role))
    if status:
        query = query.where(User.status == UserStatus(status))
    return query.order_by(User.created_at.desc(), User.id.desc())


# ---------------------------------------------------------------------------------------------
# plug-in health


def degraded_plugins() -> list[PluginListing]:
    return list(
        db.session.scalars(
            sa.select(PluginListing)
            .where(PluginListing.health == Health.DEGRADED)
            .order_by(PluginListing.name)
        )
    )


def operator_plugins() -> list[PluginListing]:
    """Listings with code hooks (bundled, installed or folder plug-ins): degraded first."""
    return list(
        db.session.scalars(
            sa.select(PluginListing)
            .where(PluginListing.hooks_module.is_not(None))
            .order_by(
                (PluginListing.health == Health.DEGRADED).desc(),
                PluginListing.hook_failures.desc(),
                PluginListing.name,
            )
        )
    )


def mark_plugin_fixed(admin: User, listing: PluginListing) -> PluginListing:
    """An admin says a degraded plug-in is fixed: its hooks are called again."""
    require_admin(admin)
    if listing.health != Health.DEGRADED:
        raise DomainError(_("This plug-in is not degraded."))
    from app.services.plugin_hooks import reset_health

    failures = listing.hook_failures
    reset_health(listing)
    listing.hook_failures = 0
    audit.record(admin, "plugin.reset", listing, failures=failures)
    return listing


# ---------------------------------------------------------------------------------------------
# queues and market health


def _count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


@dataclass(frozen=True)
class Queues:
    listings: int
    vendors: int
    reviews: int
    plugins: int
    jobs: int = 0  # background jobs that failed (retrying) or are dead
    disputes: int = 0  # milestones rejected twice, waiting for an admin's decision

    @property
    def total(self) -> int:
        return (
            self.listings + self.vendors + self.reviews + self.plugins + self.jobs + self.disputes
        )


def queue_counts() -> Queues:
    return Queues(
        listings=_count(
            sa.select(PluginListing.id).where(PluginListing.status == ListingStatus.PENDING_REVIEW)
        ),
        vendors=_count(
            sa.select(Organisation.id).where(
                Organisation.kind == OrgKind.VENDOR,
                Organisation.verification == Verification.PENDING,
            )
        ),
        reviews=_count(sa.select(Review.id).where(Review.status == ReviewStatus.FLAGGED)),
        plugins=_count(sa.select(PluginListing.id).where(PluginListing.health == Health.DEGRADED)),
        jobs=outbox.counts().stuck,
        disputes=_count(
            sa.select(Milestone.id).where(Milestone.status == MilestoneStatus.DISPUTED)
        ),
    )


def market_health(days: int = 30, now: datetime | None = None) -> dict[str, int]:
    """Figures for the dashboard: the catalogue, demand and the deal flow of the last days."""
    since = (now or utcnow()) - timedelta(days=days)
    return {
        "published_plugins": _count(
            sa.select(PluginListing.id).where(PluginListing.status == ListingStatus.PUBLISHED)
        ),
        "verified_vendors": _count(
            sa.select(Organisation.id).where(
                Organisation.kind == OrgKind.VENDOR,
                Organisation.verification == Verification.VERIFIED,
            )
        ),
        "open_needs": _count(sa.select(Need.id).where(Need.status == NeedStatus.OPEN)),
        "requests": _count(sa.select(Rfq.id).where(Rfq.created_at >= since)),
        "quotes": _count(sa.select(Quote.id).where(Quote.created_at >= since)),
        "awards": _count(sa.select(Engagement.id).where(Engagement.created_at >= since)),
        "suspended_users": _count(sa.select(User.id).where(User.status == UserStatus.SUSPENDED)),
        "blocked_vendors": _count(
            sa.select(VendorBlock.vendor_id).where(VendorBlock.need_id.is_(None)).distinct()
        ),
    }


def needs_query(q: str | None = None, status: str | None = None) -> sa.Select:
    """Needs for the match-moderation list, newest first; ``q`` searches title and company."""
    query = sa.select(Need).join(Need.organisation)
    if q and q.strip():
        term = f"%{q.strip().lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Need.title).like(term), sa.func.lower(Organisation.name).like(term)
            )
        )
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


# ---------------------------------------------------------------------------------------------
# the audit log


def audit_query(
    *,
    actor: str | None = None,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> sa.Select:
    """Audit events, newest first. ``actor`` matches part of an e-mail address; ``since``
    and ``until`` are days, both included."""
    query = sa.select(AuditEvent).outerjoin(AuditEvent.actor)
    if actor and actor.strip():
        query = query.where(sa.func.lower(User.email).like(f"%{actor.strip().lower()}%"))
    if action:
        query = query.where(AuditEvent.action == action)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    if since is not None:
        query = query.where(AuditEvent.created_at >= datetime.combine(since, datetime.min.time()))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), datetime.min.time())
        query = query.where(AuditEvent.created_at < end)
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def audit_actions() -> list[str]:
    return list(
        db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def audit_subject_types() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type)
        )
    )
