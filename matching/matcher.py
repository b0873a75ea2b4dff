"""The matcher: fit on a catalogue, rank offerings for a need, explain every result.

Ranking runs in two stages, as search engines do. The first stage scores every
live offering with what is cheap to compute for all of them at once (BM25 over
name and text, query-term coverage, and the structured fit of features.py);
the second adds two text views that need the documents themselves (sub-word
overlap and pseudo-relevance feedback) for the ``candidates`` best, and the
ranker combines all components. Hard constraints (constraints.py) drop or
demote offerings before either stage, with reasons kept for "why not" pages.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from matching.bm25 import BM25Index
from matching.bridge import translate
from matching.calibration import Calibration
from matching.calibration import features as calibration_features
from matching.capabilities import suggest_capabilities
from matching.capmodel import CapabilityModel
from matching.constraints import HardLimits, Verdicts, apply_limits
from matching.explain import explain, lang_of, reason_text
from matching.features import (
    CAP_CODES,
    CatalogArrays,
    NeedProfile,
    offering_capabilities,
    structure_components,
    structure_prior,
)
from matching.precedents import Precedents
from matching.ranker import COMPONENTS, PRIOR_WEIGHTS, PairwiseRanker, prior_ranker
from matching.text import CjkBigrams, normalise, stem, tokenize
from matching.types import Need, Offering

ENGINE_VERSION = "shuzhuan-matcher-3"
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_SUBWORD_CHARS = 4000  # the sub-word view reads this much of each candidate's text


@dataclass
class Match:
    """One ranked offering for a need."""

    offering_id: str
    rank: int
    score: float
    components: dict[str, float]
    explanation: str
    flags: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    model_version: str = ""
    terms: list[str] = field(default_factory=list)  # the need's words the offering matched
    capabilities: list[str] = field(default_factory=list)  # codes both sides have
    # Calibrated probability that the offering is good or ideal for the need, and its
    # level (strong / possible / weak); None without a calibration.
    probability: float | None = None
    confidence: str | None = None

    def to_dict(self) -> dict:
        return {
            "offering_id": self.offering_id,
            "rank": self.rank,
            "score": self.score,
            "components": self.components,
            "explanation": self.explanation,
            "flags": self.flags,
            "reasons": self.reasons,
            "model_version": self.model_version,
            "terms": self.terms,
            "capabilities": self.capabilities,
            "probability": self.probability,
            "confidence": self.confidence,
        }


@dataclass
class Dropped:
    """An offering a hard constraint kept out of a need's ranking, and why."""

    offering_id: str
    flags: list[str]
    reasons: list[str]


@dataclass
class _Stage:
    """First-stage state of one need against the whole catalogue."""

    need: Need
    tokens: list[str]
    first: np.ndarray  # first-stage score per row (-inf for rows not rankable)
    text: np.ndarray  # BM25 normalised by the best rankable score, per row
    bridge: np.ndarray  # BM25 of the need's dictionary translation, normalised alike
    coverage: np.ndarray  # share of the query's idf mass per row
    verdicts: Verdicts
    profile: NeedProfile
    precedents: Precedents | None  # as they were when this ranking began
    likeness: np.ndarray | None  # to each of them (None without precedents)

    def components(self, cat: CatalogArrays, rows: np.ndarray) -> np.ndarray:
        """Components matrix (rows × COMPONENTS); the second-stage views are 0."""
        cols = structure_components(self.need, self.profile, cat, rows)
        cols["text"] = self.text[rows]
        cols["bridge"] = self.bridge[rows]
        cols["coverage"] = self.coverage[rows]
        cols["subword"] = cols["feedback"] = cols["precedent"] = np.zeros(len(rows))
        return (
            np.column_stack([cols[c] for c in COMPONENTS])
            if len(rows)
            else np.zeros((0, len(COMPONENTS)))
        )


def _offering_fields(o: Offering, name_weight: float) -> list[tuple[list[str], float]]:
    return [
        (tokenize(o.name), name_weight),
        (tokenize(o.summary), 1.0),
        (tokenize(o.description), 1.0),
        (tokenize(o.vendor), 0.5),
    ]


class Matcher(BaseEstimator):
    """Rank a catalogue's offerings for SME needs (scikit-learn conventions).

    Parameters
    ----------
    k1, b : BM25 saturation and length normalisation.
    name_weight : how many times a word in the offering's name counts.
    text_floor : the text component is BM25 over the larger of the best row's BM25 and
        this share of the query's idf mass, so a weak best match does not count as a full
        one (0.6, chosen by 5-fold cross-validation on market-train; 0 = plain max).
    candidates : how many first-stage leaders the second stage re-scores (40: 5-fold CV
        on market-train gave 0.9003 / 0.9017 / 0.9011 / 0.9001 / 0.8995 nDCG@10 for
        30 / 40 / 50 / 75 / 100, SciFact train 0.8059 / 0.8050 / 0.8043 / - / 0.8026).
    feedback_docs : leaders whose words form the pseudo-relevance feedback profile.
    max_budget_ratio, budget_policy, region_policy, demotion : hard limits, see
        :class:`matching.constraints.HardLimits`.
    ranker : a fitted :class:`PairwiseRanker`, or None for the hand-set prior.
    capability_model : a fitted :class:`CapabilityModel` reading needs' capabilities
        (None: the hand lexicon's cautious reading).
    offering_model : a fitted :class:`CapabilityModel` reading offerings' texts, so a
        listing that declares too little still meets the needs it serves (None: only
        declared codes). Read codes weigh ``inferred_weight`` × probability.
    calibration : a fitted :class:`matching.calibration.Calibration`: each match then
        carries the probability that it is good or ideal and its confidence level.
    precedents : fitted :class:`matching.precedents.Precedents` (needs with known
        outcomes): the "precedent" component, what needs like this one chose (None: 0).
    precedent_candidates : what this many nearest precedents chose is re-scored too.
    random_state : seeds anything random (pair sampling when training the ranker).
    """

    def __init__(
        self,
        k1: float = 1.2,
        b: float = 0.6,
        name_weight: float = 2.0,
        text_floor: float = 0.6,
        candidates: int = 40,
        feedback_docs: int = 3,
        max_budget_ratio: float | None = 2.0,
        budget_policy: str = "drop",
        region_policy: str = "demote",
        demotion: float = 1.0,
        ranker: PairwiseRanker | None = None,
        capability_model: CapabilityModel | None = None,
        offering_model: CapabilityModel | None = None,
        inferred_weight: float = 0.8,
        calibration: Calibration | None = None,
        precedents: Precedents | None = None,
        precedent_candidates: int = 5,
        random_state: int = 0,
    ):
        self.k1 = k1
        self.b = b
        self.name_weight = name_weight
        self.text_floor = text_floor
        self.candidates = candidates
        self.feedback_docs = feedback_docs
        self.max_budget_ratio = max_budget_ratio
        self.budget_policy = budget_policy
        self.region_policy = region_policy
        self.demotion = demotion
        self.ranker = ranker
        self.capability_model = capability_model
        self.offering_model = offering_model
        self.inferred_weight = inferred_weight
        self.calibration = calibration
        self.precedents = precedents
        self.precedent_candidates = precedent_candidates
        self.random_state = random_state

    # -- fitting and catalogue updates ------------------------------------------------------
    def fit(
        self,
        offerings: Iterable[Offering],
        y: None = None,
        quality: Mapping[str, float] | None = None,
    ) -> Matcher:
        """Index ``offerings``; ``quality`` maps offering id → Bayesian-average rating (1-5)."""
        del y  # unsupervised, as TfidfVectorizer.fit; the ranker learns in fit_ranker
        offerings = list(offerings)
        ids = [o.id for o in offerings]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"duplicate offering ids: {dup[:5]}")
        self.limits_ = HardLimits(
            max_budget_ratio=self.max_budget_ratio,
            budget_policy=self.budget_policy,
            region_policy=self.region_policy,
            demotion=self.demotion,
        )
        self.index_ = BM25Index(k1=self.k1, b=self.b).fit(
            _offering_fields(o, self.name_weight) for o in offerings
        )
        self.arrays_ = CatalogArrays(offerings, self._offering_caps(offerings))
        self.offerings_: list[Offering] = offerings
        self.texts_ = [normalise(o.text) for o in offerings]
        self.row_of_: dict[str, int] = {o.id: r for r, o in enumerate(offerings)}
        self.ranker_ = self.ranker if self.ranker is not None else prior_ranker()
        if quality:
            self.set_quality(quality)
        return self

    def upsert(self, offering: Offering) -> None:
        """Publish a new offering or replace a changed one, without refitting."""
        check_is_fitted(self, "index_")
        if offering.id in self.row_of_:
            self.index_.remove(self.row_of_[offering.id])
        row = self.index_.add(_offering_fields(offering, self.name_weight))
        self.arrays_.append(offering, self._offering_caps([offering]))
        self.offerings_.append(offering)
        self.texts_.append(normalise(offering.text))
        self.row_of_[offering.id] = row

    def remove(self, offering_id: str) -> bool:
        """Suspend or withdraw an offering: it is never ranked again. False if unknown."""
        check_is_fitted(self, "index_")
        row = self.row_of_.pop(offering_id, None)
        if row is None:
            return False
        self.index_.remove(row)
        return True

    def set_quality(self, quality: Mapping[str, float | None]) -> None:
        """Update vendor-quality ratings (1-5, None = no verified reviews yet)."""
        check_is_fitted(self, "index_")
        for oid, value in quality.items():
            row = self.row_of_.get(oid)
            if row is not None:
                self.arrays_.quality[row] = np.nan if value is None else float(value)

    def load_ranker(self, ranker: PairwiseRanker) -> Matcher:
        """Rank with an already fitted ``ranker`` from now on (a loader: the index stays).

        The ``ranker`` parameter is updated too, so ``get_params`` tells the truth.
        """
        check_is_fitted(ranker, "weights_")
        self.ranker = ranker
        self.ranker_ = ranker
        return self

    @property
    def model_version(self) -> str:
        """Engine and ranker version, to store with each match."""
        ranker = getattr(self, "ranker_", None) or self.ranker or prior_ranker()
        return f"{ENGINE_VERSION}+{ranker.version_}"

    # -- ranking ----------------------------------------------------------------------------
    def rank(self, need: Need, k: int | None = 10) -> list[Match]:
        """The top ``k`` offerings for ``need`` (all rankable ones if k is None), explained."""
        rows, scores, stage, matrix = self._ranking(need, k)
        matches = self._matches(stage, rows, scores, matrix)
        if self.calibration is not None and matches:
            probs = self.calibration.predict_proba(calibration_features(scores, matrix, COMPONENTS))
            for match, p in zip(matches, probs.tolist(), strict=True):
                match.probability = round(p, 4)
                match.confidence = self.calibration.level(p)
        return matches

    def rank_ids(self, need: Need, k: int | None = None) -> list[tuple[str, float]]:
        """(offering id, score) best first, without explanations (for evaluation)."""
        rows, scores, _, _ = self._ranking(need, k, with_components=False)
        return [(self.offerings_[r].id, float(s)) for r, s in zip(rows, scores, strict=True)]

    def dropped(self, need: Need) -> list[Dropped]:
        """Offerings a hard constraint removed from ``need``'s ranking, with reasons."""
        verdicts, rows = self._dropped_rows(need)
        lang = lang_of(need)
        out = []
        for row, found in zip(rows.tolist(), verdicts.reasons_of(rows), strict=True):
            out.append(
                Dropped(
                    offering_id=self.offerings_[row].id,
                    flags=[code for code, _ in found],
                    reasons=[reason_text(c, f, lang, dropped=True) for c, f in found],
                )
            )
        return out

    def dropped_ids(self, need: Need, reason: str) -> list[str]:
        """Ids of the offerings ``reason`` (e.g. ``over_budget_limit``) removed from ``need``'s
        ranking: the ids alone, without the reasons' sentences :meth:`dropped` writes for each."""
        verdicts, rows = self._dropped_rows(need)
        flagged = verdicts.flags(rows).get(reason)
        if flagged is None:
            return []
        return [self.offerings_[row].id for row in rows[flagged]]

    def _dropped_rows(self, need: Need) -> tuple[Verdicts, np.ndarray]:
        check_is_fitted(self, "index_")
        verdicts = apply_limits(need, self.arrays_, self.limits_)
        return verdicts, np.flatnonzero(verdicts.dropped & self.index_.alive_)

    def suggest_capabilities(self, text: str, lang: str | None = None) -> list[tuple[str, float]]:
        """Capability codes read from free text in either language with their
        probability, best first (the hand lexicon's scores without a model)."""
        if self.capability_model is None:
            return suggest_capabilities(text, lang)
        return self.capability_model.suggest(text)

    def capability_probabilities(self, text: str) -> dict[str, float]:
        """Probability of every capability code for ``text`` (the need reader's view)."""
        return dict(zip(CAP_CODES, self._need_probabilities(text).tolist(), strict=True))

    # -- learning from labels -----------------------------------------------------------------
    def fit_ranker(self, needs: Sequence[Need], source: str = "labelled needs") -> Matcher:
        """Train the ranker on needs whose ``relevant`` maps offering ids to grades.

        Unlabelled first-stage candidates count as grade 0, as in the benchmark files.
        """
        triples = [(n, oid, g) for n in needs for oid, g in n.relevant.items()]
        return self.fit_ranker_triples(triples, source=source, needs=needs)

    def fit_ranker_triples(
        self,
        triples: Iterable[tuple[Need, str, int]],
        source: str = "portal outcomes",
        needs: Sequence[Need] | None = None,
    ) -> Matcher:
        """Train the ranker on (need, offering id, grade) triples, e.g. from portal outcomes.

        Grades are 0-3 (the portal maps requested/quoted/awarded/review to them). The
        learned model replaces ``ranker_``; its metrics are in-sample nDCG@10 and MRR@10.
        """
        check_is_fitted(self, "index_")
        by_need: dict[str, tuple[Need, dict[str, int]]] = {}
        for need, oid, grade in triples:
            entry = by_need.setdefault(need.id, (need, {}))
            entry[1][oid] = max(int(grade), entry[1].get(oid, 0))
        groups = []
        for need, grades in by_need.values():
            # Learn from the candidate list the ranker will see at ranking time: labelled
            # offerings the first stage misses would teach it about a different population.
            stage = self._first_stage(need)
            rows = self._candidate_rows(stage)
            y = np.array([grades.get(self.offerings_[r].id, 0) for r in rows], dtype=float)
            groups.append((self._second_stage(stage, rows), y))
        ranker = PairwiseRanker(random_state=self.random_state).fit(groups, source=source)
        self.ranker_ = ranker
        from matching.evaluate import evaluate  # evaluate imports this module

        if needs is None:
            needs = [dataclasses.replace(n, relevant=g) for n, g in by_need.values()]
        summary, _ = evaluate(self, needs)
        ranker.metrics_ = {
            "train_ndcg@10": summary["ndcg@10"],
            "train_mrr@10": summary["mrr@10"],
            "train_cases": summary["cases"],
        }
        return self

    # -- internals --------------------------------------------------------------------------
    def _offering_caps(self, offerings: Sequence[Offering]) -> np.ndarray:
        inferred = None
        if self.offering_model is not None and offerings:
            # In blocks, so the sparse features of a large catalogue never exist at once.
            step = 4096
            inferred = np.vstack(
                [
                    self.offering_model.predict_proba([o.text for o in offerings[i : i + step]])
                    for i in range(0, len(offerings), step)
                ]
            ).astype(np.float32)
        return offering_capabilities(offerings, inferred, self.inferred_weight)

    def _need_probabilities(self, text: str) -> np.ndarray | None:
        if self.capability_model is None:
            return None
        return self.capability_model.predict_proba([text or ""])[0]

    def _weights(self) -> np.ndarray:
        return np.array([self.ranker_.weights_[c] for c in COMPONENTS])

    def _first_stage(self, need: Need) -> _Stage:
        if "index_" not in self.__dict__:  # check_is_fitted's generic test costs ~0.3 ms
            check_is_fitted(self, "index_")
        tokens = tokenize(need.text)
        bm25, coverage = self.index_.scores_and_coverage(tokens)
        # The bridge scores what the need's own words do not: a translation target the
        # need already contains (a mixed-language need) is in the text score already.
        own = set(tokens)
        bridge_query = {t: w for t, w in translate(need.text).items() if t not in own}
        bridge = self.index_.scores(bridge_query)
        verdicts = apply_limits(need, self.arrays_, self.limits_)
        profile = NeedProfile.of(need, self._need_probabilities(need.text))
        limits = self.limits_
        # The first stage always uses the prior: a learned model only re-orders candidates,
        # so a weight fitted on one kind of data cannot empty the candidate list on another.
        # Structured fit and hard limits for every row in a few vectorised passes (a table
        # over the rows' codes plus the postings of the need's codes), see structure_prior.
        region_penalty = {"drop": np.inf, "demote": limits.demotion}.get(limits.region_policy, 0.0)
        first = structure_prior(need, profile, self.arrays_, PRIOR_WEIGHTS, region_penalty)
        excluded = self.index_.dead_rows()
        if verdicts.budget_limit is not None:
            over = self.arrays_.rows_priced_over(verdicts.budget_limit)
            if limits.budget_policy == "drop":
                excluded = np.concatenate([excluded, over])
            else:  # demoted once, even when the region limit demotes the row too
                far = verdicts.flags(over).get("no_onsite_in_region")
                if far is not None and limits.region_policy == "demote":
                    over = over[~far]
                first[over] -= limits.demotion
        first[excluded] = -np.inf
        for scores, query in ((bm25, tokens), (bridge, bridge_query)):
            scores[excluded] = 0.0
            if limits.region_policy == "drop" and need.region:
                scores[np.isneginf(first)] = 0.0
            top = scores.max() if len(scores) else 0.0
            if query is tokens and self.text_floor:
                # A best match that holds few of the need's words is no full match: the
                # text is scaled by at least this share of the query's idf mass (what a
                # text with each word once scores), not blown up to 1.
                top = max(top, self.text_floor * float(self.index_.query_weights(query)[1].sum()))
            if top > 0:
                scores *= 1.0 / top
        first += PRIOR_WEIGHTS["text"] * bm25
        first += PRIOR_WEIGHTS["bridge"] * bridge
        first += PRIOR_WEIGHTS["coverage"] * coverage
        # One snapshot per ranking: the portal may swap the precedents while this one runs.
        precedents = self.precedents
        likeness = None if precedents is None else precedents.likeness(need, tokens)
        return _Stage(
            need, tokens, first, bm25, bridge, coverage, verdicts, profile, precedents, likeness
        )

    def _second_stage(self, stage: _Stage, rows: np.ndarray) -> np.ndarray:
        """Components matrix (rows × COMPONENTS) with the document-level text views filled in."""
        matrix = stage.components(self.arrays_, rows)
        if len(rows) == 0 or not stage.tokens:
            return matrix
        matrix[:, COMPONENTS.index("subword")] = self._subword(stage.need.text, rows)
        matrix[:, COMPONENTS.index("feedback")] = self._feedback(stage, rows)
        if stage.likeness is not None:
            ids = [self.offerings_[r].id for r in rows.tolist()]
            matrix[:, COMPONENTS.index("precedent")] = stage.precedents.scores(stage.likeness, ids)
        return matrix

    def _subword(self, text: str, rows: np.ndarray) -> np.ndarray:
        # Character pieces catch what tokens miss: "IL-6"/"il6", inflections beyond the
        # stemmer, Chinese words written differently on the two sides. Vectorised: the
        # candidates' texts become one array of code points, every 4-letter window of
        # ASCII and every 2-character window becomes an integer, and a sorted lookup finds
        # which of the need's pieces each candidate contains.
        norm = normalise(text)
        ascii_grams = {
            w[i : i + 4]
            for w in _ASCII_WORD.findall(norm)
            if len(w) >= 4
            for i in range(len(w) - 3)
        }
        cjk_grams = {r[i : i + 2] for r in _CJK_RUN.findall(norm) for i in range(len(r) - 1)}
        if not ascii_grams and not cjk_grams:
            return np.zeros(len(rows))
        texts = [self.texts_[r] for r in rows.tolist()]
        texts = [t if len(t) <= _SUBWORD_CHARS else t[:_SUBWORD_CHARS] for t in texts]
        ends = np.cumsum([len(t) + 1 for t in texts])  # each text and its separator
        chars = np.frombuffer("\0".join(texts).encode("utf-32-le"), dtype=np.uint32)
        hits = np.zeros((len(rows), len(ascii_grams) + len(cjk_grams)), dtype=bool)
        offset = 0
        for grams, width in ((ascii_grams, 4), (cjk_grams, 2)):
            if not grams:
                continue
            keys = np.unique(_piece_codes(grams, width))
            codes = _window_codes(chars, width)
            # A hashed bitmap of the pieces discards almost every window in two cheap
            # passes; the exact sorted lookup then runs on the few that remain.
            table = np.zeros(1 << _HASH_BITS, dtype=bool)
            table[_hash(keys)] = True
            maybe = np.flatnonzero(table.take(_hash(codes)))
            at = np.searchsorted(keys, codes[maybe])
            at[at == len(keys)] = 0
            ok = keys[at] == codes[maybe]
            found, at = maybe[ok], at[ok]
            hits[np.searchsorted(ends, found, side="right"), offset + at] = True
            offset += len(grams)
        hits = hits.astype(float)
        weight = np.log1p(len(rows) / (1.0 + hits.sum(axis=0)))  # rarer among candidates, stronger
        score = hits @ weight
        top = score.max()
        return score / top if top > 0 else score

    def _feedback(self, stage: _Stage, rows: np.ndarray) -> np.ndarray:
        # Pseudo-relevance feedback (RM3's idea, applied to the candidates only): likeness
        # to the profile of the best first-stage documents.
        # Plain arrays of (candidate, term, weight) entries rather than sparse matrices:
        # for a few dozen rows scipy's per-call overhead costs more than the arithmetic.
        doc, terms, vals = self.index_.row_entries(rows)
        if len(terms) == 0:
            return np.zeros(len(rows))
        vals = vals * self.index_.idf(terms)
        norms = np.sqrt(np.bincount(doc, weights=vals * vals, minlength=len(rows)))
        norms[norms == 0] = 1.0
        n_lead = min(self.feedback_docs, len(rows))
        lead_scores = stage.first[rows[:n_lead]]
        w = np.exp(lead_scores - lead_scores.max())
        lead = int(np.searchsorted(doc, n_lead))  # entries come row by row: a prefix
        # The leaders' profile as a dense vector up to the largest term id, then one
        # gather: cheaper than sorting the candidates' terms to find the shared ones.
        centroid = (
            np.bincount(
                terms[:lead],
                weights=vals[:lead] * (w / norms[:n_lead])[doc[:lead]],
                minlength=int(terms.max()) + 1,
            )
            / w.sum()
        )
        sim = np.bincount(doc, weights=vals * centroid[terms], minlength=len(rows)) / norms
        top = sim.max()
        return sim / top if top > 0 else sim

    def _candidate_rows(self, stage: _Stage) -> np.ndarray:
        first = stage.first
        n = min(self.candidates, len(first))
        if n == 0:
            rows = np.array([], dtype=np.int64)
        else:
            pool = _top_pool(first, n)
            part = pool[np.argpartition(-first[pool], n - 1)[:n]] if n < len(pool) else pool
            part = part[np.isfinite(first[part])]  # fewer rankable rows than candidates
            rows = part[np.lexsort((part, -first[part]))]  # by score, ties by row: stable
        if stage.likeness is not None and self.precedent_candidates:
            # What the nearest precedents chose joins the candidates (if rankable).
            chosen = stage.precedents.chosen_by_nearest(stage.likeness, self.precedent_candidates)
            extra = np.array([self.row_of_[o] for o in chosen if o in self.row_of_], dtype=np.int64)
            extra = np.setdiff1d(extra[np.isfinite(first[extra])], rows)
            if len(extra):
                rows = np.concatenate([rows, extra])
        return rows

    def _ranking(self, need: Need, k: int | None, with_components: bool = True):
        stage = self._first_stage(need)
        cands = self._candidate_rows(stage)
        matrix = self._second_stage(stage, cands)
        demoted = stage.verdicts.demoted_at(cands)
        scores = matrix @ self._weights() - self.limits_.demotion * demoted
        order = np.lexsort((cands, -scores))
        rows, final, matrix = cands[order], scores[order], matrix[order]
        if k is None or k > len(rows):
            rest = np.setdiff1d(np.flatnonzero(np.isfinite(stage.first)), cands)
            rest = rest[np.lexsort((rest, -stage.first[rest]))]
            if k is not None:
                rest = rest[: k - len(rows)]
            floor = final.min() if len(final) else 0.0
            rows = np.concatenate([rows, rest])
            final = np.concatenate([final, np.minimum(stage.first[rest], floor)])
            if with_components:
                matrix = np.vstack([matrix, stage.components(self.arrays_, rest)])
        if k is not None:
            rows, final, matrix = rows[:k], final[:k], matrix[:k]
        return rows, final, stage, matrix

    def _matches(
        self, stage: _Stage, rows: np.ndarray, scores: np.ndarray, matrix: np.ndarray
    ) -> list[Match]:
        """The ranked ``rows`` as explained matches; what they share is worked out once."""
        need = stage.need
        lang = lang_of(need)
        norm = normalise(need.text)
        surface = _surface_words(norm)
        bigrams = CjkBigrams(norm)
        shared_caps = (stage.profile.caps > 0) & (self.arrays_.caps[rows] > 0)
        version = self.model_version
        matches = []
        for i, (row, found, matched) in enumerate(
            zip(
                rows.tolist(),
                stage.verdicts.reasons_of(rows),
                self.index_.matched_terms_of(rows, stage.tokens),
                strict=True,
            )
        ):
            offering = self.offerings_[row]
            reasons = [reason_text(c, f, lang, dropped=False) for c, f in found]
            # English as the need wrote it; a lone digit ("1 kg") explains nothing.
            terms = [
                surface[t] for t in matched if t in surface and (len(t) > 1 or not t.isdigit())
            ]
            terms += bigrams.phrases({t for t in matched if t not in surface})
            terms = list(dict.fromkeys(terms))
            caps = [CAP_CODES[j] for j in np.flatnonzero(shared_caps[i]).tolist()]
            comps = {c: round(v, 4) for c, v in zip(COMPONENTS, matrix[i].tolist(), strict=True)}
            quality = self.arrays_.quality[row]
            text = explain(
                need,
                offering,
                comps,
                terms,
                caps,
                reasons,
                None if np.isnan(quality) else float(quality),
                lang,
            )
            matches.append(
                Match(
                    offering_id=offering.id,
                    rank=i + 1,
                    score=float(scores[i]),
                    components=comps,
                    explanation=text,
                    flags=[c for c, _ in found],
                    reasons=reasons,
                    model_version=version,
                    terms=terms,
                    capabilities=caps,
                )
            )
        return matches


def _surface_words(text: str) -> dict[str, str]:
    """Stem → the word as the need wrote it, to show matched terms readably."""
    out: dict[str, str] = {}
    for word in _ASCII_WORD.findall(normalise(text)):
        out.setdefault(stem(word), word)
    return out


_HASH_BITS = 16
_HASH_MULT = np.uint32(0x9E3779B1)  # Fibonacci hashing, in 32 bits: half the memory traffic
_BMP = np.uint32(0xFFFF)  # 2-character pieces keep 16 bits a character (rarer ones share one)
_NOT_ASCII = np.uint32(128)  # in 4-letter pieces, any letter beyond ASCII (no piece has one)


def _hash(codes: np.ndarray) -> np.ndarray:
    return (codes * _HASH_MULT) >> np.uint32(32 - _HASH_BITS)


def _piece_codes(pieces: Iterable[str], width: int) -> np.ndarray:
    """The integers of pieces ``width`` characters long, as ``_window_codes`` makes them."""
    chars = np.frombuffer("".join(pieces).encode("utf-32-le"), dtype=np.uint32)
    return _window_codes(chars, width)[::width]


def _window_codes(chars: np.ndarray, width: int) -> np.ndarray:
    """One unsigned 32-bit integer for the window of ``width`` characters at each position
    (4: 8 bits a letter; 2: 16 bits a character); the windows cut short at the end are 0."""
    codes = np.zeros(len(chars), dtype=np.uint32)
    if width == 2:
        c = np.minimum(chars, _BMP)
        codes[:-1] = c[:-1] << np.uint32(16) | c[1:]
    elif len(chars) >= 4:
        c = np.minimum(chars, _NOT_ASCII)
        pairs = c[:-1] << np.uint32(8) | c[1:]
        codes[: len(c) - 3] = pairs[:-2] << np.uint32(16) | pairs[2:]
    return codes


def _top_pool(scores: np.ndarray, n: int) -> np.ndarray:
    """Rows that surely include the ``n`` best: those scoring at least the n-th best of an
    evenly spaced sample (a lower bound of the n-th best overall), so that the exact
    selection runs on a few thousand rows instead of the whole catalogue."""
    step = len(scores) // (20 * n)
    if step < 2:
        return np.arange(len(scores))
    sample = scores[::step]
    bound = np.partition(sample, len(sample) - n)[len(sample) - n]
    if not np.isfinite(bound):
        return np.arange(len(scores))
    return np.flatnonzero(scores >= bound)
