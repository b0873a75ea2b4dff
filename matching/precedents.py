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


class Precedents(BaseEstimator):
    """Labelled needs kept as evidence; ``fit`` takes needs with ``relevant`` grades.

    Parameters: ``min_grade``, the grade from which an outcome counts as a choice.
    """

    def __init__(self, min_grade: int = 1):
        self.min_grade = min_grade

    def fit(self, needs: Sequence[Need], y: None = None) -> Precedents:
        del y  # the outcomes are in each need's ``relevant``
        kept = [
            (n.id, n.text, {o: g for o, g in n.relevant.items() if g >= self.min_grade})
            for n in needs
        ]
        kept = [k for k in kept if k[2] and tokenize(k[1])]
        self.records_ = kept
        self.n_precedents_ = len(kept)
        self.ids_ = np.array([k[0] for k in kept], dtype=object)
        top = max((g for k in kept for g in k[2].values()), default=1)
        chosen: dict[str, tuple[list[int], list[float]]] = {}
        for i, (_, _, grades) in enumerate(kept):
            for oid, grade in grades.items():
                rows, weights = chosen.setdefault(oid, ([], []))
                rows.append(i)
                weights.append(grade / top)
        self.chosen_ = {o: (np.array(r), np.array(w)) for o, (r, w) in chosen.items()}
        if kept:
            self.vectorizer_ = TfidfVectorizer(
                analyzer=tokenize, sublinear_tf=True, dtype=np.float32
            )
            self.matrix_ = self.vectorizer_.fit_transform([k[1] for k in kept]).tocsr()
        else:
            self.vectorizer_ = None
            self.matrix_ = None
        return self

    def likeness(self, need: Need) -> np.ndarray:
        """Cosine of ``need`` to every precedent (0 for the need itself)."""
        check_is_fitted(self, "records_")
        if self.matrix_ is None:
            return np.zeros(0)
        vec = self.vectorizer_.transform([need.text or ""])
        sims = np.asarray((self.matrix_ @ vec.T).todense()).ravel()
        sims[self.ids_ == need.id] = 0.0
        return sims

    def scores(self, likeness: np.ndarray, offering_ids: Sequence[str]) -> np.ndarray:
        """Per offering: the best likeness × grade among the precedents that chose it
        (``likeness`` from :meth:`likeness`)."""
        out = np.zeros(len(offering_ids))
        for i, oid in enumerate(offering_ids):
            found = self.chosen_.get(oid)
            if found is not None:
                out[i] = float((likeness[found[0]] * found[1]).max())
        return out

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
            "needs": [{"id": i, "text": t, "relevant": g} for i, t, g in self.records_],
        }

    @classmethod
    def from_dict(cls, payload: dict) -> Precedents:
        needs = [
            Need(id=str(n["id"]), description=str(n["text"]), relevant=dict(n["relevant"]))
            for n in payload["needs"]
        ]
        return cls(min_grade=int(payload["min_grade"])).fit(needs)
