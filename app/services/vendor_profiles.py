"""A vendor's public profile: who it is, how it is verified, what it offers and how it does.

Everything here is read-only and public (anyone may open ``/vendors/<id>``), so it shows only
what a buyer may see: published listings, counted reviews with the reviewer's context
(industry, size, province; the name only when the reviewer agreed), the verification tier,
how fast the vendor answers requests and how often its quotes win. Quote amounts never.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import NotFound
from app.extensions import db
from app.models import (
    Engagement,
    EngagementStatus,
    ListingStatus,
    Organisation,
    OrgKind,
    PluginListing,
    Quote,
    Review,
    Rfq,
    Verification,
)
from app.services.ratings import COUNTED, Rating, vendor_ratings
from app.services.vendor_stats import ListingStats, listing_stats
from app.services.vendors import verification_tier
from matching.taxonomy import ANY

# A vendor suspended by the platform keeps no public page: its listings left the catalogue.
HIDDEN = (Verification.SUSPENDED,)
REVIEWS_SHOWN = 30


@dataclass(frozen=True)
class ReviewerContext:
    """What a reader learns about who wrote a review."""

    industry: str | None
    company_size: str | None
    region: str | None
    name: str | None  # only when the reviewer agreed to show it


@dataclass(frozen=True)
class ProfileReview:
    review: Review
    reviewer: ReviewerContext


@dataclass(frozen=True)
class VendorProfile:
    org: Organisation
    tier: int
    listings: list[PluginListing]
    regions: list[str]  # provinces served on site, or ["*"] for nationwide
    rating: Rating | None
    reviews: list[ProfileReview]
    completed: int  # completed engagements on the platform
    response_hours: float | None  # median time from a request to the first quote
    requests: int
    quotes: int
    awards: int

    @property
    def win_rate(self) -> float | None:
        return self.awards / self.quotes if self.quotes else None


def get_vendor(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None or org.kind != OrgKind.VENDOR or org.verification in HIDDEN:
        raise NotFound(_("No such vendor."))
    return org


def published_listings(org_id: int) -> list[PluginListing]:
    return list(
        db.session.scalars(
            sa.select(PluginListing)
            .where(
                PluginListing.vendor_id == org_id,
                PluginListing.status == ListingStatus.PUBLISHED,
            )
            .order_by(PluginListing.name, PluginListing.id)
        )
    )


def regions_served(listings: list[PluginListing]) -> list[str]:
    """The union of the listings' provinces; nationwide ("*") when any listing says so."""
    regions = {code for listing in listings for code in listing.regions}
    return [ANY] if ANY in regions else sorted(regions)


def _response_times(org_id: int) -> list[tuple[int, float]]:
    """(listing id, hours from the request to the vendor's first quote) per quoted request."""
    first_quote = (
        sa.select(Quote.rfq_id, sa.func.min(Quote.created_at).label("quoted_at"))
        .where(Quote.vendor_id == org_id)
        .group_by(Quote.rfq_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Rfq.listing_id, Rfq.created_at, first_quote.c.quoted_at).join(
            first_quote, first_quote.c.rfq_id == Rfq.id
        )
    ).all()
    return [
        (listing_id, max((quoted - sent).total_seconds(), 0) / 3600)
        for listing_id, sent, quoted in rows
    ]


def median_response_hours(org_id: int) -> float | None:
    """Median hours between a request for quote and the vendor's first quote to it."""
    hours = [h for _, h in _response_times(org_id)]
    return statistics.median(hours) if hours else None


def response_hours_by_listing(org_id: int) -> dict[int, float]:
    """The same median per plug-in of the vendor (plug-ins never quoted are left out)."""
    grouped: dict[int, list[float]] = {}
    for listing_id, hours in _response_times(org_id):
        grouped.setdefault(listing_id, []).append(hours)
    return {listing_id: statistics.median(hours) for listing_id, hours in grouped.items()}


def _profile_reviews(org_id: int) -> list[ProfileReview]:
    rows = db.session.execute(
        sa.select(Review, Organisation)
        .join(Engagement, Engagement.id == Review.engagement_id)
        .join(Organisation, Organisation.id == Engagement.sme_id)
        .where(Review.vendor_id == org_id, Review.status.in_(COUNTED))
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(REVIEWS_SHOWN)
    ).all()
    return [
        ProfileReview(
            review,
            ReviewerContext(
                industry=sme.industry,
                company_size=sme.company_size,
                region=sme.region,
                name=sme.name if review.show_reviewer_name else None,
            ),
        )
        for review, sme in rows
    ]


def _completed(org_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Engagement.id)).where(
            Engagement.vendor_id == org_id, Engagement.status == EngagementStatus.COMPLETED
        )
    )


def vendor_profile(org_id: int) -> VendorProfile:
    org = get_vendor(org_id)
    listings = published_listings(org.id)
    stats: list[ListingStats] = listing_stats(org)
    rating = vendor_ratings([org.id]).get(org.id)
    completed = _completed(org.id)
    return VendorProfile(
        org=org,
        tier=verification_tier(org, completed, rating.mean if rating else None),
        listings=listings,
        regions=regions_served(listings),
        rating=rating,
        reviews=_profile_reviews(org.id),
        completed=completed,
        response_hours=median_response_hours(org.id),
        requests=sum(s.requests for s in stats),
        quotes=sum(s.quotes for s in stats),
        awards=sum(s.awards for s in stats),
    )
