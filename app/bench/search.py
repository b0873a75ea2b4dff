"""Benchmark: the Whoosh catalogue search beside a plain SQL ``LIKE`` search.

    python -m app.bench.search [--sizes 1000 10000 100000] [--procs 2]

For each size, synthetic bilingual plug-ins (taxonomy labels plus generated
text, fixed seed) are indexed with ``CatalogueIndex.rebuild`` and inserted
into an SQLite table (stdlib ``sqlite3``); the same mix of Chinese and
English queries then runs against both. The Whoosh figure is the full
``search()`` the catalogue page calls (ranking, facet counts over all
results, highlights, page of 20); the SQL one is ``COUNT(*)`` plus the first
20 rows by rating, every query word matched with ``LIKE '%word%'`` against
name, summary or description. Ratios are LIKE / Whoosh (above 1: Whoosh is faster).
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from app.search.analysis import segmenter
from app.search.index import CatalogueIndex
from matching.taxonomy import CAPABILITIES, DEPLOYMENTS, INDUSTRIES, REGIONS

SEED = 20240601

EN_WORDS = [
    "factory",
    "plant",
    "workshop",
    "line",
    "machine",
    "equipment",
    "sensor",
    "data",
    "cloud",
    "platform",
    "order",
    "batch",
    "schedule",
    "planning",
    "inventory",
    "warehouse",
    "stock",
    "logistics",
    "delivery",
    "supplier",
    "purchase",
    "quality",
    "inspection",
    "defect",
    "vision",
    "camera",
    "energy",
    "power",
    "carbon",
    "safety",
    "alarm",
    "maintenance",
    "repair",
    "vibration",
    "motor",
    "pump",
    "compressor",
    "mould",
    "injection",
    "textile",
    "dyeing",
    "garment",
    "furniture",
    "food",
    "traceability",
    "barcode",
    "label",
    "report",
    "dashboard",
    "analytics",
    "forecast",
    "demand",
    "customer",
    "sales",
    "service",
    "invoice",
    "tax",
    "payroll",
    "attendance",
    "training",
    "consulting",
    "roadmap",
    "security",
    "network",
    "firewall",
    "backup",
    "hosting",
    "migration",
    "mobile",
    "tablet",
    "app",
    "subscription",
    "small",
    "medium",
    "flexible",
    "fast",
    "simple",
    "affordable",
    "remote",
    "onsite",
    "integration",
    "erp",
    "mes",
    "wms",
    "crm",
    "aps",
    "iot",
    "plc",
    "scada",
]
ZH_WORDS = [
    "工厂",
    "车间",
    "产线",
    "设备",
    "传感器",
    "数据",
    "云平台",
    "订单",
    "批次",
    "排产",
    "计划",
    "库存",
    "仓库",
    "物流",
    "配送",
    "供应商",
    "采购",
    "质量",
    "检测",
    "缺陷",
    "视觉",
    "相机",
    "能源",
    "电力",
    "碳排放",
    "安全",
    "报警",
    "维护",
    "维修",
    "振动",
    "电机",
    "水泵",
    "空压机",
    "模具",
    "注塑",
    "纺织",
    "印染",
    "服装",
    "家具",
    "食品",
    "追溯",
    "条码",
    "标签",
    "报表",
    "看板",
    "分析",
    "预测",
    "需求",
    "客户",
    "销售",
    "售后",
    "发票",
    "税务",
    "工资",
    "考勤",
    "培训",
    "咨询",
    "规划",
    "网络",
    "防火墙",
    "备份",
    "托管",
    "迁移",
    "手机",
    "平板",
    "订阅",
    "小批量",
    "柔性",
    "快速",
    "简单",
    "实惠",
    "远程",
    "上门",
    "集成",
    "小单快反",
    "工单",
    "报工",
    "扫码",
    "良率",
    "稼动率",
]
QUERIES = (
    "predictive maintenance",
    "warehouse inventory",
    "quality inspection camera",
    "energy monitoring",
    "scheduling",
    "cloud erp for small factory",
    "小批量 排产",
    "设备 维护",
    "仓库",
    "质量 追溯",
    "能源管理",
    "印染 订单 看板",
)


# Real catalogues have vocabularies of thousands of words with a long tail;
# drawing every word uniformly from ~90 made each query match a third of the
# catalogue. Text is drawn with Zipf's law (weight 1/rank) from the domain
# words above, the words of the taxonomy labels and generated words, so a
# domain word is common but no longer in every listing.
GENERATED_WORDS = 4000
ZIPF_EXPONENT = 1.0
_SYLLABLES_EN = [c + v for c in "bcdfghklmnprstvz" for v in ("a", "e", "i", "o", "u", "ai", "or")]
_CHARS_ZH = (
    "安百宝备本比标表兵材采参测层产长厂成程池储传创磁存达单导灯点电调定动度端段断队"
    "对发法防放分风服浮复改钢高格工功供共构管光规柜焊合核盒化环换黄混机积集计技加价"
    "检件建键交胶接节结金进精井径具聚卡开壳可空控块快况类冷离理力联炼料流路铝率轮码"
    "模膜能配喷批片品平屏气器强切轻清球区圈燃热容熔软润色砂筛设射深升生湿石时式试收"
    "输数刷双水丝塑速算锁台态陶套特梯体条通铜图涂网维温纹稳物析洗线箱项销效芯新信型"
    "修需压研颜样液仪移印硬油有预元源运载造轧找针振制质智中重轴主注装准资自组钻"
)


def _vocabulary(
    base: Sequence[str], labels: Sequence[str], zh: bool, rng: random.Random
) -> list[str]:
    """Domain words first (most frequent), then label words, then generated ones."""
    words = list(dict.fromkeys([*base, *labels]))
    seen = set(words)
    generated: list[str] = []
    while len(generated) < GENERATED_WORDS:
        if zh:
            word = "".join(rng.choice(_CHARS_ZH) for _ in range(rng.choice((2, 2, 2, 3))))
        else:
            word = "".join(rng.choice(_SYLLABLES_EN) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            generated.append(word)
    # Interleave so the common ranks hold domain words and a few generated ones.
    vocabulary: list[str] = []
    for i in range(max(len(words), len(generated))):
        if i < len(words):
            vocabulary.append(words[i])
        if i < len(generated):
            vocabulary.append(generated[i])
    return vocabulary


def _label_words(zh: bool) -> list[str]:
    words: list[str] = []
    for vocabulary in (CAPABILITIES, INDUSTRIES, REGIONS):
        for lab in vocabulary.values():
            if zh:
                words += [w for w, _s, _e in segmenter().tokenize(lab.zh) if len(w) > 1]
            else:
                words += [w.lower() for w in re.findall(r"[A-Za-z]{3,}", lab.en)]
    return words


def synthetic_plugins(count: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """``count`` plausible plug-in documents, the same for the same seed."""
    rng = random.Random(seed)
    capabilities, industries, regions = list(CAPABILITIES), list(INDUSTRIES), list(REGIONS)
    deployments = list(DEPLOYMENTS)
    vocabularies = {}
    for zh, base in ((False, EN_WORDS), (True, ZH_WORDS)):
        words = _vocabulary(base, _label_words(zh), zh, random.Random(seed + zh))
        weights = list(
            itertools.accumulate(1 / (r + 1) ** ZIPF_EXPONENT for r in range(len(words)))
        )
        vocabularies[zh] = (words, weights)
    for i in range(count):
        zh = rng.random() < 0.5
        caps = rng.sample(capabilities, rng.randint(1, 3))
        label = CAPABILITIES[caps[0]]
        words, weights = vocabularies[zh]
        sep = "" if zh else " "

        def text(n: int, words: Sequence[str] = words, sep: str = sep, w=weights) -> str:
            return sep.join(rng.choices(words, cum_weights=w, k=n))

        low = rng.choice((2_000, 8_000, 20_000, 50_000, 120_000, 300_000))
        yield {
            "slug": f"p{i:06d}",
            "name": f"{text(2)}{sep}{label.zh if zh else label.en}",
            "summary": text(rng.randint(10, 20)),
            "description": text(rng.randint(30, 70)),
            "vendor": f"{'数智' if zh else 'Tech'}{rng.randint(1, count // 5 + 1)}",
            "lang": "zh" if zh else "en",
            "capabilities": caps,
            "industries": ["*"] if rng.random() < 0.3 else rng.sample(industries, 2),
            "regions": ["*"] if rng.random() < 0.3 else rng.sample(regions, rng.randint(1, 4)),
            "price_min": low,
            "price_max": low * rng.choice((1, 2, 3)),
            "deployment": rng.sample(deployments, rng.randint(1, 2)),
            "rating": round(rng.uniform(3, 5), 1) if rng.random() < 0.7 else None,
            "review_count": rng.randint(0, 40),
        }


def build_sqlite(path: Path, docs: list[dict[str, Any]]) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE plugins (slug TEXT PRIMARY KEY, name TEXT, summary TEXT, "
        "description TEXT, rating REAL)"
    )
    with db:
        db.executemany(
            "INSERT INTO plugins VALUES (?, ?, ?, ?, ?)",
            [(d["slug"], d["name"], d["summary"], d["description"], d["rating"]) for d in docs],
        )
    return db


def like_search(db: sqlite3.Connection, q: str) -> tuple[int, list[str]]:
    """The plain SQL search: every word somewhere in name, summary or description."""
    words = q.split()
    where = " AND ".join("(name LIKE ? OR summary LIKE ? OR description LIKE ?)" for _ in words)
    params = [f"%{w}%" for w in words for _ in range(3)]
    total = db.execute(f"SELECT COUNT(*) FROM plugins WHERE {where}", params).fetchone()[0]
    rows = db.execute(
        f"SELECT slug FROM plugins WHERE {where} ORDER BY rating DESC LIMIT 20", params
    ).fetchall()
    return total, [r[0] for r in rows]


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), cuts[18]


def timed(fn, queries: Sequence[str], repeats: int) -> list[float]:
    for q in queries:  # warm caches (facet postings, sqlite pages) once
        fn(q)
    samples = []
    for _ in range(repeats):
        for q in queries:
            started = time.perf_counter()
            fn(q)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def run(
    size: int, procs: int, repeats: int, workdir: Path, limitmb: int = 2048
) -> dict[str, float]:
    docs = list(synthetic_plugins(size))
    index = CatalogueIndex(workdir / f"whoosh-{size}")
    started = time.perf_counter()
    index.rebuild(docs, procs=procs if size >= 10_000 else 1, limitmb=limitmb)
    whoosh_build = time.perf_counter() - started
    started = time.perf_counter()
    db = build_sqlite(workdir / f"like-{size}.sqlite", docs)
    sql_build = time.perf_counter() - started
    whoosh_p50, whoosh_p95 = percentiles(timed(index.search, QUERIES, repeats))
    matched = statistics.median(index.search(q).total / size for q in QUERIES)
    like_p50, like_p95 = percentiles(timed(lambda q: like_search(db, q), QUERIES, repeats))
    db.close()
    return {
        "size": size,
        "whoosh_build": whoosh_build,
        "sql_build": sql_build,
        "whoosh_p50": whoosh_p50,
        "whoosh_p95": whoosh_p95,
        "like_p50": like_p50,
        "like_p95": like_p95,
        "matched": matched,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--procs", type=int, default=2, help="indexing processes for 10k+")
    parser.add_argument("--repeats", type=int, default=5, help="runs of the query mix")
    parser.add_argument(
        "--limitmb", type=int, default=2048, help="indexing memory per process before spilling"
    )
    args = parser.parse_args(argv)
    segmenter()  # load jieba before timing (and before indexing processes fork)
    print(f"{len(QUERIES)} queries x {args.repeats} runs per size; times in ms unless noted")
    header = (
        f"{'plug-ins':>9} | {'build s':>7} {'LIKE':>6} | {'p50 ms':>7} {'LIKE':>7} {'ratio':>6}"
        f" | {'p95 ms':>7} {'LIKE':>7} {'ratio':>6} | {'matched':>7}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            r = run(size, args.procs, args.repeats, Path(tmp), args.limitmb)
            print(
                f"{r['size']:>9} | {r['whoosh_build']:>7.1f} {r['sql_build']:>6.1f} | "
                f"{r['whoosh_p50']:>7.1f} {r['like_p50']:>7.1f} "
                f"{r['like_p50'] / r['whoosh_p50']:>5.1f}x | "
                f"{r['whoosh_p95']:>7.1f} {r['like_p95']:>7.1f} "
                f"{r['like_p95'] / r['whoosh_p95']:>5.1f}x | "
                f"{r['matched']:>7.1%}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
