"""Precedents: needs whose outcomes are known, as evidence for a new need.

An offering that needs like this one chose (labelled good, or in the portal quoted,
awarded, reviewed) is likelier to fit it: the memory-based view of collaborative
filtering, with the need's own words as the neighbourhood. ``Precedents.scores`` gives
each candidate the likeness of the new need to the most similar past need that chose
it, times that choice's grade relative to the best grade the outcomes use (SciFact's
"relevant" is 1, the market's "ideal" 3). A need is never its own precedent (same
id), so a matcher can be trained on the very needs it remembers.

Likeness is the cosine of TF-IDF vectors over the engine's own tokens (Chinese bigrams,
English stems), so the view is as bilingual as the needs are: a Chinese need learns from
Chinese precedents, an English one from English ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from matching.text import tokenize
from matching.types import Need

# The likeness from which a precedent's choices join the candidates: 5-fold CV on the
# training sets, 0 / 0.2 / 0.35 gave market-train 0.8986 / 0.8995 / 0.8995 and SciFact
# train 0.8022 / 0.8026 / 0.8025 nDCG@10 (no extra candidates: 0.8995 and 0.7925).
NEAR = 0.2
# Below this likeness a past need shares a word or two, not a need: its choice counts 0
# (5-fold CV, 0 / 0.1 / 0.2: market-train 0.9017 / 0.9032 / 0.9020, SciFact train
# 0.8050 / 0.8050 / 0.8049).
ALIKE = 0.1


def _as_given(tokens: list[str]) -> list[str]:
    return tokens  # the texts are tokenized once, by the engine's tokenizer


class Precedents(BaseEstimator):
    """Labelled needs kept as evidence; ``fit`` takes needs with ``relevant`` grades.

    Parameters: ``min_grade``, the grade from which an outcome counts as a choice;
    ``top_grade``, the grade that counts fully (None: the best grade in the data, so
    SciFact's "relevant" 1 and the market's "ideal" 3 both count 1). A source whose scale
    is known (the portal's 0-3) should say it, so one new grade does not rescale the rest.
    """

    def __init__(self, min_grade: int = 1, top_grade: int | None = None):
        self.min_grade = min_grade
        self.top_grade = top_grade

    def fit(self, needs: Sequence[Need], y: None = None) -> Precedents:
        del y  # the outcomes are in each need's ``relevant``
        chosen_by = [{o: g for o, g in n.relevant.items() if g >= self.min_grade} for n in needs]
        tokens = [
            tokenize(n.text) if grades else [] for n, grades in zip(needs, chosen_by, strict=True)
        ]
        keep = [i for i, words in enumerate(tokens) if words]
        kept = [(str(needs[i].id), needs[i].text, chosen_by[i]) for i in keep]
        self.records_ = kept
        self.n_precedents_ = len(kept)
        self.ids_ = np.array([k[0] for k in kept], dtype=object)
        top = self.top_grade or max((g for k in kept for g in k[2].values()), default=1)
        chosen: dict[str, list[tuple[int, float]]] = {}
        for i, (_, _, grades) in enumerate(kept):
            for oid, grade in grades.items():
                chosen.setdefault(oid, []).append((i, min(grade / top, 1.0)))
        # Per chosen offering (in chosen_'s order) its precedents and grades, end to end:
        # scoring is then one gather and one segment maximum for all of them.
        self.chosen_ = {oid: n for n, oid in enumerate(chosen)}
        pairs = [p for found in chosen.values() for p in found]
        self.starts_ = np.cumsum([0] + [len(f) for f in chosen.values()])[:-1]
        self.by_ = np.array([i for i, _ in pairs], dtype=np.int64)
        self.grade_ = np.array([g for _, g in pairs])
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0, dtype=np.float32)
        self.terms_ = None
        if kept:
            vectorizer = TfidfVectorizer(analyzer=_as_given, sublinear_tf=True, dtype=np.float32)
            matrix = vectorizer.fit_transform([tokens[i] for i in keep])
            self.vocabulary_ = vectorizer.vocabulary_
            self.idf_ = vectorizer.idf_.astype(np.float32)
            self.terms_ = matrix.T.tocsr()  # term → the precedents holding it, with weights
        return self

    def likeness(self, need: Need, tokens: Sequence[str] | None = None) -> np.ndarray:
        """Cosine of ``need`` (its ``tokens`` if already known) to every precedent, as the
        fitted TF-IDF model would compute it; 0 for the need itself."""
        check_is_fitted(self, "records_")
        if self.terms_ is None:
            return np.zeros(0)
        counts = Counter(tokenize(need.text) if tokens is None else tokens)
        known = [(self.vocabulary_[t], n) for t, n in counts.items() if t in self.vocabulary_]
        sims = np.zeros(self.n_precedents_)
        if known:
            terms = np.array([c for c, _ in known])
            # sublinear tf × idf, L2-normalised over the need's known terms
            vals = (1.0 + np.log([n for _, n in known])) * self.idf_[terms]
            vals /= np.sqrt((vals * vals).sum())
            # The terms' rows of the sparse matrix, gathered with plain arrays (scipy's
            # slicing costs more than the arithmetic for a need's few terms).
            ptr = self.terms_.indptr
            lengths = ptr[terms + 1] - ptr[terms]
            at = np.repeat(ptr[terms] - np.cumsum(lengths) + lengths, lengths)
            at += np.arange(lengths.sum())
            weights = self.terms_.data[at] * np.repeat(vals, lengths)
            sims = np.bincount(self.terms_.indices[at], weights, minlength=self.n_precedents_)
        sims[self.ids_ == str(need.id)] = 0.0
        return sims

    def scores(self, likeness: np.ndarray, offering_ids: Sequence[str]) -> np.ndarray:
        """Per offering: the best likeness × grade among the precedents that chose it
        (``likeness`` from :meth:`likeness`; below ALIKE a precedent counts 0)."""
        at = [self.chosen_.get(oid, -1) for oid in offering_ids]
        if not self.chosen_ or max(at, default=-1) < 0:
            return np.zeros(len(offering_ids))
        alike = likeness[self.by_]
        alike[alike < ALIKE] = 0.0
        best = np.maximum.reduceat(alike * self.grade_, self.starts_)
        at = np.array(at)
        return np.where(at >= 0, best[at], 0.0)

    def chosen_by_nearest(self, likeness: np.ndarray, n: int) -> list[str]:
        """Offerings chosen by the ``n`` most similar precedents (likeness > NEAR), so the
        ranking sees them even when the need's words alone would not reach them."""
        if n <= 0 or not len(likeness):
            return []
        nearest = np.argsort(-likeness, kind="stable")[:n]
        nearest = nearest[likeness[nearest] > NEAR]
        return list(dict.fromkeys(o for i in nearest.tolist() for o in self.records_[i][2]))

    # -- persistence: the needs themselves, as JSON-ready data (refitted on load) ----------
    def to_dict(self) -> dict:
        check_is_fitted(self, "records_")
        return {
            "min_grade": self.min_grade,
            "top_grade": self.top_grade,
            "needs": [{"id": i, "text": t, "relevant": g} for i, t, g in self.records_],
        }

    @classmethod
    def from_dict(cls, payload: dict) -> Precedents:
        needs = [
            Need(id=str(n["id"]), description=str(n["text"]), relevant=dict(n["relevant"]))
            for n in payload["needs"]
        ]
        top = payload.get("top_grade")
        return cls(int(payload["min_grade"]), None if top is None else int(top)).fit(needs)
