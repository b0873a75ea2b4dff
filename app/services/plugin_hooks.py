"""Operator-installed plug-ins' code hooks, called safely from pages.

Only bundled, installed and configured-folder plug-ins have hooks; listings from the portal
are declarative. Every call goes through :class:`plugins.manager.PluginHost`, which enforces
the time budget, checks result types and marks a failing plug-in degraded; the degraded state
is persisted on the listing so admins see it and other processes respect it.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Health, Need, Notification, PluginListing, Rfq, Role, User, UserStatus
from plugins.manager import PluginHealth, PluginHost, discover
from plugins.toolkit import Eligibility, Estimate, RfqInfo

log = logging.getLogger("app.plugin_hooks")


def plugin_host() -> PluginHost:
    """This process's plug-in host, loaded once from the configured plug-in sources."""
    extensions = current_app.extensions
    if "shuzhuan.plugins" not in extensions:
        extensions["shuzhuan.plugins"] = _load_host(current_app._get_current_object())
    return extensions["shuzhuan.plugins"]


def _load_host(app: Flask) -> PluginHost:
    found = discover(folders=app.config["PLUGIN_FOLDERS"])
    host = PluginHost.from_discovery(
        found,
        time_budget=app.config["PLUGIN_HOOK_TIMEOUT_MS"] / 1000,
        degrade_after=app.config["PLUGIN_DEGRADED_AFTER"],
        on_health_change=lambda health: _persist_health(app, health),
    )
    for error in [*found.errors, *host.errors]:
        log.warning("plug-in not loaded: %s", "; ".join(error.lines))
    degraded = db.session.execute(
        sa.select(PluginListing.slug, PluginListing.hook_failures).where(
            PluginListing.health == Health.DEGRADED
        )
    )
    for slug, failures in degraded:
        if slug in host.plugins:
            host.restore(PluginHealth(slug, state="degraded", failures=failures))
    return host


def _persist_health(app: Flask, health: PluginHealth) -> None:
    """Record a health change in its own transaction: the page's transaction is not ours."""
    with app.app_context(), Session(db.engine) as session:
        listing = session.scalar(sa.select(PluginListing).where(PluginListing.slug == health.slug))
        if listing is None:
            return
        listing.health = Health(health.state)
        listing.hook_failures = health.failures
        if health.state == "degraded":
            admins = session.scalars(
                sa.select(User.id).where(User.role == Role.ADMIN, User.status == UserStatus.ACTIVE)
            )
            for admin_id in admins:
                session.add(
                    Notification(
                        user_id=admin_id,
                        kind="plugin.degraded",
                        params={"name": listing.name, "error": health.last_error or ""},
                        link="/admin/plugins",
                    )
                )
        session.commit()


def _has_hooks(listing: PluginListing) -> bool:
    return bool(listing.hooks_module) and listing.health != Health.DEGRADED


def estimate_for(listing: PluginListing, need: Need) -> Estimate | None:
    """The plug-in's instant indicative estimate for ``need``, if it has one that works."""
    if not _has_hooks(listing):
        return None
    return plugin_host().estimate(listing.slug, need.to_record())


def eligibility_for(listing: PluginListing, need: Need) -> Eligibility | None:
    """The plug-in's own verdict on whether it can serve ``need`` (None: no opinion)."""
    if not _has_hooks(listing):
        return None
    return plugin_host().check_eligibility(listing.slug, need.to_record())


def announce_rfq(rfq: Rfq) -> bool:
    """Tell the plug-in's code about a new request for quote (e.g. to push it to a CRM)."""
    if not _has_hooks(rfq.listing):
        return False
    info = RfqInfo(id=str(rfq.id), need=rfq.need.to_record(), message=rfq.message or "")
    return plugin_host().rfq_received(rfq.listing.slug, info)


def reset_health(listing: PluginListing) -> None:
    """An admin says the plug-in is fixed: its hooks are called again."""
    listing.health = Health.OK
    host = plugin_host()
    if listing.slug in host.plugins:
        host.reset(listing.slug)
