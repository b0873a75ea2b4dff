"""Command line: ``python -m matching evaluate | rank | train | bench``."""

from __future__ import annotations

import argparse
import json
import sys
import time

from matching.loading import LoadError, load_need, load_needs, load_offerings


def _fit(catalog: str, train: str | None, model: str | None):
    from matching.matcher import Matcher
    from matching.ranker import PairwiseRanker

    offerings = load_offerings(catalog)
    matcher = Matcher(ranker=PairwiseRanker.load(model) if model else None).fit(offerings)
    if train:
        matcher.fit_ranker(load_needs(train), source=train)
    return matcher


def cmd_evaluate(args: argparse.Namespace) -> int:
    from matching.evaluate import evaluate

    start = time.perf_counter()
    matcher = _fit(args.catalog, args.train, args.model)
    fit_s = time.perf_counter() - start
    summary, rows = evaluate(matcher, load_needs(args.cases), k=args.k)
    k = args.k
    print(f"{'case':<14} {'ndcg@' + str(k):>8} {'mrr@' + str(k):>8} {'rec@100':>8}  top 3")
    for r in rows:
        print(
            f"{r['id']:<14} {r[f'ndcg@{k}']:>8.3f} {r[f'mrr@{k}']:>8.3f} {r['recall@100']:>8.3f}  "
            + " ".join(r["top"])
        )
    print(f"model {matcher.model_version}; fit {fit_s:.1f} s", file=sys.stderr)
    print(json.dumps(summary))
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    matcher = _fit(args.catalog, args.train, args.model)
    need = load_need(args.need)
    for m in matcher.rank(need, k=args.k):
        print(f"{m.rank:>2}. {m.offering_id}  {m.score:.3f}  {m.explanation}")
    dropped = matcher.dropped(need)
    if dropped:
        print(f"-- {len(dropped)} dropped:")
        for d in dropped[:10]:
            print(f"   {d.offering_id}: {'; '.join(d.reasons)}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    matcher = _fit(args.catalog, args.train, None)
    matcher.ranker_.save(args.out)
    print(json.dumps({"version": matcher.ranker_.version_, **matcher.ranker_.metrics_}))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from matching import bench

    if args.one:
        print(json.dumps(bench.run_one(args.one, repeats=args.repeats)))
        return 0
    rows = bench.run(args.sizes, repeats=args.repeats)
    print(json.dumps(rows))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="metrics of the matcher on labelled cases")
    ev.add_argument("--catalog", required=True)
    ev.add_argument("--cases", required=True)
    ev.add_argument("--train", help="labelled cases to train the ranker on")
    ev.add_argument("--model", help="a saved ranker (JSON) to use instead of the prior")
    ev.add_argument("--k", type=int, default=10)
    ev.set_defaults(func=cmd_evaluate)
    rk = sub.add_parser("rank", help="the explained top k for one need")
    rk.add_argument("--catalog", required=True)
    rk.add_argument("--need", required=True, help="a JSON file with one need")
    rk.add_argument("--train")
    rk.add_argument("--model")
    rk.add_argument("--k", type=int, default=10)
    rk.set_defaults(func=cmd_rank)
    tr = sub.add_parser("train", help="train and save a ranker")
    tr.add_argument("--catalog", required=True)
    tr.add_argument("--train", required=True)
    tr.add_argument("--out", required=True)
    tr.set_defaults(func=cmd_train)
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
