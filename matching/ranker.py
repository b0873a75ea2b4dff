"""The learned ranker: a pairwise linear model over the score components.

Without feedback the matcher uses ``PRIOR_WEIGHTS``, set by hand from what the
grades of data-formats.md reward (solving the core need first, then fit). With
labelled pairs (benchmark grades, or portal outcomes mapped to grades) a
logistic regression learns from every pair of offerings of one need whose
grades differ: the RankNet/RankSVM idea with scikit-learn's solver. Components
that never differ in the training data (SciFact has text only) keep their prior
weight, rescaled to the learned weights, so training on text-only data does not
switch the structured fit off.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from matching.features import STRUCTURE_COMPONENTS

TEXT_COMPONENTS = ("text", "bridge", "coverage", "subword", "feedback")
OUTCOME_COMPONENTS = ("precedent",)  # what needs like this one chose (precedents.py)
COMPONENTS = TEXT_COMPONENTS + STRUCTURE_COMPONENTS + OUTCOME_COMPONENTS
FORMAT = "shuzhuan-ranker/3"  # 2: the "bridge" component; 3: "precedent"
_OLDER_FORMATS = ("shuzhuan-ranker/2",)  # before "precedent": read by read_weights

PRIOR_WEIGHTS: dict[str, float] = {
    "text": 1.0,
    "bridge": 0.6,  # BM25 of the need's translation into the other language
    "coverage": 0.5,
    "subword": 0.3,
    "feedback": 0.3,
    "capability": 1.6,
    "industry": 0.4,
    "region": 0.8,
    "size": 0.4,
    "budget": 1.0,
    "timeline": 0.2,
    "maturity": 0.2,
    "quality": 0.2,  # mild on purpose: reviews inform, they must not decide
    "precedent": 0.8,  # likeness to a past need that chose the offering × that grade
}
PRIOR_VERSION = "prior-3"

Group = tuple[np.ndarray, np.ndarray]  # (components matrix rows × COMPONENTS, grades)


def pair_differences(
    groups: Sequence[Group], max_pairs: int, rng: np.random.RandomState
) -> tuple[np.ndarray, np.ndarray]:
    """Feature differences of better-minus-worse pairs (label 1) and their mirror (label 0)."""
    diffs = []
    for x, y in groups:
        better, worse = np.nonzero(y[:, None] > y[None, :])
        if len(better) > max_pairs:
            keep = rng.choice(len(better), max_pairs, replace=False)
            better, worse = better[keep], worse[keep]
        diffs.append(x[better] - x[worse])
    if not diffs or not sum(len(d) for d in diffs):
        return np.zeros((0, len(COMPONENTS))), np.zeros(0)
    d = np.vstack(diffs)
    return np.vstack([d, -d]), np.concatenate([np.ones(len(d)), np.zeros(len(d))])


class PairwiseRanker(BaseEstimator):
    """Linear scoring ``components @ weights_`` learned from graded pairs.

    Parameters: ``C`` (inverse L2 strength of the logistic regression),
    ``max_pairs_per_group`` (pairs sampled per need, bounding the cost of large
    candidate sets) and ``random_state`` (for that sampling).
    """

    def __init__(self, C: float = 1.0, max_pairs_per_group: int = 2000, random_state: int = 0):
        self.C = C
        self.max_pairs_per_group = max_pairs_per_group
        self.random_state = random_state

    def fit(self, groups: Sequence[Group], source: str = "unspecified") -> PairwiseRanker:
        """Learn weights from groups of (components, grades), one group per need.

        The pairwise logistic loss is minimised within :class:`WeightBounds` (each weight
        between a floor and a ceiling relative to the prior, text views at least half
        theirs, none above ``max_share`` of the total), so no training set, however small
        or odd, can let one signal dominate or turn text against relevance.
        """
        rng = np.random.RandomState(self.random_state)
        x, y = pair_differences(groups, self.max_pairs_per_group, rng)
        if len(x) == 0:
            raise ValueError("no pair of offerings with different grades to learn from")
        varied = np.abs(x).max(axis=0) > 1e-12
        weights = bounded_pairwise_fit(x[y == 1], 1.0 / (self.C * len(x)))
        self.weights_ = dict(zip(COMPONENTS, weights.tolist(), strict=True))
        self.learned_components_ = [c for c, v in zip(COMPONENTS, varied, strict=True) if v]
        self.trained_on_ = {
            "source": source,
            "needs": len(groups),
            "labelled_pairs": int(sum(int((g[1] > 0).sum()) for g in groups)),
            "training_pairs": len(x) // 2,
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        self.metrics_: dict[str, float] = {}
        stamp = self.trained_on_["date"].replace("-", "").replace(":", "")
        self.version_ = f"pairwise-{stamp}-{abs(hash(tuple(np.round(weights, 6)))) % 10**6:06d}"
        return self

    def decision_function(self, components: np.ndarray) -> np.ndarray:
        """Scores of rows of a (rows × COMPONENTS) matrix."""
        check_is_fitted(self, "weights_")
        return components @ np.array([self.weights_[c] for c in COMPONENTS])

    # -- persistence ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Weights, version, training description and metrics as JSON-ready data."""
        check_is_fitted(self, "weights_")
        return {
            "format": FORMAT,
            "version": self.version_,
            "params": self.get_params(),
            "weights": self.weights_,
            "learned_components": self.learned_components_,
            "trained_on": self.trained_on_,
            "metrics": self.metrics_,
            "software": {"scikit-learn": sklearn.__version__, "python": platform.python_version()},
        }

    @classmethod
    def from_dict(cls, payload: dict, origin: str = "model") -> PairwiseRanker:
        """The loader of :meth:`to_dict`'s data; unknown formats are refused clearly."""
        fmt = payload.get("format")
        if fmt != FORMAT and fmt not in _OLDER_FORMATS:
            raise ValueError(f"{origin}: not a {FORMAT} model (format {fmt!r})")
        ranker = cls(**payload["params"])
        ranker.weights_ = read_weights(payload["weights"], origin)
        ranker.learned_components_ = payload.get("learned_components", [])
        ranker.trained_on_ = payload["trained_on"]
        ranker.metrics_ = payload.get("metrics", {})
        ranker.version_ = payload["version"]
        return ranker

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_dict` as JSON."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        Path(path).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> PairwiseRanker:
        """Read a model written by :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")), origin=str(path))

    def bounded(self, bounds: WeightBounds | None = None) -> PairwiseRanker:
        """A copy whose weights obey ``bounds`` (see :func:`bound_weights`), same version
        with a ``-b`` suffix when anything had to change."""
        check_is_fitted(self, "weights_")
        weights = bound_weights(self.weights_, bounds or WeightBounds())
        payload = self.to_dict()
        changed = any(abs(weights[c] - self.weights_[c]) > 1e-9 for c in COMPONENTS)
        payload["weights"] = weights
        if changed:
            payload["version"] = f"{self.version_}-b"
        return type(self).from_dict(payload)


@dataclass(frozen=True)
class WeightBounds:
    """Limits a learned model's weights must respect before it may rank anything.

    A few outcomes can teach a linear model anything (one 5-star vendor chosen for five
    unrelated needs gave reviews a weight of 5 and text a negative one), so learned weights
    are rescaled to the prior's total and then kept, component by component, between
    ``floor`` and ``ceiling`` times the prior weight (no signal is switched off by a few
    outcomes; text views at least ``text_floor`` times theirs: matching by what the need
    says can never turn negative or fade), and no component may carry more than
    ``max_share`` of the total.
    """

    floor: float = 0.25
    text_floor: float = 0.5
    ceiling: float = 3.0
    max_share: float = 0.35


def read_weights(weights: dict[str, float], origin: str = "model") -> dict[str, float]:
    """A saved model's weight of every component, as numbers; ValueError naming any that
    is missing. A model saved before the outcome components existed gets each at its floor
    weight: it was never tested with them, so they may inform its ranking as little as the
    bounds allow, no more."""
    floor = WeightBounds().floor
    weights = {c: floor * PRIOR_WEIGHTS[c] for c in OUTCOME_COMPONENTS} | dict(weights)
    missing = set(COMPONENTS) - set(weights)
    if missing:
        raise ValueError(f"{origin}: weights missing for {sorted(missing)}")
    return {c: float(weights[c]) for c in COMPONENTS}


def bound_weights(weights: dict[str, float], bounds: WeightBounds) -> dict[str, float]:
    """``weights`` rescaled to the prior's total and clipped to ``bounds`` (see there)."""
    prior = np.array([PRIOR_WEIGHTS[c] for c in COMPONENTS])
    w = np.array([weights[c] for c in COMPONENTS], dtype=float)
    is_text = np.array([c in TEXT_COMPONENTS for c in COMPONENTS])
    low = prior * np.where(is_text, bounds.text_floor, bounds.floor)
    high = prior * bounds.ceiling
    total = prior.sum()
    w = np.clip(w, 0.0, None)
    if w.sum() <= 0:
        w = prior.copy()
    # Rescale and clip until stable: clipping moves the total, rescaling moves the clips.
    for _ in range(50):
        w = w * (total / w.sum())
        clipped = np.clip(w, low, np.minimum(high, bounds.max_share * total))
        if np.allclose(clipped, w, atol=1e-9):
            break
        w = clipped
    return dict(zip(COMPONENTS, np.round(w, 6).tolist(), strict=True))


def _limits(bounds: WeightBounds) -> tuple[np.ndarray, np.ndarray, float]:
    """(low, high, total) per component under ``bounds``, for weights summing to ``total``."""
    prior = np.array([PRIOR_WEIGHTS[c] for c in COMPONENTS])
    is_text = np.array([c in TEXT_COMPONENTS for c in COMPONENTS])
    total = float(prior.sum())
    low = prior * np.where(is_text, bounds.text_floor, bounds.floor)
    high = np.minimum(prior * bounds.ceiling, bounds.max_share * total)
    return low, high, total


def check_bounds(weights: dict[str, float], bounds: WeightBounds | None = None) -> list[str]:
    """Violations of ``bounds`` by ``weights`` (rescaled to the prior's total, as
    :func:`bound_weights` does) as sentences; empty when within bounds."""
    low, high, total = _limits(bounds or WeightBounds())
    w = np.array([weights[c] for c in COMPONENTS], dtype=float)
    if w.sum() <= 0 or (w < -1e-9).any():
        negative = [c for c, v in zip(COMPONENTS, w, strict=True) if v < -1e-9]
        return [f"negative or empty weights ({', '.join(negative) or 'sum <= 0'})"]
    w = w * (total / w.sum())
    tol = 1e-4 * total
    out = [
        f"{c} {v:.3f} below its floor {lo:.3f}"
        for c, v, lo in zip(COMPONENTS, w, low, strict=True)
        if v < lo - tol
    ]
    out += [
        f"{c} {v:.3f} above its ceiling {hi:.3f}"
        for c, v, hi in zip(COMPONENTS, w, high, strict=True)
        if v > hi + tol
    ]
    return out


def bounded_pairwise_fit(
    diffs: np.ndarray, l2: float, bounds: WeightBounds | None = None
) -> np.ndarray:
    """Weights minimising mean log(1 + exp(-diff·w)) + l2·|w - prior|² within ``bounds``.

    The weights keep the prior's total (pairwise logistic loss only sees directions
    otherwise) and each stays between its floor and ceiling (:class:`WeightBounds`), so
    the learned model already is what :meth:`PairwiseRanker.bounded` would make of it.
    A component that never varies in the data has no gradient and stays near its prior
    weight. SLSQP: ~14 variables, box bounds and one linear equality.
    """
    # here, not at the top: scipy.optimize takes ~50 ms to import and only training needs it
    from scipy.optimize import minimize

    prior = np.array([PRIOR_WEIGHTS[c] for c in COMPONENTS])
    low, high, total = _limits(bounds or WeightBounds())

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        margin = diffs @ w
        value = np.logaddexp(0.0, -margin).mean() + l2 * ((w - prior) ** 2).sum()
        sig = 0.5 * (1.0 - np.tanh(0.5 * margin))  # sigmoid(-margin), stable
        grad = -(diffs * sig[:, None]).mean(axis=0) + 2 * l2 * (w - prior)
        return value, grad

    result = minimize(
        loss,
        np.clip(prior, low, high),
        jac=True,
        method="SLSQP",
        bounds=list(zip(low, high, strict=True)),
        constraints=[
            {"type": "eq", "fun": lambda w: w.sum() - total, "jac": lambda w: np.ones(len(w))}
        ],
        options={"maxiter": 300, "ftol": 1e-10},
    )
    return np.clip(result.x, low, high)


def prior_ranker() -> PairwiseRanker:
    """The hand-set ranker used before any feedback exists."""
    ranker = PairwiseRanker()
    ranker.weights_ = dict(PRIOR_WEIGHTS)
    ranker.learned_components_ = []
    ranker.trained_on_ = {"source": "hand-set prior", "needs": 0, "labelled_pairs": 0}
    ranker.metrics_ = {}
    ranker.version_ = PRIOR_VERSION
    return ranker
