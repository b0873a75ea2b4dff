"""An admin's decision on a flagged review: keep it or remove it, with a reason.

The decision takes the reviewed need's lock, audits once and tells the flaggers and the
reviewer. Nothing here commits: the caller commits once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError
from app.extensions import db
from app.models import (
    Review,
    ReviewFlag,
    ReviewStatus,
    User,
)
from app.models.base import utcnow
from app.services import audit
from app.services.notify import members, notify_all
from app.services.ratings import ratings_changed
from app.services.reasons import clean_reason
from app.services.roles import require_admin
from app.services.transitions import lock_need


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
