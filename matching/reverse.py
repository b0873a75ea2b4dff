"""The reverse query: one offering against many needs at once.

When an offering is published or edited, the needs whose top matches it can enter are
few. :func:`score_bounds` gives, for every need in one vectorised pass, an upper bound of
the score :meth:`Matcher.rank` would give the offering: ranking a need again is needed
only where the bound beats the score of the need's last shown match.

The bound is sound for non-negative component weights (the prior's; a learned ranker's
negative weights count as 0): the text component is the offering's BM25 over the larger of
its own and the best BM25 among the need's shown offerings (the first stage divides by the
best of the whole catalogue, which is at least that); the bridge (the need's dictionary
translation) counts at its maximum of 1 where the offering holds any of its targets, else
0; coverage and the structured components are exact, the capability read by the matcher's
own need reader; the second-stage views (sub-word, feedback) count at their maximum of 1;
demotions are left out. An offering the budget limit drops gets ``-inf``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matching.bm25 import Query
from matching.bridge import translate
from matching.constraints import apply_limits
from matching.features import NeedProfile, structure_components
from matching.matcher import Matcher
from matching.ranker import COMPONENTS, STRUCTURE_COMPONENTS
from matching.text import tokenize
from matching.types import Need


def _query_matrix(matcher: Matcher, queries: Sequence[Query]) -> sp.csr_matrix:
    """needs × vocabulary: the BM25 query weights (idf × query term count) of each query."""
    index = matcher.index_
    rows, cols, vals = [], [], []
    for i, query in enumerate(queries):
        ids, weights = index.query_weights(query)
        rows.append(np.full(len(ids), i))
        cols.append(ids)
        vals.append(weights)
    width = len(index.vocab_)
    if not queries:
        return sp.csr_matrix((0, width))
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(queries), width),
    )


def _row_matrix(matcher: Matcher, rows: np.ndarray) -> sp.csr_matrix:
    """rows × vocabulary: the saturated term weights BM25 sums for each offering row."""
    width = len(matcher.index_.vocab_)
    doc, terms, vals = matcher.index_.row_entries(rows)
    return sp.csr_matrix((vals, (doc, terms)), shape=(len(rows), width))


def score_bounds(
    matcher: Matcher,
    offering_id: str,
    needs: Sequence[Need],
    shown: Sequence[Sequence[str]] = (),
) -> np.ndarray:
    """Upper bound of ``matcher.rank``'s score of ``offering_id`` for each of ``needs``.

    ``shown[i]`` are the offering ids need ``i`` shows now (they tighten the text bound).
    An offering the matcher does not know (removed) scores ``-inf`` everywhere.
    """
    row = matcher.row_of_.get(offering_id)
    bounds = np.full(len(needs), -np.inf)
    if row is None or not needs:
        return bounds
    weights = dict(zip(COMPONENTS, matcher._weights().tolist(), strict=True))
    positive = {c: max(w, 0.0) for c, w in weights.items()}

    tokens = [tokenize(need.text) for need in needs]
    queries = _query_matrix(matcher, tokens)
    doc = _row_matrix(matcher, np.array([row]))
    bm25 = np.asarray(queries @ doc.T.toarray()).ravel()
    # The bridge query as the matcher builds it: the translation less the need's own tokens.
    bridges = _query_matrix(
        matcher,
        [
            {t: w for t, w in translate(need.text).items() if t not in set(own)}
            for need, own in zip(needs, tokens, strict=True)
        ],
    )
    bridged = np.asarray(bridges @ doc.T.toarray()).ravel() > 0
    present = (doc.toarray() > 0).astype(float).ravel()
    mass = np.asarray(queries.sum(axis=1)).ravel()
    coverage = np.divide(queries @ present, mass, out=np.zeros(len(needs)), where=mass > 0)

    # The best BM25 among the offerings each need shows now, one pair at a time.
    best = bm25.copy()
    pairs = [
        (i, matcher.row_of_[oid])
        for i, ids in enumerate(shown)
        for oid in ids
        if oid in matcher.row_of_
    ]
    if pairs:
        need_idx, row_idx = np.array(pairs).T
        unique_rows, at = np.unique(row_idx, return_inverse=True)
        docs = _row_matrix(matcher, unique_rows)
        pair_scores = np.asarray(queries[need_idx].multiply(docs[at]).sum(axis=1)).ravel()
        np.maximum.at(best, need_idx, pair_scores)
    text = np.divide(bm25, best, out=np.zeros(len(needs)), where=best > 0)

    bounds = (
        positive["text"] * text
        + positive["bridge"] * bridged
        + positive["coverage"] * coverage
        + positive["subword"]
        + positive["feedback"]
    )
    precedents = matcher.precedents
    if precedents is not None and offering_id in precedents.chosen_:
        bounds += positive["precedent"]  # likeness × grade: at most 1; 0 if never chosen
    low = matcher.arrays_.low_filled[row]
    model = matcher.capability_model  # the need reader the ranking uses, for all at once
    probs = None if model is None else model.predict_proba([need.text for need in needs])
    for i, need in enumerate(needs):
        verdicts = apply_limits(need, matcher.arrays_, matcher.limits_)
        limit = verdicts.budget_limit
        if limit is not None and matcher.limits_.budget_policy == "drop" and low > limit:
            bounds[i] = -np.inf
            continue
        profile = NeedProfile.of(need, None if probs is None else probs[i])
        parts = structure_components(need, profile, matcher.arrays_, [row])
        bounds[i] += sum(weights[c] * float(parts[c][0]) for c in STRUCTURE_COMPONENTS)
    return bounds
