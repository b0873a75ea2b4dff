"""``python -m matching table`` (``make eval``): the quality and speed table with its targets.

Every figure is measured in this run with the same functions ``python -m matching
evaluate`` uses: market-train by 5-fold cross-validation (fit on four folds, score the
fifth), market-dev with the shipped model (fitted on market-train and the catalogue
only), the cross-language slices of both, SciFact fitted on its train split and scored
on its test split, and optionally the 100k-offering benchmark.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from matching.bm25 import BM25Index
from matching.evaluate import calibration_summary, evaluate, ndcg_at
from matching.loading import load_needs, load_offerings
from matching.matcher import _offering_fields
from matching.model import default_model
from matching.text import detect_lang, tokenize
from matching.training import cross_validate, fit_matcher
from matching.types import Need, Offering

TARGETS = {
    "train_cv": 0.80,
    "dev": 0.82,
    "cross_gap": 0.05,
    "scifact": 0.72,
    "ratio": 3.0,
    "fit_s": 60.0,
    "peak_mb": 1024.0,
}


def bm25_rows(offerings: Sequence[Offering], needs: Sequence[Need], k: int = 10) -> list[dict]:
    """nDCG@k of plain BM25 over the same text (the reference line)."""
    index = BM25Index(k1=1.2, b=0.6).fit(_offering_fields(o, 2.0) for o in offerings)
    ids = [o.id for o in offerings]
    rows = []
    for need in needs:
        if not any(g > 0 for g in need.relevant.values()):
            continue
        scores = index.scores(tokenize(need.text))
        order = np.lexsort((np.arange(len(scores)), -scores))[:k]
        rows.append(
            {"id": need.id, f"ndcg@{k}": ndcg_at([ids[i] for i in order], need.relevant, k)}
        )
    return rows


def cross_language(need: Need, langs: dict[str, str]) -> bool:
    """Whether every ideal (best-graded) offering of ``need`` is in the other language."""
    if not need.relevant:
        return False
    best = max(need.relevant.values())
    ideal = [oid for oid, g in need.relevant.items() if g == best and oid in langs]
    lang = need.lang or detect_lang(need.text)
    return bool(ideal) and all(langs[oid] != lang for oid in ideal)


def slices(rows: list[dict], needs: Sequence[Need], offerings: Sequence[Offering], k: int = 10):
    """Mean nDCG@k over cross-language and same-language needs, and their counts."""
    langs = {o.id: o.lang or detect_lang(o.text) for o in offerings}
    by_id = {n.id: n for n in needs}
    cross = [r[f"ndcg@{k}"] for r in rows if cross_language(by_id[r["id"]], langs)]
    same = [r[f"ndcg@{k}"] for r in rows if not cross_language(by_id[r["id"]], langs)]
    return (
        float(np.mean(cross)) if cross else float("nan"),
        len(cross),
        float(np.mean(same)) if same else float("nan"),
        len(same),
    )


def _mean(rows: list[dict], k: int = 10) -> float:
    return float(np.mean([r[f"ndcg@{k}"] for r in rows])) if rows else 0.0


def measure(bench: Path, bench_size: int | None = None, repeats: int = 20) -> dict:
    """Every figure of the table, as a dict (printed by :func:`main`)."""
    market = bench / "market-dev" / "catalog.jsonl"
    catalog = load_offerings(market)
    train = load_needs(bench / "market-train" / "cases.jsonl")
    dev = load_needs(bench / "market-dev" / "cases.jsonl")
    out: dict = {}
    start = time.perf_counter()
    cv, cv_rows = cross_validate(catalog, train, folds=5)
    out["train_cv"] = {
        "ndcg@10": cv["ndcg@10"],
        "bm25": _mean(bm25_rows(catalog, train)),
        "seconds": round(time.perf_counter() - start, 1),
    }
    out["train_slices"] = slices(cv_rows, train, catalog)
    model = default_model()
    dev_matcher = model.matcher().fit(catalog)
    summary, dev_rows = evaluate(dev_matcher, dev)
    out["dev"] = {
        "ndcg@10": summary["ndcg@10"],
        "bm25": _mean(bm25_rows(catalog, dev)),
        "model": model.version,
        "ms_per_case": summary["ms_per_case"],
    }
    out["dev_slices"] = slices(dev_rows, dev, catalog)
    out["dev_calibration"] = calibration_summary(dev_matcher, dev)
    sci = bench / "scifact"
    start = time.perf_counter()
    sci_catalog = load_offerings(sci / "catalog.jsonl")
    matcher = fit_matcher(sci_catalog, load_needs(sci / "cases-train.jsonl"))
    summary, _ = evaluate(matcher, load_needs(sci / "cases-test.jsonl"))
    out["scifact"] = {
        "ndcg@10": summary["ndcg@10"],
        "bm25": _mean(bm25_rows(sci_catalog, load_needs(sci / "cases-test.jsonl"))),
        "seconds": round(time.perf_counter() - start, 1),
    }
    if bench_size:
        cmd = [sys.executable, "-m", "matching", "bench", "--one", str(bench_size)]
        cmd += ["--repeats", str(repeats)]
        result = subprocess.run(cmd, capture_output=True, text=True, check=True)
        out["bench"] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


def _ok(flag: bool) -> str:
    return "met" if flag else "NOT met"


def render(m: dict) -> str:
    """The table of issue 13, with this run's figures."""
    t = TARGETS
    tc, dv, sf = m["train_cv"], m["dev"], m["scifact"]
    lines = [
        "| measure | this run | reference | target | |",
        "| --- | --- | --- | --- | --- |",
        f"| market-train, 5-fold CV (fit on 4 folds, score the 5th), nDCG@10 | {tc['ndcg@10']:.3f} "
        f"| BM25 {tc['bm25']:.3f} | ≥ {t['train_cv']:.2f} "
        f"| {_ok(tc['ndcg@10'] >= t['train_cv'])} |",
        f"| market-dev (never used for fitting or choosing), nDCG@10 | {dv['ndcg@10']:.3f} "
        f"| BM25 {dv['bm25']:.3f} | ≥ {t['dev']:.2f} | {_ok(dv['ndcg@10'] >= t['dev'])} |",
    ]
    for name, key in (("market-train (CV)", "train_slices"), ("market-dev", "dev_slices")):
        cross, n_cross, same, n_same = m[key]
        gap = same - cross
        lines.append(
            f"| cross-language slice, {name}: {n_cross} cross vs {n_same} same-language needs "
            f"| {cross:.3f} vs {same:.3f} (gap {gap:+.3f}) | | within {t['cross_gap']:.2f} "
            f"| {_ok(gap <= t['cross_gap'])} |"
        )
    cal = m.get("dev_calibration")
    if cal:
        levels = " / ".join(f"{lv} {v['good']:.2f} (n={v['n']})" for lv, v in cal["levels"].items())
        lines.append(
            f"| confidence, market-dev top 10: Brier; share good or ideal per level "
            f"| {cal['brier']:.4f}; {levels} | | calibrated | reported |"
        )
    lines.append(
        f"| SciFact test, fit on train only, nDCG@10 | {sf['ndcg@10']:.3f} | BM25 {sf['bm25']:.3f} "
        f"| ≥ {t['scifact']:.2f} | {_ok(sf['ndcg@10'] >= t['scifact'])} |"
    )
    b = m.get("bench")
    if b:
        ok = (
            b["p50_ratio"] <= t["ratio"] and b["fit_s"] < t["fit_s"] and b["peak_mb"] < t["peak_mb"]
        )
        lines.append(
            f"| {b['offerings']:,} offerings: p50 rank vs plain BM25 in the same run; fit; peak "
            f"memory | {b['p50_ratio']}× ({b['p50_ms']} vs {b['bm25_p50_ms']} ms); {b['fit_s']} s; "
            f"{b['peak_mb']:.0f} MB | | ≤ 3×; < 60 s; < 1 GB | {_ok(ok)} |"
        )
    else:
        lines.append("| 100k offerings | not run (`--bench 100000`, or `make eval`) | | | |")
    return "\n".join(lines)


def main(bench: str, bench_size: int | None, repeats: int) -> int:
    m = measure(Path(bench), bench_size, repeats)
    print(render(m))
    print(json.dumps(m), file=sys.stderr)
    return 0
