"""Command line: ``python -m matching evaluate | rank | model | train | bench | table``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from matching import bench, report
from matching.evaluate import calibration_summary, evaluate
from matching.loading import LoadError, load_need, load_needs, load_offerings
from matching.matcher import Matcher
from matching.model import build, default_model, load
from matching.ranker import PairwiseRanker
from matching.training import cross_validate, fit_matcher


def _fit(catalog: str, train: str | None, model: str | None, prior: bool = False):
    """The matcher to measure: fitted on ``train`` (readers and ranker, with the catalogue),
    or a saved model (``--model``: an artefact .npz or a ranker .json), or the untrained
    engine (``--prior``), or by default the shipped model."""
    offerings = load_offerings(catalog)
    if train:
        return fit_matcher(offerings, load_needs(train))
    if prior:
        return Matcher().fit(offerings)
    if model and model.endswith(".json"):
        return Matcher(ranker=PairwiseRanker.load(model)).fit(offerings)
    return (load(model) if model else default_model()).matcher().fit(offerings)


def cmd_evaluate(args: argparse.Namespace) -> int:
    k = args.k
    if args.cv:
        start = time.perf_counter()
        summary, rows = cross_validate(
            load_offerings(args.catalog), load_needs(args.cases), folds=args.cv, k=k
        )
        _print_rows(rows, k)
        print(
            f"{args.cv}-fold cross-validation; {time.perf_counter() - start:.1f} s", file=sys.stderr
        )
        print(json.dumps(summary))
        return 0
    start = time.perf_counter()
    matcher = _fit(args.catalog, args.train, args.model, args.prior)
    fit_s = time.perf_counter() - start
    needs = load_needs(args.cases)
    summary, rows = evaluate(matcher, needs, k=k)
    _print_rows(rows, k)
    calibration = calibration_summary(matcher, needs, k=k)
    if calibration is not None:
        _print_calibration(calibration)
        summary["calibration"] = calibration
    print(f"model {matcher.model_version}; fit {fit_s:.1f} s", file=sys.stderr)
    print(json.dumps(summary))
    return 0


def _print_rows(rows: list[dict], k: int) -> None:
    print(f"{'case':<14} {'ndcg@' + str(k):>8} {'mrr@' + str(k):>8} {'rec@100':>8}  top 3")
    for r in rows:
        print(
            f"{r['id']:<14} {r[f'ndcg@{k}']:>8.3f} {r[f'mrr@{k}']:>8.3f} {r['recall@100']:>8.3f}  "
            + " ".join(r["top"])
        )


def _print_calibration(c: dict) -> None:
    t = c["thresholds"]
    print(
        f"calibration of the top matches: {c['matches']} matches, Brier {c['brier']:.4f}; "
        f"strong at p >= {t['strong']:.3f}, weak below {t['weak']:.3f}"
    )
    print(f"  {'p bin':<9} {'n':>5} {'mean p':>7} {'good':>6}")
    for b in c["reliability"]:
        print(f"  {b['bin']:<9} {b['n']:>5} {b['mean_p']:>7.3f} {b['good']:>6.3f}")
    for level, v in c["levels"].items():
        print(f"  {level:<9} {v['n']:>5} {'':>7} {v['good']:>6.3f}")


def cmd_rank(args: argparse.Namespace) -> int:
    matcher = _fit(args.catalog, args.train, args.model, args.prior)
    need = load_need(args.need)
    for m in matcher.rank(need, k=args.k):
        print(f"{m.rank:>2}. {m.offering_id}  {m.score:.3f}  {m.explanation}")
    dropped = matcher.dropped(need)
    if dropped:
        print(f"-- {len(dropped)} dropped:")
        for d in dropped[:10]:
            print(f"   {d.offering_id}: {'; '.join(d.reasons)}")
    return 0


def cmd_model(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    model = build(
        load_offerings(args.catalog),
        load_needs(args.train),
        sources={"catalog": _name(args.catalog), "cases": _name(args.train)},
        folds=args.cv,
    )
    version = model.save(args.out)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "version": version,
                "out": args.out,
                "seconds": round(seconds, 1),
                **model.info["metrics"],
            }
        )
    )
    return 0


def _name(path: str) -> str:
    """A data file as ``benchmarks/<set>/<file>``: the same on every machine."""
    parts = Path(path).resolve().parts
    return "/".join(parts[-3:])


def cmd_train(args: argparse.Namespace) -> int:
    matcher = _fit(args.catalog, args.train, None)
    matcher.ranker_.save(args.out)
    print(json.dumps({"version": matcher.ranker_.version_, **matcher.ranker_.metrics_}))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    if args.one:
        print(json.dumps(bench.run_one(args.one, repeats=args.repeats)))
        return 0
    rows = bench.run(args.sizes, repeats=args.repeats)
    print(json.dumps(rows))
    return 0


def cmd_table(args: argparse.Namespace) -> int:
    return report.main(args.bench, args.bench_size, args.repeats)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="metrics of the matcher on labelled cases")
    ev.add_argument("--catalog", required=True)
    ev.add_argument("--cases", required=True)
    ev.add_argument("--train", help="labelled cases to fit the readers and ranker on")
    ev.add_argument("--model", help="a model artefact (.npz) or ranker (.json); default: shipped")
    ev.add_argument("--prior", action="store_true", help="the untrained engine (hand-set prior)")
    ev.add_argument("--cv", type=int, help="k-fold cross-validation on --cases instead")
    ev.add_argument("--k", type=int, default=10)
    ev.set_defaults(func=cmd_evaluate)
    rk = sub.add_parser("rank", help="the explained top k for one need")
    rk.add_argument("--catalog", required=True)
    rk.add_argument("--need", required=True, help="a JSON file with one need")
    rk.add_argument("--train")
    rk.add_argument("--model")
    rk.add_argument("--prior", action="store_true")
    rk.add_argument("--k", type=int, default=10)
    rk.set_defaults(func=cmd_rank)
    md = sub.add_parser("model", help="fit readers and ranker; write the model artefact")
    md.add_argument("--catalog", required=True)
    md.add_argument("--train", required=True)
    md.add_argument("--out", required=True)
    md.add_argument("--cv", type=int, default=5, help="folds of the recorded CV figures")
    md.set_defaults(func=cmd_model)
    tr = sub.add_parser("train", help="train and save a ranker")
    tr.add_argument("--catalog", required=True)
    tr.add_argument("--train", required=True)
    tr.add_argument("--out", required=True)
    tr.set_defaults(func=cmd_train)
    tb = sub.add_parser("table", help="the quality and speed table with its targets")
    tb.add_argument("--bench", default="../shared/benchmarks", help="the benchmarks folder")
    tb.add_argument("--bench-size", type=int, help="also run the speed benchmark at this size")
    tb.add_argument("--repeats", type=int, default=20)
    tb.set_defaults(func=cmd_table)
    be = sub.add_parser("bench", help="speed and memory on synthetic catalogues vs plain BM25")
    be.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    be.add_argument("--repeats", type=int, default=50)
    be.add_argument("--one", type=int, help=argparse.SUPPRESS)
    be.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (LoadError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
