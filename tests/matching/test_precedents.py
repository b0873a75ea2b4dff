"""Precedents: what needs like this one chose is evidence, never a need's own outcome."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from matching.matcher import Matcher
from matching.model import TrainedModel, default_model, load
from matching.precedents import Precedents
from matching.ranker import (
    COMPONENTS,
    PRIOR_WEIGHTS,
    PairwiseRanker,
    WeightBounds,
    check_bounds,
    prior_ranker,
)
from matching.text import tokenize
from matching.types import Need
from tests.matching.conftest import offering

# Two dye-house needs, worded apart, whose SMEs chose a plug-in the words do not name.
CATALOG = [
    offering("dye-recipes", name="配方管理", description="染料配方、小样记录、配色复用。"),
    offering("scheduler", name="排产看板", description="订单排产，染缸排程，小批量插单。"),
    offering("crm", name="客户跟进", description="客户拜访、报价、回款提醒。"),
]
PAST = Need(
    id="past-1",
    description="染厂的小样订单越来越多，染缸排不过来，想把小批量订单和大货一起排",
    relevant={"dye-recipes": 3},
)
NEW = Need(id="new-1", description="小样订单多，染缸排不过来，小批量和大货怎么一起排")
UNRELATED = Need(id="new-2", description="销售跟进客户总是忘记回款")


def _matcher(precedents: Precedents | None) -> Matcher:
    return Matcher(precedents=precedents, max_budget_ratio=None).fit(CATALOG)


def _precedent_of(matches, oid: str) -> float:
    return next(m.components["precedent"] for m in matches if m.offering_id == oid)


def test_an_offering_chosen_for_a_similar_need_carries_that_choice():
    matcher = _matcher(Precedents().fit([PAST]))
    matches = matcher.rank(NEW, k=None)
    assert _precedent_of(matches, "dye-recipes") > 0.3
    assert _precedent_of(matches, "scheduler") == 0.0
    without = _matcher(None).rank(NEW, k=None)
    assert _precedent_of(without, "dye-recipes") == 0.0
    lead = {m.offering_id: m.score for m in matches}
    lead_without = {m.offering_id: m.score for m in without}
    gain = lead["dye-recipes"] - lead_without["dye-recipes"]
    precedent = _precedent_of(matches, "dye-recipes")  # rounded to 4 digits
    assert gain == pytest.approx(PRIOR_WEIGHTS["precedent"] * precedent, abs=1e-3)
    assert lead["scheduler"] == pytest.approx(lead_without["scheduler"])
    chosen = next(m for m in matches if m.offering_id == "dye-recipes")
    assert "与您相似的需求选用过" in chosen.explanation


def test_a_need_is_never_its_own_precedent_and_unrelated_needs_learn_nothing():
    matcher = _matcher(Precedents().fit([PAST]))
    assert _precedent_of(matcher.rank(PAST, k=None), "dye-recipes") == 0.0
    assert _precedent_of(matcher.rank(UNRELATED, k=None), "dye-recipes") < 0.05


def test_a_choice_counts_by_its_grade_and_weak_outcomes_are_not_choices():
    good = Need(id="p", description=PAST.description, relevant={"dye-recipes": 3, "crm": 1})
    precedents = Precedents().fit([good])
    scores = precedents.scores(precedents.likeness(NEW), ["dye-recipes", "crm", "unknown"])
    assert scores[0] == pytest.approx(3 * scores[1]) and scores[1] > 0 and scores[2] == 0.0
    weak = Need(id="p", description=PAST.description, relevant={"crm": 1})
    assert Precedents(min_grade=2).fit([weak]).n_precedents_ == 0


def test_what_the_nearest_precedents_chose_is_ranked_even_without_shared_words():
    far = offering("sample-lab", name="Colour lab kit", description="Spectrophotometer.", lang="en")
    past = Need(id="p", description=PAST.description, relevant={"sample-lab": 2})
    matcher = Matcher(precedents=Precedents().fit([past]), max_budget_ratio=None)
    matcher.fit([*CATALOG, far])
    assert "sample-lab" in [oid for oid, _ in matcher.rank_ids(NEW, k=3)]


def test_precedents_round_trip_through_the_artefact_as_plain_data(tmp_path):
    shipped = default_model()
    precedents = Precedents().fit([PAST])
    again = Precedents.from_dict(json.loads(json.dumps(precedents.to_dict())))
    np.testing.assert_allclose(again.likeness(NEW), precedents.likeness(NEW))
    model = TrainedModel(
        shipped.need_reader, shipped.offering_reader, shipped.ranker, precedents=precedents
    )
    model.save(tmp_path / "m.npz")
    assert load(tmp_path / "m.npz").precedents.to_dict() == precedents.to_dict()


def test_a_model_saved_before_precedents_existed_gives_them_the_least_weight_allowed():
    old = prior_ranker().to_dict()
    old["format"] = "shuzhuan-ranker/2"
    del old["weights"]["precedent"]
    ranker = PairwiseRanker.from_dict(old)
    assert ranker.weights_["precedent"] == WeightBounds().floor * PRIOR_WEIGHTS["precedent"]
    assert not check_bounds(ranker.weights_)


def test_likeness_is_the_cosine_of_the_fitted_tfidf_vectors():
    needs = [PAST, dataclasses.replace(PAST, id="past-2", description=UNRELATED.description)]
    precedents = Precedents().fit(needs)
    vectorizer = TfidfVectorizer(analyzer=tokenize, sublinear_tf=True).fit([n.text for n in needs])
    expected = vectorizer.transform([n.text for n in needs]) @ vectorizer.transform([NEW.text]).T
    np.testing.assert_allclose(precedents.likeness(NEW), expected.toarray().ravel(), rtol=1e-5)
    assert precedents.likeness(Need(id="x", description="全新的词汇")).tolist() == [0.0, 0.0]


def test_a_ranking_keeps_the_precedents_it_began_with():
    # The portal swaps a matcher's precedents when outcomes change, while other threads rank.
    matcher = _matcher(Precedents().fit([PAST]))
    stage = matcher._first_stage(NEW)
    many = [dataclasses.replace(PAST, id=f"p{i}") for i in range(50)]
    matcher.set_params(precedents=Precedents().fit(many))
    rows = matcher._candidate_rows(stage)
    column = matcher._second_stage(stage, rows)[:, COMPONENTS.index("precedent")]
    assert column.max() == pytest.approx(stage.likeness.max(), abs=1e-6)


def test_a_known_grade_scale_is_kept_whatever_grades_the_data_hold():
    awarded = dataclasses.replace(PAST, relevant={"dye-recipes": 2})
    relative, fixed = Precedents().fit([awarded]), Precedents(top_grade=3).fit([awarded])
    alike = np.ones(1)  # as if the new need were the awarded one, reworded
    assert relative.scores(alike, ["dye-recipes"]).tolist() == [1.0]
    assert fixed.scores(alike, ["dye-recipes"]).tolist() == [pytest.approx(2 / 3)]
    assert Precedents.from_dict(fixed.to_dict()).top_grade == 3


def test_a_model_matcher_takes_overrides_of_its_learned_parts():
    assert default_model().matcher(precedents=None).precedents is None
