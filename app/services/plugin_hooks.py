"""Operator-installed plug-ins' code hooks, called safely when matches are computed and
from the pages that need a live answer (quotes, requests).

Only bundled, installed and configured-folder plug-ins have hooks; listings from the portal
are declarative. Every call goes through :class:`plugins.host.PluginHost`, which enforces
the time budget, checks result types and marks a failing plug-in degraded. Failures are
counted in the listing's row by every process at once (:class:`DatabaseHealthStore`), so
with several web workers a plug-in is degraded at the PLUGIN_DEGRADED_AFTER-th failure in a
row, not at that many per worker; the degraded state is persisted on the listing, where
admins see it and every process respects it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from app.extensions import SQLITE_BUSY_TIMEOUT_MS, db
from app.models import (
    Health,
    Match,
    Need,
    Notification,
    PluginListing,
    Rfq,
    Role,
    User,
    UserStatus,
)
from plugins.discovery import discover
from plugins.host import PluginHealth, PluginHost
from plugins.toolkit import Eligibility, Estimate, RfqInfo

log = logging.getLogger("app.plugin_hooks")

# A hook may fail inside a page's write transaction; on SQLite the counter's own
# transaction then waits for that page's lock, so it waits briefly and gives up instead.
SQLITE_STORE_WAIT_MS = 300


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
        health_store=DatabaseHealthStore(app),
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


@contextmanager
def _health_transaction(app: Flask) -> Iterator[Session]:
    """A transaction of its own for hook health (the caller's is not ours to commit).

    On SQLite a caller that is writing (matching runs the hooks inside its transaction)
    holds the only write lock, so a second transaction could never write: there the count
    joins the caller's transaction in a savepoint, and is kept if the caller commits.
    """
    caller = db.session() if has_app_context() else None
    if caller is not None and _writing_on_sqlite(caller):
        with caller.begin_nested():
            yield caller
        return
    with app.app_context(), Session(db.engine) as session:
        sqlite = db.engine.dialect.name == "sqlite"
        if sqlite:
            session.connection().exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_STORE_WAIT_MS}")
        try:
            yield session
            session.commit()
        finally:
            session.rollback()
            if sqlite:
                session.connection().exec_driver_sql(
                    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"
                )
                session.commit()


def _writing_on_sqlite(session: Session) -> bool:
    """Whether ``session`` holds SQLite's write lock (a write began in its transaction)."""
    if session.get_bind().dialect.name != "sqlite" or not session.in_transaction():
        return False
    raw = session.connection().connection.dbapi_connection
    return bool(getattr(raw, "in_transaction", False))


class DatabaseHealthStore:
    """Hook failure counters in the listings' rows, shared by every process.

    Each count is one atomic ``UPDATE … SET n = n + 1 … RETURNING`` in a transaction of its
    own (:func:`_health_transaction`), so concurrent failures in several processes are all
    counted and each sees the total.
    """

    def __init__(self, app: Flask):
        self.app = app

    def failed(self, slug: str, error: str) -> int:
        with _health_transaction(self.app) as session:
            in_row = session.execute(
                sa.update(PluginListing)
                .where(PluginListing.slug == slug)
                .values(
                    hook_failures=PluginListing.hook_failures + 1,
                    hook_failures_in_row=PluginListing.hook_failures_in_row + 1,
                )
                .returning(PluginListing.hook_failures_in_row)
            ).scalar_one_or_none()
        return in_row or 0

    def succeeded(self, slug: str) -> None:
        with _health_transaction(self.app) as session:
            # Read first: almost always there is nothing to reset, and an UPDATE that
            # changes no row still takes SQLite's write lock (on every page with hooks).
            in_row = session.scalar(
                sa.select(PluginListing.hook_failures_in_row).where(PluginListing.slug == slug)
            )
            if in_row:
                session.execute(
                    sa.update(PluginListing)
                    .where(PluginListing.slug == slug, PluginListing.hook_failures_in_row > 0)
                    .values(hook_failures_in_row=0)
                )


def _persist_health(app: Flask, health: PluginHealth) -> None:
    """Record that a plug-in became degraded, once for all processes, and tell the admins.

    Its own transaction: the page's transaction is not ours. Only the process whose UPDATE
    moves the listing from ok to degraded notifies, so admins hear of it once. (Back to ok
    is an admin's decision, stored in that admin's transaction by :func:`reset_health`.)
    """
    if health.state != "degraded":
        return
    with _health_transaction(app) as session:
        changed = session.execute(
            sa.update(PluginListing)
            .where(PluginListing.slug == health.slug, PluginListing.health == Health.OK)
            .values(health=Health.DEGRADED)
        ).rowcount
        listing = session.scalar(sa.select(PluginListing).where(PluginListing.slug == health.slug))
        if changed != 1 or listing is None:
            return
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


def _has_hooks(listing: PluginListing) -> bool:
    if not listing.hooks_module or listing.health == Health.DEGRADED:
        return False
    host = plugin_host()
    if listing.slug in host.plugins and host.health(listing.slug).state == "degraded":
        host.reset(listing.slug)  # an admin marked it fixed, in another process
    return True


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


_HOOKS_OFF: ContextVar[bool] = ContextVar("shuzhuan.plugin_hooks_off", default=False)


@contextmanager
def hooks_off() -> Iterator[None]:
    """Inside, matches store no hook results and no plug-in code runs: a worker's rehearsed
    need (``app.services.warm_up``) must not reach a vendor's systems or count in its health."""
    token = _HOOKS_OFF.set(True)
    try:
        yield
    finally:
        _HOOKS_OFF.reset(token)


def hook_results(listing: PluginListing, need: Need) -> dict[str, Any]:
    """What a match stores of the plug-in's hooks: its estimate and its eligibility verdict."""
    if _HOOKS_OFF.get():
        return {"estimate": None, "eligibility": None}
    estimate = estimate_for(listing, need)
    eligibility = eligibility_for(listing, need)
    return {
        "estimate": estimate.to_dict() if estimate else None,
        "eligibility": eligibility.to_dict() if eligibility else None,
    }


@dataclass(frozen=True)
class HookResults:
    estimate: Estimate | None
    eligibility: Eligibility | None


def stored_results(match: Match) -> HookResults:
    """The hook results stored with ``match`` (asked live only for a match stored before
    they were recorded)."""
    stored = match.hook_results
    if stored is None:
        stored = hook_results(match.listing, match.need)
    estimate, eligibility = stored.get("estimate"), stored.get("eligibility")
    return HookResults(
        estimate=Estimate(**estimate) if estimate else None,
        eligibility=Eligibility(**eligibility) if eligibility else None,
    )


def announce_rfq(rfq: Rfq) -> bool:
    """Tell the plug-in's code about a new request for quote (e.g. to push it to a CRM)."""
    if not _has_hooks(rfq.listing):
        return False
    info = RfqInfo(id=str(rfq.id), need=rfq.need.to_record(), message=rfq.message or "")
    return plugin_host().rfq_received(rfq.listing.slug, info)


def reset_health(listing: PluginListing) -> None:
    """An admin says the plug-in is fixed: its hooks are called again, counting afresh."""
    listing.health = Health.OK
    listing.hook_failures_in_row = 0
    host = plugin_host()
    if listing.slug in host.plugins:
        host.reset(listing.slug)
