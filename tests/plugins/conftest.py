"""Helpers to write throw-away plug-ins into a temporary folder."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from plugin_factories import MINIMAL_TOML

WritePlugin = Callable[..., Path]


@pytest.fixture
def write_plugin(tmp_path: Path) -> WritePlugin:
    """Write ``<tmp>/plugins/<slug>/plugin.toml`` (and ``hooks.py`` when code is given)."""

    def write(slug: str, *, hooks: str | None = None, extra: str = "", toml: str | None = None):
        folder = tmp_path / "plugins" / slug
        folder.mkdir(parents=True)
        if hooks is not None:
            extra = 'hooks = "hooks"\n' + extra
            (folder / "hooks.py").write_text(textwrap.dedent(hooks), encoding="utf-8")
        text = toml if toml is not None else MINIMAL_TOML.format(slug=slug, extra=extra)
        (folder / "plugin.toml").write_text(text, encoding="utf-8")
        return folder

    return write


@pytest.fixture
def clean_modules() -> Iterator[None]:
    """Forget modules a test imported (hooks, test distributions) so tests stay independent."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]
