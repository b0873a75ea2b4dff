"""``matching bench``: fit time, rank latency and peak memory on synthetic catalogues.

Each size runs in a fresh subprocess so that its peak resident memory is its own.
The baseline in the same process is a plain BM25 top-k: one CSC sparse product
over the same tokens, then ``argpartition``. Synthetic offerings are composed
from the taxonomy's bilingual labels and a pool of generic phrases, half
Chinese and half English, with random structured fields.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp

from matching.bm25 import BM25Index
from matching.matcher import Matcher, _offering_fields
from matching.taxonomy import CAPABILITIES, COMPANY_SIZES, INDUSTRIES, REGIONS
from matching.text import _words, tokenize
from matching.types import Need, Offering

_ZH = _words(
    "面向 中小 企业 提供 上门 实施 培训 远程 支持 数据 报表 手机 扫码 老板 车间 工厂 订单 成本 "
    "效率 质量 仓库 客户 设备 系统 平台 快速 上线 按年 收费 一次性 定制 开发 对接 模块"
)
_EN = _words(
    "for small medium factories onsite implementation training remote support data reports "
    "mobile scan owner workshop plant orders cost efficiency quality warehouse customers "
    "machines system platform fast go-live yearly fee one-off custom integration module"
)


def synthetic_offering(i: int, rng: np.random.RandomState) -> Offering:
    """A plausible random offering (ids are unique; text mixes labels and phrases)."""
    caps = list(rng.choice(list(CAPABILITIES), size=rng.randint(1, 4), replace=False))
    zh = i % 2 == 0
    labels = [CAPABILITIES[c].zh if zh else CAPABILITIES[c].en for c in caps]
    words = _ZH if zh else _EN
    sep = "" if zh else " "
    desc = sep.join(rng.choice(words, size=rng.randint(30, 80)))
    low = int(rng.choice([5_000, 10_000, 30_000, 80_000, 200_000]))
    return Offering(
        id=f"s{i:07d}",
        name=f"{labels[0]} {i % 997}",
        summary=("，" if zh else ", ").join(labels),
        description=desc,
        lang="zh" if zh else "en",
        capabilities=caps,
        industries=["*"] if rng.rand() < 0.5 else list(rng.choice(list(INDUSTRIES), 2)),
        regions=["*"] if rng.rand() < 0.4 else list(rng.choice(list(REGIONS), 3)),
        company_sizes=list(rng.choice(list(COMPANY_SIZES), 2, replace=False)),
        price_min=low,
        price_max=low * 3,
        delivery_weeks=int(rng.randint(1, 26)),
        deployment=[str(rng.choice(["saas", "on_prem", "hybrid"]))],
    )


NEED = Need(
    id="bench",
    title="仓库库存对不上 / stock never matches",
    description="我们是宁波的五金厂，仓库出入库靠手写，库存总是对不上，想用扫码管理。"
    " Warehouse inventory is on paper; we want barcode scanning. Budget 50k.",
    industry="C33",
    region="CN-ZJ",
    company_size="small",
    budget_max=50_000,
    timeline_weeks=8,
)


class PlainBM25:
    """The baseline: BM25 weights in one CSC matrix, a sparse product, argpartition top-k."""

    def __init__(self, index: BM25Index):
        self.index = index

    def top_k(self, tokens: list[str], k: int = 10) -> np.ndarray:
        ids, weights = self.index.query_weights(tokens)
        # Query weights in the index's own dtype: a mixed product would copy the index.
        q = sp.csc_matrix(
            (weights.astype(self.index.main_.dtype), (ids, np.zeros(len(ids), dtype=np.int64))),
            shape=(self.index.main_.shape[1], 1),
        )
        scores = (self.index.main_ @ q).toarray().ravel()
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        return top[np.argsort(-scores[top])]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    arr = np.array(samples) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 95))


def run_one(n: int, repeats: int = 50, seed: int = 0) -> dict:
    """Measure one catalogue size in this process."""
    rng = np.random.RandomState(seed)
    offerings = [synthetic_offering(i, rng) for i in range(n)]
    start = time.perf_counter()
    matcher = Matcher(random_state=seed).fit(offerings)
    fit_s = time.perf_counter() - start
    matcher.rank(NEED, k=10)
    # Peak of the matcher alone, before the baseline's index shares the process.
    peak_matcher_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    baseline = PlainBM25(BM25Index().fit(_offering_fields(o, 2.0) for o in offerings))
    base_fit_s = time.perf_counter() - start
    ours, base = [], []
    matcher.rank(NEED, k=10)  # warm caches (stemmer, lazy indexes) for both
    for _ in range(repeats):
        t0 = time.perf_counter()
        matcher.rank(NEED, k=10)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        baseline.top_k(tokenize(NEED.text), 10)
        base.append(time.perf_counter() - t0)
    p50, p95 = _percentiles(ours)
    b50, b95 = _percentiles(base)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "offerings": n,
        "fit_s": round(fit_s, 2),
        "bm25_fit_s": round(base_fit_s, 2),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "bm25_p50_ms": round(b50, 2),
        "bm25_p95_ms": round(b95, 2),
        "p50_ratio": round(p50 / b50, 2) if b50 else None,
        "peak_mb": round(peak_matcher_mb, 1),
        "peak_mb_with_baseline": round(peak_mb, 1),
    }


def run(sizes: list[int], repeats: int = 50) -> list[dict]:
    """Measure every size in its own subprocess and print a table; return the rows."""
    rows = []
    print(
        f"{'offerings':>10} {'fit s':>7} {'p50 ms':>8} {'p95 ms':>8} {'bm25 p50':>9} "
        f"{'ratio':>6} {'peak MB':>8}"
    )
    for n in sizes:
        cmd = [
            sys.executable,
            "-m",
            "matching",
            "bench",
            "--one",
            str(n),
            "--repeats",
            str(repeats),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{row['offerings']:>10} {row['fit_s']:>7} {row['p50_ms']:>8} {row['p95_ms']:>8} "
            f"{row['bm25_p50_ms']:>9} {row['p50_ratio']:>6} {row['peak_mb']:>8}",
            flush=True,
        )
    return rows
