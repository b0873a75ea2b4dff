"""The NumPy query evaluation gives Whoosh's matches and scores, and the sorts the page promises."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from app.bench.search import synthetic_plugins
from app.search.index import CatalogueIndex
from app.search.query import parse
from app.search.scoring import QueryArrays, Unsupported
from app.search.storage import BM25_B, BM25_K1

QUERIES = (
    "predictive maintenance",
    "warehouse inventory",
    "cloud erp for small factory",
    "小批量 排产",
    "能源管理",
    "质量 追溯 -仓库",
    "energy OR carbon",
    "(vision OR camera) defect",
)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> CatalogueIndex:
    index = CatalogueIndex(tmp_path_factory.mktemp("synthetic"))
    docs = list(synthetic_plugins(600, seed=7))
    index.rebuild(docs[:300])
    index.apply([("upsert", doc) for doc in docs[300:]])  # a second segment
    index.apply([("remove", doc["slug"]) for doc in docs[::17]])  # and deletions
    yield index
    index.close()


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("match_all", [True, False])
def test_matches_and_scores_are_whooshs(synthetic: CatalogueIndex, text: str, match_all: bool):
    q, _ = parse(synthetic._parsers[match_all], text)
    with synthetic._checkout() as (generation, searcher):
        assert len(searcher.reader().leaf_readers()) > 1
        arrays = QueryArrays(searcher, generation, BM25_K1, BM25_B)
        mask = arrays.matching(q)
        assert set(np.flatnonzero(mask).tolist()) == set(searcher.docs_for_query(q))
        try:
            scored_mask, scores = arrays.scores(q)
        except Unsupported:
            assert not match_all  # only the relaxed (coordinated) query is left to Whoosh
            return
        assert (scored_mask == mask).all()
        sample = random.Random(1).sample(np.flatnonzero(mask).tolist(), min(25, mask.sum()))
        for docnum in sample:
            hits = searcher.search(q, filter={docnum}, limit=1)
            assert hits[0].docnum == docnum
            assert scores[docnum] == pytest.approx(hits[0].score, rel=1e-12)


@pytest.mark.parametrize("sort", ["rating", "price_asc", "price_desc", "name"])
def test_sorted_pages_follow_the_stored_values(synthetic: CatalogueIndex, sort: str):
    result = synthetic.search("factory", sort=sort, per_page=100)
    assert result.total > 100

    def key(hit):
        rating = -(hit.rating if hit.rating is not None else -0.001)
        name = hit.name.casefold()
        if sort == "rating":
            return (rating, name)
        if sort == "price_asc":
            low = next((p for p in (hit.price_min, hit.price_max) if p is not None), 2**40)
            return (low, rating, name)
        if sort == "price_desc":
            high = next((p for p in (hit.price_max, hit.price_min) if p is not None), -1)
            return (-high, rating, name)
        return (name,)

    keys = [key(hit) for hit in result.hits]
    assert keys == sorted(keys)
    second = synthetic.search("factory", sort=sort, per_page=100, page=2)
    assert key(result.hits[-1]) <= key(second.hits[0])
    assert not {h.slug for h in result.hits} & {h.slug for h in second.hits}


def test_relevance_pages_are_in_score_order_without_overlap(synthetic: CatalogueIndex):
    first = synthetic.search("factory data", per_page=20)
    second = synthetic.search("factory data", per_page=20, page=2)
    scores = [h.score for h in first.hits + second.hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h.slug for h in first.hits + second.hits}) == 40


def test_the_module_needs_no_index_directory(tmp_path: Path):
    # An empty index answers through the same code path.
    index = CatalogueIndex(tmp_path)
    index.rebuild([])
    assert index.search("anything").total == 0
    index.close()
