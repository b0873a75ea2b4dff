"""The public catalogue: full-text search with facets, and each published plug-in's page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.catalogue import bp
from app.errors import NotFound
from app.extensions import db
from app.i18n import current_lang
from app.models import ListingStatus, PluginListing, Review, ReviewStatus, Role
from app.services import view_counts
from app.services.ratings import vendor_ratings
from app.services.search import search_catalogue
from app.web.pagination import page_number

FACETS = ("capability", "industry", "region", "price_band", "deployment")
PER_PAGE = 12
FACET_VALUES = 12  # per facet in the filters column


@bp.route("/")
def index():
    filters = {facet: request.args.getlist(facet) for facet in FACETS}
    result = search_catalogue(
        q=request.args.get("q", ""),
        filters=filters,
        sort=request.args.get("sort", "relevance"),
        page=page_number(),
        per_page=PER_PAGE,
        lang=current_lang(),
    )
    slugs = [hit.slug for hit in result.hits]
    vendor_ids = dict(  # vendor names on the page link to their profiles
        db.session.execute(
            sa.select(PluginListing.slug, PluginListing.vendor_id).where(
                PluginListing.slug.in_(slugs)
            )
        ).all()
    )
    facet_groups = tuple(  # hashable: the filters are a fragment (app.web.fragments)
        (facet, tuple(result.facets[facet][:FACET_VALUES]))
        for facet in FACETS
        if result.facets.get(facet)
    )
    return render_template(
        "catalogue/index.html",
        result=result,
        filters=filters,
        facet_groups=facet_groups,
        vendor_ids=vendor_ids,
    )


def _viewable(slug: str) -> PluginListing:
    """Published listings for everyone; the vendor and admins may preview the others."""
    listing = db.session.scalar(sa.select(PluginListing).where(PluginListing.slug == slug))
    if listing is None:
        raise NotFound(_("No such solution."))
    if listing.status != ListingStatus.PUBLISHED:
        owner = current_user.is_authenticated and (
            current_user.role == Role.ADMIN or current_user.organisation_id == listing.vendor_id
        )
        if not owner:
            raise NotFound(_("No such solution."))
    return listing


@bp.route("/<slug>")
def show(slug: str):
    listing = _viewable(slug)
    if listing.is_published:
        view_counts.count_view(listing)  # written in the background: a GET never writes
    reviews = db.session.scalars(
        sa.select(Review)
        .where(Review.vendor_id == listing.vendor_id, Review.status != ReviewStatus.REMOVED)
        .order_by(Review.created_at.desc())
        .limit(20)
    ).all()
    rating = vendor_ratings([listing.vendor_id]).get(listing.vendor_id)
    return render_template("catalogue/show.html", listing=listing, reviews=reviews, rating=rating)
