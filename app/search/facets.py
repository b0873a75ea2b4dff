"""Facet filters and counts over the whole result set, with NumPy.

Whoosh's own overlapping facets rebuild a list of every document's values
on each search; here each segment's postings for the facet fields (a few
hundred terms) are read once into arrays and cached by segment id, since a
segment never changes after it is written (deletions are handled by the
result mask, which only ever holds live documents). A search then filters
and counts with boolean masks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from whoosh.searching import Searcher

from app.search.schema import FACETS, WILDCARD_FACETS
from matching.taxonomy import ANY

# (generation dir, segment id) -> field -> value -> local docnums of that segment
_segment_cache: dict[tuple[str, str], dict[str, dict[str, np.ndarray]]] = {}
_cache_lock = threading.Lock()
_CACHE_LIMIT = 256


def _segment_postings(generation: str, reader) -> dict[str, dict[str, np.ndarray]]:
    segment = reader.segment()
    if segment is None:  # an index with no documents has an empty reader and no segment
        return {field: {} for field, _vocabulary in FACETS.values()}
    key = (generation, segment.segment_id())
    cached = _segment_cache.get(key)
    if cached is not None:
        return cached
    postings: dict[str, dict[str, np.ndarray]] = {}
    for field, _vocabulary in FACETS.values():
        values: dict[str, np.ndarray] = {}
        if field in reader.indexed_field_names():
            for term in reader.lexicon(field):
                ids = reader.postings(field, term).all_ids()
                values[term.decode("utf-8")] = np.fromiter(ids, dtype=np.int64)
        postings[field] = values
    with _cache_lock:
        if len(_segment_cache) >= _CACHE_LIMIT:
            _segment_cache.clear()
        _segment_cache[key] = postings
    return postings


@dataclass
class FacetPostings:
    """For one searcher: facet field -> value -> global docnums."""

    doc_count_all: int
    values: dict[str, dict[str, np.ndarray]]

    @classmethod
    def of(cls, searcher: Searcher, generation: str) -> FacetPostings:
        reader = searcher.reader()
        merged: dict[str, dict[str, list[np.ndarray]]] = {f: {} for f, _ in FACETS.values()}
        for leaf, offset in reader.leaf_readers():
            for field, values in _segment_postings(generation, leaf).items():
                for value, ids in values.items():
                    merged[field].setdefault(value, []).append(ids + offset)
        return cls(
            reader.doc_count_all(),
            {
                field: {value: np.concatenate(parts) for value, parts in values.items()}
                for field, values in merged.items()
            },
        )

    def mask_of(self, facet: str, selected: list[str]) -> np.ndarray:
        """Documents having any of the ``selected`` values ("*" listings count for every value)."""
        field = FACETS[facet][0]
        mask = np.zeros(self.doc_count_all, dtype=bool)
        wanted = set(selected)
        if facet in WILDCARD_FACETS and wanted - {ANY}:
            wanted.add(ANY)
        for value in wanted:
            ids = self.values[field].get(value)
            if ids is not None:
                mask[ids] = True
        return mask

    def counts(self, facet: str, within: np.ndarray) -> dict[str, int]:
        """Count of documents in ``within`` for each value of ``facet`` that occurs in it.

        Under the wildcard facets a specific value's count includes the "*"
        listings, as choosing that value would show them too.
        """
        field = FACETS[facet][0]
        values = self.values[field]
        wildcard = values.get(ANY) if facet in WILDCARD_FACETS else None
        n_wildcard = 0
        if wildcard is not None:
            # |within ∩ (v ∪ *)| = |within ∩ v| + |within ∩ *| - |within ∩ v ∩ *|
            within_wild = np.zeros(self.doc_count_all, dtype=bool)
            within_wild[wildcard] = True
            within_wild &= within
            n_wildcard = int(np.count_nonzero(within_wild))
        counts: dict[str, int] = {}
        for value, ids in values.items():
            count = int(np.count_nonzero(within[ids]))
            if wildcard is not None and value != ANY:
                count += n_wildcard - int(np.count_nonzero(within_wild[ids]))
            if count:
                counts[value] = count
        return counts
