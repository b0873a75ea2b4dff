"""The learned parts: capability readers, the bilingual bridge, bounded ranker, artefact."""

from __future__ import annotations

import io

import numpy as np
import pytest

from matching.bridge import translate, translations
from matching.capmodel import CODES, CapabilityModel
from matching.model import ModelError, TrainedModel, default_model, load
from matching.ranker import COMPONENTS, PairwiseRanker, WeightBounds, check_bounds

from .conftest import EN, ZH, offering


@pytest.fixture(scope="module")
def shipped() -> TrainedModel:
    return default_model()


def test_a_lone_incidental_word_gets_a_low_probability(shipped):
    # One word is weak evidence: far from the certainty of a declared code (1) or of a
    # described need (below), so it cannot fire a capability at full weight.
    reader = shipped.need_reader
    assert reader.probabilities("buyer")["supply.procurement"] < 0.25
    assert reader.probabilities("truck")["supply.logistics"] < 0.25
    assert reader.probabilities("dyeing vat")["finance.accounting"] < 0.25
    assert reader.probabilities("the operator")["production.mes"] < 0.25


def test_a_described_need_gets_its_capability_with_a_high_probability(shipped):
    reader = shipped.need_reader
    zh = reader.probabilities("仓库出入库全靠手写单子，月底盘点库存总是对不上，想用扫码管起来")
    en = reader.probabilities(
        "Our presses break down without warning; we want vibration sensors to warn us "
        "before a bearing fails so maintenance can plan repairs."
    )
    assert max(zh, key=zh.get) == "supply.warehouse" and zh["supply.warehouse"] > 0.5
    assert max(en, key=en.get) == "equipment.maintenance" and en["equipment.maintenance"] > 0.5


def test_dictionary_translation_is_structured_and_goes_both_ways():
    zh = translate("染缸")  # not in CC-CEDICT: 染 (dye) + 缸 (jar, vat)
    assert zh["dye"] > 0 and zh["vat"] > 0
    # A word's translations share its weight, however many glosses it has.
    for tr in translations("仓库 库存 客户 stock warehouse"):
        assert sum(tr.targets.values()) <= 1.0 + 1e-9
    en = translate("dyeing vat")
    assert en.get("染缸", 0) > 0  # adjacent words' translations joined into a bigram
    assert translate("energy consumption").get("能耗", 0) > 0


def test_domain_terms_from_the_taxonomy_bridge_what_the_dictionary_lacks():
    assert translate("设备联网").keys() >= {"equip", "connect"}


def test_a_need_retrieves_the_other_language_offering_through_the_bridge(
    shipped, warehouse_need_zh, warehouse_need_en
):
    # No declared capabilities anywhere: only the text and its translation can match.
    catalogue = [
        offering(o.id, name=o.name, description=o.description, lang=o.lang) for o in ZH + EN
    ]
    matcher = shipped.matcher().fit(catalogue)
    for need, other in ((warehouse_need_zh, "en-"), (warehouse_need_en, "zh-")):
        ranked = [m for m in matcher.rank(need, k=None) if m.offering_id.startswith(other)]
        assert ranked[0].offering_id == other + "wms"
        assert ranked[0].components["bridge"] == 1.0  # the best translation match


def _labelled():
    texts = [
        "仓库 库存 扫码 出入库",
        "warehouse stock barcode picking",
        "能耗 电表 蒸汽",
        "energy meter steam power bill",
    ] * 6
    labels = [
        ["supply.warehouse"],
        ["supply.warehouse"],
        ["energy.management"],
        ["energy.management"],
    ] * 6
    return texts, labels


def test_capability_model_round_trips_through_arrays_exactly():
    texts, labels = _labelled()
    model = CapabilityModel(min_df=1, calibration_folds=3).fit(texts, labels)
    again = CapabilityModel.from_arrays(model.to_arrays())
    probe = ["仓库扫码", "steam meter", ""]
    np.testing.assert_array_equal(model.predict_proba(probe), again.predict_proba(probe))
    p = model.probabilities("库存扫码盘点")
    assert p["supply.warehouse"] > p["energy.management"]
    assert p["hr.management"] < 0.01  # never seen in training: probability about 0
    assert model.trained_codes_ == ["energy.management", "supply.warehouse"]
    assert set(p) == set(CODES)


def test_the_artefact_is_versioned_and_never_unpickled(shipped, tmp_path):
    path = tmp_path / "m.npz"
    version = shipped.save(path)
    assert version.startswith("model-") and load(path).version == version
    assert shipped.to_bytes() == path.read_bytes()  # reproducible: same content, same bytes
    buf = io.BytesIO()
    np.savez(buf, info=np.array([{"schema": "x"}], dtype=object))
    (tmp_path / "evil.npz").write_bytes(buf.getvalue())
    with pytest.raises(ModelError):
        load(tmp_path / "evil.npz")
    with pytest.raises(ModelError):
        load(tmp_path / "missing.npz")


def test_learned_weights_stay_within_bounds_on_adversarial_data():
    rng = np.random.RandomState(0)
    groups = []
    for _ in range(12):
        x = rng.rand(20, len(COMPONENTS))
        y = np.zeros(20)
        # Grades follow quality and run against text: an unguarded fit would put all
        # weight on quality and make text negative.
        order = np.argsort(-x[:, COMPONENTS.index("quality")])
        y[order[:3]] = [3, 2, 1]
        x[:, COMPONENTS.index("text")] = 1 - x[:, COMPONENTS.index("quality")]
        groups.append((x, y))
    ranker = PairwiseRanker().fit(groups)
    weights = ranker.weights_
    assert check_bounds(weights) == []
    assert ranker.bounded().weights_ == pytest.approx(weights, abs=1e-5)  # nothing to clip
    total = sum(weights.values())
    assert max(weights.values()) <= WeightBounds().max_share * total + 1e-6
    assert weights["text"] >= 0.5 * 1.0 - 1e-6  # at least half its prior weight
    assert weights["quality"] > weights["text"]  # it did learn what the data say...
    assert weights["quality"] <= 3 * 0.2 + 1e-6  # ...up to quality's ceiling
    assert check_bounds({**weights, "text": -0.5})  # a negative text weight is reported
    assert check_bounds({**weights, "quality": 5.0})  # so is a dominating one


def test_shipped_model_weights_are_within_bounds(shipped):
    assert check_bounds(shipped.ranker.weights_) == []
    assert shipped.info["trained_on"]["cases"].endswith("market-train/cases.jsonl")
