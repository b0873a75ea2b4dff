"""How sure a match is: a calibrated probability that it solves the need, and its level.

The ranker's score orders offerings for one need; it says little about whether the first
one is any good. ``Calibration`` turns what a ranking shows about a match (its score, how
far it is behind the need's best, its rank, how much the words and a shared capability
carry it) into the probability that it is a good or ideal offering (grade >= 2), by a
logistic regression fitted on *out-of-fold* rankings of labelled needs: each need ranked
by a matcher that did not see it, as a new need would be. Probabilities fitted on
in-sample rankings would be too sure.

Levels for the portal: ``strong`` at or above ``strong_``, ``weak`` below ``weak_``,
``possible`` between. Both thresholds are chosen on the same out-of-fold rankings by what
they cost a reader: ``strong_`` is the lowest probability from which at least
``strong_precision`` of the matches are good or ideal; ``weak_`` the highest below which
at most ``weak_hidden`` of all good or ideal matches fall (weak matches are folded away).
Persisted as plain JSON numbers (no pickle).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from sklearn.linear_model import LogisticRegression

LEVELS = ("strong", "possible", "weak")
FEATURES = ("score", "behind_best", "log_rank", "words", "coverage", "capability")
GOOD = 2  # grade from which a match counts as solving the need
FORMAT = "shuzhuan-calibration/1"


def features(scores: np.ndarray, components: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Calibration features of one need's ranked list (scores best first, rows ×
    components in ``names`` order): one row per match, columns in ``FEATURES`` order."""
    scores = np.asarray(scores, dtype=float)
    if not len(scores):
        return np.zeros((0, len(FEATURES)))
    col = {n: components[:, i] for i, n in enumerate(names)}
    zeros = np.zeros(len(scores))
    words = np.maximum(col.get("text", zeros), col.get("bridge", zeros))
    return np.column_stack(
        [
            scores,
            scores.max() - scores,
            np.log1p(np.arange(len(scores))),
            words,
            col.get("coverage", zeros),
            col.get("capability", zeros),
        ]
    )


class Calibration:
    """P(grade >= 2 | a match's place in its ranking), with the three levels' thresholds."""

    def __init__(self, C: float = 1.0, strong_precision: float = 0.75, weak_hidden: float = 0.05):
        self.C = C
        self.strong_precision = strong_precision
        self.weak_hidden = weak_hidden

    def fit(self, x: np.ndarray, grades: np.ndarray) -> Calibration:
        """Fit on out-of-fold rankings: ``x`` from :func:`features`, ``grades`` 0-3."""
        y = (np.asarray(grades) >= GOOD).astype(int)
        if len(set(y.tolist())) < 2:
            raise ValueError("calibration needs both good and other matches")
        self.mean_ = x.mean(axis=0)
        self.scale_ = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
        model = LogisticRegression(C=self.C, max_iter=2000).fit(self._standard(x), y)
        self.coef_ = model.coef_[0]
        self.intercept_ = float(model.intercept_[0])
        p = self.predict_proba(x)
        self.strong_, self.weak_ = _thresholds(p, y, self.strong_precision, self.weak_hidden)
        self.fitted_on_ = {"matches": len(y), "good": int(y.sum())}
        return self

    def _standard(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=float) - self.mean_) / self.scale_

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Probability that each match (a row of :func:`features`) is good or ideal."""
        if not len(x):
            return np.zeros(0)
        z = self._standard(x) @ self.coef_ + self.intercept_
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))

    def level(self, probability: float) -> str:
        """``strong``, ``possible`` or ``weak``."""
        if probability >= self.strong_:
            return "strong"
        return "weak" if probability < self.weak_ else "possible"

    # -- persistence (JSON numbers) ---------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "features": list(FEATURES),
            "params": {
                "C": self.C,
                "strong_precision": self.strong_precision,
                "weak_hidden": self.weak_hidden,
            },
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
            "strong": self.strong_,
            "weak": self.weak_,
            "fitted_on": self.fitted_on_,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        if data.get("format") != FORMAT or list(data.get("features", ())) != list(FEATURES):
            raise ValueError(f"not a {FORMAT} calibration with features {FEATURES}")
        out = cls(**data["params"])
        out.mean_ = np.array(data["mean"], dtype=float)
        out.scale_ = np.array(data["scale"], dtype=float)
        out.coef_ = np.array(data["coef"], dtype=float)
        out.intercept_ = float(data["intercept"])
        out.strong_ = float(data["strong"])
        out.weak_ = float(data["weak"])
        out.fitted_on_ = dict(data.get("fitted_on", {}))
        return out


def _thresholds(
    p: np.ndarray, y: np.ndarray, precision: float, hidden: float
) -> tuple[float, float]:
    """(strong, weak): the lowest p from which the share of good matches is at least
    ``precision``; the highest p below which at most ``hidden`` of all good matches lie
    (weak <= strong)."""
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    share_above = np.cumsum(ys) / np.arange(1, len(ys) + 1)  # among the top i+1
    ok = np.flatnonzero(share_above >= precision)
    strong = float(ps[ok.max()]) if len(ok) else 1.0
    pa, ya = ps[::-1], ys[::-1]
    # Matches strictly below pa[i] are hidden; hidden good ones before i are cumsum[i-1].
    hidden_good = np.concatenate([[0], np.cumsum(ya)[:-1]])
    ok = np.flatnonzero(hidden_good <= hidden * max(1, ya.sum()))
    weak = float(pa[ok.max()]) if len(ok) else 0.0
    return strong, min(weak, strong)


def report(p: np.ndarray, grades: np.ndarray, calibration: Calibration, bins: int = 5) -> dict:
    """Brier score, reliability per probability bin and the share of good matches per
    level, for probabilities ``p`` of matches with known ``grades``."""
    y = (np.asarray(grades) >= GOOD).astype(float)
    out: dict = {
        "matches": len(y),
        "brier": round(float(np.mean((p - y) ** 2)) if len(y) else 0.0, 4),
        "thresholds": {
            "strong": round(calibration.strong_, 4),
            "weak": round(calibration.weak_, 4),
        },
    }
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for lo, hi in pairwise(edges):
        inside = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if inside.any():
            rows.append(
                {
                    "bin": f"{lo:.1f}-{hi:.1f}",
                    "n": int(inside.sum()),
                    "mean_p": round(float(p[inside].mean()), 3),
                    "good": round(float(y[inside].mean()), 3),
                }
            )
    out["reliability"] = rows
    levels = np.array([calibration.level(float(v)) for v in p])
    out["levels"] = {
        lv: {"n": int((levels == lv).sum()), "good": round(float(y[levels == lv].mean()), 3)}
        for lv in LEVELS
        if (levels == lv).any()
    }
    return out
