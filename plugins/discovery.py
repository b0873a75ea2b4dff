"""Finding plug-ins: manifests only, never code.

:func:`discover` reads, in this order, the bundled folders ``plugins/bundled/*/plugin.toml``,
installed distributions that declare an entry point in the ``shuzhuan.plugins`` group, then
extra folders named in configuration. An invalid manifest becomes a :class:`LoadError` and
the others still load; the first plug-in to claim a slug keeps it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from plugins.manifest import (
    FILE,
    MANIFEST_NAME,
    Manifest,
    ManifestError,
    display_path,
    load_manifest,
)

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "shuzhuan.plugins"
BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"

Origin = Literal["bundled", "installed", "folder"]


@dataclass(frozen=True, slots=True)
class FoundPlugin:
    """A plug-in with a valid manifest, and where it came from."""

    manifest: Manifest
    origin: Origin
    distribution: str | None = None  # installed: the distribution that declared it
    package: str | None = None  # installed: the entry point's package (hooks import below it)

    @property
    def slug(self) -> str:
        return self.manifest.id


@dataclass(frozen=True, slots=True)
class LoadError:
    """A plug-in that could not be loaded: its manifest or its hooks module is broken."""

    source: str
    origin: Origin
    lines: tuple[str, ...]  # "<file>: <field>: <problem>", ready to print
    errors: dict[str, list[str]] = field(default_factory=dict)  # field → messages
    slug: str | None = None

    @classmethod
    def from_manifest_error(
        cls, exc: ManifestError, origin: Origin, slug: str | None = None
    ) -> LoadError:
        return cls(exc.source, origin, tuple(exc.lines), exc.errors, slug)

    @classmethod
    def single(
        cls, source: str, origin: Origin, name: str, message: str, slug: str | None = None
    ) -> LoadError:
        line = f"{source}: {message}" if name == FILE else f"{source}: {name}: {message}"
        return cls(source, origin, (line,), {name: [message]}, slug)


@dataclass(slots=True)
class Discovery:
    """What :func:`discover` found: valid plug-ins in load order, and the broken ones."""

    plugins: list[FoundPlugin] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)

    def get(self, slug: str) -> FoundPlugin | None:
        return next((p for p in self.plugins if p.slug == slug), None)


def discover(
    *,
    bundled_dir: Path | str | None = BUNDLED_DIR,
    entry_point_group: str | None = ENTRY_POINT_GROUP,
    folders: Iterable[Path | str] = (),
) -> Discovery:
    """Read every plug-in's manifest: bundled, then installed, then extra folders.

    Pass ``bundled_dir=None`` or ``entry_point_group=None`` to leave a source
    out. Each extra folder is either one plug-in (it holds a ``plugin.toml``)
    or a folder of plug-in folders, like ``plugins/bundled``.
    """
    found = Discovery()
    owners: dict[str, str] = {}

    def add(path: Path, origin: Origin, **extra: Any) -> None:
        try:
            manifest = load_manifest(path, allow_hooks=True)
        except ManifestError as exc:
            found.errors.append(LoadError.from_manifest_error(exc, origin))
            return
        if manifest.id in owners:
            found.errors.append(
                LoadError.single(
                    manifest.source,
                    origin,
                    "id",
                    f"{manifest.id!r} is already taken by {owners[manifest.id]}; ignored",
                    manifest.id,
                )
            )
            return
        owners[manifest.id] = manifest.source
        found.plugins.append(FoundPlugin(manifest, origin, **extra))

    if bundled_dir is not None:
        for path in _manifests_below(Path(bundled_dir)):
            add(path, "bundled")
    if entry_point_group is not None:
        for ep in sorted(importlib.metadata.entry_points(group=entry_point_group), key=_ep_key):
            dist = ep.dist.name if ep.dist else None
            where = f"entry point {ep.name!r} = {ep.value!r}" + (f" of {dist}" if dist else "")
            path, problem = _entry_point_manifest(ep.module)
            if problem:
                found.errors.append(LoadError.single(where, "installed", FILE, problem))
            else:
                add(path, "installed", distribution=dist, package=ep.module)
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            found.errors.append(
                LoadError.single(display_path(folder), "folder", FILE, "plug-in folder not found")
            )
            continue
        for path in _manifests_below(folder):
            add(path, "folder")
    return found


def _manifests_below(folder: Path) -> list[Path]:
    if (folder / MANIFEST_NAME).is_file():
        return [folder / MANIFEST_NAME]
    return sorted(folder.glob(f"*/{MANIFEST_NAME}"))


def _ep_key(ep: importlib.metadata.EntryPoint) -> tuple[str, str]:
    return (ep.dist.name if ep.dist else "", ep.name)


def _entry_point_manifest(module: str) -> tuple[Path, str | None]:
    """The plugin.toml inside the entry point's package, found without running its code."""
    if "." in module:
        problem = f"must name a top-level package holding {MANIFEST_NAME} (got {module!r})"
        return Path(), problem
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:
        return Path(), f"package {module!r} cannot be found ({exc})"
    if spec is None:
        return Path(), f"package {module!r} is not installed"
    if not spec.submodule_search_locations:
        return Path(), f"must name a package holding {MANIFEST_NAME}, not a module ({module!r})"
    path = Path(next(iter(spec.submodule_search_locations))) / MANIFEST_NAME
    if not path.is_file():
        return path, f"package {module!r} has no {MANIFEST_NAME}"
    return path, None
