"""The catalogue's search index as the portal uses it: documents from listings, kept in step.

Writes happen only from committed data (see app.jobs.catalogue), so a rolled-back change
never reaches the index; a missing or corrupt index is rebuilt from the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import ListingStatus, PluginListing
from app.search.index import CatalogueIndex, IndexMissing
from app.services.catalogue_log import CatalogueFollower
from app.services.ratings import Rating, vendor_ratings


def catalogue_index() -> CatalogueIndex:
    """This process's handle on the index under the instance folder.

    The first use in a process checks the index and rebuilds a missing or corrupt one from
    the database, so a fresh or damaged deployment heals itself at start.
    """
    extensions = current_app.extensions
    if "shuzhuan.search" not in extensions:
        index = CatalogueIndex(index_directory())
        index.ensure(published_documents)
        extensions["shuzhuan.search"] = index
        extensions["shuzhuan.search.follower"] = CatalogueFollower(
            index.root,
            sync_listings,
            reindex,
            interval=float(current_app.config.get("CATALOGUE_FOLLOW_SECONDS", 2)),
            keep=timedelta(days=int(current_app.config.get("JOBS_KEEP_DONE_DAYS", 7))),
        )
    extensions["shuzhuan.search.follower"].follow()  # changes committed on other machines
    return extensions["shuzhuan.search"]


def index_directory() -> Path:
    """SEARCH_INDEX_DIR/search, or a folder per database in the instance folder, so two
    portals on two databases never share an index."""
    configured = current_app.config.get("SEARCH_INDEX_DIR")
    if configured:
        return Path(configured) / "search"
    url = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return Path(current_app.instance_path) / f"search-{hashlib.sha1(url.encode()).hexdigest()[:8]}"


def listing_document(listing: PluginListing, rating: Rating | None) -> dict[str, Any]:
    return {
        "slug": listing.slug,
        "vendor": listing.vendor.name,
        **listing.offering_fields(),
        "rating": round(rating.bayesian, 2) if rating else None,
        "review_count": rating.count if rating else 0,
    }


def published_documents() -> Iterator[dict[str, Any]]:
    ratings = vendor_ratings()
    query = (
        sa.select(PluginListing)
        .where(PluginListing.status == ListingStatus.PUBLISHED)
        .order_by(PluginListing.id)
        .execution_options(yield_per=500)
    )
    for listing in db.session.scalars(query):
        yield listing_document(listing, ratings.get(listing.vendor_id))


def published_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(PluginListing.id)).where(
            PluginListing.status == ListingStatus.PUBLISHED
        )
    )


def sync_listings(slugs: list[str]) -> None:
    """Index published listings among ``slugs``, remove the others."""
    listings = {
        item.slug: item
        for item in db.session.scalars(
            sa.select(PluginListing).where(PluginListing.slug.in_(slugs))
        )
    }
    ratings = vendor_ratings([item.vendor_id for item in listings.values()])
    changes = []
    for slug in slugs:
        item = listings.get(slug)
        if item is not None and item.status == ListingStatus.PUBLISHED:
            changes.append(("upsert", listing_document(item, ratings.get(item.vendor_id))))
        else:
            changes.append(("remove", slug))
    index = catalogue_index()
    try:
        index.apply(changes)
    except IndexMissing:  # removed since start-up: a rebuild from the database holds the changes
        index.ensure(published_documents)


def reindex(progress: Callable[[int, int], None] | None = None):
    """Rebuild the whole index from the database and swap it in atomically."""
    return catalogue_index().rebuild(published_documents(), progress=progress)


def rebuild_if_damaged() -> None:
    """Rebuild a missing or corrupt index from the database."""
    catalogue_index().ensure(published_documents)


def ensure_index() -> None:
    """Rebuild a missing or corrupt index from the database (at start-up)."""
    catalogue_index().ensure(published_documents)
