"""Benchmark: the Whoosh catalogue search beside a plain SQL ``LIKE`` search.

    python -m app.search.bench [--sizes 1000 10000 100000] [--procs 2]

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
import random
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


def synthetic_plugins(count: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """``count`` plausible plug-in documents, the same for the same seed."""
    rng = random.Random(seed)
    capabilities, industries, regions = list(CAPABILITIES), list(INDUSTRIES), list(REGIONS)
    deployments = list(DEPLOYMENTS)
    for i in range(count):
        zh = rng.random() < 0.5
        caps = rng.sample(capabilities, rng.randint(1, 3))
        label = CAPABILITIES[caps[0]]
        words = ZH_WORDS if zh else EN_WORDS
        sep = "" if zh else " "

        def text(n: int, words: Sequence[str] = words, sep: str = sep) -> str:
            return sep.join(rng.choice(words) for _ in range(n))

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


def run(size: int, procs: int, repeats: int, workdir: Path) -> dict[str, float]:
    docs = list(synthetic_plugins(size))
    index = CatalogueIndex(workdir / f"whoosh-{size}")
    started = time.perf_counter()
    index.rebuild(docs, procs=procs if size >= 10_000 else 1, limitmb=256)
    whoosh_build = time.perf_counter() - started
    started = time.perf_counter()
    db = build_sqlite(workdir / f"like-{size}.sqlite", docs)
    sql_build = time.perf_counter() - started
    whoosh_p50, whoosh_p95 = percentiles(timed(index.search, QUERIES, repeats))
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
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--procs", type=int, default=2, help="indexing processes for 10k+")
    parser.add_argument("--repeats", type=int, default=5, help="runs of the query mix")
    args = parser.parse_args(argv)
    segmenter()  # load jieba before timing (and before indexing processes fork)
    print(f"{len(QUERIES)} queries x {args.repeats} runs per size; times in ms unless noted")
    header = (
        f"{'plug-ins':>9} | {'build s':>7} {'LIKE':>6} | {'p50 ms':>7} {'LIKE':>7} {'ratio':>6}"
        f" | {'p95 ms':>7} {'LIKE':>7} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            r = run(size, args.procs, args.repeats, Path(tmp))
            print(
                f"{r['size']:>9} | {r['whoosh_build']:>7.1f} {r['sql_build']:>6.1f} | "
                f"{r['whoosh_p50']:>7.1f} {r['like_p50']:>7.1f} "
                f"{r['like_p50'] / r['whoosh_p50']:>5.1f}x | "
                f"{r['whoosh_p95']:>7.1f} {r['like_p95']:>7.1f} "
                f"{r['like_p95'] / r['whoosh_p95']:>5.1f}x",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
