"""`flask plugins list | validate | sync`: the operator's view of installed plug-ins."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from app.cli.base import CommandGroup
from app.extensions import db
from app.models import PluginListing
from app.services.plugin_hooks import plugin_host
from app.services.plugin_sync import sync_plugins
from plugins.discovery import discover
from plugins.manifest import MANIFEST_NAME, ManifestError, display_path, load_manifest

plugins_cli = CommandGroup("plugins", help="Operator plug-ins: list, validate, sync.")


def _discover():
    return discover(folders=current_app.config["PLUGIN_FOLDERS"])


@plugins_cli.command("list")
def list_plugins() -> None:
    """Name, source, status, hooks and health of every discovered plug-in."""
    found = _discover()
    host = plugin_host()
    listings = {
        item.slug: item
        for item in db.session.scalars(
            sa.select(PluginListing).where(PluginListing.slug.in_([p.slug for p in found.plugins]))
        )
    }
    rows = [("plug-in", "source", "status", "hooks", "health", "name")]
    for plugin in found.plugins:
        listing = listings.get(plugin.slug)
        rows.append(
            (
                plugin.slug,
                plugin.origin,
                str(listing.status) if listing else "not synced",
                ",".join(host.hooks_of(plugin.slug)) or "-",
                str(listing.health) if listing else host.health(plugin.slug).state,
                plugin.manifest.offering.name[:40],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[5]
        )
    click.echo(f"{len(found.plugins)} plug-ins, {len(found.errors)} invalid")
    for error in found.errors:
        for line in error.lines:
            click.echo(f"invalid: {line}", err=True)


def _manifests(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if (path / MANIFEST_NAME).is_file():
        return [path / MANIFEST_NAME]
    return sorted(path.glob(f"*/{MANIFEST_NAME}"))


@plugins_cli.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check manifests (files, plug-in folders or folders of them); exit 1 on any error."""
    failed = checked = 0
    for path in paths:
        manifests = _manifests(path)
        if not manifests:
            click.echo(f"{display_path(path)}: no {MANIFEST_NAME} found", err=True)
            failed += 1
        for manifest in manifests:
            checked += 1
            try:
                load_manifest(manifest)
            except ManifestError as exc:
                failed += 1
                for line in exc.lines:
                    click.echo(line, err=True)
            else:
                click.echo(f"ok: {display_path(manifest)}")
    click.echo(f"{checked} manifests checked, {failed} with errors")
    if failed:
        raise SystemExit(1)


@plugins_cli.command("sync")
def sync() -> None:
    """Create, update and retire listings to match the discovered plug-ins."""
    report = sync_plugins(
        _discover(), auto_publish_bundled=current_app.config["PLUGINS_AUTO_PUBLISH_BUNDLED"]
    )
    db.session.commit()
    for line in report.errors:
        click.echo(f"invalid: {line}", err=True)
    click.echo(f"Plug-ins synced: {report.summary()}.")
