"""A deliberately broken plug-in hook never breaks a page; repeated failures degrade it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.models import Health, Notification, PluginListing
from app.services import listings as listing_service
from app.services import needs as need_service
from app.services.plugin_sync import sync_plugins
from plugins.discovery import discover

# A need every test plug-in here fits (they all plan small dye lots).
DYE_NEED = {
    "title": "打样单太小，染缸太大",
    "description": "客户打样1公斤，染缸最少2吨，想要自动拼缸排产。",
    "industry": "C17",
    "region": "CN-JX",
}

HOOKS = {
    "raises": "raise RuntimeError('boom from the vendor')",
    "sleeps": "import time; time.sleep(2)",
    "garbage": "return {'price': 'cheap'}",
}


def _write_plugin(folder: Path, slug: str, body: str, uscc: str) -> None:
    target = folder / slug
    target.mkdir()
    (target / "plugin.toml").write_text(
        textwrap.dedent(
            f"""
            id = "{slug}"
            version = "1.0.0"
            name = "染缸排产 {slug}"
            summary = "小批量染色排产，自动拼缸。"
            lang = "zh"
            capabilities = ["production.planning"]
            industries = ["C17"]
            regions = ["*"]
            price_min = 30000
            price_max = 90000
            hooks = "hooks"

            [vendor]
            name = "坏插件 {slug}"
            uscc = "{uscc}"
            email = "ops@{slug}.example.com"
            """
        ),
        encoding="utf-8",
    )
    (target / "hooks.py").write_text(
        textwrap.dedent(
            f"""
            from plugins.toolkit import hookimpl

            @hookimpl
            def estimate(need):
                {body}

            @hookimpl
            def check_eligibility(need):
                {body}
            """
        ),
        encoding="utf-8",
    )


@pytest.fixture
def broken_plugins(app, db, tmp_path, admin):
    codes = ["91330106MA1B4YK94Y", "91330502MAE3008P0H", "91440305682595370N"]
    for (slug, body), uscc in zip(HOOKS.items(), codes, strict=True):
        _write_plugin(tmp_path, slug, body, uscc)
    app.config.update(PLUGIN_FOLDERS=[str(tmp_path)], PLUGIN_DEGRADED_AFTER=2)
    try:
        sync_plugins(
            discover(bundled_dir=None, entry_point_group=None, folders=[tmp_path]),
            auto_publish_bundled=False,
        )
        for listing in db.session.scalars(sa.select(PluginListing)):
            listing_service.approve(admin, listing)
        db.session.commit()
        yield list(HOOKS)
    finally:
        app.config.update(PLUGIN_FOLDERS=[], PLUGIN_DEGRADED_AFTER=3)


def test_broken_hooks_leave_the_need_page_working_and_degrade(
    app, db, broken_plugins, sme, sme_client, admin
):
    need = need_service.create_need(sme, {**DYE_NEED, "budget_max": 100000})
    db.session.commit()  # matching asked each plug-in twice (estimate, eligibility): degraded
    for _ in range(2):  # the page shows the stored matches and calls no hook
        page = sme_client.get(f"/needs/{need.id}")
        assert page.status_code == 200
        assert "染缸排产 raises" in page.get_data(as_text=True)

    health = dict(db.session.execute(sa.select(PluginListing.slug, PluginListing.health)).all())
    assert health == {slug: Health.DEGRADED for slug in broken_plugins}
    assert db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == admin.id, Notification.kind == "plugin.degraded"
        )
    ) == len(broken_plugins)
    admin_page = app.test_client(user=admin).get("/admin/plugins").get_data(as_text=True)
    assert "染缸排产 sleeps" in admin_page
    assert sme_client.get(f"/needs/{need.id}").status_code == 200  # degraded: not called
