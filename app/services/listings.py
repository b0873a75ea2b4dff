"""Plug-in listings through their states: draft → pending review → published → suspended;
pending → rejected; a listing whose manifest disappeared is retired, never deleted.

Every transition checks who may make it and from which state, writes an audit event,
notifies whoever must act, and announces the catalogue change for after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.jobs.catalogue import catalogue_changed
from app.models import (
    ListingSource,
    ListingStatus,
    Organisation,
    PluginListing,
    Role,
    User,
    Verification,
)
from app.models.base import utcnow
from app.services import audit
from app.services.notify import admins, members, notify_all
from app.services.reasons import clean_reason
from app.services.roles import require_admin
from app.services.rows import contains
from plugins.manifest import Manifest, ManifestError, manifest_from_mapping, validate_upload

EDITABLE = {
    ListingStatus.DRAFT,
    ListingStatus.PENDING_REVIEW,
    ListingStatus.PUBLISHED,
    ListingStatus.REJECTED,
    ListingStatus.SUSPENDED,
}


def get_for_vendor(user: User, slug: str) -> PluginListing:
    """The vendor's own listing; someone else's is 'not found', never 'forbidden'."""
    listing = db.session.scalar(sa.select(PluginListing).where(PluginListing.slug == slug))
    if listing is None or listing.vendor_id != user.organisation_id:
        raise NotFound(_("No such plug-in listing."))
    return listing


def _vendor_table(org: Organisation, user: User) -> dict[str, Any]:
    """The manifest's [vendor] table, from the organisation's verified profile."""
    table: dict[str, Any] = {
        "name": org.name,
        "uscc": org.uscc or "",
        "email": org.contact_email or user.email,
    }
    if org.website:
        table["website"] = org.website
    return table


def validate_fields(user: User, fields: Mapping[str, Any], *, source: str = "form") -> Manifest:
    """Validate listing fields exactly as a manifest is validated (declarative: no hooks)."""
    org = user.organisation
    if not org or not org.uscc:
        raise InvalidInput(
            _("Add your unified social credit code to your profile before listing a solution."),
            {"uscc": [_("Missing unified social credit code.")]},
        )
    doc = {k: v for k, v in fields.items() if v not in (None, "", [])}
    doc["vendor"] = _vendor_table(org, user)
    try:
        return manifest_from_mapping(doc, source=source, allow_hooks=False)
    except ManifestError as exc:
        raise InvalidInput(_("Please correct the marked fields."), exc.errors) from None


def parse_upload(data: bytes, filename: str) -> Manifest:
    """An uploaded plugin.toml, validated; ``hooks`` is refused (never run vendor code)."""
    try:
        return validate_upload(data, filename=filename or "plugin.toml")
    except ManifestError as exc:
        raise InvalidInput(_("The manifest has problems:") + "\n" + str(exc), exc.errors) from None


def _require_vendor(user: User) -> Organisation:
    if user.role != Role.VENDOR or user.organisation is None:
        raise Forbidden(_("Only vendors can manage plug-in listings."))
    if user.organisation.verification == Verification.SUSPENDED:
        raise Forbidden(_("Your organisation is suspended and cannot list solutions."))
    return user.organisation


def create_listing(user: User, manifest: Manifest) -> PluginListing:
    """A vendor's new listing, straight into the admins' review queue."""
    org = _require_vendor(user)
    if manifest.vendor.uscc != org.uscc:
        raise InvalidInput(
            _("The manifest's vendor credit code is not your organisation's."),
            {"vendor.uscc": [_("Must be your organisation's unified social credit code.")]},
        )
    if db.session.scalar(sa.select(PluginListing.id).where(PluginListing.slug == manifest.id)):
        raise InvalidInput(
            _("This identifier is taken; choose another."),
            {"id": [_("This identifier is taken; choose another.")]},
        )
    listing = PluginListing(
        slug=manifest.id,
        vendor_id=org.id,
        source=ListingSource.PORTAL,
        status=ListingStatus.PENDING_REVIEW,
        version=manifest.version,
        content_hash=manifest.content_hash,
    )
    listing.apply_offering(manifest.offering)
    db.session.add(listing)
    audit.record(user, "listing.submitted", listing, slug=listing.slug)
    notify_all(
        admins(), "listing.submitted", link="/admin/listings", slug=listing.slug, name=listing.name
    )
    return listing


def update_listing(user: User, listing: PluginListing, manifest: Manifest) -> PluginListing:
    """A vendor's edit; it goes back to review, and leaves the catalogue until approved."""
    _require_vendor(user)
    if listing.vendor_id != user.organisation_id or listing.source != ListingSource.PORTAL:
        raise Forbidden(_("Only portal listings of your own organisation can be edited here."))
    if listing.status not in EDITABLE:
        raise DomainError(_("A retired listing cannot be edited."))
    was_published = listing.status == ListingStatus.PUBLISHED
    listing.apply_offering(manifest.offering)
    listing.version = manifest.version
    listing.content_hash = manifest.content_hash
    listing.status = ListingStatus.PENDING_REVIEW
    listing.rejection_reason = None
    listing.suspended_with_vendor = False
    audit.record(user, "listing.edited", listing, was_published=was_published)
    notify_all(
        admins(), "listing.submitted", link="/admin/listings", slug=listing.slug, name=listing.name
    )
    if was_published:
        catalogue_changed(listing.slug)
    return listing


def _publish(listing: PluginListing) -> None:
    listing.status = ListingStatus.PUBLISHED
    listing.published_at = listing.published_at or utcnow()
    listing.rejection_reason = None
    listing.suspended_with_vendor = False
    catalogue_changed(listing.slug)


def approve(admin: User, listing: PluginListing) -> None:
    require_admin(admin)
    if listing.status != ListingStatus.PENDING_REVIEW:
        raise DomainError(_("Only a listing waiting for review can be approved."))
    _publish(listing)
    audit.record(admin, "listing.approved", listing)
    notify_all(
        members(listing.vendor_id),
        "listing.approved",
        link=f"/solutions/{listing.slug}",
        name=listing.name,
    )


def reject(admin: User, listing: PluginListing, reason: str) -> None:
    require_admin(admin)
    reason = clean_reason(reason, ask=_("Give the vendor a reason."))
    if listing.status != ListingStatus.PENDING_REVIEW:
        raise DomainError(_("Only a listing waiting for review can be rejected."))
    listing.status = ListingStatus.REJECTED
    listing.rejection_reason = reason
    audit.record(admin, "listing.rejected", listing, reason=reason)
    notify_all(
        members(listing.vendor_id),
        "listing.rejected",
        link="/vendor/listings",
        name=listing.name,
        reason=reason,
    )


def suspend(admin: User, listing: PluginListing, reason: str) -> None:
    require_admin(admin)
    reason = clean_reason(reason, ask=_("Give the vendor a reason."))
    if listing.status != ListingStatus.PUBLISHED:
        raise DomainError(_("Only a published listing can be suspended."))
    listing.status = ListingStatus.SUSPENDED
    listing.rejection_reason = reason
    audit.record(admin, "listing.suspended", listing, reason=reason)
    notify_all(
        members(listing.vendor_id),
        "listing.suspended",
        link="/vendor/listings",
        name=listing.name,
        reason=reason,
    )
    catalogue_changed(listing.slug)


def retire(user: User, listing: PluginListing, reason: str) -> None:
    """The vendor takes a listing off the platform for good (e.g. its account is deleted):
    any state → retired, out of the catalogue, kept for the history of its deals."""
    # A suspended vendor may still leave: no _require_vendor here.
    if user.role != Role.VENDOR or listing.vendor_id != user.organisation_id:
        raise Forbidden(_("Only listings of your own organisation can be retired."))
    if listing.status == ListingStatus.RETIRED:
        raise DomainError(_("This listing is already retired."))
    was_published = listing.status == ListingStatus.PUBLISHED
    listing.status = ListingStatus.RETIRED
    audit.record(user, "listing.retired", listing, reason=clean_reason(reason))
    if was_published:
        catalogue_changed(listing.slug)


def reinstate(admin: User, listing: PluginListing) -> None:
    require_admin(admin)
    if listing.status != ListingStatus.SUSPENDED:
        raise DomainError(_("Only a suspended listing can be reinstated."))
    _publish(listing)
    audit.record(admin, "listing.reinstated", listing)
    notify_all(
        members(listing.vendor_id),
        "listing.approved",
        link=f"/solutions/{listing.slug}",
        name=listing.name,
    )


def pending_review() -> list[PluginListing]:
    return list(
        db.session.scalars(
            sa.select(PluginListing)
            .where(PluginListing.status == ListingStatus.PENDING_REVIEW)
            .order_by(PluginListing.updated_at)
        )
    )


def published_by_slug(slugs: list[str]) -> list[PluginListing]:
    """The published listings of ``slugs``, in that order (unknown or unpublished left out)."""
    if not slugs:
        return []
    found = {
        item.slug: item
        for item in db.session.scalars(
            sa.select(PluginListing).where(
                PluginListing.slug.in_(slugs), PluginListing.status == ListingStatus.PUBLISHED
            )
        )
    }
    return [found[slug] for slug in slugs if slug in found]


def admin_query(q: str | None = None, status: str | None = None) -> sa.Select:
    """Listings for the admin list, last changed first; ``q`` searches name, slug and vendor."""
    query = sa.select(PluginListing).join(PluginListing.vendor)
    if status:
        query = query.where(PluginListing.status == ListingStatus(status))
    query = query.where(contains(q, PluginListing.name, PluginListing.slug, Organisation.name))
    return query.order_by(PluginListing.updated_at.desc(), PluginListing.id.desc())


def published_counts(vendor_ids: list[int]) -> dict[int, int]:
    """Per vendor: how many of its listings are published."""
    rows = db.session.execute(
        sa.select(PluginListing.vendor_id, sa.func.count(PluginListing.id))
        .where(
            PluginListing.vendor_id.in_(vendor_ids),
            PluginListing.status == ListingStatus.PUBLISHED,
        )
        .group_by(PluginListing.vendor_id)
    )
    return dict(rows.all())
