"""Hard constraints: which offerings a need must never see, or see only demoted.

A constraint never acts silently: every drop or demotion carries a reason code
and the numbers behind it, which ``explain`` turns into a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from matching.features import REG_INDEX, CatalogArrays
from matching.types import Need

POLICIES = ("drop", "demote", "ignore")


@dataclass(frozen=True)
class HardLimits:
    """Configuration of the hard constraints.

    ``max_budget_ratio``: an offering whose cheapest first-year cost exceeds this many
    times the need's budget is handled by ``budget_policy`` (None disables the limit).
    ``region_policy``: what happens to an offering that needs on-site work but does
    not deliver in the need's region.
    ``demotion``: how much is subtracted from a demoted offering's score.
    """

    max_budget_ratio: float | None = 2.0
    budget_policy: str = "drop"
    region_policy: str = "demote"
    demotion: float = 1.0

    def __post_init__(self) -> None:
        for name in ("budget_policy", "region_policy"):
            if getattr(self, name) not in POLICIES:
                raise ValueError(f"{name} must be one of {POLICIES}, got {getattr(self, name)!r}")
        if self.max_budget_ratio is not None and self.max_budget_ratio <= 0:
            raise ValueError(f"max_budget_ratio must be > 0, got {self.max_budget_ratio}")


@dataclass
class Verdicts:
    """Outcome of the hard constraints for one need, computed for the rows asked about.

    Ranking asks only for its candidates and the rows it shows; the full masks
    (``dropped``, ``demoted``) are built on first use, for the "why not" list.
    """

    need: Need
    cat: CatalogArrays
    limits: HardLimits
    facts: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        need, limits = self.need, self.limits
        if (
            need.budget_max
            and limits.max_budget_ratio is not None
            and limits.budget_policy != "ignore"
        ):
            self.facts["over_budget_limit"] = {
                "budget": need.budget_max,
                "ratio": limits.max_budget_ratio,
            }
        if need.region and limits.region_policy != "ignore":
            self.facts["no_onsite_in_region"] = {"region": need.region}

    @property
    def budget_limit(self) -> float | None:
        """The price above which the budget constraint acts, or None."""
        fact = self.facts.get("over_budget_limit")
        return None if fact is None else fact["ratio"] * fact["budget"]

    def flags(self, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Reason code → mask over ``rows`` (default: all rows) of the rows it flags."""
        cat = self.cat
        rows = slice(None) if rows is None else np.asarray(rows, dtype=np.int64)
        out = {}
        if "over_budget_limit" in self.facts:
            with np.errstate(invalid="ignore"):
                out["over_budget_limit"] = cat.price_low[rows] > self.budget_limit
        if "no_onsite_in_region" in self.facts:
            local = (cat.regions[rows] >> REG_INDEX[self.need.region]) & 1 == 1
            out["no_onsite_in_region"] = ~local & ~cat.reg_any[rows] & cat.on_site[rows]
        return out

    def _split(self, rows: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.cat) if rows is None else len(rows)
        dropped = np.zeros(n, dtype=bool)
        demoted = np.zeros(n, dtype=bool)
        policies = {
            "over_budget_limit": self.limits.budget_policy,
            "no_onsite_in_region": self.limits.region_policy,
        }
        for code, mask in self.flags(rows).items():
            if policies[code] == "drop":
                dropped |= mask
            else:
                demoted |= mask
        return dropped, demoted & ~dropped

    @cached_property
    def dropped(self) -> np.ndarray:
        return self._split(None)[0]

    @cached_property
    def demoted(self) -> np.ndarray:
        return self._split(None)[1]

    def demoted_at(self, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` are demoted (not dropped)."""
        return self._split(rows)[1]

    def reasons_of(self, rows: Sequence[int] | np.ndarray) -> list[list[tuple[str, dict]]]:
        """(reason code, facts) of every constraint each of ``rows`` violates."""
        rows = np.asarray(rows, dtype=np.int64)
        flags = self.flags(rows)
        out = []
        for i, row in enumerate(rows.tolist()):
            found = []
            for code, mask in flags.items():
                if mask[i]:
                    fact = dict(self.facts[code])
                    if code == "over_budget_limit":
                        fact["price"] = float(self.cat.price_low[row])
                    found.append((code, fact))
            out.append(found)
        return out


def apply_limits(need: Need, cat: CatalogArrays, limits: HardLimits) -> Verdicts:
    """The hard constraints for ``need``; ``Verdicts.reasons_of(rows)`` says why."""
    return Verdicts(need, cat, limits)
