"""Editions of the maturity questionnaire: one TOML file per edition under ``data/``,
validated by pydantic when loaded, so a broken file stops the portal at start-up rather
than an SME half-way through the questionnaire.

An edition is immutable once published: a revision is a new file with a new ``edition``
id, and each stored assessment names the edition it was scored with.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from matching import taxonomy

DATA_DIR = Path(__file__).parent / "data"
DIMENSIONS = ("foundation", "operations", "management", "outcomes")
# Levels of the MIIT evaluation: level n from its lower bound, below 20 points no level.
LEVEL_BOUNDS = ((80, 4), (60, 3), (40, 2), (20, 1))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    share: float = Field(ge=0, le=1, description="Part of the item's points this answer earns.")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Dimension(_Strict):
    code: Literal[DIMENSIONS]  # type: ignore[valid-type]
    name_zh: str
    name_en: str
    weight: int = Field(gt=0, le=100)

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


class Item(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    dimension: Literal[DIMENSIONS]  # type: ignore[valid-type]
    points: float = Field(gt=0)
    name_zh: str
    name_en: str
    question_zh: str
    question_en: str
    capabilities: tuple[str, ...] = ()
    need_title_zh: str = Field(max_length=200)
    need_title_en: str = Field(max_length=200)
    need_text_zh: str
    need_text_en: str
    options: tuple[Option, ...] = Field(min_length=2, max_length=8)

    @field_validator("capabilities")
    @classmethod
    def _known_capabilities(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in codes if c not in taxonomy.CAPABILITIES]
        if unknown:
            raise ValueError(f"unknown capability codes: {unknown}")
        return codes

    @field_validator("options")
    @classmethod
    def _scale(cls, options: tuple[Option, ...]) -> tuple[Option, ...]:
        shares = [o.share for o in options]
        if shares[0] != 0 or shares[-1] != 1 or shares != sorted(set(shares)):
            raise ValueError("option shares must rise strictly from 0 to 1")
        return options

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def question(self, lang: str) -> str:
        return self.question_zh if lang == "zh" else self.question_en

    def need_title(self, lang: str) -> str:
        return self.need_title_zh if lang == "zh" else self.need_title_en

    def need_text(self, lang: str) -> str:
        return self.need_text_zh if lang == "zh" else self.need_text_en


class Edition(_Strict):
    edition: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,59}$")
    table: Literal["manufacturing", "services", "other"]
    published: date
    title_zh: str
    title_en: str
    dimensions: tuple[Dimension, ...]
    items: tuple[Item, ...] = Field(min_length=4)

    @model_validator(mode="after")
    def _adds_up(self) -> Edition:
        codes = [d.code for d in self.dimensions]
        if sorted(codes) != sorted(DIMENSIONS):
            raise ValueError(f"the four dimensions {DIMENSIONS} each once, not {codes}")
        if sum(d.weight for d in self.dimensions) != 100:
            raise ValueError("dimension weights must add up to 100")
        ids = [i.id for i in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError("item ids must be unique")
        for dim in self.dimensions:
            points = sum(i.points for i in self.items if i.dimension == dim.code)
            if abs(points - dim.weight) > 1e-9:
                raise ValueError(f"items of {dim.code} add up to {points}, not {dim.weight}")
        return self

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)

    def dimension(self, code: str) -> Dimension:
        return next(d for d in self.dimensions if d.code == code)

    def items_of(self, code: str) -> list[Item]:
        return [i for i in self.items if i.dimension == code]


class EditionError(ValueError):
    """A questionnaire file that does not validate, named with its path."""


def load_edition(path: Path) -> Edition:
    try:
        return Edition.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise EditionError(f"{path}: {exc}") from exc


@cache
def load_editions(folder: Path = DATA_DIR) -> dict[str, Edition]:
    """Every edition in ``folder`` by id; ids must be unique across files."""
    found: dict[str, Edition] = {}
    for path in sorted(folder.glob("*.toml")):
        edition = load_edition(path)
        if edition.edition in found:
            raise EditionError(f"{path}: edition {edition.edition!r} is defined twice")
        found[edition.edition] = edition
    return found


def current(editions: dict[str, Edition], table: str = "manufacturing") -> Edition | None:
    """The newest published edition of ``table``."""
    of_table = [e for e in editions.values() if e.table == table and e.published <= date.today()]
    return max(of_table, key=lambda e: (e.published, e.edition), default=None)


def level_for(total: float) -> int:
    """The MIIT level of a total score: 1 from 20, 2 from 40, 3 from 60, 4 from 80; else 0."""
    for bound, level in LEVEL_BOUNDS:
        if total >= bound:
            return level
    return 0
