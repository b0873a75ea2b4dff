"""The reverse query's bound is an upper bound of the score the ranking gives, across
languages and with the shipped model's need reader too."""

from __future__ import annotations

import pytest

from matching.matcher import Matcher
from matching.model import default_model
from matching.reverse import score_bounds
from matching.types import Need

from .conftest import EN, ZH

NEEDS = [
    Need(id="zh", description="仓库出入库靠手写，库存总是对不上，想用扫码管理。", lang="zh"),
    Need(
        id="en",
        description="Our warehouse stock never matches; we want barcode scanning.",
        lang="en",
        region="CN-ZJ",
        budget_max=60_000,
    ),
    Need(id="energy", description="电费太高，想知道哪台设备最耗电", lang="zh", region="CN-GD"),
]


@pytest.mark.parametrize("shipped", [False, True], ids=["prior", "shipped model"])
def test_every_offering_scores_at_most_its_bound(shipped):
    matcher = (default_model().matcher() if shipped else Matcher()).fit(ZH + EN)
    for need in NEEDS:
        scores = dict(matcher.rank_ids(need, k=None))
        for oid, score in scores.items():
            bound = score_bounds(matcher, oid, [need])[0]
            assert bound >= score - 1e-6, (need.id, oid, bound, score)
