"""Hook failures are counted once for all processes: with four web workers a failing plug-in
is degraded at the configured failure, and admins hear of it once."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Health, Match, Notification, PluginListing
from app.services import listings as listing_service
from app.services import needs as need_service
from app.services import plugin_health
from app.services.plugin_hooks import _load_host, estimate_for, plugin_host
from app.services.plugin_sync import sync_plugins
from plugins.discovery import discover
from tests import dbutil, factories
from tests.portal.test_broken_hooks import DYE_NEED, _write_plugin


@pytest.fixture
def flaky(app, db, tmp_path, admin):
    """A plug-in whose estimate hook fails while its flag file exists."""
    flag = tmp_path / "failing"
    flag.touch()
    folder = tmp_path / "plugins"
    folder.mkdir()
    # One line (the template indents it): 1/0 raises while the flag exists, else None.
    body = f"return None if not __import__('pathlib').Path({str(flag)!r}).exists() else 1 / 0"
    _write_plugin(folder, "flaky", body, "91330106MA1B4YK94Y")
    app.config.update(PLUGIN_FOLDERS=[str(folder)], PLUGIN_DEGRADED_AFTER=3)
    try:
        sync_plugins(
            discover(bundled_dir=None, entry_point_group=None, folders=[folder]),
            auto_publish_bundled=False,
        )
        listing = db.session.scalar(sa.select(PluginListing))
        listing_service.approve(admin, listing)
        db.session.commit()
        yield flag
    finally:
        app.config.update(PLUGIN_FOLDERS=[], PLUGIN_DEGRADED_AFTER=3)


def _stored() -> PluginListing:

    db.session.expire_all()
    return db.session.scalar(sa.select(PluginListing).where(PluginListing.slug == "flaky"))


def _degraded_notices(admin) -> int:

    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == admin.id, Notification.kind == "plugin.degraded"
        )
    )


def test_four_workers_degrade_a_plugin_at_its_third_failure_not_its_ninth(
    app, db, flaky, sme, admin
):
    workers = [_load_host(app) for _ in range(4)]  # each gunicorn worker has its own host
    need = factories.need(sme).to_record()
    for n, host in enumerate(workers[:3], start=1):
        assert _stored().health == Health.OK  # not yet
        assert host.call("flaky", "estimate", need=need).status == "failed"
        assert (_stored().hook_failures, _stored().hook_failures_in_row) == (n, n)
    assert _stored().health == Health.DEGRADED
    assert _degraded_notices(admin) == 1
    # The fourth worker never failed itself, yet no longer calls the plug-in.
    assert estimate_for(_stored(), factories.need(sme)) is None
    assert _stored().hook_failures == 3


def test_a_success_anywhere_starts_the_count_again(app, db, flaky, sme):
    first, second, third = (_load_host(app) for _ in range(3))
    need = factories.need(sme).to_record()
    first.call("flaky", "estimate", need=need)
    second.call("flaky", "estimate", need=need)
    flaky.unlink()  # the vendor's service is back
    assert third.call("flaky", "estimate", need=need).status == "ok"
    assert _stored().hook_failures_in_row == 0
    flaky.touch()
    first.call("flaky", "estimate", need=need)
    assert _stored().health == Health.OK and _stored().hook_failures == 3


def test_concurrent_failures_in_many_workers_are_all_counted_and_reported_once(
    app, db, flaky, sme, admin
):
    workers = [_load_host(app) for _ in range(6)]
    need = factories.need(sme).to_record()
    barrier = threading.Barrier(len(workers))

    def fail(host) -> None:
        barrier.wait()
        host.call("flaky", "estimate", need=need)

    threads = [threading.Thread(target=fail, args=(host,)) for host in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert _stored().hook_failures == 6
    assert _stored().health == Health.DEGRADED
    assert _degraded_notices(admin) == 1


def test_marking_it_fixed_starts_afresh_in_every_worker(app, db, flaky, sme, admin):

    workers = [_load_host(app) for _ in range(3)]
    need = factories.need(sme).to_record()
    for host in workers:
        host.call("flaky", "estimate", need=need)
    assert workers[2].health("flaky").state == "degraded"
    flaky.unlink()  # the operator fixes it, then marks it fixed (its matches are re-asked)
    plugin_health.mark_plugin_fixed(admin, _stored())
    db.session.commit()
    assert (_stored().health, _stored().hook_failures_in_row) == (Health.OK, 0)
    app.extensions["shuzhuan.plugins"] = workers[2]  # a worker that saw it degraded
    calls = workers[2].health("flaky").calls
    estimate_for(_stored(), factories.need(sme))
    assert workers[2].health("flaky").state == "ok"
    assert workers[2].health("flaky").calls == calls + 1  # its hook is called again


def test_the_need_page_shows_what_matching_asked_and_calls_no_hook(app, db, flaky, sme):

    flaky.unlink()  # a working plug-in: no estimate, no opinion
    need = need_service.create_need(sme, DYE_NEED)
    db.session.commit()
    match = db.session.scalar(sa.select(Match).where(Match.need_id == need.id))
    assert match.hook_results == {"estimate": None, "eligibility": None}
    calls = plugin_host().health("flaky").calls
    page = app.test_client(user=sme).get(f"/needs/{need.id}")
    assert page.status_code == 200 and "染缸排产 flaky" in page.get_data(as_text=True)
    assert plugin_host().health("flaky").calls == calls


@pytest.mark.skipif(
    not dbutil.is_postgres(dbutil.base_url()),
    reason="on SQLite a hook's health count joins the rolled-back transaction anyway",
)
def test_a_workers_rehearsed_need_calls_no_plugin_hook(app, db, flaky):
    # The made-up need a gunicorn worker posts and rolls back before it serves must not run
    # vendors' code nor count in a plug-in's health (on PostgreSQL committed on its own).
    from app.services import warm_up

    warm_up.before_serving(app)
    assert (_stored().hook_failures, _stored().hook_failures_in_row) == (0, 0)
