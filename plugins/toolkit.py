"""Everything a plug-in's code may import: ``from plugins.toolkit import hookimpl, Estimate``.

Plug-ins depend on this facade only, never on the portal's modules, so the
portal can change its internals without breaking vendor code. Results are
checked when they are built: a hook that builds a bad ``Estimate`` fails inside
the hook, where the manager catches it, never on a page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from matching.types import Need, Offering
from plugins.hookspecs import hookimpl

__all__ = ["Eligibility", "Estimate", "Need", "Offering", "RfqInfo", "hookimpl"]


def _whole(name: str, value: Any, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int (got {type(value).__name__})")
    if value < 0:
        raise ValueError(f"{name} must be >= 0 (got {value})")


@dataclass(frozen=True, slots=True)
class Estimate:
    """An instant, indicative first-year cost (CNY) and delivery time for one need."""

    price_min: int
    price_max: int
    delivery_weeks: int | None = None
    assumptions: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        _whole("price_min", self.price_min)
        _whole("price_max", self.price_max)
        _whole("delivery_weeks", self.delivery_weeks, optional=True)
        if self.price_min > self.price_max:
            raise ValueError(
                f"price_min must be <= price_max (got {self.price_min} > {self.price_max})"
            )
        if isinstance(self.assumptions, str) or not all(
            isinstance(a, str) for a in self.assumptions
        ):
            raise TypeError("assumptions must be a sequence of strings")
        object.__setattr__(self, "assumptions", tuple(self.assumptions))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (assumptions as a list)."""
        data = asdict(self)
        data["assumptions"] = list(self.assumptions)
        return data


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether a solution can serve a need, with the reason a buyer should read."""

    eligible: bool
    reason: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.eligible, bool):
            raise TypeError(f"eligible must be a bool (got {type(self.eligible).__name__})")
        if not isinstance(self.reason, str):
            raise TypeError(f"reason must be a string (got {type(self.reason).__name__})")
        if not self.eligible and not self.reason.strip():
            raise ValueError("a reason is required when the need is not eligible")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class RfqInfo:
    """A request for quote that an SME sent to the plug-in's vendor."""

    id: str
    need: Need
    message: str = ""
