"""Milestones: a quote's plan of staged deliveries, each accepted by the SME.

A vendor may attach milestones to a quote (name, share of the price, due week, acceptance
criteria). At the award they become the engagement's plan (``engagement_id`` is set and each
gets a due date). States (DESIGN.md): planned → delivered → accepted | rejected → delivered …;
a milestone rejected twice is disputed until an admin resolves it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, enum_column
from app.models.fields import MILESTONE_DUE_WEEK

MAX_MILESTONES = 8
MAX_DUE_WEEK = MILESTONE_DUE_WEEK.high  # five years: anything later is a typo
DISPUTE_AFTER_REJECTIONS = 2


class MilestoneStatus(enum.StrEnum):
    PLANNED = "planned"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DISPUTED = "disputed"


class Milestone(TimestampMixin, db.Model):
    __tablename__ = "milestones"
    __table_args__ = (
        sa.UniqueConstraint("quote_id", "position"),
        sa.CheckConstraint("share_pct BETWEEN 1 AND 100", name="share_pct_range"),
        sa.CheckConstraint(f"due_week BETWEEN 1 AND {MAX_DUE_WEEK}", name="due_week_range"),
        sa.CheckConstraint("rejections >= 0", name="rejections_non_negative"),
        sa.CheckConstraint(f"position BETWEEN 1 AND {MAX_MILESTONES}", name="position_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quotes.id", ondelete="CASCADE"), index=True
    )
    # Set at the award: from then on the milestone is part of the engagement's plan.
    engagement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    share_pct: Mapped[int]  # share of the quote's price, in whole per cent; they sum to 100
    due_week: Mapped[int]  # weeks after the award
    criteria: Mapped[str] = mapped_column(sa.Text)  # how the SME will judge it delivered
    status: Mapped[MilestoneStatus] = mapped_column(
        enum_column(MilestoneStatus, "milestone_status"), default=MilestoneStatus.PLANNED
    )
    due_on: Mapped[date | None]
    delivery_note: Mapped[str | None] = mapped_column(sa.Text)
    delivered_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    rejections: Mapped[int] = mapped_column(default=0)
    overdue_notified_on: Mapped[date | None]  # the overdue notice goes out once
    resolution: Mapped[str | None] = mapped_column(sa.Text)  # the admin's decision, why
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    engagement = relationship("Engagement")
    quote = relationship("Quote")

    @property
    def is_open(self) -> bool:
        """Still waiting for the vendor (not delivered, not accepted, not disputed)."""
        return self.status in (MilestoneStatus.PLANNED, MilestoneStatus.REJECTED)
