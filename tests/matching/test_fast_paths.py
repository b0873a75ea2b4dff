"""The whole-catalogue fast paths agree with their plain, row-by-row definitions."""

from __future__ import annotations

import re

import numpy as np
import pytest

from matching.bench import synthetic_offering
from matching.capabilities import CAPABILITIES, LEXICON, _compiled, _keywords, capability_hits
from matching.constraints import apply_limits
from matching.features import NeedProfile, structure_components, structure_prior
from matching.matcher import Matcher, _top_pool
from matching.ranker import PRIOR_WEIGHTS
from matching.text import normalise, tokenize
from matching.types import Need, Offering
from tests.matching.conftest import EN, ZH, offering


def _catalog(n: int = 400) -> list[Offering]:
    rng = np.random.RandomState(3)
    out = [synthetic_offering(i, rng) for i in range(n)]
    # Listings that leave fields empty must stay neutral on the fast path too.
    out += [offering(f"bare-{i}", description="仓库 warehouse") for i in range(5)]
    out.append(offering("no-price", capabilities=["supply.warehouse"], regions=["CN-ZJ"]))
    return out


NEEDS = [
    Need(id="empty", description="anything"),
    Need(
        id="full",
        description="仓库库存对不上，想扫码 warehouse barcode",
        industry="C33",
        region="CN-ZJ",
        company_size="small",
        budget_max=50_000,
        timeline_weeks=8,
        maturity_level=2,
    ),
    Need(
        id="declared",
        description="x",
        capabilities=["production.mes", "sales.crm"],
        region="CN-GD",
        employees=500,
        budget_max=8_000,
    ),
]


@pytest.mark.parametrize("need", NEEDS, ids=lambda n: n.id)
@pytest.mark.parametrize("penalty", [0.0, 1.0])
def test_structure_prior_equals_the_weighted_components(need, penalty):
    matcher = Matcher().fit(_catalog())
    cat, profile = matcher.arrays_, NeedProfile.of(need)
    cols = structure_components(need, profile, cat)
    expected = sum(PRIOR_WEIGHTS[c] * v for c, v in cols.items())
    if need.region and penalty:
        expected = expected - penalty * _far(matcher, need)
    got = structure_prior(need, profile, cat, PRIOR_WEIGHTS, penalty)
    np.testing.assert_allclose(got, expected, atol=1e-9)


def _far(matcher, need):

    return apply_limits(need, matcher.arrays_, matcher.limits_).flags()["no_onsite_in_region"]


def test_upserts_after_ranking_keep_the_lazy_indexes_in_step():
    catalog = _catalog(200)
    need = NEEDS[1]
    grown = Matcher().fit(catalog[:150])
    grown.rank(need)  # builds the postings and the price order
    for o in catalog[150:]:
        grown.upsert(o)
    fresh = Matcher().fit(catalog)
    assert len(grown.rank_ids(need)) == len(fresh.rank_ids(need))
    profile = NeedProfile.of(need)
    np.testing.assert_allclose(
        structure_prior(need, profile, grown.arrays_, PRIOR_WEIGHTS),
        structure_prior(need, profile, fresh.arrays_, PRIOR_WEIGHTS),
    )


def test_candidate_pool_always_holds_the_best_rows():
    rng = np.random.RandomState(0)
    for _ in range(50):
        n = int(rng.randint(1, 20_000))
        scores = np.round(rng.randn(n), 1)  # many ties
        scores[rng.rand(n) < 0.3] = -np.inf
        k = int(rng.randint(1, 300))
        pool = set(_top_pool(scores, k).tolist())
        kth = np.sort(scores)[::-1][min(k, n) - 1]
        assert set(np.flatnonzero(scores >= kth).tolist()) <= pool or not np.isfinite(kth)


def test_vectorised_subword_view_equals_substring_search():
    matcher = Matcher().fit(ZH + EN + _catalog(60))
    rows = np.arange(len(matcher.offerings_))
    for text in ("仓库扫码出入库 barcode inventory", "Camera inspection of burrs", "IL-6 il6"):
        got = matcher._subword(text, rows)
        norm = normalise(text)
        grams = {w[i : i + 4] for w in _words(norm) if len(w) >= 4 for i in range(len(w) - 3)}
        grams |= {r[i : i + 2] for r in _runs(norm) for i in range(len(r) - 1)}
        grams_list = sorted(grams)
        hits = np.array([[g in matcher.texts_[r] for g in grams_list] for r in rows], dtype=float)
        score = hits @ np.log1p(len(rows) / (1.0 + hits.sum(axis=0)))
        np.testing.assert_allclose(got, score / score.max() if score.max() > 0 else score)


def test_feedback_view_equals_cosine_to_the_leaders_centroid():
    # The pseudo-relevance feedback view: each candidate's tf-idf cosine to the centroid of
    # the leading candidates' unit vectors, weighted by exp(first-stage score), over max.
    matcher = Matcher().fit(ZH + EN + _catalog(60))
    for need in NEEDS[1:]:
        stage = matcher._first_stage(need)
        rows = matcher._candidate_rows(stage)
        vectors = matcher.index_.row_vectors(rows).toarray()
        vectors *= matcher.index_.idf(np.arange(vectors.shape[1]))
        norms = np.linalg.norm(vectors, axis=1)
        norms[norms == 0] = 1.0
        lead = min(matcher.feedback_docs, len(rows))
        w = np.exp(stage.first[rows[:lead]] - stage.first[rows[:lead]].max())
        centroid = (w[:, None] * vectors[:lead] / norms[:lead, None]).sum(axis=0) / w.sum()
        sim = vectors @ centroid / norms
        np.testing.assert_allclose(matcher._feedback(stage, rows), sim / sim.max(), rtol=1e-6)


def _words(text):

    return re.findall(r"[a-z0-9]+", text)


def _runs(text):

    return re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]+", text)


def test_chinese_is_indexed_as_bigrams_without_stop_words():
    assert tokenize("扫码管理") == ["扫码", "码管", "管理"]
    assert tokenize("我们，可以") == []  # stop-word bigrams carry no topic
    assert tokenize("排产") == ["排产"] and tokenize("排") == []


def test_keyword_prefilter_never_hides_a_capability():
    # Both prefilters (Chinese keywords by their first character, ASCII patterns by word
    # heads) find exactly what searching every keyword finds, in the lexicon's order.
    import random

    def unfiltered(text):
        norm, hits = normalise(text), {}
        for code in CAPABILITIES:
            found = [w for w in _keywords(code)[0] if not w.isascii() and w in norm]
            pattern = _compiled()[code][0]
            if pattern is not None:
                found.extend(dict.fromkeys(m.group(0) for m in pattern.finditer(norm)))
            if found:
                hits[code] = found
        return hits

    words = " ".join(a + " " + b for a, b in LEXICON.values()).replace("_", " ").split()
    rng = random.Random(0)
    texts = [" ".join(rng.choice(words) for _ in range(8)) for _ in range(300)]
    texts += ["Wi-Fi, X-ray; 3D AI OA 5G hr bi", "SCHEDULING of CNC work-orders", ""]
    for text in texts:
        assert capability_hits(text) == unfiltered(text)


def test_first_stage_demotes_once_when_both_limits_demote():
    catalog = _catalog(300)
    need = NEEDS[1]
    matcher = Matcher(budget_policy="demote").fit(catalog)
    stage = matcher._first_stage(need)
    verdicts = stage.verdicts
    cols = structure_components(need, NeedProfile.of(need), matcher.arrays_)
    expected = sum(PRIOR_WEIGHTS[c] * v for c, v in cols.items())
    expected = expected + PRIOR_WEIGHTS["text"] * stage.text
    expected = expected + PRIOR_WEIGHTS["bridge"] * stage.bridge
    expected = expected + PRIOR_WEIGHTS["coverage"] * stage.coverage
    expected = expected - matcher.limits_.demotion * verdicts.demoted
    assert verdicts.demoted.any() and not verdicts.dropped.any()
    np.testing.assert_allclose(stage.first, expected, atol=1e-9)
