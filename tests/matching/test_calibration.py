"""Calibrated confidence: the probability that a match is good or ideal, and its level."""

from __future__ import annotations

import json

import numpy as np
import pytest

from matching.calibration import FEATURES, LEVELS, Calibration, features, report
from matching.model import confidence_level, default_model, load
from matching.ranker import COMPONENTS
from matching.types import Need

from .conftest import EN, ZH


def _ranked_lists(rng: np.random.RandomState, needs: int = 120, depth: int = 10):
    """Synthetic out-of-fold rankings: the better the score, the likelier a good grade."""
    xs, grades = [], []
    for _ in range(needs):
        scores = np.sort(rng.uniform(0, 4, depth))[::-1]
        comps = rng.uniform(0, 1, (depth, len(COMPONENTS)))
        xs.append(features(scores, comps, COMPONENTS))
        p = 1 / (1 + np.exp(-(2.5 * (scores - 2.5))))
        grades.append(np.where(rng.uniform(size=depth) < p, 3, 0))
    return np.vstack(xs), np.concatenate(grades)


def test_probabilities_follow_the_evidence_and_thresholds_are_ordered():
    x, grades = _ranked_lists(np.random.RandomState(0))
    cal = Calibration().fit(x, grades)
    p = cal.predict_proba(x)
    assert ((p >= 0) & (p <= 1)).all()
    assert np.corrcoef(p, x[:, FEATURES.index("score")])[0, 1] > 0.8
    assert 0 <= cal.weak_ <= cal.strong_ <= 1
    got = report(p, grades, cal)
    assert got["brier"] < 0.2  # the synthetic labels are noisy by construction
    assert got["levels"]["strong"]["good"] >= 0.7 > got["levels"]["weak"]["good"]


def test_a_calibration_round_trips_through_json_exactly():
    x, grades = _ranked_lists(np.random.RandomState(1))
    cal = Calibration().fit(x, grades)
    back = Calibration.from_dict(json.loads(json.dumps(cal.to_dict())))
    np.testing.assert_array_equal(back.predict_proba(x), cal.predict_proba(x))
    assert (back.strong_, back.weak_) == (cal.strong_, cal.weak_)
    with pytest.raises(ValueError):
        Calibration.from_dict({**cal.to_dict(), "features": ["score"]})


def test_one_class_is_refused():
    x, _ = _ranked_lists(np.random.RandomState(2), needs=5)
    with pytest.raises(ValueError):
        Calibration().fit(x, np.zeros(len(x)))


def test_the_shipped_model_gives_every_match_a_probability_and_a_level(tmp_path):
    model = default_model()
    assert model.calibration is not None
    matches = model.matcher().fit(ZH + EN).rank(_need(), k=5)
    assert all(0 <= m.probability <= 1 and m.confidence in LEVELS for m in matches)
    assert matches[0].to_dict()["confidence"] == matches[0].confidence
    assert confidence_level(matches[0].probability) == matches[0].confidence
    path = tmp_path / "m.npz"
    model.save(path)
    assert load(path).calibration.to_dict() == model.calibration.to_dict()


def _need():

    return Need(
        id="n",
        description="仓库出入库靠手写，库存总是对不上，想用扫码管理。",
        lang="zh",
        region="CN-ZJ",
        budget_max=30000,
    )
