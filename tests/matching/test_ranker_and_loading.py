"""Learned ranker (training, persistence) and JSONL loading errors."""

from __future__ import annotations

import json

import pytest

from matching.loading import LoadError, load_needs, load_offerings
from matching.matcher import Matcher
from matching.ranker import PairwiseRanker
from matching.types import Need
from tests.matching.conftest import EN, ZH


def test_ranker_trains_from_triples_and_round_trips(tmp_path, warehouse_need_en):
    matcher = Matcher().fit(ZH + EN)
    other = Need.from_dict({"id": "o", "description": "customer follow-up CRM", "lang": "en"})
    triples = [
        (warehouse_need_en, "en-wms", 3),
        (warehouse_need_en, "zh-wms", 2),
        (other, "en-crm", 2),
    ]
    matcher.fit_ranker_triples(triples, source="unit test")
    ranker = matcher.ranker_
    assert ranker.trained_on_["source"] == "unit test" and ranker.trained_on_["needs"] == 2
    assert "train_ndcg@10" in ranker.metrics_
    assert matcher.model_version.endswith(ranker.version_)
    path = tmp_path / "ranker.json"
    ranker.save(path)
    loaded = PairwiseRanker.load(path)
    assert loaded.weights_ == ranker.weights_ and loaded.version_ == ranker.version_
    again = Matcher(ranker=loaded).fit(ZH + EN)
    assert again.rank(warehouse_need_en) == matcher.rank(warehouse_need_en)


def test_ranker_refuses_unknown_files_and_useless_data(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a shuzhuan-ranker"):
        PairwiseRanker.load(path)
    with pytest.raises(ValueError, match="no pair"):
        PairwiseRanker().fit([])


def test_loader_names_file_line_and_field(tmp_path):
    path = tmp_path / "catalog.jsonl"
    path.write_text('{"id": "a", "name": "A", "extra": 1}\n\n{"id": "b", "price_min": "x"}\n')
    with pytest.raises(LoadError) as err:
        load_offerings(path)
    assert err.value.line == 3 and set(err.value.errors) == {"name", "price_min"}
    assert "catalog.jsonl, line 3" in str(err.value)
    path.write_text('{"id": "a", "name": "A"}\nnot json\n')
    with pytest.raises(LoadError, match="line 2"):
        load_offerings(path)


def test_loader_reads_needs_with_labels_and_ignores_unknown_fields(tmp_path):
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "1", "description": "x", "relevant": {"a": 2}, "colour": "red"}\n')
    assert load_needs(path)[0].relevant == {"a": 2}
