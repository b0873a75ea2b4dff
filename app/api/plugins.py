"""The catalogue: published plug-ins for anyone, new listings from vendors."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.api import serialize
from app.api.core import operation
from app.api.pagination import page_body
from app.api.schemas import PageQuery, PluginIn, PluginOut, PluginQuery, page_of
from app.errors import NotFound
from app.extensions import db
from app.i18n import current_lang
from app.models import ListingStatus, PluginListing, Role, User
from app.services import listings as listing_service
from app.services.ratings import vendor_ratings
from app.services.search import search_catalogue

PluginPage = page_of(PluginOut)


@operation(
    "GET",
    "/plugins",
    summary="Search the published plug-ins",
    tag="Plugins",
    auth="none",
    query=(PluginQuery, PageQuery),
    response=PluginPage,
    problems=(422,),
)
def list_plugins(query):
    """Full-text search (Chinese or English) over published listings, best first;
    ``capability``, ``industry`` and ``region`` may be repeated (alternatives within one
    filter, filters combined). Unknown codes match nothing."""
    filters, page = query
    result = search_catalogue(
        q=filters.q or "",
        filters={
            "capability": filters.capability,
            "industry": filters.industry,
            "region": filters.region,
        },
        page=page.page,
        per_page=page.per_page,
        lang=current_lang(),
    )
    rows = listing_service.published_by_slug([hit.slug for hit in result.hits])
    ratings = vendor_ratings(list({item.vendor_id for item in rows}))
    items = [serialize.plugin(item, ratings.get(item.vendor_id), rated=True) for item in rows]
    return page_body(items, page, result.total)


def viewable(slug: str, user: User | None) -> PluginListing:
    """Published listings for everyone; the owning vendor and admins see the others too."""
    listing = db.session.scalar(sa.select(PluginListing).where(PluginListing.slug == slug))
    if listing is None:
        raise NotFound(_("No such solution."))
    if listing.status != ListingStatus.PUBLISHED:
        owner = user is not None and (
            user.role == Role.ADMIN or user.organisation_id == listing.vendor_id
        )
        if not owner:
            raise NotFound(_("No such solution."))
    return listing


@operation(
    "GET",
    "/plugins/<slug>",
    summary="One plug-in with its vendor's verified rating",
    tag="Plugins",
    auth="optional",
    response=PluginOut,
    problems=(401, 404),
)
def get_plugin(slug: str, user):
    """Anyone sees a published listing; with a token, its vendor and admins also see it in
    review, rejected or suspended."""
    return serialize.plugin(viewable(slug, user))


@operation(
    "POST",
    "/plugins",
    summary="Submit a plug-in listing for review",
    tag="Plugins",
    roles=(Role.VENDOR,),
    body=PluginIn,
    response=PluginOut,
    status=201,
    problems=(400, 401, 403, 409, 413, 422),
)
def create_plugin(user, body: PluginIn):
    """Validated exactly as a ``plugin.toml`` manifest (declarative: ``hooks`` is refused);
    the vendor table comes from the organisation's profile, which needs its unified social
    credit code. The listing waits for an admin (``pending_review``)."""
    fields = body.model_dump(exclude_none=True)
    manifest = listing_service.validate_fields(user, fields, source="api")
    listing = listing_service.create_listing(user, manifest)
    return serialize.plugin(listing)
