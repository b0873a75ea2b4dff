"""Every hookspec is documented, tested and described in one line (as datasette does)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from plugins import hookspecs

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "shuzhuan_spec"))


def test_there_are_hookspecs():
    assert {"estimate", "check_eligibility", "rfq_received"} <= set(SPECS)


@pytest.mark.parametrize("name", SPECS)
def test_hookspec_has_a_one_line_docstring(name):
    doc = inspect.getdoc(getattr(hookspecs, name))
    assert doc and "\n" not in doc.strip(), f"hookspec {name} needs a one-line docstring"


@pytest.mark.parametrize("name", SPECS)
def test_hookspec_has_a_test(name):
    pattern = re.compile(rf"^def test_hook_{name}\b", re.MULTILINE)
    tests = (ROOT / "tests").rglob("test_*.py")
    assert any(pattern.search(p.read_text(encoding="utf-8")) for p in tests), (
        f"write a test named test_hook_{name} under tests/"
    )


@pytest.mark.parametrize("name", SPECS)
def test_hookspec_is_documented(name):
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert re.search(rf"^### `{name}\(", guide, re.MULTILINE), (
        f"document hook {name} in docs/plugins.md under a heading '### `{name}(...)`'"
    )
