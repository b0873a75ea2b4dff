"""Discovery: bundled folders, installed distributions (entry points) and extra folders."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from plugin_factories import MINIMAL_TOML

from matching.types import Need
from plugins.discovery import BUNDLED_DIR, ENTRY_POINT_GROUP, discover
from plugins.host import PluginHost
from plugins.manifest import display_path
from plugins.toolkit import Estimate


def test_invalid_manifest_is_not_loaded_and_the_others_are(write_plugin, tmp_path):
    write_plugin("good-one")
    write_plugin("bad-one", extra='price_model = "per_seat"')
    found = discover(bundled_dir=None, entry_point_group=None, folders=[tmp_path / "plugins"])
    assert [p.slug for p in found.plugins] == ["good-one"]
    assert found.plugins[0].origin == "folder"
    [error] = found.errors
    assert error.origin == "folder"
    path = display_path(tmp_path / "plugins" / "bad-one" / "plugin.toml")
    assert error.lines == (f"{path}: price_model: unknown value 'per_seat'",)
    assert error.errors == {"price_model": ["unknown value 'per_seat'"]}


def test_a_folder_may_be_one_plugin(write_plugin):
    folder = write_plugin("single")
    found = discover(bundled_dir=None, entry_point_group=None, folders=[folder])
    assert [p.slug for p in found.plugins] == ["single"]


def test_missing_folder_is_reported(tmp_path):
    found = discover(bundled_dir=None, entry_point_group=None, folders=[tmp_path / "nope"])
    assert found.plugins == []
    assert "plug-in folder not found" in found.errors[0].lines[0]


def test_first_plugin_keeps_a_slug(tmp_path, write_plugin):
    write_plugin("dye-aps")
    found = discover(entry_point_group=None, folders=[tmp_path / "plugins"])
    assert found.get("dye-aps").origin == "bundled"
    [error] = [e for e in found.errors if e.slug == "dye-aps"]
    bundled = display_path(BUNDLED_DIR / "dye-aps" / "plugin.toml")
    assert f"'dye-aps' is already taken by {bundled}; ignored" in error.lines[0]


def test_bundled_plugins_are_found_in_order():
    found = discover(entry_point_group=None)
    slugs = [p.slug for p in found.plugins]
    assert slugs == sorted(slugs)
    assert {p.origin for p in found.plugins} == {"bundled"}
    assert found.errors == []
    assert len(slugs) == len(list(BUNDLED_DIR.glob("*/plugin.toml")))


def make_distribution(
    site: Path, package: str, *, manifest: str | None, hooks: str | None = None
) -> None:
    """An installed distribution as pip leaves it: a package and its .dist-info metadata."""
    dist = package.replace("_", "-")
    info = site / f"{package}-1.0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{dist} = {package}\n")
    pkg = site / package
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    if manifest is not None:
        (pkg / "plugin.toml").write_text(manifest, encoding="utf-8")
    if hooks is not None:
        (pkg / "hooks.py").write_text(textwrap.dedent(hooks))
        (pkg / "pricing.py").write_text("PER_ASSET = 3000\n")


def test_installed_distribution_is_discovered_and_its_hooks_run(
    tmp_path, monkeypatch, clean_modules
):
    site = tmp_path / "site"
    manifest = MINIMAL_TOML.format(slug="acme-pdm", extra='hooks = "hooks"')
    hooks = """
        from plugins.toolkit import Estimate, hookimpl
        from .pricing import PER_ASSET  # relative imports work: hooks are imported as a package

        @hookimpl
        def estimate(need):
            return Estimate(PER_ASSET * 10, PER_ASSET * 12, 3, ["10 assets"])
    """
    make_distribution(site, "acme_pdm_plugin", manifest=manifest, hooks=hooks)
    monkeypatch.syspath_prepend(str(site))

    found = discover(bundled_dir=None)
    [plugin] = [p for p in found.plugins if p.slug == "acme-pdm"]
    assert plugin.origin == "installed"
    assert plugin.distribution == "acme-pdm-plugin"
    assert plugin.package == "acme_pdm_plugin"
    assert plugin.manifest.path == site / "acme_pdm_plugin" / "plugin.toml"

    host = PluginHost.from_discovery(found)
    assert host.errors == []
    need = Need.from_dict({"id": "n1", "description": "vibration monitoring"})
    assert host.estimate("acme-pdm", need) == Estimate(30000, 36000, 3, ("10 assets",))


def test_broken_distributions_are_reported(tmp_path, monkeypatch, clean_modules):
    site = tmp_path / "site"
    make_distribution(site, "no_manifest_plugin", manifest=None)
    make_distribution(site, "bad_manifest_plugin", manifest='id = "x"\n')
    monkeypatch.syspath_prepend(str(site))
    found = discover(bundled_dir=None)
    lines = [line for e in found.errors for line in e.lines]
    assert any("package 'no_manifest_plugin' has no plugin.toml" in line for line in lines)
    assert any(
        line.endswith('version: is required (a semantic version such as "1.0.0")') for line in lines
    )
    assert all(e.origin == "installed" for e in found.errors)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nowhere_to_be_found", "package 'nowhere_to_be_found' is not installed"),
        ("textwrap", "must name a package holding plugin.toml, not a module"),
        ("json.decoder", "must name a top-level package"),
    ],
)
def test_entry_point_must_name_an_installed_package(tmp_path, monkeypatch, value, message):
    info = tmp_path / "odd_plugin-1.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: odd-plugin\nVersion: 1.0.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nodd = {value}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = discover(bundled_dir=None)
    [error] = found.errors
    assert message in error.lines[0]
    assert error.lines[0].startswith(f"entry point 'odd' = '{value}' of odd-plugin: ")
