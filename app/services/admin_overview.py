"""The admin dashboard's read side: queues waiting for a decision and the market's health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.jobs import outbox
from app.models import (
    Engagement,
    Health,
    ListingStatus,
    Milestone,
    MilestoneStatus,
    Need,
    NeedStatus,
    Organisation,
    OrgKind,
    PluginListing,
    Quote,
    Review,
    ReviewStatus,
    Rfq,
    User,
    UserStatus,
    VendorBlock,
    Verification,
)
from app.models.base import utcnow
from app.services.rows import count_rows


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
        listings=count_rows(
            sa.select(PluginListing.id).where(PluginListing.status == ListingStatus.PENDING_REVIEW)
        ),
        vendors=count_rows(
            sa.select(Organisation.id).where(
                Organisation.kind == OrgKind.VENDOR,
                Organisation.verification == Verification.PENDING,
            )
        ),
        reviews=count_rows(sa.select(Review.id).where(Review.status == ReviewStatus.FLAGGED)),
        plugins=count_rows(
            sa.select(PluginListing.id).where(PluginListing.health == Health.DEGRADED)
        ),
        jobs=outbox.counts().stuck,
        disputes=count_rows(
            sa.select(Milestone.id).where(Milestone.status == MilestoneStatus.DISPUTED)
        ),
    )


def market_health(days: int = 30, now: datetime | None = None) -> dict[str, int]:
    """Figures for the dashboard: the catalogue, demand and the deal flow of the last days."""
    since = (now or utcnow()) - timedelta(days=days)
    return {
        "published_plugins": count_rows(
            sa.select(PluginListing.id).where(PluginListing.status == ListingStatus.PUBLISHED)
        ),
        "verified_vendors": count_rows(
            sa.select(Organisation.id).where(
                Organisation.kind == OrgKind.VENDOR,
                Organisation.verification == Verification.VERIFIED,
            )
        ),
        "open_needs": count_rows(sa.select(Need.id).where(Need.status == NeedStatus.OPEN)),
        "requests": count_rows(sa.select(Rfq.id).where(Rfq.created_at >= since)),
        "quotes": count_rows(sa.select(Quote.id).where(Quote.created_at >= since)),
        "awards": count_rows(sa.select(Engagement.id).where(Engagement.created_at >= since)),
        "suspended_users": count_rows(
            sa.select(User.id).where(User.status == UserStatus.SUSPENDED)
        ),
        "blocked_vendors": count_rows(
            sa.select(VendorBlock.vendor_id).where(VendorBlock.need_id.is_(None)).distinct()
        ),
    }
