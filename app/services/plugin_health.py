"""Plug-in health as admins see it: degraded and operator-run plug-ins, and marking one fixed."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError
from app.extensions import db
from app.jobs.catalogue import catalogue_changed
from app.models import (
    Health,
    PluginListing,
    User,
)
from app.services import audit
from app.services.plugin_hooks import reset_health
from app.services.roles import require_admin


def degraded_plugins() -> list[PluginListing]:
    return list(
        db.session.scalars(
            sa.select(PluginListing)
            .where(PluginListing.health == Health.DEGRADED)
            .order_by(PluginListing.name)
        )
    )


def operator_plugins() -> list[PluginListing]:
    """Listings with code hooks (bundled, installed or folder plug-ins): degraded first."""
    return list(
        db.session.scalars(
            sa.select(PluginListing)
            .where(PluginListing.hooks_module.is_not(None))
            .order_by(
                (PluginListing.health == Health.DEGRADED).desc(),
                PluginListing.hook_failures.desc(),
                PluginListing.name,
            )
        )
    )


def mark_plugin_fixed(admin: User, listing: PluginListing) -> PluginListing:
    """An admin says a degraded plug-in is fixed: its hooks are called again."""
    require_admin(admin)
    if listing.health != Health.DEGRADED:
        raise DomainError(_("This plug-in is not degraded."))
    failures = listing.hook_failures
    reset_health(listing)
    listing.hook_failures = 0
    catalogue_changed(listing.slug)  # re-matched after the commit: its hooks asked again
    audit.record(admin, "plugin.reset", listing, failures=failures)
    return listing
