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
class _FieldPostings:
    """One facet field over all segments: value -> docnums, and (docnum, value) pairs."""

    values: dict[str, np.ndarray]
    codes: list[str]
    pair_docs: np.ndarray  # docnum of each (document, value) pair
    pair_values: np.ndarray  # index into ``codes`` of each pair


# (generation, segment ids and offsets) -> merged postings of a searcher's view
_merged_cache: dict[tuple, FacetPostings] = {}


@dataclass
class FacetPostings:
    """For one searcher: facet field -> value -> global docnums."""

    doc_count_all: int
    fields: dict[str, _FieldPostings]

    @property
    def values(self) -> dict[str, dict[str, np.ndarray]]:
        return {field: postings.values for field, postings in self.fields.items()}

    @classmethod
    def of(cls, searcher: Searcher, generation: str) -> FacetPostings:
        reader = searcher.reader()
        leaves = reader.leaf_readers()
        key = (
            generation,
            reader.doc_count_all(),
            tuple(
                (leaf.segment().segment_id() if leaf.segment() else None, offset)
                for leaf, offset in leaves
            ),
        )
        cached = _merged_cache.get(key)
        if cached is not None:
            return cached
        merged: dict[str, dict[str, list[np.ndarray]]] = {f: {} for f, _ in FACETS.values()}
        for leaf, offset in leaves:
            for field, values in _segment_postings(generation, leaf).items():
                for value, ids in values.items():
                    merged[field].setdefault(value, []).append(ids + offset)
        fields = {}
        for field, parts in merged.items():
            values = {value: np.concatenate(p) for value, p in parts.items()}
            codes = list(values)
            arrays = [values[code] for code in codes]
            fields[field] = _FieldPostings(
                values,
                codes,
                np.concatenate(arrays) if arrays else np.empty(0, np.int64),
                np.repeat(np.arange(len(codes)), [len(a) for a in arrays]),
            )
        result = cls(reader.doc_count_all(), fields)
        with _cache_lock:
            if len(_merged_cache) >= 16:
                _merged_cache.clear()
            _merged_cache[key] = result
        return result

    def mask_of(self, facet: str, selected: list[str]) -> np.ndarray:
        """Documents having any of the ``selected`` values ("*" listings count for every value)."""
        field = FACETS[facet][0]
        mask = np.zeros(self.doc_count_all, dtype=bool)
        wanted = set(selected)
        if facet in WILDCARD_FACETS and wanted - {ANY}:
            wanted.add(ANY)
        for value in wanted:
            ids = self.fields[field].values.get(value)
            if ids is not None:
                mask[ids] = True
        return mask

    def counts(self, facet: str, within: np.ndarray) -> dict[str, int]:
        """Count of documents in ``within`` for each value of ``facet`` that occurs in it.

        Under the wildcard facets a specific value's count includes the "*"
        listings, as choosing that value would show them too.
        """
        postings = self.fields[FACETS[facet][0]]
        size = len(postings.codes)
        inside = within[postings.pair_docs]
        counts = np.bincount(postings.pair_values[inside], minlength=size)
        wildcard = postings.values.get(ANY) if facet in WILDCARD_FACETS else None
        if wildcard is not None:
            # |within ∩ (v ∪ *)| = |within ∩ v| + |within ∩ *| - |within ∩ v ∩ *|
            within_wild = np.zeros(self.doc_count_all, dtype=bool)
            within_wild[wildcard] = True
            within_wild &= within
            n_wildcard = int(np.count_nonzero(within_wild))
            both = np.bincount(
                postings.pair_values[within_wild[postings.pair_docs]], minlength=size
            )
            extra = n_wildcard - both
            extra[postings.codes.index(ANY)] = 0
            counts = counts + extra
        return {code: int(c) for code, c in zip(postings.codes, counts.tolist(), strict=True) if c}
