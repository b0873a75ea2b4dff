"""Smoke runs on the shared benchmarks (skipped where ../shared is absent).

Full evaluations are `make eval`; these only guard against gross regressions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matching.cli import main
from matching.evaluate import evaluate
from matching.loading import load_needs, load_offerings
from matching.matcher import Matcher

MARKET = Path(__file__).resolve().parents[2] / ".." / "shared" / "benchmarks" / "market-dev"
needs_market = pytest.mark.skipif(not MARKET.is_dir(), reason="shared benchmarks not present")


@needs_market
def test_market_dev_quality_holds():
    matcher = Matcher().fit(load_offerings(MARKET / "catalog.jsonl"))
    summary, _ = evaluate(matcher, load_needs(MARKET / "cases.jsonl"))
    assert summary["cases"] == 63
    assert summary["ndcg@10"] >= 0.75 and summary["recall@100"] >= 0.95


@needs_market
def test_cli_evaluate_ends_with_one_json_line(capsys):
    args = ["evaluate", "--catalog", str(MARKET / "catalog.jsonl")]
    assert main([*args, "--cases", str(MARKET / "cases.jsonl")]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]

    assert set(json.loads(last)) == {
        "cases",
        "ndcg@10",
        "mrr@10",
        "recall@10",
        "recall@100",
        "ms_per_case",
        "calibration",  # the shipped model's confidence, measured on the same cases
    }
    assert {"brier", "reliability", "levels", "thresholds"} <= set(json.loads(last)["calibration"])


def test_cli_reports_malformed_input_clearly(tmp_path, capsys):
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"id": "x"}\n')
    assert main(["rank", "--catalog", str(bad), "--need", str(bad)]) == 2
    assert "c.jsonl, line 1: name: is required" in capsys.readouterr().err
