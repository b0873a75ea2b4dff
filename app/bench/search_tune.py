"""Measure field boosts for the catalogue search on a labelled set.

    python -m app.bench.search_tune [--data ../shared/benchmarks/market-dev] [--rounds 2]
    python -m app.bench.search_tune --evaluate-only     # score the current boosts, no tuning
    python -m app.bench.search_tune --evaluate-only \
        --cases ../shared/benchmarks/market-train/cases.jsonl

The catalogue of the set becomes the index; each case's title and
description is a query; the graded labels give nDCG@10 (linear gain, ideal
from all labels, as ../shared/data-formats.md). Boosts are chosen by
coordinate ascent over a small grid, starting from all fields at 1. To show
whether the gain is real rather than fitted to these 60-odd cases, the
search is also run two-fold: tuned on odd cases, scored on even ones, and
the other way round.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.search.index import DEFAULT_BOOSTS, CatalogueIndex
from app.search.schema import TEXT_FIELDS

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO.parent / "shared" / "benchmarks" / "market-dev"
GRID = (0.0, 0.5, 1.0, 2.0, 4.0)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def as_document(offering: dict[str, Any]) -> dict[str, Any]:
    """An offering of the data format as the index's document dict."""
    doc = dict(offering)
    doc["slug"] = doc.pop("id")
    return doc


def ndcg_at_10(ranked: Sequence[str], labels: dict[str, int]) -> float:
    gains = [labels.get(slug, 0) for slug in ranked[:10]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(labels.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def evaluate(directory: Path, boosts: dict[str, float], cases: list[dict[str, Any]]) -> float:
    """Mean nDCG@10 of the search with ``boosts`` over ``cases``."""
    index = CatalogueIndex(directory, boosts=boosts)
    scores = []
    for case in cases:
        text = f"{case.get('title') or ''} {case['description']}"
        result = index.search(text, per_page=10)
        scores.append(ndcg_at_10([hit.slug for hit in result.hits], case["relevant"]))
    return sum(scores) / len(scores)


def coordinate_ascent(
    directory: Path, cases: list[dict[str, Any]], rounds: int, verbose: bool
) -> tuple[dict[str, float], float]:
    boosts = {field: 1.0 for field in TEXT_FIELDS}
    best = evaluate(directory, boosts, cases)
    for round_no in range(1, rounds + 1):
        improved = False
        for field in TEXT_FIELDS:
            for value in GRID:
                if value == boosts[field]:
                    continue
                trial = {**boosts, field: value}
                if not any(trial.values()):
                    continue
                score = evaluate(directory, trial, cases)
                if score > best + 1e-4:
                    best, boosts, improved = score, trial, True
            if verbose:
                print(
                    f"  round {round_no} {field:16} -> {boosts[field]:<4} nDCG@10 {best:.4f}",
                    flush=True,
                )
        if not improved:
            break
    return boosts, best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder with catalog.jsonl and cases.jsonl"
    )
    parser.add_argument(
        "--cases",
        type=Path,
        default=None,
        help="labelled queries over the same catalogue (default: the folder's cases.jsonl), "
        "e.g. ../shared/benchmarks/market-train/cases.jsonl",
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--evaluate-only",
        action="store_true",
        help="only score all-1 and the current DEFAULT_BOOSTS (seconds, not minutes)",
    )
    args = parser.parse_args(argv)
    catalog = [as_document(o) for o in read_jsonl(args.data / "catalog.jsonl")]
    cases_file = args.cases or args.data / "cases.jsonl"
    cases = [c for c in read_jsonl(cases_file) if c.get("relevant")]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        CatalogueIndex(directory).rebuild(catalog)
        uniform = {field: 1.0 for field in TEXT_FIELDS}
        print(
            f"{len(catalog)} listings from {args.data}, "
            f"{len(cases)} labelled cases from {cases_file}"
        )
        print(f"all boosts 1            nDCG@10 {evaluate(directory, uniform, cases):.4f}")
        print(f"current DEFAULT_BOOSTS  nDCG@10 {evaluate(directory, DEFAULT_BOOSTS, cases):.4f}")
        if args.evaluate_only:
            print(f"({time.perf_counter() - started:.0f} s)")
            return 0
        print("coordinate ascent on all cases:")
        boosts, best = coordinate_ascent(directory, cases, args.rounds, verbose=True)
        print(f"tuned boosts {json.dumps(boosts)}  nDCG@10 {best:.4f}")
        folds = (cases[0::2], cases[1::2])
        held_out_tuned, held_out_uniform = [], []
        for train, test in (folds, folds[::-1]):
            fold_boosts, _ = coordinate_ascent(directory, train, args.rounds, verbose=False)
            held_out_tuned.append(evaluate(directory, fold_boosts, test))
            held_out_uniform.append(evaluate(directory, uniform, test))
            print(f"  fold tuned on {len(train)}: {json.dumps(fold_boosts)}")
        print(
            "two-fold held-out nDCG@10: tuned "
            f"{sum(held_out_tuned) / 2:.4f} vs all-1 {sum(held_out_uniform) / 2:.4f}"
        )
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
