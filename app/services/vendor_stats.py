"""A vendor's figures per listing (views, requests, quotes, wins), for its dashboard and its
public profile."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Organisation,
    PluginListing,
    Quote,
    QuoteStatus,
    Rfq,
    RfqStatus,
    User,
)
from app.services.rfqs import require_vendor


@dataclass(frozen=True)
class ListingStats:
    listing: PluginListing
    views: int
    requests: int
    quotes: int  # requests the vendor answered with a quote
    awards: int

    @property
    def win_rate(self) -> float | None:
        """Awarded / quoted; None before the first quote."""
        return self.awards / self.quotes if self.quotes else None


def vendor_dashboard(user: User) -> list[ListingStats]:
    """Views, requests, quotes, awards and win rate per plug-in of the vendor."""
    return listing_stats(require_vendor(user))


def listing_stats(org: Organisation) -> list[ListingStats]:
    """The funnel per plug-in of a vendor organisation (its dashboard and public profile)."""
    quoted = sa.exists().where(Quote.rfq_id == Rfq.id, Quote.status != QuoteStatus.WITHDRAWN)
    rows = db.session.execute(
        sa.select(
            Rfq.listing_id,
            sa.func.count(Rfq.id),
            sa.func.count(Rfq.id).filter(quoted),
            sa.func.count(Rfq.id).filter(Rfq.status == RfqStatus.AWARDED),
        )
        .where(Rfq.vendor_id == org.id)
        .group_by(Rfq.listing_id)
    )
    counts = {listing_id: (r, q, a) for listing_id, r, q, a in rows}
    listings = db.session.scalars(
        sa.select(PluginListing)
        .where(PluginListing.vendor_id == org.id)
        .order_by(PluginListing.name, PluginListing.id)
    )
    return [ListingStats(item, item.views, *counts.get(item.id, (0, 0, 0))) for item in listings]
