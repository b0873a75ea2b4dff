"""Matching and BM25F scoring of parsed queries with NumPy over cached postings.

Whoosh's matchers walk postings one document at a time in Python; a query
over seven boosted fields (plus Chinese bigrams) touching thousands of
listings costs tens of milliseconds that way. Here a segment's postings for
a term (document numbers and term weights) and its per-document field
lengths are read once into arrays, cached by segment id (a segment never
changes after it is written; deletions are applied with a live-document
mask), and a query tree becomes a few vectorised operations.

Scores are Whoosh's own: BM25F with the top-level searcher's idf and average
field length, the byte-quantised field length of the document, each term's
query boost, compound boosts multiplied in, ``And``/``Or`` summing the scores
of the children that match. ``tests/search/test_scoring.py`` checks them
against ``Searcher.search``. Query nodes this module does not model (phrases,
``Or`` with a coordination ``scale``, ``Not`` …) raise ``Unsupported`` when
scores are asked for (``CoordOr`` of app.search.query, the catalogue's own
coordination, is modelled here); for matching alone they are answered by
Whoosh's ``docs_for_query``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from app.search.query import CoordOr

_POSTINGS_BYTES = 64 * 1024 * 1024  # cached postings per segment, least recently used out
_SEGMENTS = 64


class Unsupported(Exception):
    """The query has a node whose scores this module does not reproduce."""


class _Segment:
    """Cached arrays of one segment: field lengths, sortable columns, term postings."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lengths: dict[str, np.ndarray] = {}
        self.columns: dict[str, np.ndarray] = {}
        self.postings: OrderedDict[tuple[str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.postings_bytes = 0


_segments: OrderedDict[tuple[str, str], _Segment] = OrderedDict()
_segments_lock = threading.Lock()
_ranks: dict[tuple, np.ndarray] = {}


def _segment(generation: str, leaf) -> _Segment | None:
    seg = leaf.segment()
    if seg is None:
        return None
    key = (generation, seg.segment_id())
    with _segments_lock:
        cached = _segments.get(key)
        if cached is None:
            cached = _segments[key] = _Segment()
            while len(_segments) > _SEGMENTS:
                _segments.popitem(last=False)
        else:
            _segments.move_to_end(key)
    return cached


def _read_postings(leaf, field: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
    """All local docnums and weights of a term in a segment, deleted documents included."""
    if (field, text) not in leaf:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    m = leaf.postings(field, text)
    m = getattr(m, "child", m)  # a segment with deletions wraps its matcher in a filter
    ids: list[int] = []
    weights: list[float] = []
    if hasattr(m, "_read_ids") and hasattr(m, "_next_block"):
        # Whoosh 3 codec: whole blocks at a time.
        while m.is_active():
            m._read_ids()
            m._read_weights()
            ids.extend(m._ids)
            weights.extend(m._weights)
            m._next_block()
    else:  # pragma: no cover - another codec
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64)


class QueryArrays:
    """Evaluates Whoosh queries on one searcher as dense per-document arrays."""

    def __init__(
        self, searcher: Searcher, generation: str, K1: float, B: float, fallback: bool = True
    ):
        self.searcher = searcher
        self.reader = reader = searcher.reader()
        self.generation = generation
        self.K1, self.B = K1, B
        self.n = reader.doc_count_all()
        self.leaves = [
            (leaf, offset, _segment(generation, leaf)) for leaf, offset in reader.leaf_readers()
        ]
        live = np.ones(self.n, dtype=bool)
        for leaf, offset, _seg in self.leaves:
            if leaf.has_deletions():
                deleted = np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)
                live[deleted + offset] = False
        self.live = live
        self._avgfl: dict[str, float] = {}

    # ------------------------------------------------------------ cached data

    def postings(self, field: str, text: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Global docnums and weights of a term over all segments."""
        ids, weights = [], []
        for leaf, offset, seg in self.leaves:
            if seg is None:
                continue
            key = (field, text)
            with seg.lock:
                found = seg.postings.get(key)
                if found is not None:
                    seg.postings.move_to_end(key)
            if found is None:
                found = _read_postings(leaf, field, text)
                with seg.lock:
                    if key not in seg.postings:
                        seg.postings[key] = found
                        seg.postings_bytes += found[0].nbytes + found[1].nbytes
                    while seg.postings_bytes > _POSTINGS_BYTES and len(seg.postings) > 1:
                        _key, (ids, weights) = seg.postings.popitem(last=False)
                        seg.postings_bytes -= ids.nbytes + weights.nbytes
            if len(found[0]):
                ids.append(found[0] + offset)
                weights.append(found[1])
        if not ids:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        if len(ids) == 1:
            return ids[0], weights[0]
        return np.concatenate(ids), np.concatenate(weights)

    def lengths(self, field: str) -> np.ndarray:
        """Whoosh's (quantised) length of ``field`` in every document."""
        parts = []
        for leaf, _offset, seg in self.leaves:
            if seg is None:
                continue
            with seg.lock:
                found = seg.lengths.get(field)
            if found is None:
                # Read once per segment through the public per-document call: about 1 µs a
                # document and field (0.17 s for 20,000 documents and all eight scored fields).
                count = leaf.doc_count_all()
                found = np.fromiter(
                    (leaf.doc_field_length(docnum, field) for docnum in range(count)),
                    dtype=np.float64,
                    count=count,
                )
                with seg.lock:
                    seg.lengths[field] = found
            parts.append(found)
        if not parts:
            return np.zeros(0, dtype=np.float64)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def column(self, field: str, convert: Callable[[list], np.ndarray]) -> np.ndarray:
        """A sortable column of every document as an array (``convert`` makes it one)."""
        parts = []
        for leaf, _offset, seg in self.leaves:
            if seg is None:
                continue
            with seg.lock:
                found = seg.columns.get(field)
            if found is None:
                found = convert(list(leaf.column_reader(field)))
                with seg.lock:
                    seg.columns[field] = found
            parts.append(found)
        if not parts:
            return convert([])
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def ranks(self, field: str) -> np.ndarray:
        """A string column of every document as ranks in code-point order."""
        segments = tuple(
            (leaf.segment().segment_id() if leaf.segment() else None, offset)
            for leaf, offset, _seg in self.leaves
        )
        key = (self.generation, field, segments)
        with _segments_lock:
            found = _ranks.get(key)
        if found is None:
            strings = self.column(field, lambda values: np.asarray(values, dtype=object))
            found = np.unique(strings, return_inverse=True)[1].astype(np.int64).reshape(-1)
            with _segments_lock:
                if len(_ranks) >= 16:
                    _ranks.clear()
                _ranks[key] = found
        return found

    # ------------------------------------------------------------- evaluation

    def matching(self, q: query.Query) -> np.ndarray:
        """Boolean mask of the live documents matching ``q`` (no scores)."""
        return self._eval(q, scored=False)[0] & self.live

    def scores(self, q: query.Query) -> tuple[np.ndarray, np.ndarray]:
        """(mask, scores) of ``q``; raises Unsupported for nodes not modelled."""
        mask, score = self._eval(q, scored=True)
        return mask & self.live, score

    def _eval(self, q: query.Query, scored: bool) -> tuple[np.ndarray, np.ndarray | None]:
        n = self.n
        if isinstance(q, query.Term):
            return self._term(q, scored)
        if q is query.NullQuery or isinstance(q, query.NullQuery.__class__):
            return np.zeros(n, dtype=bool), (np.zeros(n) if scored else None)
        if isinstance(q, query.Every) and not scored:
            return np.ones(n, dtype=bool), None
        if isinstance(q, query.AndNot):
            mask, score = self._eval(q.a, scored)
            negative, _ = self._eval(q.b, False)
            mask = mask & ~negative
            return mask, (np.where(mask, score, 0.0) if scored else None)
        if type(q) in (query.And, query.Or, CoordOr):
            if type(q) is query.Or and q.scale and scored:
                raise Unsupported("Or with a coordination scale")
            if not q.subqueries:
                return np.zeros(n, dtype=bool), (np.zeros(n) if scored else None)
            results = [self._eval(sub, scored) for sub in q.subqueries]
            mask = results[0][0].copy()
            for sub_mask, _ in results[1:]:
                if isinstance(q, query.And):
                    mask &= sub_mask
                else:
                    mask |= sub_mask
            if not scored:
                return mask, None
            score = np.zeros(n)
            for _sub_mask, sub_score in results:
                score += sub_score
            if isinstance(q, query.And):
                score[~mask] = 0.0
            if isinstance(q, CoordOr):  # times the share of the children that match
                score *= np.sum([sub_mask for sub_mask, _ in results], axis=0) / len(results)
            if q.boost != 1.0 and len(q.subqueries) > 1:
                score *= q.boost  # Whoosh ignores the boost of a one-child compound
            return mask, score
        if scored:
            raise Unsupported(type(q).__name__)
        mask = np.zeros(n, dtype=bool)
        ids = np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)
        mask[ids] = True
        return mask, None

    def _term(self, q: query.Term, scored: bool) -> tuple[np.ndarray, np.ndarray | None]:
        n = self.n
        mask = np.zeros(n, dtype=bool)
        schema = self.searcher.schema
        if q.fieldname not in schema:
            return mask, (np.zeros(n) if scored else None)
        field = schema[q.fieldname]
        try:
            text = field.to_bytes(q.text)
        except ValueError:
            return mask, (np.zeros(n) if scored else None)
        ids, weights = self.postings(q.fieldname, text)
        mask[ids] = True
        if not scored:
            return mask, None
        score = np.zeros(n)
        if not len(ids):
            return mask, score
        if not field.scorable:
            raise Unsupported(f"unscorable field {q.fieldname}")
        idf = self.searcher.idf(q.fieldname, text)
        avgfl = self._avgfl.get(q.fieldname)
        if avgfl is None:
            avgfl = self._avgfl[q.fieldname] = self.searcher.avg_field_length(q.fieldname) or 1
        lengths = self.lengths(q.fieldname)[ids]
        K1, B = self.K1, self.B
        # whoosh.scoring.bm25, term by term in the same order of operations.
        values = idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * lengths / avgfl)))
        if q.boost != 1.0:
            values = values * q.boost
        score[ids] = values
        return mask, score
