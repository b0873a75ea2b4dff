"""Offerings and needs as in ../shared/data-formats.md, validated field by field.

``Offering.from_dict`` and ``Need.from_dict`` are the one place where these
records are checked: the JSONL loader, the plug-in manifests and the portal's
forms all go through them, so a rule is written once. Unknown keys are
ignored; every problem is collected, so a user sees all of them at once.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from matching.taxonomy import (
    ANY,
    CAPABILITIES,
    COMPANY_SIZES,
    DEPLOYMENTS,
    INDUSTRIES,
    LANGS,
    PRICE_MODELS,
    REGIONS,
)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
MAX_TEXT = 20_000
MAX_CNY = 1_000_000_000  # one billion CNY: no SME project costs more; above is a typo


class InvalidRecord(ValueError):
    """A record with one or more bad fields; ``errors`` maps field name → messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(
            "; ".join(f"{name}: {msg}" for name, msgs in errors.items() for msg in msgs)
        )


class _Checker:
    """Collects field errors while reading a raw mapping."""

    def __init__(self, raw: dict[str, Any]):
        if not isinstance(raw, dict):
            raise InvalidRecord({"(record)": ["must be an object"]})
        self.raw = raw
        self.errors: dict[str, list[str]] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def text(self, name: str, *, required: bool = False, max_len: int = MAX_TEXT) -> str | None:
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "is required")
            return None
        if not isinstance(value, str):
            self.fail(name, f"must be a string (got {type(value).__name__})")
            return None
        value = value.strip()
        if len(value) > max_len:
            self.fail(name, f"must be at most {max_len} characters (got {len(value)})")
            return None
        return value

    def integer(self, name: str, *, low: int | None = 0, high: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                self.fail(name, f"must be a whole number (got {value!r})")
                return None
        if low is not None and value < low:
            self.fail(name, f"must be >= {low} (got {value})")
            return None
        if high is not None and value > high:
            self.fail(name, f"must be <= {high} (got {value})")
            return None
        return value

    def choice(self, name: str, allowed) -> str | int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if value not in allowed:
            self.fail(name, f"unknown value {value!r}")
            return None
        return value

    def codes(self, name: str, allowed, *, wildcard: bool = False) -> list:
        value = self.raw.get(name)
        if value is None:
            return []
        if isinstance(value, str | int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self.fail(name, f"must be a list (got {type(value).__name__})")
            return []
        unknown = [v for v in value if v not in allowed and not (wildcard and v == ANY)]
        if unknown:
            self.fail(name, "unknown code(s) " + ", ".join(repr(v) for v in unknown))
            return []
        return list(dict.fromkeys(value))  # drop duplicates, keep order

    def check(self) -> None:
        if self.errors:
            raise InvalidRecord(self.errors)


@dataclass(slots=True)
class Offering:
    """A vendor's solution as the matcher sees it (one line of catalog.jsonl)."""

    id: str
    name: str
    vendor: str | None = None
    summary: str | None = None
    description: str | None = None
    lang: str | None = None
    capabilities: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    company_sizes: list[str] = field(default_factory=list)
    price_min: int | None = None
    price_max: int | None = None
    price_model: str | None = None
    deployment: list[str] = field(default_factory=list)
    delivery_weeks: int | None = None
    maturity_levels: list[int] = field(default_factory=list)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, strict_id: bool = True) -> Offering:
        """Validate ``raw``; raise :class:`InvalidRecord` naming every bad field."""
        c = _Checker(raw)
        oid = raw.get("id")
        if isinstance(oid, int) and not isinstance(oid, bool):
            oid = str(oid)
        if not isinstance(oid, str) or not oid:
            c.fail("id", "is required")
        elif strict_id and not SLUG_RE.match(oid):
            c.fail("id", f"must match [a-z0-9][a-z0-9._-]{{0,79}} (got {oid!r})")
        offering = cls(
            id=oid if isinstance(oid, str) else "",
            name=c.text("name", required=True, max_len=500) or "",
            vendor=c.text("vendor", max_len=200),
            summary=c.text("summary", max_len=1000),
            description=c.text("description"),
            lang=c.choice("lang", LANGS),
            capabilities=c.codes("capabilities", CAPABILITIES),
            industries=c.codes("industries", INDUSTRIES, wildcard=True),
            regions=c.codes("regions", REGIONS, wildcard=True),
            company_sizes=c.codes("company_sizes", COMPANY_SIZES),
            price_min=c.integer("price_min", high=MAX_CNY),
            price_max=c.integer("price_max", high=MAX_CNY),
            price_model=c.choice("price_model", PRICE_MODELS),
            deployment=c.codes("deployment", DEPLOYMENTS),
            delivery_weeks=c.integer("delivery_weeks", low=0, high=520),
            maturity_levels=c.codes("maturity_levels", (1, 2, 3, 4)),
        )
        lo, hi = offering.price_min, offering.price_max
        if lo is not None and hi is not None and lo > hi:
            c.fail("price_min", f"must be <= price_max (got {lo} > {hi})")
        c.check()
        return offering

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data, without empty fields."""
        return {k: v for k, v in asdict(self).items() if v not in (None, [], "")}

    @property
    def text(self) -> str:
        """All free text of the offering, for text models."""
        parts = (self.name, self.vendor, self.summary, self.description)
        return "\n".join(p for p in parts if p)


@dataclass(slots=True)
class Need:
    """An SME's needs profile (one line of cases.jsonl)."""

    id: str
    description: str
    title: str | None = None
    lang: str | None = None
    industry: str | None = None
    region: str | None = None
    company_size: str | None = None
    employees: int | None = None
    budget_max: int | None = None
    timeline_weeks: int | None = None
    capabilities: list[str] = field(default_factory=list)
    maturity_level: int | None = None
    relevant: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Need:
        """Validate ``raw``; raise :class:`InvalidRecord` naming every bad field.

        A need with only a title is accepted: its title then serves as the description.
        """
        c = _Checker(raw)
        nid = raw.get("id", "")
        if isinstance(nid, int) and not isinstance(nid, bool):
            nid = str(nid)
        if not isinstance(nid, str):
            c.fail("id", "must be a string")
            nid = ""
        title = c.text("title", max_len=200)
        description = c.text("description", required=title is None)
        relevant = raw.get("relevant") or {}
        if not isinstance(relevant, dict) or not all(
            isinstance(g, int) and not isinstance(g, bool) and 0 <= g <= 3
            for g in relevant.values()
        ):
            c.fail("relevant", "must map offering ids to grades 0-3")
            relevant = {}
        need = cls(
            id=nid,
            title=title,
            description=description or title or "",
            lang=c.choice("lang", LANGS),
            industry=c.choice("industry", INDUSTRIES),
            region=c.choice("region", REGIONS),
            company_size=c.choice("company_size", COMPANY_SIZES),
            employees=c.integer("employees", low=0, high=10_000_000),
            budget_max=c.integer("budget_max", high=MAX_CNY),
            timeline_weeks=c.integer("timeline_weeks", low=0, high=520),
            capabilities=c.codes("capabilities", CAPABILITIES),
            maturity_level=c.choice("maturity_level", (1, 2, 3, 4)),
            relevant={str(k): v for k, v in relevant.items()},
        )
        c.check()
        return need

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data, without empty fields."""
        return {k: v for k, v in asdict(self).items() if v not in (None, [], "", {})}

    @property
    def text(self) -> str:
        """Title and description, for text models."""
        if self.title and self.title != self.description:
            return f"{self.title}\n{self.description}"
        return self.description
