"""Structured fit of offerings to a need, computed for the whole catalogue at once.

Each component is a float in [0, 1] (quality in [-1, 1]); 0.5 means "unknown", so
a listing that leaves a field empty is neither rewarded nor punished for it.
``CatalogArrays`` keeps one row per indexed offering (rows of suspended ones stay,
flagged dead), so a published offering is one appended row, not a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.capabilities import suggest_capabilities
from matching.taxonomy import ANY, CAPABILITIES, COMPANY_SIZES, INDUSTRIES, REGIONS
from matching.types import Need, Offering

CAP_CODES = list(CAPABILITIES)
CAP_INDEX = {c: i for i, c in enumerate(CAP_CODES)}
IND_INDEX = {c: i for i, c in enumerate(INDUSTRIES)}
REG_INDEX = {c: i for i, c in enumerate(REGIONS)}
SIZE_ORDER = {s: i for i, s in enumerate(COMPANY_SIZES)}  # micro < small < medium

# Capabilities whose delivery means people or hardware in the plant.
ON_SITE_CAPABILITIES = frozenset(
    {
        "production.mes",
        "production.iiot",
        "equipment.maintenance",
        "quality.inspection",
        "safety.ehs",
        "energy.management",
        "infra.network",
        "consulting.assessment",
        "consulting.training",
    }
)

STRUCTURE_COMPONENTS = (
    "capability",
    "industry",
    "region",
    "size",
    "budget",
    "timeline",
    "maturity",
    "quality",
)


def size_of(need: Need) -> str | None:
    """The need's company size, from ``company_size`` or else from ``employees``."""
    if need.company_size:
        return need.company_size
    if need.employees is None:
        return None
    return "micro" if need.employees < 20 else "small" if need.employees < 300 else "medium"


def capability_weights(codes: list[str], text: str) -> np.ndarray:
    """Need or offering capability vector: given codes weigh 1, codes read from text less."""
    vec = np.zeros(len(CAP_CODES))
    if codes:
        vec[[CAP_INDEX[c] for c in codes]] = 1.0
    for code, score in suggest_capabilities(text):
        # Text-inferred codes count less than declared ones, and only the stronger ones.
        if score >= 0.3:
            i = CAP_INDEX[code]
            vec[i] = max(vec[i], (0.5 if codes else 1.0) * score)
    return vec


@dataclass
class OfferingRow:
    """The structured fields of one offering, as numbers."""

    caps: np.ndarray
    caps_known: bool
    industries: int  # bit i set: serves industry i of INDUSTRIES (bitmasks keep scans cheap)
    ind_any: bool
    regions: int  # bit i set: on-site delivery in region i of REGIONS
    reg_any: bool
    sizes: int  # bit i set: suits size i (micro, small, medium)
    price_low: float
    price_high: float
    weeks: float
    maturity: int  # bit i set: suits maturity level i + 1
    on_site: bool

    @classmethod
    def of(cls, o: Offering) -> OfferingRow:
        ind = _bits(IND_INDEX[c] for c in o.industries if c != ANY)
        reg = _bits(REG_INDEX[c] for c in o.regions if c != ANY)
        sizes = _bits(SIZE_ORDER[s] for s in o.company_sizes)
        mat = _bits(m - 1 for m in o.maturity_levels)
        caps = capability_weights(o.capabilities, "")
        low = o.price_min if o.price_min is not None else o.price_max
        high = o.price_max if o.price_max is not None else o.price_min
        deploy = set(o.deployment)
        on_site = bool(deploy & {"on_prem", "hybrid"}) or (
            not deploy and bool(set(o.capabilities) & ON_SITE_CAPABILITIES)
        )
        return cls(
            caps=caps,
            caps_known=bool(caps.any()),
            industries=ind,
            ind_any=ANY in o.industries or not o.industries,
            regions=reg,
            reg_any=ANY in o.regions or not o.regions,
            sizes=sizes,
            price_low=np.nan if low is None else float(low),
            price_high=np.nan if high is None else float(high),
            weeks=np.nan if o.delivery_weeks is None else float(o.delivery_weeks),
            maturity=mat,
            on_site=on_site,
        )


def _bits(positions) -> int:
    out = 0
    for p in positions:
        out |= 1 << p
    return out


_FIELDS = (
    "caps",
    "caps_known",
    "industries",
    "ind_any",
    "regions",
    "reg_any",
    "sizes",
    "price_low",
    "price_high",
    "weeks",
    "maturity",
    "on_site",
)
_DTYPES = {"industries": np.int64, "regions": np.int64, "sizes": np.int64, "maturity": np.int64}


class CatalogArrays:
    """Column arrays of all offering rows, grown one row at a time on publish."""

    def __init__(self, rows: list[OfferingRow]):
        template = OfferingRow.of(Offering(id="_", name="_"))
        for name in _FIELDS:
            values = [getattr(r, name) for r in rows]
            empty = np.zeros((0, *np.shape(getattr(template, name))))
            arr = np.array(values) if values else empty
            dtype = _DTYPES.get(name, np.asarray(getattr(template, name)).dtype)
            setattr(self, name, arr.astype(dtype))
        self.quality = np.full(len(rows), np.nan)

    def __len__(self) -> int:
        return len(self.price_low)

    def append(self, row: OfferingRow) -> None:
        for name in _FIELDS:
            arr = getattr(self, name)
            new = np.asarray(getattr(row, name), dtype=arr.dtype)[None]
            setattr(self, name, np.concatenate([arr, new]))
        self.quality = np.append(self.quality, np.nan)


@dataclass
class NeedProfile:
    """A need's structured side, prepared once per ranking."""

    caps: np.ndarray
    size: str | None

    @classmethod
    def of(cls, need: Need) -> NeedProfile:
        return cls(caps=capability_weights(need.capabilities, need.text), size=size_of(need))


def structure_components(
    need: Need, profile: NeedProfile, cat: CatalogArrays
) -> dict[str, np.ndarray]:
    """Every structured component of every offering row for ``need``."""
    n = len(cat)
    half = np.full(n, 0.5)
    out: dict[str, np.ndarray] = {}

    # Capability: the best-matched wanted code counts most, the breadth of overlap a little.
    wanted = np.flatnonzero(profile.caps)
    if len(wanted):
        w = profile.caps[wanted] / profile.caps.max()
        per_code = cat.caps[:, wanted] * w
        fit = 0.7 * per_code.max(axis=1) + 0.3 * per_code.sum(axis=1) / w.sum()
        # A listing that declares no capability is unknown, not a mismatch.
        out["capability"] = np.where(cat.caps_known, fit, 0.5)
    else:
        out["capability"] = half

    if need.industry:
        hit = (cat.industries >> IND_INDEX[need.industry]) & 1 == 1
        out["industry"] = np.where(hit, 1.0, np.where(cat.ind_any, 0.5, 0.0))
    else:
        out["industry"] = half

    if need.region:
        local = (cat.regions >> REG_INDEX[need.region]) & 1 == 1
        # Nationwide/remote delivery is a good fit, a local team a better one; a listing
        # that delivers on site only elsewhere fits badly when on-site work is needed.
        out["region"] = np.where(
            local, 1.0, np.where(cat.reg_any, 0.7, np.where(cat.on_site, 0.0, 0.4))
        )
    else:
        out["region"] = half

    if profile.size:
        # Fit of each possible bitmask, looked up per row: 8 values instead of n × 3.
        out["size"] = _mask_fit(cat.sizes, SIZE_ORDER[profile.size], len(SIZE_ORDER), 0.6)
    else:
        out["size"] = half

    out["budget"] = budget_fit(need.budget_max, cat.price_low, cat.price_high)

    if need.timeline_weeks:
        over = (cat.weeks - need.timeline_weeks) / max(need.timeline_weeks, 1)
        out["timeline"] = np.where(np.isnan(cat.weeks), 0.5, np.clip(1.0 - over, 0.0, 1.0))
    else:
        out["timeline"] = half

    if need.maturity_level:
        out["maturity"] = _mask_fit(cat.maturity, need.maturity_level - 1, 4, 0.5)
    else:
        out["maturity"] = half

    # Bayesian-average rating 1-5 from verified reviews, centred: 3 stars and unknown are 0.
    out["quality"] = np.where(np.isnan(cat.quality), 0.0, np.clip((cat.quality - 3) / 2, -1, 1))
    return out


def _mask_fit(masks: np.ndarray, want: int, width: int, step: float) -> np.ndarray:
    """1 - step × distance from ``want`` to the nearest set bit; 0.5 for an empty mask."""
    table = np.empty(1 << width)
    table[0] = 0.5
    for mask in range(1, 1 << width):
        dist = min(abs(i - want) for i in range(width) if mask >> i & 1)
        table[mask] = max(0.0, 1.0 - step * dist)
    return table[masks]


def budget_fit(budget: int | None, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """1 when the cheapest first-year cost is within budget, falling to 0 at twice the budget."""
    if not budget:
        return np.full(len(low), 0.5)
    ratio = low / budget
    fit = np.clip(2.0 - ratio, 0.0, 1.0)
    # Fully within budget (even the top of the range) is a little better than "from".
    fit = np.where(high <= budget, fit, fit * 0.9)
    return np.where(np.isnan(low), 0.5, fit)
