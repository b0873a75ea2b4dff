"""Guarded learning from outcomes: a trained ranker goes live only when it is better.

``train`` fits a candidate on most of the needs with recorded outcomes, bounds its weights
(``matching.ranker.WeightBounds``: no signal may dominate, text never goes negative), and
compares it with the live model on two things it was not fitted on:

1. the outcomes of held-out needs (every third need with outcomes, by id): the candidate
   must rank them strictly better (nDCG@10) than the live model, on at least
   ``MATCHING_MIN_HELDOUT`` needs (one need's outcomes prove nothing);
2. a labelled check set (``MATCHING_CHECK_SET``: a folder with ``catalog.jsonl`` and
   ``cases.jsonl`` as in data-formats.md, market-dev by default): the candidate may not
   fall by more than ``MATCHING_CHECK_TOLERANCE``.

A candidate that passes both goes live at once; any other is kept with its figures and
the reason, for ``flask matching models`` to show and an operator to promote by hand.
Every model is stored as data (weights, figures, verdict), never as a pickle.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.errors import DomainError, InvalidInput, NotFound
from app.extensions import db
from app.models import ModelStatus, RankerModel
from app.models.base import utcnow
from app.services import audit
from matching.evaluate import evaluate
from matching.loading import LoadError, load_needs, load_offerings
from matching.matcher import Matcher
from matching.model import default_model
from matching.ranker import COMPONENTS, PairwiseRanker
from matching.types import Need as NeedRecord

HOLDOUT_EVERY = 3  # every third need (by id) is held out of training
SOURCE = "portal outcomes"


@dataclass(frozen=True)
class CheckSet:
    """Labelled cases over their own catalogue, the guard's second opinion."""

    name: str
    matcher: Matcher
    cases: list[NeedRecord]


def check_set_path() -> Path | None:
    """The configured labelled check set folder, or None when there is none."""
    configured = current_app.config.get("MATCHING_CHECK_SET")
    return Path(configured) if configured else None


@lru_cache(maxsize=2)
def _load_check_set(path: str, stamp: tuple[float, float]) -> CheckSet:
    del stamp  # part of the cache key: an edited file is read again
    folder = Path(path)
    offerings = load_offerings(folder / "catalog.jsonl")
    cases = [c for c in load_needs(folder / "cases.jsonl") if c.relevant]
    if not cases:
        raise InvalidInput(f"the check set {folder} has no labelled cases")
    return CheckSet(folder.name, default_model().matcher().fit(offerings), cases)


def check_set() -> CheckSet | None:
    """The labelled check set, fitted once per process; None when not configured."""
    folder = check_set_path()
    if folder is None:
        return None
    files = (folder / "catalog.jsonl", folder / "cases.jsonl")
    try:
        stamp = tuple(f.stat().st_mtime for f in files)
        return _load_check_set(str(folder), stamp)
    except OSError as exc:
        raise InvalidInput(f"the check set {folder} cannot be read: {exc.strerror}") from None
    except LoadError as exc:
        raise InvalidInput(f"the check set is broken: {exc}") from None


def split_outcomes(
    triples: list[tuple[NeedRecord, str, int]],
) -> tuple[list[tuple[NeedRecord, str, int]], list[NeedRecord]]:
    """(training triples, held-out needs with their outcome grades as labels)."""
    ids = sorted({need.id for need, _, _ in triples}, key=lambda i: (len(str(i)), str(i)))
    held = {nid for i, nid in enumerate(ids) if i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1}
    train = [t for t in triples if t[0].id not in held]
    grades: dict[str, tuple[NeedRecord, dict[str, int]]] = {}
    for need, slug, grade in triples:
        if need.id in held:
            entry = grades.setdefault(need.id, (need, {}))
            entry[1][slug] = max(grade, entry[1].get(slug, 0))
    held_out = [dataclasses.replace(n, relevant=g) for n, g in grades.values()]
    return train, held_out


def _ndcg(matcher: Matcher, ranker: PairwiseRanker, needs: list[NeedRecord]) -> float:
    """nDCG@10 of ``needs`` with ``ranker`` on a private copy of ``matcher``."""
    trial = copy.copy(matcher).load_ranker(ranker)  # the shared index is only read
    summary, _ = evaluate(trial, needs)
    return float(summary["ndcg@10"])


def _max_share(weights: dict[str, float]) -> tuple[str, float]:
    total = sum(abs(w) for w in weights.values()) or 1.0
    name = max(weights, key=lambda c: abs(weights[c]))
    return name, round(abs(weights[name]) / total, 3)


def train(base: Matcher, *, min_needs: int = 3) -> RankerModel:
    """Train a candidate on outcomes, judge it against ``base``'s live ranker, store it.

    Raises :class:`InvalidInput` when there is too little feedback or no usable check set
    is configured wrongly; the caller commits.
    """
    # here, not at the top: app.services.outcomes imports app.services.kpis, which imports
    # app.services.needs, which imports app.services.matching, which imports this module
    from app.services.outcomes import precedents, training_triples

    triples = training_triples()
    needs = {need.id for need, _, _ in triples}
    if len(needs) < min_needs:
        raise InvalidInput(
            f"too little feedback to learn from ({len(needs)} needs < {min_needs}); "
            "the live model stays in use"
        )
    train_triples, held_out = split_outcomes(triples)
    held_out = [n for n in held_out if any(g > 0 for g in n.relevant.values())]
    if not held_out:
        raise InvalidInput("no held-out need has a positive outcome yet: nothing to judge by")
    # The held-out needs' outcomes are no precedents while they judge: the candidate and
    # the live ranker are scored as a new need would be ranked.
    base = copy.copy(base).set_params(precedents=precedents(train_triples))
    trainer = copy.copy(base)
    try:
        trainer.fit_ranker_triples(train_triples, source=SOURCE)
    except ValueError as exc:  # e.g. no need has offerings with different outcomes yet
        raise InvalidInput(f"cannot train yet: {exc}") from None
    raw = trainer.ranker_
    candidate = raw.bounded()
    live = base.ranker_
    checks = check_set()
    metrics: dict = {
        "train_needs": len({n.id for n, _, _ in train_triples}),
        "heldout_needs": len(held_out),
        "heldout_ndcg@10": {
            "candidate": round(_ndcg(base, candidate, held_out), 4),
            "live": round(_ndcg(base, live, held_out), 4),
        },
        "live_version": live.version_,
        "unbounded_max_share": _max_share(raw.weights_),
        "max_share": _max_share(candidate.weights_),
    }
    reasons = []
    heldout = metrics["heldout_ndcg@10"]
    gain = heldout["candidate"] - heldout["live"]
    min_gain = float(current_app.config["MATCHING_MIN_GAIN"])
    if gain <= min_gain:
        reasons.append(f"does not beat the live model on held-out outcomes ({gain:+.4f})")
    min_heldout = int(current_app.config["MATCHING_MIN_HELDOUT"])
    if len(held_out) < min_heldout:
        reasons.append(
            f"too few held-out needs to judge by ({len(held_out)} < {min_heldout}; "
            f"about {HOLDOUT_EVERY * min_heldout} needs with outcomes are needed)"
        )
    if checks is None:
        reasons.append("no labelled check set is configured (MATCHING_CHECK_SET)")
    else:
        metrics["check_set"] = checks.name
        metrics["check_ndcg@10"] = {
            "candidate": round(_ndcg(checks.matcher, candidate, checks.cases), 4),
            "live": round(_ndcg(checks.matcher, live, checks.cases), 4),
        }
        fall = metrics["check_ndcg@10"]["live"] - metrics["check_ndcg@10"]["candidate"]
        if fall > float(current_app.config["MATCHING_CHECK_TOLERANCE"]):
            reasons.append(f"falls on the labelled check set {checks.name} ({-fall:+.4f})")
    accepted = not reasons
    model = RankerModel(
        version=candidate.version_,
        payload=candidate.to_dict(),
        metrics=metrics,
        accepted=accepted,
        verdict="better on held-out outcomes and holds on the check set"
        if accepted
        else "; ".join(reasons),
    )
    existing = db.session.scalar(sa.select(RankerModel).where(RankerModel.version == model.version))
    if existing is not None:  # the same outcomes again give the same weights: one row
        db.session.delete(existing)
        db.session.flush()
    db.session.add(model)
    audit.record(None, "ranker_model.trained", model, accepted=accepted, verdict=model.verdict)
    if accepted:
        _make_live(model)
    return model


def live_model() -> RankerModel | None:
    return db.session.scalar(sa.select(RankerModel).where(RankerModel.status == ModelStatus.LIVE))


def live_stamp() -> tuple[int, str] | None:
    """(id, version) of the live model, cheap enough to ask before every ranking."""
    row = db.session.execute(
        sa.select(RankerModel.id, RankerModel.version).where(RankerModel.status == ModelStatus.LIVE)
    ).first()
    return tuple(row) if row else None


def ranker_of(model: RankerModel) -> PairwiseRanker:
    return PairwiseRanker.from_dict(model.payload, origin=f"ranker model {model.id}")


def list_models() -> list[RankerModel]:
    return list(db.session.scalars(sa.select(RankerModel).order_by(RankerModel.id.desc())))


def _make_live(model: RankerModel) -> None:
    current = live_model()
    if current is not None and current.id != model.id:
        current.status = ModelStatus.RETIRED
        db.session.flush()  # one live model at a time, also inside this transaction
    model.status = ModelStatus.LIVE
    model.activated_at = utcnow()
    db.session.flush()


def promote(model_id: int, reason: str | None = None) -> RankerModel:
    """Put a stored model live by hand (e.g. a refused candidate an operator trusts)."""
    model = db.session.get(RankerModel, model_id)
    if model is None:
        raise NotFound(f"no ranker model {model_id}")
    if model.status == ModelStatus.LIVE:
        raise DomainError(f"model {model_id} ({model.version}) is already live")
    ranker_of(model)  # refuse a model whose data cannot be read before it goes live
    previous = live_model()
    _make_live(model)
    audit.record(
        None,
        "ranker_model.promoted",
        model,
        reason=reason,
        replaced=previous.version if previous else None,
    )
    return model


def rollback() -> RankerModel | None:
    """Retire the live model; the one live before it (or the default model) takes over."""
    current = live_model()
    if current is None:
        raise DomainError("no trained model is live: the default model is already in use")
    earlier = db.session.scalar(
        sa.select(RankerModel)
        .where(
            RankerModel.id != current.id,
            RankerModel.status == ModelStatus.RETIRED,
            RankerModel.activated_at.is_not(None),
            RankerModel.activated_at <= current.activated_at,
        )
        .order_by(RankerModel.activated_at.desc(), RankerModel.id.desc())
    )
    current.status = ModelStatus.RETIRED
    current.activated_at = None  # never rolled back to again
    db.session.flush()
    if earlier is not None:
        earlier.status = ModelStatus.LIVE
        db.session.flush()
    audit.record(
        None,
        "ranker_model.rolled_back",
        current,
        restored=earlier.version if earlier else "default",
    )
    return earlier


def weights_line(model: RankerModel) -> str:
    """The weights, largest first, as one readable line."""
    weights = model.payload.get("weights", {})
    ordered = sorted(COMPONENTS, key=lambda c: -abs(weights.get(c, 0.0)))
    return " ".join(f"{c}={weights.get(c, 0.0):.2f}" for c in ordered)
