"""Capability codes read from text by a trained, calibrated model.

SMEs describe symptoms, not taxonomy codes. A word list fires a code at full weight
on one incidental word ("buyer" → procurement, "truck" → logistics, "vat" → tax);
this model instead gives every code a *probability* learned from labelled text:

- needs whose capabilities are known (declared, or those of the offerings graded
  good or ideal for them), and
- the catalogue's offerings (their text and their declared capabilities).

Features, in one ``FeatureUnion``: TF-IDF over the index's tokens (Chinese character
bigrams, English stems), TF-IDF over the text's dictionary translation into the other
language (``matching.bridge``: a Chinese need borrows what English examples taught,
and vice versa), and the hand lexicon's hits as one small block. Per code a linear
(ridge) regression, calibrated by Platt scaling on cross-validated scores, so "0.3"
means about three in ten.

After ``fit`` the model keeps only arrays (vocabularies, idf, coefficients, the
calibration's slope and offset), which is also what ``to_arrays`` / ``from_arrays``
persist: no pickle. Predictions of a fitted and of a reloaded model are identical.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, MultiLabelBinarizer
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from matching.bridge import translated_tokens
from matching.capabilities import capability_hits
from matching.taxonomy import CAPABILITIES
from matching.text import tokenize

CODES = list(CAPABILITIES)
_NEVER = 30.0  # calibration offset of a code no training text showed: probability ~0


@lru_cache(maxsize=4096)
def _hits(text: str) -> tuple[tuple[str, list[str]], ...]:
    return tuple(capability_hits(text).items())


def lexicon_features(texts: Sequence[str]) -> sp.csr_matrix:
    """Hand-lexicon evidence per code: 1 - 0.5^hits (one keyword 0.5, two 0.75, …)."""
    index = {c: i for i, c in enumerate(CODES)}
    rows, cols, vals = [], [], []
    for r, text in enumerate(texts):
        for code, words in _hits(text or ""):
            rows.append(r)
            cols.append(index[code])
            vals.append(1.0 - 0.5 ** len(words))
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(CODES)))


class FloorNormalizer(TransformerMixin, BaseEstimator):
    """Divide each row by its L2 norm, but by at least ``floor_`` (a low quantile of the
    training rows' norms): a text of one or two words is weak evidence, so it is not
    blown up to the strength of a whole description as plain L2 normalisation would.
    """

    def __init__(self, quantile: float = 0.25):
        self.quantile = quantile

    def fit(self, x: sp.spmatrix, y=None) -> FloorNormalizer:
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        self.floor_ = float(np.quantile(norms, self.quantile)) if len(norms) else 1.0
        return self

    def transform(self, x: sp.spmatrix) -> sp.csr_matrix:
        x = sp.csr_matrix(x, copy=True)
        row_of = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        norms = np.sqrt(np.bincount(row_of, weights=x.data**2, minlength=x.shape[0]))
        scale = 1.0 / np.maximum(norms, max(self.floor_, 1e-9))
        x.data *= scale[row_of].astype(x.dtype)
        return x


def platt_scaling(scores: np.ndarray, y: np.ndarray, iterations: int = 100) -> tuple[float, float]:
    """(a, b) of p = 1 / (1 + exp(a·score + b)) fitted by damped Newton steps on Platt's
    smoothed targets ((n+ + 1)/(n+ + 2) and 1/(n- + 2)), which keep a perfectly
    separated code from getting an infinitely steep (overconfident) curve."""
    pos = float(y.sum())
    neg = len(y) - pos
    t = np.where(y > 0, (pos + 1) / (pos + 2), 1 / (neg + 2))
    x = np.column_stack([scores, np.ones(len(scores))])

    def nll(w: np.ndarray) -> float:
        z = x @ w  # p = sigmoid(-z)
        return float(np.sum(t * np.logaddexp(0, z) + (1 - t) * np.logaddexp(0, -z)))

    w = np.array([0.0, float(np.log((neg + 1) / (pos + 1)))])
    value = nll(w)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(np.clip(x @ w, -50, 50)))
        grad = x.T @ (t - p)
        hess = (x * (p * (1 - p))[:, None]).T @ x + 1e-6 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        size = 1.0
        while size > 1e-6 and nll(w - size * step) > value:
            size *= 0.5  # backtrack: a full Newton step can overshoot on steep data
        if size <= 1e-6:
            break
        w = w - size * step
        improved, value = value - nll(w), nll(w)
        if improved < 1e-10:
            break
    return float(w[0]), float(w[1])


@lru_cache(maxsize=4096)  # training texts are read once per fold otherwise
def _words(text: str) -> tuple[str, ...]:
    return tuple(tokenize(text))


def _vectorizer(analyzer, min_df: int) -> Pipeline:
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer=analyzer, sublinear_tf=True, min_df=min_df, norm=None, dtype=np.float32
                ),
            ),
            ("norm", FloorNormalizer()),
        ]
    )


def _with_bias(x: sp.spmatrix) -> sp.csr_matrix:
    """``x`` with a constant column: the intercept, penalised like any weight."""
    return sp.hstack([x, np.ones((x.shape[0], 1), dtype=np.float32)], format="csr")


def _features(weights: dict[str, float], min_df: int) -> FeatureUnion:
    """The feature blocks with a weight above 0 (a block weighted 0 is not computed)."""
    blocks = {
        "words": lambda: _vectorizer(_words, min_df),
        "bridge": lambda: _vectorizer(translated_tokens, min_df),
        "lexicon": lambda: FunctionTransformer(lexicon_features, accept_sparse=True),
    }
    kept = {name: w for name, w in weights.items() if w > 0}
    return FeatureUnion([(n, blocks[n]()) for n in kept], transformer_weights=kept)


class CapabilityModel(BaseEstimator):
    """Probability of each capability code given a text (Chinese, English or mixed).

    Parameters
    ----------
    alpha : L2 strength of the ridge regression (one output per code).
    bridge_weight, lexicon_weight : weights of the translation and lexicon blocks
        relative to the text's own words (1); 0 leaves a block out. Reading a need
        uses all three; reading 100,000 offerings uses words only (translating and
        matching the lexicon cost milliseconds per long text, and an offering's own
        words describe it well).
    min_df : a word or translation must occur in this many training texts.
    calibration_folds : folds of the cross-validation whose out-of-fold scores the
        Platt calibration is fitted on.
    random_state : seeds the calibration folds' shuffling.
    """

    def __init__(
        self,
        alpha: float = 1.0,
        bridge_weight: float = 1.0,
        lexicon_weight: float = 0.5,
        min_df: int = 2,
        calibration_folds: int = 5,
        random_state: int = 0,
    ):
        self.alpha = alpha
        self.bridge_weight = bridge_weight
        self.lexicon_weight = lexicon_weight
        self.min_df = min_df
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def _weights(self) -> dict[str, float]:
        return {"words": 1.0, "bridge": self.bridge_weight, "lexicon": self.lexicon_weight}

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]]) -> CapabilityModel:
        """Learn from ``texts`` and their capability codes (a list of codes per text)."""
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} label lists")
        y = MultiLabelBinarizer(classes=CODES).fit_transform(labels).astype(np.float64)
        features = _features(self._weights(), self.min_df)
        x = _with_bias(features.fit_transform(list(texts)))
        # Ridge in its kernel form (a few hundred texts, tens of thousands of features):
        # one Cholesky solve gives all 27 codes, in milliseconds.
        ridge = Ridge(alpha=self.alpha, fit_intercept=False, solver="cholesky")
        folds = KFold(self.calibration_folds, shuffle=True, random_state=self.random_state)
        # One BLAS thread: these are small solves, and threads fighting over shared
        # cores made them a hundred times slower.
        with threadpool_limits(limits=1, user_api="blas"):
            scores = cross_val_predict(ridge, x, y, cv=folds)
            ridge.fit(x, y)
        self.features_ = features
        # Stored at half precision (the artefact stays small); rounded here already so
        # a fitted and a reloaded model predict exactly alike.
        self.coef_ = ridge.coef_.T.astype(np.float16).astype(np.float32)  # features+bias × codes
        # Platt scaling per code on the out-of-fold scores: p = 1 / (1 + exp(a·s + b)).
        self.calibration_ = np.tile(np.array([[-1.0, _NEVER]]), (len(CODES), 1))
        for j in range(len(CODES)):
            if 0 < y[:, j].sum() < len(y):
                self.calibration_[j] = platt_scaling(scores[:, j], y[:, j])
        self.trained_codes_ = [
            c for c, (_, b) in zip(CODES, self.calibration_, strict=True) if b != _NEVER
        ]
        self.n_examples_ = len(texts)
        return self

    def _vocabularies(self) -> dict[str, Pipeline]:
        steps = self.features_.named_transformers
        return {name: steps[name] for name in ("words", "bridge") if name in steps}

    # -- prediction -------------------------------------------------------------------------
    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Uncalibrated linear scores (texts × codes).

        The same sum as ``features_.transform`` then ``@ coef_``, block by block: for the
        one need a ranking reads, FeatureUnion's hstack and dispatch cost more than the
        arithmetic.
        """
        check_is_fitted(self, "coef_")
        texts = list(texts)
        scores = np.tile(self.coef_[-1], (len(texts), 1))  # the bias row
        start = 0
        for name, block in self.features_.transformer_list:
            x = block.transform(texts)
            width = x.shape[1]
            weight = (self.features_.transformer_weights or {}).get(name, 1.0)
            scores += weight * np.asarray(x @ self.coef_[start : start + width])
            start += width
        return scores

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probability of every code (texts × codes, columns in ``CODES`` order)."""
        d = self.decision_function(texts)
        a, b = self.calibration_[:, 0], self.calibration_[:, 1]
        return 1.0 / (1.0 + np.exp(np.clip(a * d + b, -50, 50)))

    def probabilities(self, text: str) -> dict[str, float]:
        """Probability per code for one text, every code present."""
        p = self.predict_proba([text or ""])[0]
        return {c: float(v) for c, v in zip(CODES, p, strict=True)}

    def suggest(self, text: str, threshold: float = 0.3) -> list[tuple[str, float]]:
        """Codes at or above ``threshold``, most probable first."""
        probs = self.probabilities(text)
        return sorted(
            ((c, round(p, 4)) for c, p in probs.items() if p >= threshold),
            key=lambda cp: (-cp[1], cp[0]),
        )

    # -- persistence (arrays only) ----------------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        """Everything needed to predict, as plain arrays (for ``numpy.savez``)."""
        check_is_fitted(self, "coef_")
        out: dict[str, np.ndarray] = {
            "coef": self.coef_.astype(np.float16),
            "calibration": self.calibration_,
            "codes": np.array(CODES),
            "params": np.array(
                [
                    self.alpha,
                    self.bridge_weight,
                    self.lexicon_weight,
                    self.min_df,
                    self.calibration_folds,
                ]
            ),
        }
        for name, (tfidf, norm) in self._vocabularies().items():
            terms = sorted(tfidf.vocabulary_, key=tfidf.vocabulary_.get)
            out[f"{name}_vocabulary"] = np.array(terms)
            out[f"{name}_idf"] = tfidf.idf_.astype(np.float32)
            out[f"{name}_floor"] = np.array([norm.floor_])
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> CapabilityModel:
        """Rebuild a fitted model from :meth:`to_arrays`; refuses another code list."""
        if list(arrays["codes"]) != CODES:
            raise ValueError("the model was trained on another capability taxonomy")
        alpha, bridge, lexicon, min_df, folds = arrays["params"].tolist()
        model = cls(
            alpha=alpha,
            bridge_weight=bridge,
            lexicon_weight=lexicon,
            min_df=int(min_df),
            calibration_folds=int(folds),
        )
        features = _features(model._weights(), model.min_df)
        steps = features.named_transformers
        for name in ("words", "bridge"):
            if name in steps:
                tfidf, norm = steps[name]
                terms = [str(t) for t in arrays[f"{name}_vocabulary"]]
                tfidf.vocabulary_ = {t: i for i, t in enumerate(terms)}
                tfidf.idf_ = arrays[f"{name}_idf"].astype(np.float64)
                norm.floor_ = float(arrays[f"{name}_floor"][0])
        if "lexicon" in steps:
            steps["lexicon"].fit([""])
        model.features_ = features
        model.coef_ = arrays["coef"].astype(np.float32)
        model.calibration_ = arrays["calibration"].astype(np.float64)
        model.trained_codes_ = [
            c for c, (_, b) in zip(CODES, model.calibration_, strict=True) if b != _NEVER
        ]
        model.n_examples_ = 0
        return model
