"""Fitting the matcher's learned parts on labelled needs, and measuring them honestly.

Labelled data are needs with graded offerings (``need.relevant``) and the catalogue's
offerings themselves (their text and declared capabilities). ``fit_matcher`` fits,
in order: the capability readers (need side and offering side) on the catalogue and
the needs, then the pairwise ranker on the needs, using for each training need the
capability reading of a model that did *not* see it (cross-fitting): otherwise the
ranker would learn from in-sample probabilities that are sharper than any new need's
and over-weight capability. ``cross_validate`` scores the whole procedure by k-fold
cross-validation: fitted on k-1 folds, scored on the held-out fold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.calibration import Calibration
from matching.calibration import features as calibration_features
from matching.capmodel import CODES, CapabilityModel
from matching.evaluate import evaluate
from matching.matcher import Matcher
from matching.precedents import Precedents
from matching.ranker import COMPONENTS
from matching.types import Need, Offering

NEED_READER = {"alpha": 1.0, "bridge_weight": 1.0, "lexicon_weight": 0.5}
OFFERING_READER = {"alpha": 1.0, "bridge_weight": 0.0, "lexicon_weight": 0.0}


def capability_targets(need: Need, caps_of: dict[str, list[str]], min_grade: int = 2) -> list[str]:
    """What a need asks for: its declared codes and those of its good or ideal offerings."""
    codes = set(need.capabilities)
    for oid, grade in need.relevant.items():
        if grade >= min_grade:
            codes.update(caps_of.get(oid, ()))
    return sorted(codes)


def training_texts(
    offerings: Sequence[Offering], needs: Sequence[Need]
) -> tuple[list[str], list[list[str]]]:
    """(texts, codes) for the capability readers: offerings that declare codes, then needs."""
    caps_of = {o.id: list(o.capabilities) for o in offerings}
    texts = [o.text for o in offerings if o.capabilities]
    labels = [list(o.capabilities) for o in offerings if o.capabilities]
    for need in needs:
        codes = capability_targets(need, caps_of)
        if codes:
            texts.append(need.text)
            labels.append(codes)
    return texts, labels


class _Readings:
    """A fitted reader whose answers for some texts are replaced by out-of-fold ones."""

    def __init__(self, model: CapabilityModel, known: dict[str, np.ndarray]):
        self.model = model
        self.known = known

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        rows = [self.known.get(t) for t in texts]
        if all(r is not None for r in rows):
            return np.vstack(rows)
        return self.model.predict_proba(texts)

    def suggest(self, text: str, threshold: float = 0.3):
        return self.model.suggest(text, threshold)


def out_of_fold_readings(
    offerings: Sequence[Offering], needs: Sequence[Need], folds: int = 5, random_state: int = 0
) -> dict[str, np.ndarray]:
    """Need text → capability probabilities from a reader fitted without that need."""
    order = np.random.RandomState(random_state).permutation(len(needs))
    out: dict[str, np.ndarray] = {}
    for f in range(folds):
        held = [needs[i] for i in order[f::folds]]
        rest = [needs[i] for i in order if i not in set(order[f::folds].tolist())]
        texts, labels = training_texts(offerings, rest)
        model = CapabilityModel(**NEED_READER, random_state=random_state).fit(texts, labels)
        probs = model.predict_proba([n.text for n in held])
        out.update({n.text: p for n, p in zip(held, probs, strict=True)})
    return out


@dataclass
class Readers:
    need: CapabilityModel | None
    offering: CapabilityModel | None


def fit_readers(
    offerings: Sequence[Offering], needs: Sequence[Need], random_state: int = 0
) -> Readers:
    """Both capability readers, or none when nothing is labelled with capabilities
    (SciFact: the matcher then falls back on the hand lexicon's cautious reading)."""
    texts, labels = training_texts(offerings, needs)
    if len(texts) < 10:
        return Readers(None, None)
    return Readers(
        need=CapabilityModel(**NEED_READER, random_state=random_state).fit(texts, labels),
        offering=CapabilityModel(**OFFERING_READER, random_state=random_state).fit(texts, labels),
    )


def fit_matcher(
    offerings: Sequence[Offering],
    needs: Sequence[Need],
    random_state: int = 0,
    train_ranker: bool = True,
    **params,
) -> Matcher:
    """A matcher whose capability readers and ranker are fitted on ``needs`` and the
    catalogue ``offerings`` (which it also indexes)."""
    readers = fit_readers(offerings, needs, random_state)
    matcher = Matcher(
        capability_model=readers.need,
        offering_model=readers.offering,
        precedents=Precedents().fit(needs) if needs else None,
        random_state=random_state,
        **params,
    ).fit(offerings)
    if train_ranker and needs and readers.need is not None:
        known = out_of_fold_readings(offerings, needs, random_state=random_state)
        matcher.capability_model = _Readings(readers.need, known)
        try:
            matcher.fit_ranker(needs, source="labelled needs")
        finally:
            matcher.capability_model = readers.need
    elif train_ranker and needs:
        matcher.fit_ranker(needs, source="labelled needs")
    return matcher


def cross_validate(
    offerings: Sequence[Offering],
    needs: Sequence[Need],
    folds: int = 5,
    random_state: int = 0,
    k: int = 10,
    keep: int = 0,
) -> tuple[dict, list[dict]]:
    """k-fold cross-validation of :func:`fit_matcher` on ``needs`` (catalogue fixed):
    each fold's needs are ranked by a matcher fitted on the other folds only.

    With ``keep`` > 0 each row also holds the calibration features (``"x"``) and grades
    (``"grades"``) of the need's best ``keep`` out-of-fold matches, for
    :func:`fit_calibration`."""
    order = np.random.RandomState(random_state).permutation(len(needs))
    rows: list[dict] = []
    for f in range(folds):
        test_idx = set(order[f::folds].tolist())
        train = [n for i, n in enumerate(needs) if i not in test_idx]
        test = [n for i, n in enumerate(needs) if i in test_idx]
        matcher = fit_matcher(offerings, train, random_state=random_state)
        _, fold_rows = evaluate(matcher, test, k=k)
        if keep:
            by_id = {n.id: n for n in test}
            for row in fold_rows:
                row["x"], row["grades"] = ranked_examples(matcher, by_id[row["id"]], keep)
        rows.extend(fold_rows)
    rows.sort(key=lambda r: r["id"])
    summary: dict = {"cases": len(rows), "folds": folds}
    for key in (f"ndcg@{k}", f"mrr@{k}", f"recall@{k}", "recall@100"):
        summary[key] = round(sum(r[key] for r in rows) / len(rows), 4) if rows else 0.0
    return summary, rows


def ranked_examples(matcher: Matcher, need: Need, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Calibration features and grades of ``need``'s best ``k`` matches."""
    matches = matcher.rank(need, k=k)
    scores = np.array([m.score for m in matches])
    comps = np.array([[m.components[c] for c in COMPONENTS] for m in matches])
    grades = np.array([need.relevant.get(m.offering_id, 0) for m in matches])
    comps = comps.reshape(len(matches), len(COMPONENTS))
    return calibration_features(scores, comps, COMPONENTS), grades


def fit_calibration(rows: Sequence[dict]) -> Calibration:
    """The confidence calibration, fitted on the out-of-fold rankings that
    :func:`cross_validate` kept (``keep`` > 0)."""
    x = np.vstack([r["x"] for r in rows])
    grades = np.concatenate([r["grades"] for r in rows])
    return Calibration().fit(x, grades)


__all__ = [
    "CODES",
    "capability_targets",
    "cross_validate",
    "fit_calibration",
    "fit_matcher",
    "fit_readers",
    "out_of_fold_readings",
    "training_texts",
]
