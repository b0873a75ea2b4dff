"""JSON Lines loading of catalogs and cases with errors that name file, line and field."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from matching.types import InvalidRecord, Need, Offering

T = TypeVar("T")


class LoadError(ValueError):
    """A malformed line: ``path``, ``line`` (1-based) and ``errors`` (field → messages)."""

    def __init__(self, path: str, line: int, errors: dict[str, list[str]]):
        self.path = path
        self.line = line
        self.errors = errors
        detail = "; ".join(f"{f}: {m}" for f, msgs in errors.items() for m in msgs)
        super().__init__(f"{path}, line {line}: {detail}")


def _read(path: str | Path, parse: Callable[[dict], T]) -> Iterator[tuple[int, T]]:
    name = str(path)
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue  # blank lines (e.g. a trailing newline) are not records
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                detail = {"(json)": [f"{exc.msg} at column {exc.colno}"]}
                raise LoadError(name, number, detail) from None
            try:
                yield number, parse(raw)
            except InvalidRecord as exc:
                raise LoadError(name, number, exc.errors) from None


def load_offerings(path: str | Path, *, strict_id: bool = False) -> list[Offering]:
    """Offerings of a catalog JSONL file; duplicate ids are an error."""
    offerings: list[Offering] = []
    seen: dict[str, int] = {}
    for number, offering in _read(path, lambda raw: Offering.from_dict(raw, strict_id=strict_id)):
        if offering.id in seen:
            first = seen[offering.id]
            raise LoadError(
                str(path), number, {"id": [f"duplicate id {offering.id!r} (first on line {first})"]}
            )
        seen[offering.id] = number
        offerings.append(offering)
    return offerings


def load_needs(path: str | Path) -> list[Need]:
    """Needs (cases) of a JSONL file, labels included when present."""
    return [need for _, need in _read(path, Need.from_dict)]


def load_need(path: str | Path) -> Need:
    """One need from a JSON file (an object, or the first line of a JSONL file)."""
    text = Path(path).read_text(encoding="utf-8").strip()
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        return load_needs(path)[0]
    try:
        return Need.from_dict(raw)
    except InvalidRecord as exc:
        raise LoadError(str(path), 1, exc.errors) from None
