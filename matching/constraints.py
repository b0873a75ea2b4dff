"""Hard constraints: which offerings a need must never see, or see only demoted.

A constraint never acts silently: every drop or demotion carries a reason code
and the numbers behind it, which ``explain`` turns into a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    """Per-row outcome of the hard constraints for one need.

    Reasons are built on demand for the rows that are shown: building them for every
    flagged row of a 100k catalogue would cost more than the ranking itself.
    """

    dropped: np.ndarray
    demoted: np.ndarray
    flagged: dict[str, np.ndarray] = field(default_factory=dict)
    facts: dict[str, dict] = field(default_factory=dict)
    price_low: np.ndarray | None = None

    def reasons(self, row: int) -> list[tuple[str, dict]]:
        """(reason code, facts) of every constraint ``row`` violates."""
        out = []
        for code, mask in self.flagged.items():
            if mask[row]:
                fact = dict(self.facts[code])
                if code == "over_budget_limit" and self.price_low is not None:
                    fact["price"] = float(self.price_low[row])
                out.append((code, fact))
        return out


def apply_limits(need: Need, cat: CatalogArrays, limits: HardLimits) -> Verdicts:
    """Rows to drop or demote for ``need``; ``Verdicts.reasons(row)`` says why."""
    n = len(cat)
    flagged: dict[str, np.ndarray] = {}
    facts: dict[str, dict] = {}
    if need.budget_max and limits.max_budget_ratio is not None and limits.budget_policy != "ignore":
        with np.errstate(invalid="ignore"):
            over = cat.price_low > limits.max_budget_ratio * need.budget_max
        flagged["over_budget_limit"] = over
        facts["over_budget_limit"] = {"budget": need.budget_max, "ratio": limits.max_budget_ratio}
    if need.region and limits.region_policy != "ignore":
        local = (cat.regions >> REG_INDEX[need.region]) & 1 == 1
        flagged["no_onsite_in_region"] = ~local & ~cat.reg_any & cat.on_site
        facts["no_onsite_in_region"] = {"region": need.region}

    policies = {
        "over_budget_limit": limits.budget_policy,
        "no_onsite_in_region": limits.region_policy,
    }
    dropped = np.zeros(n, dtype=bool)
    demoted = np.zeros(n, dtype=bool)
    for code, mask in flagged.items():
        if policies[code] == "drop":
            dropped |= mask
        else:
            demoted |= mask
    demoted &= ~dropped
    return Verdicts(dropped, demoted, flagged, facts, cat.price_low)
