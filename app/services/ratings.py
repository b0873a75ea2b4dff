"""Vendor ratings from verified reviews only, as Bayesian averages (no pay-to-rank).

A Bayesian average pulls a vendor with few reviews towards the platform's mean, so one
5-star review does not outrank twenty 4.8s: (C·m + Σ ratings) / (C + n).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.jobs.catalogue import catalogue_changed
from app.models import ListingStatus, PluginListing, Review, ReviewStatus

PRIOR_WEIGHT = 5  # C: how many "average" reviews a vendor starts with

# Removed reviews never count; flagged ones count until an admin removes them.
COUNTED = (ReviewStatus.PUBLISHED, ReviewStatus.FLAGGED)


@dataclass(frozen=True)
class Rating:
    mean: float  # plain average of the vendor's reviews
    count: int
    bayesian: float  # what every page shows and what ranking and sorting use


def bayesian_average(total: float, count: int, prior_mean: float) -> float:
    return (PRIOR_WEIGHT * prior_mean + total) / (PRIOR_WEIGHT + count)


def vendor_ratings(vendor_ids: list[int] | None = None) -> dict[int, Rating]:
    """Ratings per vendor organisation id, for vendors with at least one counted review."""
    counted = Review.status.in_(COUNTED)
    # The platform's mean (the prior) rides along as a scalar subquery: one statement.
    platform_mean = sa.select(sa.func.avg(Review.rating)).where(counted).scalar_subquery()
    query = (
        sa.select(
            Review.vendor_id, sa.func.sum(Review.rating), sa.func.count(Review.id), platform_mean
        )
        .where(counted)
        .group_by(Review.vendor_id)
    )
    if vendor_ids is not None:
        query = query.where(Review.vendor_id.in_(vendor_ids))
    return {
        vendor_id: Rating(
            mean=float(total) / count,
            count=count,
            bayesian=bayesian_average(float(total), count, float(prior)),
        )
        for vendor_id, total, count, prior in db.session.execute(query)
    }


def ratings_changed(vendor_id: int) -> None:
    """A review of ``vendor_id`` counts differently now: listings are re-indexed and
    re-matched after the commit, so catalogue cards, plug-in pages and matching show the
    same Bayesian rating (the index stores it with each listing). Every reviewed vendor's
    listings go, not only this one's: the platform mean, the prior of every average, moved."""
    reviewed = sa.select(Review.vendor_id).where(Review.status.in_(COUNTED))
    for slug in db.session.scalars(
        sa.select(PluginListing.slug).where(
            sa.or_(PluginListing.vendor_id == vendor_id, PluginListing.vendor_id.in_(reviewed)),
            PluginListing.status == ListingStatus.PUBLISHED,
        )
    ):
        catalogue_changed(slug)
