"""Verified reviews: the SME reviews a completed engagement once; the vendor replies once;
any signed-in user but the author may flag a review (published → flagged) for the admins.

Moderating a flagged review (flagged → published | removed) is the admins' part
(:mod:`app.services.moderation`). A review belongs to its engagement's need: every change
takes that need's lock first (:func:`app.services.transitions.lock_need`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.models import (
    RATING_DIMENSIONS,
    Engagement,
    EngagementStatus,
    Review,
    ReviewFlag,
    ReviewStatus,
    Role,
    User,
)
from app.models import fields as rules
from app.models.base import utcnow
from app.services import audit
from app.services.needs import require_sme
from app.services.notify import admins, members, notify, notify_all
from app.services.ratings import ratings_changed
from app.services.reasons import clean_reason
from app.services.rfqs import require_vendor
from app.services.transitions import lock_need

SCORES = ("rating", *RATING_DIMENSIONS)
MAX_TEXT = rules.MESSAGE.high


def clean_scores(fields: Mapping[str, Any]) -> dict[str, int]:
    errors: dict[str, list[str]] = {}
    values: dict[str, int] = {}
    for name in SCORES:
        raw = fields.get(name)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            errors[name] = [_("Choose 1 to 5 stars.")]
        else:
            values[name] = value
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    return values


def review_for(engagement: Engagement) -> Review | None:
    return db.session.scalar(sa.select(Review).where(Review.engagement_id == engagement.id))


def create_review(user: User, engagement: Engagement, fields: Mapping[str, Any]) -> Review:
    """Review the vendor of a completed engagement: overall 1-5, four dimensions, text."""
    org = require_sme(user)
    if engagement.sme_id != org.id:
        raise NotFound(_("No such engagement."))
    if engagement.vendor_id == org.id:
        raise Forbidden(_("You cannot review your own organisation."))
    lock_need(engagement.need_id)  # a second submit waits here and then sees the first
    if engagement.status != EngagementStatus.COMPLETED:
        raise DomainError(_("Only a completed engagement can be reviewed."))
    if review_for(engagement) is not None:
        raise DomainError(_("This engagement has already been reviewed."))
    scores = clean_scores(fields)
    text = (fields.get("text") or "").strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            _("Please correct the marked fields."),
            {"text": [_("At most %(n)s characters.", n=MAX_TEXT)]},
        )
    review = Review(
        engagement_id=engagement.id,
        listing_id=engagement.listing_id,
        vendor_id=engagement.vendor_id,
        author_id=user.id,
        text=text,
        status=ReviewStatus.PUBLISHED,
        show_reviewer_name=bool(fields.get("show_reviewer_name")),
        **scores,
    )
    db.session.add(review)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DomainError(_("This engagement has already been reviewed.")) from None
    audit.record(user, "review.published", review, engagement_id=engagement.id, **scores)
    ratings_changed(engagement.vendor_id)
    notify_all(
        members(engagement.vendor_id),
        "review.received",
        link="/vendor/reviews",
        rating=review.rating,
        name=engagement.listing.name,
    )
    return review


def get_review(review_id: int, *, include_removed: bool = False) -> Review:
    review = db.session.get(Review, review_id)
    if review is None or (review.status == ReviewStatus.REMOVED and not include_removed):
        raise NotFound(_("No such review."))
    return review


def vendor_reviews(user: User) -> list[Review]:
    """The reviews of the vendor's organisation, newest first (removed ones left out)."""
    org = require_vendor(user)
    return list(
        db.session.scalars(
            sa.select(Review)
            .where(Review.vendor_id == org.id, Review.status != ReviewStatus.REMOVED)
            .order_by(Review.created_at.desc(), Review.id.desc())
        )
    )


def reply(user: User, review: Review, text: str) -> Review:
    """The reviewed vendor answers a review, once."""
    org = require_vendor(user)
    if review.vendor_id != org.id:
        raise NotFound(_("No such review."))
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write your reply."), {"text": [_("A reply is required.")]})
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            _("Please correct the marked fields."),
            {"text": [_("At most %(n)s characters.", n=MAX_TEXT)]},
        )
    lock_need(review.engagement.need_id)
    if review.status == ReviewStatus.REMOVED:
        raise DomainError(_("A removed review cannot be answered."))
    if review.vendor_reply is not None:
        raise DomainError(_("You have already replied to this review."))
    review.vendor_reply = text
    review.replied_at = utcnow()
    audit.record(user, "review.replied", review)
    if review.author is not None:
        notify(
            review.author,
            "review.replied",
            link=f"/needs/{review.engagement.need_id}",
            vendor=org.name,
        )
    return review


def flag(user: User, review: Review, reason: str) -> ReviewFlag:
    """Ask the admins to look at a review; one flag per user, never by its author."""
    if user is None or user.role not in (Role.SME, Role.VENDOR, Role.ADMIN):
        raise Forbidden(_("Log in to flag a review."))
    if review.author_id == user.id:
        raise Forbidden(_("You cannot flag your own review."))
    reason = clean_reason(reason, ask=_("Tell the admins what is wrong."))
    lock_need(review.engagement.need_id)
    if review.status == ReviewStatus.REMOVED:
        raise DomainError(_("This review has already been removed."))
    existing = db.session.scalar(
        sa.select(ReviewFlag.id).where(
            ReviewFlag.review_id == review.id, ReviewFlag.user_id == user.id
        )
    )
    if existing is not None:
        raise DomainError(_("You have already flagged this review."))
    flag_row = ReviewFlag(review_id=review.id, user_id=user.id, reason=reason)
    db.session.add(flag_row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DomainError(_("You have already flagged this review.")) from None
    was = review.status
    review.status = ReviewStatus.FLAGGED
    audit.record(user, "review.flagged", review, reason=reason, was=str(was))
    notify_all(
        admins(), "review.flagged", link="/admin/reviews", name=review.listing.name, reason=reason
    )
    return flag_row
