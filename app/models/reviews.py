"""Verified reviews of completed engagements, vendor replies and flags."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Organisation, User
from app.models.base import TimestampMixin, enum_column, utcnow
from app.models.deals import Engagement
from app.models.listings import PluginListing


class ReviewStatus(enum.StrEnum):
    PUBLISHED = "published"
    FLAGGED = "flagged"
    REMOVED = "removed"


RATING_DIMENSIONS = ("quality", "cost", "timeliness", "support")


class Review(TimestampMixin, db.Model):
    __tablename__ = "reviews"
    __table_args__ = tuple(
        sa.CheckConstraint(f"{col} BETWEEN 1 AND 5", name=f"{col}_range")
        for col in ("rating", *RATING_DIMENSIONS)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One review per engagement: verified because only a completed engagement has one.
    engagement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), unique=True
    )
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plugin_listings.id", ondelete="RESTRICT"), index=True
    )
    vendor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[int]
    quality: Mapped[int]
    cost: Mapped[int]
    timeliness: Mapped[int]
    support: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text, default="")
    # Reviews show the reviewer's industry, size and region; its name only when it agrees.
    show_reviewer_name: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    status: Mapped[ReviewStatus] = mapped_column(
        enum_column(ReviewStatus, "review_status"), default=ReviewStatus.PUBLISHED, index=True
    )
    moderation_reason: Mapped[str | None] = mapped_column(sa.Text)
    vendor_reply: Mapped[str | None] = mapped_column(sa.Text)
    replied_at: Mapped[datetime | None]

    engagement: Mapped[Engagement] = relationship()
    listing: Mapped[PluginListing] = relationship()
    vendor: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship()
    flags: Mapped[list[ReviewFlag]] = relationship(
        back_populates="review", cascade="all, delete-orphan", passive_deletes=True
    )


class ReviewFlag(db.Model):
    __tablename__ = "review_flags"
    __table_args__ = (sa.UniqueConstraint("review_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    review: Mapped[Review] = relationship(back_populates="flags")
    user: Mapped[User] = relationship()
