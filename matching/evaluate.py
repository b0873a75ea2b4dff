"""Ranking metrics of data-formats.md and the evaluation loop behind ``matching evaluate``."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from matching.calibration import report
from matching.matcher import Matcher
from matching.types import Need


def ndcg_at(ranked: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    """nDCG@k with linear gain (as trec_eval); the ideal comes from all labels."""
    dcg = sum(relevant.get(oid, 0) / math.log2(i + 2) for i, oid in enumerate(ranked[:k]))
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def mrr_at(ranked: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    """Reciprocal rank of the first offering with grade >= 1 within the top k."""
    for i, oid in enumerate(ranked[:k]):
        if relevant.get(oid, 0) >= 1:
            return 1.0 / (i + 1)
    return 0.0


def recall_at(ranked: Sequence[str], relevant: dict[str, int], k: int) -> float:
    """Share of the labelled offerings ranked in the top k."""
    labelled = {oid for oid, g in relevant.items() if g > 0}
    return len(labelled.intersection(ranked[:k])) / len(labelled) if labelled else 0.0


def evaluate(matcher: Matcher, needs: Sequence[Need], k: int = 10) -> tuple[dict, list[dict]]:
    """Mean metrics over needs with labels, and one row per need (for the table)."""
    rows: list[dict] = []
    elapsed = 0.0
    for need in needs:
        if not any(g > 0 for g in need.relevant.values()):
            continue
        start = time.perf_counter()
        ranked = [oid for oid, _ in matcher.rank_ids(need, k=max(100, k))]
        elapsed += time.perf_counter() - start
        rows.append(
            {
                "id": need.id,
                f"ndcg@{k}": ndcg_at(ranked, need.relevant, k),
                f"mrr@{k}": mrr_at(ranked, need.relevant, k),
                f"recall@{k}": recall_at(ranked, need.relevant, k),
                "recall@100": recall_at(ranked, need.relevant, 100),
                "top": ranked[:3],
            }
        )
    n = len(rows)
    summary: dict = {"cases": n}
    for key in (f"ndcg@{k}", f"mrr@{k}", f"recall@{k}", "recall@100"):
        summary[key] = round(sum(r[key] for r in rows) / n, 4) if n else 0.0
    summary["ms_per_case"] = round(1000 * elapsed / n, 3) if n else 0.0
    return summary, rows


def calibration_summary(matcher: Matcher, needs: Sequence[Need], k: int = 10) -> dict | None:
    """How well the match probabilities of ``matcher`` are calibrated on labelled
    ``needs`` (their best ``k`` matches): Brier score, reliability per bin and the share
    of good or ideal matches per confidence level; None without a calibration."""
    if matcher.calibration is None:
        return None
    probs, grades = [], []
    for need in needs:
        if not any(g > 0 for g in need.relevant.values()):
            continue
        for m in matcher.rank(need, k=k):
            probs.append(m.probability)
            grades.append(need.relevant.get(m.offering_id, 0))
    return report(np.array(probs, dtype=float), np.array(grades), matcher.calibration)
