"""The catalogue's search index as the portal uses it: documents from listings, kept in step,
and healing itself.

Writes happen only from committed data (outbox jobs, see app.jobs.catalogue), so a rolled-back
change never reaches the index; a failed write fails its job, which is retried. Reads never
fail the page: when the index is missing, damaged or suspiciously empty, a rebuild is asked of
the outbox (one at a time) and the search is answered from an older generation or from the
database (app.search.fallback), with a notice saying so.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.jobs import outbox
from app.models import ListingStatus, PluginListing
from app.search.fallback import query_words, search_documents
from app.search.index import CatalogueIndex
from app.search.query import clean_query
from app.search.results import SearchResult
from app.search.storage import IndexMissing, IndexUnreadable
from app.services.catalogue_log import CatalogueFollower
from app.services.ratings import Rating, vendor_ratings
from app.services.rows import like_escaped

log = logging.getLogger("app.search")

REBUILD_TASK = "rebuild_search_index"
# Up to this many published listings the fallback reads them all; beyond, SQL narrows first.
FALLBACK_SCAN = 2000


def catalogue_index() -> CatalogueIndex:
    """This process's handle on the index under the instance folder, following the
    catalogue change log.

    The first use in a process rebuilds a missing or corrupt index from the database; one
    damaged later is rebuilt through the outbox while searches answer from the database.
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


def search_catalogue(
    q: str | None = "",
    filters: dict[str, Iterable[str]] | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    lang: str | None = "en",
) -> SearchResult:
    """Search the published catalogue; never raises for a damaged or missing index."""
    args: dict[str, Any] = dict(
        q=q, filters=filters, sort=sort, page=page, per_page=per_page, lang=lang
    )
    index = catalogue_index()
    for attempt in range(2):
        try:
            result = index.search(**args)
        except (IndexMissing, IndexUnreadable) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        else:
            if "stale" in result.notices:
                request_rebuild("the current generation is damaged")
            if result.total or not _lost_listings(index):
                return result
            # A deleted or replaced index must not pass for an empty catalogue.
            problem = "the index has lost most of the published listings"
        if attempt == 0:
            log.warning("search index unusable (%s): rebuild asked, answering from SQL", problem)
            # Inline job runners (tests, commands) have rebuilt it by now: look once more.
            request_rebuild(problem)
    return fallback_search(**args)


def _lost_listings(index: CatalogueIndex) -> bool:
    """True when the index holds less than half of the published listings (an index a few
    jobs behind is not damaged: its pending index_listings jobs bring it in step)."""
    count, published = _index_count(index), published_count()
    return count is None or (published > 0 and count < published / 2)


def _index_count(index: CatalogueIndex) -> int | None:
    try:
        return index.doc_count()
    except Exception:  # unreadable: not a count anyone can trust
        return None


def request_rebuild(reason: str) -> None:
    """Ask the outbox for one rebuild of the index (a pending one is not doubled)."""
    try:
        outbox.submit(REBUILD_TASK, {"reason": reason[:500]}, dedupe_key="search-index")
    except Exception:  # the database is down as well: the search still answers
        log.exception("could not ask for a search index rebuild")


def fallback_search(
    q: str | None = "",
    filters: dict[str, Iterable[str]] | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    lang: str | None = "en",
) -> SearchResult:
    """The search answered from the database, in the index's result shape."""
    query = _published().options(selectinload(PluginListing.vendor)).order_by(PluginListing.id)
    words = query_words(clean_query(q).text)
    if words and published_count() > FALLBACK_SCAN:
        columns = (PluginListing.name, PluginListing.summary, PluginListing.description)
        query = query.where(
            sa.or_(*(c.ilike(f"%{like_escaped(w)}%", escape="\\") for w in words for c in columns))
        ).limit(FALLBACK_SCAN)
    listings = db.session.scalars(query).all()
    ratings = vendor_ratings(list({item.vendor_id for item in listings}))
    docs = (listing_document(item, ratings.get(item.vendor_id)) for item in listings)
    return search_documents(docs, q, filters, sort, page, per_page, lang)


def _published() -> sa.Select:
    return sa.select(PluginListing).where(PluginListing.status == ListingStatus.PUBLISHED)


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
        _published()
        .options(selectinload(PluginListing.vendor))
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
    except IndexMissing:  # none yet, or removed: a rebuild from the database holds the changes
        rebuild_if_damaged()
    except Exception:
        if index.healthy():
            raise  # e.g. the write lock timed out: the job fails and is retried
        rebuild_if_damaged()  # damaged files: the rebuild holds the changes


def reindex(progress: Callable[[int, int], None] | None = None):
    """Rebuild the whole index from the database and swap it in atomically."""
    return catalogue_index().rebuild(published_documents(), progress=progress)


def rebuild_if_damaged() -> bool:
    """Rebuild the index from the database if it is missing, unreadable or holds another
    number of listings than are published; True if it rebuilt. Raises RebuildInProgress
    when another process is rebuilding (the job is then retried and finds it healthy)."""
    index = catalogue_index()
    if index.healthy() and _index_count(index) == published_count():
        return False
    report = index.rebuild(published_documents(), total=published_count())
    log.warning("search index rebuilt: %d listings in %.1f s", report.documents, report.seconds)
    return True
