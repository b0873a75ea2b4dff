"""Operator plug-ins enter the catalogue by sync; the CLI lists and validates them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.models import ListingSource, ListingStatus, Organisation, PluginListing, Verification
from app.services.plugin_sync import sync_plugins
from plugins.discovery import BUNDLED_DIR, discover


@pytest.fixture
def plugin_dir(tmp_path) -> Path:
    for slug in ("dye-aps", "vibrasense-pdm", "lowcode-oa"):
        shutil.copytree(BUNDLED_DIR / slug, tmp_path / slug)
    return tmp_path


def _sync(folder: Path, auto_publish: bool = True):
    return sync_plugins(
        discover(bundled_dir=folder, entry_point_group=None), auto_publish_bundled=auto_publish
    )


def _listing(db, slug: str) -> PluginListing:
    return db.session.scalar(sa.select(PluginListing).where(PluginListing.slug == slug))


def test_new_bundled_plugins_are_published_with_their_vendor(db, plugin_dir):
    report = _sync(plugin_dir)
    db.session.commit()
    assert sorted(report.created) == ["dye-aps", "lowcode-oa", "vibrasense-pdm"]
    listing = _listing(db, "dye-aps")
    assert listing.status == ListingStatus.PUBLISHED and listing.source == ListingSource.BUNDLED
    assert listing.hooks_module == "hooks"
    assert listing.vendor.uscc == "91360111MAHY0AFQ40"
    assert listing.vendor.verification == Verification.VERIFIED


def test_without_auto_publish_new_plugins_wait_for_review(db, plugin_dir):
    _sync(plugin_dir, auto_publish=False)
    db.session.commit()
    assert _listing(db, "dye-aps").status == ListingStatus.PENDING_REVIEW


def _edit_manifest(plugin_dir, slug: str, old: str, new: str) -> None:
    """Replace the first ``old`` in the plug-in's ``plugin.toml`` with ``new``."""
    manifest = plugin_dir / slug / "plugin.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_second_sync_changes_nothing(db, plugin_dir):
    _sync(plugin_dir)
    db.session.commit()
    report = _sync(plugin_dir)
    assert (report.created, report.updated, len(report.unchanged)) == ([], [], 3)


def test_a_changed_manifest_updates_its_listing(db, plugin_dir):
    _sync(plugin_dir)
    db.session.commit()
    _edit_manifest(plugin_dir, "lowcode-oa", "price_max = ", "price_max = 1")
    report = _sync(plugin_dir)
    db.session.commit()
    assert report.updated == ["lowcode-oa"]
    assert str(_listing(db, "lowcode-oa").price_max).startswith("1")


def test_a_removed_plugin_is_retired_not_deleted_and_comes_back(db, plugin_dir, client):
    _sync(plugin_dir)
    db.session.commit()
    backup = plugin_dir.parent / "vibrasense-backup"
    shutil.move(plugin_dir / "vibrasense-pdm", backup)
    report = _sync(plugin_dir)
    db.session.commit()
    assert report.retired == ["vibrasense-pdm"]
    assert _listing(db, "vibrasense-pdm").status == ListingStatus.RETIRED
    assert client.get("/solutions/vibrasense-pdm").status_code == 404
    shutil.move(backup, plugin_dir / "vibrasense-pdm")
    _sync(plugin_dir)
    db.session.commit()
    assert _listing(db, "vibrasense-pdm").status == ListingStatus.PUBLISHED


def test_an_invalid_manifest_is_reported_and_the_others_still_load(db, plugin_dir):
    _edit_manifest(plugin_dir, "lowcode-oa", "price_min = ", "price_min = 9999999")
    report = _sync(plugin_dir)
    db.session.commit()
    assert any("lowcode-oa" in line and "price_min" in line for line in report.errors)
    assert sorted(report.created) == ["dye-aps", "vibrasense-pdm"]


def test_a_published_plugin_whose_manifest_breaks_stays_as_it_was(db, plugin_dir, client):
    _sync(plugin_dir)
    db.session.commit()
    _edit_manifest(plugin_dir, "vibrasense-pdm", "capabilities = ", "capabilities = 7 #")
    report = _sync(plugin_dir)
    db.session.commit()
    assert report.kept == ["vibrasense-pdm"] and report.retired == []
    assert any("vibrasense-pdm" in line and "capabilities" in line for line in report.errors)
    assert _listing(db, "vibrasense-pdm").status == ListingStatus.PUBLISHED
    assert client.get("/solutions/vibrasense-pdm").status_code == 200


def test_cli_validate_names_the_file_and_field_and_exits_1(app, plugin_dir):
    _edit_manifest(plugin_dir, "dye-aps", "price_min = 58000", "price_min = 900000")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["plugins", "validate", str(plugin_dir)])
    assert result.exit_code == 1
    assert "dye-aps/plugin.toml: price_min: must be <= price_max (got 900000 > 280000)" in (
        result.output
    )
    good = runner.invoke(args=["plugins", "validate", str(plugin_dir / "lowcode-oa")])
    assert good.exit_code == 0 and "ok:" in good.output


def test_cli_sync_and_list_show_the_bundled_catalogue(app, db):
    runner = app.test_cli_runner()
    synced = runner.invoke(args=["plugins", "sync"])
    assert synced.exit_code == 0, synced.output
    listed = runner.invoke(args=["plugins", "list"])
    assert listed.exit_code == 0
    rows = [line for line in listed.output.splitlines() if " bundled " in line]
    assert len(rows) >= 40
    dye = next(line for line in rows if line.startswith("dye-aps"))
    assert "published" in dye and "estimate" in dye and "ok" in dye
    orgs = db.session.scalar(sa.select(sa.func.count(Organisation.id)))
    assert orgs >= 10


def test_cli_search_reindex(app, db):
    runner = app.test_cli_runner()
    runner.invoke(args=["plugins", "sync"])
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    published = db.session.scalar(
        sa.select(sa.func.count(PluginListing.id)).where(
            PluginListing.status == ListingStatus.PUBLISHED
        )
    )
    assert f"Indexed {published} plug-ins" in result.output
