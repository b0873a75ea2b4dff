"""The shipped default model: capability readers and ranker, as one versioned artefact.

``make model`` (``python -m matching model``) fits the need reader, the offering
reader and the pairwise ranker on market-train and the catalogue
(``matching.training.fit_matcher``) and writes ``matching/data/default-model.npz``:
plain arrays (vocabularies, idf, coefficients, calibration) and one JSON document
(schema, version, ranker weights, what it was trained on, its cross-validated
figures). It is read with ``allow_pickle=False``: loading a model can never run code.
The same inputs give the same bytes (fixed seeds, no timestamps inside), so the
version, a hash of the content, says exactly which model ranked a match.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import numpy as np
import sklearn

from matching.calibration import Calibration, report
from matching.capmodel import CapabilityModel
from matching.evaluate import evaluate
from matching.matcher import Matcher
from matching.precedents import Precedents
from matching.ranker import PairwiseRanker, check_bounds, read_weights
from matching.training import cross_validate, fit_calibration, fit_matcher
from matching.types import Need, Offering

T = TypeVar("T")
SCHEMA = "shuzhuan-model/1"
DEFAULT_PATH = Path(__file__).parent / "data" / "default-model.npz"


class ModelError(ValueError):
    """An artefact that is missing, of another schema, or damaged."""


@dataclass
class TrainedModel:
    """Fitted readers and ranker, plus what they were trained on and measured at."""

    need_reader: CapabilityModel
    offering_reader: CapabilityModel
    ranker: PairwiseRanker
    info: dict = field(default_factory=dict)
    calibration: Calibration | None = None  # confidence of each match (calibration.py)
    precedents: Precedents | None = None  # the labelled needs, as evidence (precedents.py)

    @property
    def version(self) -> str:
        return self.info.get("version", "unsaved")

    def matcher(self, **params) -> Matcher:
        """An unfitted :class:`Matcher` using this model (call ``fit(offerings)``);
        ``params`` set or override any of its parameters."""
        learned = {
            "ranker": self.ranker,
            "capability_model": self.need_reader,
            "offering_model": self.offering_reader,
            "calibration": self.calibration,
            "precedents": self.precedents,
        }
        return Matcher(**(learned | params))

    @classmethod
    def from_matcher(cls, matcher: Matcher, info: dict | None = None) -> TrainedModel:
        if matcher.capability_model is None or matcher.offering_model is None:
            raise ModelError("the matcher has no fitted capability readers")
        return cls(
            matcher.capability_model,
            matcher.offering_model,
            matcher.ranker_,
            info or {},
            matcher.calibration,
            matcher.precedents,
        )

    # -- persistence ------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        problems = check_bounds(self.ranker.weights_)
        if problems:
            raise ModelError("ranker weights out of bounds: " + "; ".join(problems))
        arrays: dict[str, np.ndarray] = {}
        for prefix, reader in (("need", self.need_reader), ("offering", self.offering_reader)):
            arrays.update({f"{prefix}.{k}": v for k, v in reader.to_arrays().items()})
        info = {k: v for k, v in self.info.items() if k != "version"}
        info.update(
            schema=SCHEMA,
            ranker={
                "weights": self.ranker.weights_,
                "learned_components": self.ranker.learned_components_,
                "params": self.ranker.get_params(),
                "trained_on": {k: v for k, v in self.ranker.trained_on_.items() if k != "date"},
            },
            software={"scikit-learn": sklearn.__version__, "numpy": np.__version__},
        )
        if self.calibration is not None:
            info["calibration"] = self.calibration.to_dict()
        if self.precedents is not None:
            info["precedents"] = self.precedents.to_dict()
        body = _npz(arrays, info)
        info["version"] = "model-" + hashlib.sha256(body).hexdigest()[:12]
        return _npz(arrays, info)

    def save(self, path: str | Path) -> str:
        """Write the artefact; returns its version."""
        data = self.to_bytes()
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(data)
        self.info = load(path).info
        return self.version

    @classmethod
    def load(cls, path: str | Path) -> TrainedModel:
        return load(path)


def _npz(arrays: dict[str, np.ndarray], info: dict) -> bytes:
    buf = io.BytesIO()
    payload = dict(sorted(arrays.items()))
    payload["info"] = np.array(json.dumps(info, sort_keys=True, ensure_ascii=False))
    np.savez_compressed(buf, **payload)
    return buf.getvalue()


def load(path: str | Path) -> TrainedModel:
    """Read an artefact written by :meth:`TrainedModel.save` (never unpickles)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: not a readable model ({exc})") from exc
    try:
        info = json.loads(str(arrays.pop("info")))
    except (KeyError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: no model description inside") from exc
    if info.get("schema") != SCHEMA:
        raise ModelError(f"{path}: schema {info.get('schema')!r}, expected {SCHEMA}")
    readers = {}
    for prefix in ("need", "offering"):
        part = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith(prefix + ".")}
        readers[prefix] = CapabilityModel.from_arrays(part)
    spec = info["ranker"]
    ranker = PairwiseRanker(**spec["params"])
    try:
        ranker.weights_ = read_weights(spec["weights"], f"{path}: ranker")
    except ValueError as exc:
        raise ModelError(str(exc)) from exc
    ranker.learned_components_ = list(spec.get("learned_components", []))
    ranker.trained_on_ = dict(spec.get("trained_on", {}))
    ranker.metrics_ = dict(info.get("metrics", {}))
    ranker.version_ = info.get("version", "unknown")
    problems = check_bounds(ranker.weights_)
    if problems:
        raise ModelError(f"{path}: ranker weights out of bounds: " + "; ".join(problems))
    calibration = _optional(path, info, "calibration", Calibration.from_dict)
    precedents = _optional(path, info, "precedents", Precedents.from_dict)
    return TrainedModel(readers["need"], readers["offering"], ranker, info, calibration, precedents)


def _optional(path: str | Path, info: dict, key: str, reader: Callable[[dict], T]) -> T | None:
    """The part ``key`` of the description read by ``reader`` (None if absent)."""
    if key not in info:
        return None
    try:
        return reader(info[key])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{path}: damaged {key} ({exc})") from exc


CALIBRATION_DEPTH = 20  # matches per need the calibration learns from (the page shows 20)


@lru_cache(maxsize=1)
def default_model() -> TrainedModel:
    """The model shipped in the package (``make model`` rebuilds it)."""
    if not DEFAULT_PATH.exists():
        raise ModelError(f"{DEFAULT_PATH} is missing: run `make model`")
    return load(DEFAULT_PATH)


def build(
    offerings: Sequence[Offering],
    needs: Sequence[Need],
    sources: dict[str, str] | None = None,
    folds: int = 5,
    random_state: int = 0,
) -> TrainedModel:
    """Fit everything on ``needs`` + the catalogue, with ``folds``-fold CV figures."""
    summary, rows = cross_validate(
        offerings, needs, folds=folds, random_state=random_state, keep=CALIBRATION_DEPTH
    )
    # Confidence is calibrated on the out-of-fold rankings: as sure as on a new need.
    calibration = fit_calibration(rows)
    matcher = fit_matcher(offerings, needs, random_state=random_state)
    matcher.calibration = calibration
    x, grades = np.vstack([r["x"] for r in rows]), np.concatenate([r["grades"] for r in rows])
    oof = report(calibration.predict_proba(x), grades, calibration)
    info = {
        "trained_on": {
            **(sources or {}),
            "needs": len(needs),
            "offerings": len(offerings),
            "random_state": random_state,
        },
        "metrics": {
            **{f"cv{folds}_" + k: v for k, v in summary.items() if k != "folds"},
            f"cv{folds}_calibration_brier": oof["brier"],
        },
        "python": platform.python_version(),
    }
    return TrainedModel.from_matcher(matcher, info)


def confidence_level(probability: float) -> str | None:
    """``strong``, ``possible`` or ``weak`` for a stored match probability, by the shipped
    model's thresholds (None when the model has no calibration)."""
    calibration = default_model().calibration
    return None if calibration is None else calibration.level(probability)


def evaluate_model(
    model: TrainedModel, offerings: Sequence[Offering], needs: Sequence[Need], k: int = 10
) -> dict:
    """Metrics of ``model`` on labelled ``needs`` over the catalogue ``offerings``, with
    the ranker's bound violations (empty when within bounds): what a promotion guard
    compares between a candidate and the live model."""
    summary, _ = evaluate(model.matcher().fit(offerings), needs, k=k)
    return {**summary, "bound_violations": check_bounds(model.ranker.weights_)}
