"""Structured fit of offerings to a need, computed for the whole catalogue at once.

Each component is a float in [0, 1] (quality in [-1, 1]); 0.5 means "unknown", so
a listing that leaves a field empty is neither rewarded nor punished for it.
``CatalogArrays`` keeps one row per indexed offering (rows of suspended ones stay,
flagged dead), so a published offering is one appended row, not a rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from matching.capabilities import capability_hits
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


MIN_PROBABILITY = 0.1  # read codes below this probability are noise, not a signal


def lexicon_probabilities(text: str) -> np.ndarray:
    """A capability reading without a trained model: the hand lexicon, never sure.

    One keyword gives 0.25, two 0.375, … (at most 0.5): a lone incidental word cannot
    fire a code at full weight. Used only when no capability model is given.
    """
    vec = np.zeros(len(CAP_CODES))
    for code, words in capability_hits(text or "").items():
        vec[CAP_INDEX[code]] = 0.5 * (1.0 - 0.5 ** len(words))
    return vec


def capability_weights(codes: list[str], probabilities: np.ndarray) -> np.ndarray:
    """A need's capability vector: declared codes weigh 1, codes read from its text
    their probability (halved next to declared ones), below ``MIN_PROBABILITY`` 0."""
    vec = np.where(probabilities >= MIN_PROBABILITY, probabilities, 0.0)
    if codes:
        vec = 0.5 * vec
        vec[[CAP_INDEX[c] for c in codes]] = 1.0
    return vec


def offering_capabilities(
    offerings: Sequence[Offering], inferred: np.ndarray | None, weight: float
) -> np.ndarray:
    """Rows × codes: declared codes 1, codes read from the text ``weight`` × probability."""
    caps = np.zeros((len(offerings), len(CAP_CODES)), dtype=np.float32)
    if inferred is not None and len(offerings):
        caps[:] = np.where(inferred >= MIN_PROBABILITY, weight * inferred, 0.0)
    for r, o in enumerate(offerings):
        if o.capabilities:
            caps[r, [CAP_INDEX[c] for c in o.capabilities]] = 1.0
    return caps


# Bits of a row's static code (see ``CatalogArrays.code``): everything about an offering
# that takes few values, so one need's fit of every possible code is a small table and
# the first stage reads the whole catalogue's structured fit in one gather.
_SIZE_BITS, _MAT_SHIFT, _REG_ANY, _ON_SITE, _IND_ANY, _CAPS_KNOWN = 3, 3, 7, 8, 9, 10
_CODE_WIDTH = 11
_UNKNOWN = -1.0  # price / weeks sentinel: real values are >= 0


def _bits(positions) -> int:
    out = 0
    for p in positions:
        out |= 1 << p
    return out


class CatalogArrays:
    """Column arrays of all offering rows, grown one row at a time on publish.

    Besides the raw columns (bitmasks of industries/regions/sizes/maturity, prices,
    weeks, quality) it keeps, built lazily and kept up to date on ``append``:
    postings (rows per industry, region and capability code) and the rows sorted by
    cheapest price, so a need's hits and over-budget rows are found without a scan.
    """

    def __init__(self, offerings: Sequence[Offering] = (), caps: np.ndarray | None = None):
        n = len(offerings)
        self.caps = offering_capabilities(offerings, None, 0.0) if caps is None else caps
        cols: dict[str, list] = {k: [] for k in ("ind", "reg", "sizes", "mat", "low", "high")}
        weeks, flags = [], []
        for o in offerings:
            ind, reg, sizes, mat, low, high, wk, flag = _row_values(o)
            for key, value in zip(cols, (ind, reg, sizes, mat, low, high), strict=True):
                cols[key].append(value)
            weeks.append(wk)
            flags.append(flag)
        self.industries = np.array(cols["ind"], dtype=np.int64)
        self.regions = np.array(cols["reg"], dtype=np.int64)
        self.sizes = np.array(cols["sizes"], dtype=np.int64)
        self.maturity = np.array(cols["mat"], dtype=np.int64)
        self.price_low = np.array(cols["low"], dtype=np.float64)
        self.price_high = np.array(cols["high"], dtype=np.float64)
        self.weeks = np.array(weeks, dtype=np.float64)
        flag_arr = np.array(flags, dtype=bool).reshape(n, 3)
        self.ind_any, self.reg_any, self.on_site = flag_arr.T.copy()
        self.caps_known = self.caps.any(axis=1)
        self.quality = np.full(n, np.nan)
        self._derive()

    def _derive(self) -> None:
        """Derived columns (codes, sentinel-filled prices and weeks); drops lazy indexes."""
        self.code = (
            self.sizes
            | self.maturity << _MAT_SHIFT
            | self.reg_any.astype(np.int64) << _REG_ANY
            | self.on_site.astype(np.int64) << _ON_SITE
            | self.ind_any.astype(np.int64) << _IND_ANY
            | self.caps_known.astype(np.int64) << _CAPS_KNOWN
        ).astype(np.intp)
        # NaN-free copies for the whole-catalogue passes; the unknown rows are listed.
        self.low_filled = np.where(np.isnan(self.price_low), _UNKNOWN, self.price_low)
        self.high_filled = np.where(np.isnan(self.price_high), np.inf, self.price_high)
        self.weeks_filled = np.where(np.isnan(self.weeks), _UNKNOWN, self.weeks)
        self.price_unknown = np.flatnonzero(np.isnan(self.price_low))
        self.weeks_unknown = np.flatnonzero(np.isnan(self.weeks))
        self.caps_by_code = np.ascontiguousarray(self.caps.T)  # one code's column, fast
        self.caps_unknown = np.flatnonzero(~self.caps_known)
        self._postings: dict[tuple[str, int], np.ndarray] | None = None
        self._orders: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.price_low)

    def append(self, o: Offering, caps: np.ndarray | None = None) -> None:
        """Add one offering as the last row (``caps``: its row of capability weights)."""
        ind, reg, sizes, mat, low, high, wk, (ind_any, reg_any, on_site) = _row_values(o)
        if caps is None:
            caps = offering_capabilities([o], None, 0.0)
        caps = np.asarray(caps, dtype=np.float32).reshape(1, len(CAP_CODES))
        self.caps = np.vstack([self.caps, caps])
        for name, value in (
            ("industries", ind),
            ("regions", reg),
            ("sizes", sizes),
            ("maturity", mat),
            ("price_low", low),
            ("price_high", high),
            ("weeks", wk),
            ("ind_any", ind_any),
            ("reg_any", reg_any),
            ("on_site", on_site),
            ("caps_known", bool(caps.any())),
            ("quality", np.nan),
        ):
            arr = getattr(self, name)
            setattr(self, name, np.append(arr, np.asarray(value, dtype=arr.dtype)))
        postings, orders = self._postings, self._orders
        self._derive()
        row = len(self) - 1
        if postings is not None:  # keep the lazy indexes: one row is cheap to add
            for key in self._keys_of(row):
                postings[key] = np.append(postings.get(key, np.zeros(0, np.int64)), row)
            self._postings = postings
        for column, (order, values) in orders.items():
            value = getattr(self, column)[row]
            at = int(np.searchsorted(values, value, side="right"))
            self._orders[column] = (np.insert(order, at, row), np.insert(values, at, value))

    def _keys_of(self, row: int) -> list[tuple[str, int]]:
        keys = [("cap", int(i)) for i in np.flatnonzero(self.caps[row])]
        for kind, masks in (("ind", self.industries), ("reg", self.regions)):
            value = int(masks[row])
            keys.extend((kind, i) for i in range(value.bit_length()) if value >> i & 1)
        return keys

    def rows_with(self, kind: str, index: int) -> np.ndarray:
        """Rows whose ``kind`` ("cap", "ind", "reg") includes code number ``index``."""
        if self._postings is None:
            postings: dict[tuple[str, int], np.ndarray] = {}
            for i in range(len(CAP_CODES)):
                postings["cap", i] = np.flatnonzero(self.caps[:, i])
            for kind_, masks, width in (
                ("ind", self.industries, len(IND_INDEX)),
                ("reg", self.regions, len(REG_INDEX)),
            ):
                for i in range(width):
                    postings[kind_, i] = np.flatnonzero((masks >> i) & 1)
            self._postings = postings
        return self._postings.get((kind, index), np.zeros(0, np.int64))

    def sorted_by(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(rows, values) of ``column`` ("low_filled", "high_filled", "weeks_filled"),
        in ascending order: a threshold on the column is then a ``searchsorted``."""
        if column not in self._orders:
            order = np.argsort(getattr(self, column), kind="stable")
            self._orders[column] = (order, getattr(self, column)[order])
        return self._orders[column]

    def rows_priced_over(self, limit: float) -> np.ndarray:
        """Rows whose cheapest first-year cost is known and above ``limit``."""
        order, prices = self.sorted_by("low_filled")
        return order[np.searchsorted(prices, limit, side="right") :]


def _row_values(o: Offering):
    ind = _bits(IND_INDEX[c] for c in o.industries if c != ANY)
    reg = _bits(REG_INDEX[c] for c in o.regions if c != ANY)
    sizes = _bits(SIZE_ORDER[s] for s in o.company_sizes)
    mat = _bits(m - 1 for m in o.maturity_levels)
    low = o.price_min if o.price_min is not None else o.price_max
    high = o.price_max if o.price_max is not None else o.price_min
    deploy = set(o.deployment)
    on_site = bool(deploy & {"on_prem", "hybrid"}) or (
        not deploy and bool(set(o.capabilities) & ON_SITE_CAPABILITIES)
    )
    return (
        ind,
        reg,
        sizes,
        mat,
        np.nan if low is None else float(low),
        np.nan if high is None else float(high),
        np.nan if o.delivery_weeks is None else float(o.delivery_weeks),
        (ANY in o.industries or not o.industries, ANY in o.regions or not o.regions, on_site),
    )


@dataclass
class NeedProfile:
    """A need's structured side, prepared once per ranking."""

    caps: np.ndarray
    size: str | None

    @classmethod
    def of(cls, need: Need, probabilities: np.ndarray | None = None) -> NeedProfile:
        """``probabilities``: the capability model's reading of the need's text (default:
        the hand lexicon's cautious reading)."""
        if probabilities is None:
            probabilities = lexicon_probabilities(need.text)
        return cls(caps=capability_weights(need.capabilities, probabilities), size=size_of(need))


def structure_components(
    need: Need, profile: NeedProfile, cat: CatalogArrays, rows: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Every structured component of ``rows`` (default: every row) for ``need``."""
    rows = np.arange(len(cat)) if rows is None else np.asarray(rows, dtype=np.int64)
    code = cat.code[rows].astype(np.int64)
    out: dict[str, np.ndarray] = {}
    out["capability"] = capability_fit(profile, cat.caps_by_code[:, rows], code)
    out["industry"] = _ind_base(code, need)
    if need.industry:
        hit = (cat.industries[rows] >> IND_INDEX[need.industry]) & 1 == 1
        out["industry"] = np.where(hit, 1.0, out["industry"])
    out["region"] = _reg_base(code, need)
    if need.region:
        local = (cat.regions[rows] >> REG_INDEX[need.region]) & 1 == 1
        out["region"] = np.where(local, 1.0, out["region"])
    out["size"] = _size_fit(code, profile)
    out["budget"] = budget_fit(need.budget_max, cat.price_low[rows], cat.price_high[rows])
    out["timeline"] = timeline_fit(need.timeline_weeks, cat.weeks[rows])
    out["maturity"] = _maturity_fit(code, need)
    out["quality"] = _quality(cat.quality[rows])
    return out


def structure_prior(
    need: Need,
    profile: NeedProfile,
    cat: CatalogArrays,
    weights: dict[str, float],
    region_penalty: float = 0.0,
) -> np.ndarray:
    """``sum(weights[c] * component c)`` for every row, in a handful of vectorised passes.

    Equal to weighting :func:`structure_components` (a test checks it), minus
    ``region_penalty`` for on-site offerings that do not deliver in the need's region
    (``np.inf`` drops them). The few-valued parts come from one table over the row
    codes; hits (industry, region, capability) are added through the postings.
    """
    codes = np.arange(1 << _CODE_WIDTH)

    def table(local: bool) -> np.ndarray:
        t = weights["industry"] * _ind_base(codes, need)
        t = t + weights["size"] * _size_fit(codes, profile)
        t = t + weights["maturity"] * _maturity_fit(codes, need)
        if local:
            return t + weights["region"] * 1.0
        t = t + weights["region"] * _reg_base(codes, need)
        if need.region and region_penalty:
            far = (codes >> _ON_SITE & 1 == 1) & (codes >> _REG_ANY & 1 == 0)
            t = np.where(far, t - region_penalty, t)
        return t

    first = np.take(table(False), cat.code)
    if need.region:
        local = cat.rows_with("reg", REG_INDEX[need.region])
        first[local] = table(True)[cat.code[local]]
    if need.industry:
        hit = cat.rows_with("ind", IND_INDEX[need.industry])
        first[hit] += weights["industry"] * (1.0 - _ind_base(cat.code[hit].astype(np.int64), need))
    constant = _add_capability(profile, cat, weights["capability"], first)
    # Budget and timeline through the rows sorted by price / weeks: only the rows on a
    # ramp or past a step are touched; the level most rows share is one constant.
    if need.budget_max:
        scale, budget = weights["budget"], float(need.budget_max)
        lows = cat.sorted_by("low_filled")
        constant += _sorted_curve(lows, budget, BUDGET_CURVE, 0.9 * scale, first)
        order, highs = cat.sorted_by("high_filled")
        constant += _step(order, np.searchsorted(highs, budget, side="right"), 0.1 * scale, first)
        first[cat.price_unknown] += 0.5 * scale - 0.9 * scale  # the sentinel scored 0.9
    else:
        constant += 0.5 * weights["budget"]
    if need.timeline_weeks:
        scale = weights["timeline"]
        weeks = cat.sorted_by("weeks_filled")
        constant += _sorted_curve(weeks, float(need.timeline_weeks), TIMELINE_CURVE, scale, first)
        first[cat.weeks_unknown] += 0.5 * scale - scale  # the sentinel scored 1
    else:
        constant += 0.5 * weights["timeline"]
    first += constant
    if weights["quality"] and not np.isnan(cat.quality).all():
        first += weights["quality"] * _quality(cat.quality)
    return first


def _add_capability(
    profile: NeedProfile, cat: CatalogArrays, weight: float, out: np.ndarray
) -> float:
    """Add ``weight`` × :func:`capability_fit` of every row to ``out`` in place, with as
    few whole-catalogue passes as possible; returns the constant part for the caller."""
    wanted = np.flatnonzero(profile.caps)
    if not len(wanted):
        return 0.5 * weight
    p = profile.caps[wanted]
    to_best, to_total = 0.7 * weight, 0.3 * weight / max(1.0, float(p.sum()))
    if len(wanted) == 1:  # best and total are the same column
        out += (to_best + to_total) * p[0] * cat.caps_by_code[wanted[0]]
    else:
        best = cat.caps_by_code[wanted[0]] * p[0]
        total = best.copy()
        for w, column in zip(p[1:], wanted[1:], strict=True):
            hit = cat.caps_by_code[column] * w
            np.maximum(best, hit, out=best)
            total += hit
        best *= to_best
        total *= to_total
        out += best
        out += total
    # Rows that know no capability have all-zero columns: they get the "unknown" level.
    out[cat.caps_unknown] += 0.5 * weight * float(p.max())
    return 0.0


def capability_fit(profile: NeedProfile, caps_by_code: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Capability fit of rows (``caps_by_code``: codes × rows of capability weights).

    The best-matched code counts most, the breadth of the overlap a little, both scaled
    by how sure the need's reading is: a code read at probability 0.2 can add at most
    0.2, a declared one 1. A listing with no known capability is half as good as a full
    match of the need's surest code (unknown, not a mismatch); without wanted codes
    every row is 0.5.
    """
    wanted = np.flatnonzero(profile.caps)
    if not len(wanted):
        return np.full(caps_by_code.shape[1], 0.5)
    p = profile.caps[wanted]
    best = np.zeros(caps_by_code.shape[1])
    total = np.zeros(caps_by_code.shape[1])
    for weight, column in zip(p, wanted, strict=True):
        hit = caps_by_code[column] * weight
        np.maximum(best, hit, out=best)
        total += hit
    fit = 0.7 * best + 0.3 * total / max(1.0, float(p.sum()))
    return np.where(code >> _CAPS_KNOWN & 1 == 1, fit, 0.5 * float(p.max()))


def _ind_base(code: np.ndarray, need: Need) -> np.ndarray:
    if not need.industry:
        return np.full(len(code), 0.5)
    return np.where(code >> _IND_ANY & 1 == 1, 0.5, 0.0)


def _reg_base(code: np.ndarray, need: Need) -> np.ndarray:
    # Nationwide/remote delivery is a good fit, a local team (1.0) a better one; a
    # listing that delivers on site only elsewhere fits badly when on-site work is needed.
    if not need.region:
        return np.full(len(code), 0.5)
    reg_any = code >> _REG_ANY & 1 == 1
    on_site = code >> _ON_SITE & 1 == 1
    return np.where(reg_any, 0.7, np.where(on_site, 0.0, 0.4))


def _size_fit(code: np.ndarray, profile: NeedProfile) -> np.ndarray:
    if not profile.size:
        return np.full(len(code), 0.5)
    table = _mask_table(SIZE_ORDER[profile.size], len(SIZE_ORDER), 0.6)
    return table[code & ((1 << _SIZE_BITS) - 1)]


def _maturity_fit(code: np.ndarray, need: Need) -> np.ndarray:
    if not need.maturity_level:
        return np.full(len(code), 0.5)
    return _mask_table(need.maturity_level - 1, 4, 0.5)[code >> _MAT_SHIFT & 15]


def _quality(quality: np.ndarray) -> np.ndarray:
    # Bayesian-average rating 1-5 from verified reviews, centred: 3 stars and unknown are 0.
    return np.where(np.isnan(quality), 0.0, np.clip((quality - 3) / 2, -1, 1))


@lru_cache(maxsize=64)
def _mask_table(want: int, width: int, step: float) -> np.ndarray:
    """Fit of every bitmask: 1 - step × distance from ``want`` to the nearest set bit.

    An empty mask (the listing does not say) is 0.5.
    """
    table = np.empty(1 << width)
    table[0] = 0.5
    for mask in range(1, 1 << width):
        dist = min(abs(i - want) for i in range(width) if mask >> i & 1)
        table[mask] = max(0.0, 1.0 - step * dist)
    return table


def _curve(x: np.ndarray, unit: float, points, scale: float, out: np.ndarray) -> float:
    """Add piecewise-linear ``points`` ((multiple of unit, value), ...) × scale to ``out``.

    Flat outside the points. Only the ramps are added (a few in-place passes: much
    faster than ``np.interp``); the value left of the first point is returned, for the
    caller to add once.
    """
    (_, y0), *rest = points
    ramp = np.empty(len(x))
    for (xa, ya), (xb, yb) in zip(points, rest, strict=False):
        np.subtract(x, xa * unit, out=ramp)
        np.clip(ramp, 0.0, (xb - xa) * unit, out=ramp)
        ramp *= (yb - ya) / ((xb - xa) * unit) * scale
        out += ramp
    return y0 * scale


def _step(order: np.ndarray, cut: int, value: float, out: np.ndarray) -> float:
    """Add ``value`` to the rows ``order[:cut]``: scattered, or as a constant (returned)
    minus a scatter on the other rows, whichever touches fewer rows."""
    if cut <= len(order) - cut:
        out[order[:cut]] += value
        return 0.0
    out[order[cut:]] -= value
    return value


def _sorted_curve(by: tuple[np.ndarray, np.ndarray], unit: float, points, scale, out) -> float:
    """``_curve`` through a column's sorted (rows, values); returns the constant to add."""
    order, values = by
    (_, y0), *rest = points
    constant = y0 * scale
    for (xa, ya), (xb, yb) in zip(points, rest, strict=False):
        lo = np.searchsorted(values, xa * unit, side="right")
        hi = np.searchsorted(values, xb * unit, side="right")
        slope = (yb - ya) / ((xb - xa) * unit) * scale
        out[order[lo:hi]] += slope * (values[lo:hi] - xa * unit)
        # Rows past this segment get its whole rise: the rows order[hi:].
        rise = (yb - ya) * scale
        constant += rise + _step(order, hi, -rise, out)
    return constant


def timeline_fit(wanted_weeks: int | None, weeks: np.ndarray) -> np.ndarray:
    """1 when live within the wanted weeks, falling to 0 at twice as long; unknown 0.5."""
    if not wanted_weeks:
        return np.full(len(weeks), 0.5)
    fit = np.zeros(len(weeks))
    fit += _curve(np.nan_to_num(weeks), float(wanted_weeks), TIMELINE_CURVE, 1.0, fit)
    return np.where(np.isnan(weeks), 0.5, fit)


def budget_fit(budget: int | None, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Fit of the cheapest first-year cost ``low`` to the budget (``BUDGET_CURVE``).

    Fully within budget (even the top of the range ``high``) is a little better than
    "from": 0.9 × the curve, + 0.1 when the dearest is within budget too. An unknown
    price (NaN) is 0.5.
    """
    if not budget:
        return np.full(len(low), 0.5)
    fit = np.zeros(len(low))
    fit += _curve(np.nan_to_num(low), float(budget), BUDGET_CURVE, 0.9, fit)
    with np.errstate(invalid="ignore"):
        fit += np.where(high <= budget, 0.1, 0.0)
    return np.where(np.isnan(low), 0.5, fit)


# Fit as a function of a multiple of the budget / the wanted weeks (linear in between).
BUDGET_CURVE = ((1.0, 1.0), (2.0, 0.0))
TIMELINE_CURVE = ((1.0, 1.0), (2.0, 0.0))
