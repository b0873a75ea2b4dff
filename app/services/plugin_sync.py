"""Operator-installed plug-ins into the catalogue: discovered manifests become listings.

New plug-ins enter as pending review (bundled ones are published when configured); a changed
manifest (by content hash) updates its listing; a plug-in that disappeared is retired —
unpublished, never deleted, so quotes and reviews keep pointing at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.jobs.catalogue import catalogue_changed
from app.models import (
    ListingSource,
    ListingStatus,
    Organisation,
    OrgKind,
    PluginListing,
    Verification,
)
from app.models.base import utcnow
from app.services import audit
from plugins.discovery import Discovery, FoundPlugin
from plugins.manifest import Manifest

OPERATOR_SOURCES = (ListingSource.BUNDLED, ListingSource.INSTALLED, ListingSource.FOLDER)


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # as they were: their manifest is broken now
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} new, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.retired)} retired, "
            f"{len(self.kept)} kept as they were, {len(self.errors)} invalid"
        )


def vendor_for(manifest: Manifest) -> Organisation:
    """The vendor organisation named by a manifest's [vendor] table (by its credit code)."""
    org = db.session.scalar(
        sa.select(Organisation).where(Organisation.uscc == manifest.vendor.uscc)
    )
    if org is None:
        # The operator installed it, so the platform vouches for the vendor.
        org = Organisation(
            kind=OrgKind.VENDOR,
            name=manifest.vendor.name,
            uscc=manifest.vendor.uscc,
            contact_email=manifest.vendor.email,
            website=manifest.vendor.website,
            verification=Verification.VERIFIED,
            verified_at=utcnow(),
        )
        db.session.add(org)
    return org


def _fill(listing: PluginListing, plugin: FoundPlugin) -> None:
    manifest = plugin.manifest
    listing.apply_offering(manifest.offering)
    listing.version = manifest.version
    listing.content_hash = manifest.content_hash
    listing.hooks_module = manifest.hooks
    listing.source_path = str(manifest.path) if manifest.path else None


def sync_plugins(discovery: Discovery, *, auto_publish_bundled: bool) -> SyncReport:
    """Bring the operator's plug-ins in the database in step with ``discovery``."""
    report = SyncReport(errors=[line for error in discovery.errors for line in error.lines])
    existing = {
        item.slug: item
        for item in db.session.scalars(
            sa.select(PluginListing).where(
                PluginListing.slug.in_([p.slug for p in discovery.plugins])
                | PluginListing.source.in_(OPERATOR_SOURCES)
            )
        )
    }
    for plugin in discovery.plugins:
        listing = existing.get(plugin.slug)
        if listing is not None and listing.source == ListingSource.PORTAL:
            report.errors.append(
                f"{plugin.manifest.source}: id: {plugin.slug!r} is taken by a portal listing"
            )
            continue
        if listing is None:
            listing = _create(plugin, auto_publish_bundled)
            report.created.append(plugin.slug)
        elif (
            listing.content_hash != plugin.manifest.content_hash
            or listing.status == ListingStatus.RETIRED
        ):
            _update(listing, plugin, auto_publish_bundled)
            report.updated.append(plugin.slug)
        else:
            report.unchanged.append(plugin.slug)
    found = {p.slug for p in discovery.plugins}
    broken = {Path(error.source).resolve() for error in discovery.errors}
    for slug, listing in existing.items():
        gone = slug not in found and listing.source in OPERATOR_SOURCES
        if gone and listing.source_path and Path(listing.source_path).resolve() in broken:
            # A manifest edited into an error is not a plug-in taken away: the listing stays
            # as it was last valid until the operator fixes it (the error is in the report).
            report.kept.append(slug)
            continue
        if gone and listing.status != ListingStatus.RETIRED:
            was_published = listing.status == ListingStatus.PUBLISHED
            listing.status = ListingStatus.RETIRED
            audit.record(None, "plugin.retired", listing, reason="manifest no longer found")
            if was_published:
                catalogue_changed(slug)
            report.retired.append(slug)
    return report


def _initial_status(plugin: FoundPlugin, auto_publish_bundled: bool) -> ListingStatus:
    if plugin.origin == "bundled" and auto_publish_bundled:
        return ListingStatus.PUBLISHED
    return ListingStatus.PENDING_REVIEW


def _create(plugin: FoundPlugin, auto_publish_bundled: bool) -> PluginListing:
    status = _initial_status(plugin, auto_publish_bundled)
    listing = PluginListing(
        slug=plugin.slug,
        vendor=vendor_for(plugin.manifest),
        source=ListingSource(plugin.origin),
        status=status,
        published_at=utcnow() if status == ListingStatus.PUBLISHED else None,
    )
    _fill(listing, plugin)
    db.session.add(listing)
    audit.record(None, "plugin.discovered", listing, origin=plugin.origin, status=str(status))
    if status == ListingStatus.PUBLISHED:
        catalogue_changed(listing.slug)
    return listing


def _update(listing: PluginListing, plugin: FoundPlugin, auto_publish_bundled: bool) -> None:
    _fill(listing, plugin)
    if listing.status == ListingStatus.RETIRED:
        listing.status = _initial_status(plugin, auto_publish_bundled)
    audit.record(None, "plugin.updated", listing, version=listing.version)
    if listing.status == ListingStatus.PUBLISHED:
        listing.published_at = listing.published_at or utcnow()
        catalogue_changed(listing.slug)
