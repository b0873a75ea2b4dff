"""An incremental BM25 index over weighted fields (a simple BM25F).

Each document is a few token lists with a weight (e.g. name x3, body x1); term
frequencies and lengths are summed with those weights, then saturated once.
Documents live in a compressed *main* segment plus a small *delta* segment of
recent additions, as search engines do: publishing one offering appends to the
delta, suspending one clears an ``alive`` flag, and the delta is folded into
the main segment once it grows, so no update costs a full re-tokenisation.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

Fields = Sequence[tuple[Sequence[str], float]]
Query = Sequence[str] | Mapping[str, float]


def weighted_counts(fields: Fields) -> tuple[Counter, float]:
    """Weighted term frequencies and length of one document."""
    tf: Counter = Counter()
    length = 0.0
    for tokens, weight in fields:
        for tok in tokens:
            tf[tok] += weight
        length += weight * len(tokens)
    return tf, length


class BM25Index:
    """BM25 scores of a query against every document; rows are stable integer ids."""

    def __init__(self, k1: float = 1.2, b: float = 0.75, merge_at: int = 2048):
        self.k1 = k1
        self.b = b
        self.merge_at = merge_at

    # -- building -------------------------------------------------------------------------
    def fit(self, docs: Iterable[Fields]) -> BM25Index:
        self.vocab_: dict[str, int] = {}
        self.__dict__.pop("avgdl_", None)  # a refit measures its own mean length
        self.__dict__.pop("_idf_cache", None)
        # Stream documents into typed arrays of raw weighted term frequencies (float32,
        # int32: 8 bytes a posting), then saturate them in place once the mean length is
        # known: no per-document Counter outlives its document, and no full-size
        # temporary is made, which keeps the peak memory of a 100k fit low.
        main_csr = self._matrix(weighted_counts(fields) for fields in docs)
        self.main_ = main_csr.tocsc()  # postings per term, for scoring
        self._main_csr = main_csr  # terms per document, for feedback and explanations
        self.delta_rows_: list[tuple[Counter, float]] = []
        self.delta_ = self._matrix([]).tocsc()
        self._delta_csr: sp.csr_matrix | None = None
        self.alive_ = np.ones(self.main_.shape[0], dtype=bool)
        self._dead = np.zeros(0, dtype=np.int64)
        self.df_ = np.zeros(len(self.vocab_), dtype=np.float64)
        self._count_df(self.main_, +1)
        return self

    def _matrix(self, counts: Iterable[tuple[Counter, float]]) -> sp.csr_matrix:
        """Saturated term weights tf·(k1+1)/(tf+k1·(1-b+b·dl/avgdl)), one CSR row per doc.

        The first call (``fit``) sets ``avgdl_``; later calls (the delta segment) reuse it.
        """
        indptr = array("q", [0])
        cols = array("i")
        tfs = array("f")
        lengths = array("d")
        vocab = self.vocab_
        for tf, length in counts:
            for term, f in tf.items():
                tid = vocab.get(term)
                if tid is None:
                    tid = vocab[term] = len(vocab)
                cols.append(tid)
                tfs.append(f)
            indptr.append(len(cols))
            lengths.append(length)
        lens = np.frombuffer(lengths, dtype=np.float64) if len(lengths) else np.zeros(0)
        if not hasattr(self, "avgdl_"):
            self.avgdl_ = float(lens.mean()) if len(lens) and lens.mean() > 0 else 1.0
        ptr = np.frombuffer(indptr, dtype=np.int64)
        data = np.frombuffer(tfs, dtype=np.float32) if len(tfs) else np.zeros(0, np.float32)
        col_ids = np.frombuffer(cols, dtype=np.int32) if len(cols) else np.zeros(0, np.int32)
        norm = (self.k1 * (1.0 - self.b + self.b * lens / self.avgdl_)).astype(np.float32)
        step = 8192  # saturate in row blocks: temporaries stay small
        for start in range(0, len(lens), step):
            lo, hi = ptr[start], ptr[min(start + step, len(lens))]
            block = data[lo:hi]
            rows_norm = np.repeat(
                norm[start : start + step], np.diff(ptr[start : start + step + 1])
            )
            block *= np.float32(self.k1 + 1.0) / (block + rows_norm)
        shape = (len(lens), len(vocab))
        if ptr[-1] < 2**31:
            ptr = ptr.astype(np.int32)
        return sp.csr_matrix((data, col_ids, ptr), shape=shape)

    def _count_df(self, matrix: sp.spmatrix, sign: int, rows: np.ndarray | None = None) -> None:
        if len(self.df_) < len(self.vocab_):
            self.df_ = np.pad(self.df_, (0, len(self.vocab_) - len(self.df_)))
        if rows is None:
            # Column lengths of a CSC matrix are the document frequencies.
            self.df_[: matrix.shape[1]] += sign * np.diff(matrix.indptr)
            return
        csr = self._rows_csr()[0 if matrix is self.main_ else 1]
        np.add.at(self.df_, csr[rows].indices, sign)

    def _rows_csr(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        if self._delta_csr is None:
            self._delta_csr = self.delta_.tocsr()
        return self._main_csr, self._delta_csr

    # -- incremental updates ----------------------------------------------------------------
    @property
    def n_rows(self) -> int:
        return self.main_.shape[0] + self.delta_.shape[0]

    @property
    def n_alive(self) -> int:
        return int(self.alive_.sum())

    def dead_rows(self) -> np.ndarray:
        """Rows removed from the index."""
        return self._dead

    def add(self, fields: Fields) -> int:
        """Index one document; return its row."""
        counts = weighted_counts(fields)
        self.delta_rows_.append(counts)
        self._delta_csr = self._matrix(self.delta_rows_)
        self.delta_ = self._delta_csr.tocsc()
        self._grow_main()
        row = self.n_rows - 1
        self.alive_ = np.append(self.alive_, True)
        self._count_df(self.delta_, +1, np.array([len(self.delta_rows_) - 1]))
        if len(self.delta_rows_) >= self.merge_at:
            self._merge()
        return row

    def remove(self, row: int) -> None:
        """Stop scoring ``row`` (its number stays reserved)."""
        if not self.alive_[row]:
            return
        self.alive_[row] = False
        self._dead = np.flatnonzero(~self.alive_)
        n_main = self.main_.shape[0]
        if row < n_main:
            self._count_df(self.main_, -1, np.array([row]))
        else:
            self._count_df(self.delta_, -1, np.array([row - n_main]))

    def _grow_main(self) -> None:
        # New terms widen the matrices; keep both segments the same width.
        width = len(self.vocab_)
        for name in ("main_", "delta_"):
            m = getattr(self, name)
            if m.shape[1] < width:
                indptr = np.pad(m.indptr, (0, width - m.shape[1]), mode="edge")
                m = sp.csc_matrix((m.data, m.indices, indptr), shape=(m.shape[0], width))
                setattr(self, name, m)
        for name in ("_main_csr", "_delta_csr"):
            m = getattr(self, name)
            if m is not None and m.shape[1] < width:
                setattr(
                    self, name, sp.csr_matrix((m.data, m.indices, m.indptr), (m.shape[0], width))
                )

    def _merge(self) -> None:
        self._main_csr = sp.vstack([self._main_csr, self._rows_csr()[1]], format="csr")
        self.main_ = self._main_csr.tocsc()
        self.delta_rows_ = []
        self.delta_ = sp.csc_matrix((0, self.main_.shape[1]), dtype=np.float32)
        self._delta_csr = None

    # -- scoring ----------------------------------------------------------------------------
    def idf(self, term_ids: np.ndarray) -> np.ndarray:
        # The whole vocabulary's idf is kept until a document is added or removed.
        key = (len(self._dead), self.n_rows)
        if getattr(self, "_idf_cache", (None,))[0] != key or len(self._idf_cache[1]) < len(
            self.df_
        ):
            n = max(self.n_rows - len(self._dead), 1)
            df = self.df_
            self._idf_cache = (key, np.log(1.0 + (n - df + 0.5) / (df + 0.5)))
        return self._idf_cache[1][term_ids]

    def query_weights(self, tokens: Query) -> tuple[np.ndarray, np.ndarray]:
        """Known term ids of ``tokens`` and their weights idf·(query term count).

        ``tokens`` is a token list, or a mapping token → weight (a structured
        translation, whose weights stand for fractional term counts).
        """
        if isinstance(tokens, Mapping):
            qtf = {t: float(w) for t, w in tokens.items() if t in self.vocab_ and w > 0}
        else:
            qtf = Counter(t for t in tokens if t in self.vocab_)
        if not qtf:
            return np.array([], dtype=np.int64), np.array([], dtype=np.float64)
        ids = np.fromiter((self.vocab_[t] for t in qtf), dtype=np.int64, count=len(qtf))
        counts = np.fromiter(qtf.values(), dtype=np.float64, count=len(qtf))
        return ids, self.idf(ids) * counts

    def scores(self, tokens: Query) -> np.ndarray:
        """BM25 score of every row (removed rows score 0)."""
        return self._scores(tokens, coverage=False)[0]

    def scores_and_coverage(self, tokens: Query) -> tuple[np.ndarray, np.ndarray]:
        """BM25 score of every row, and the share of the query's idf mass each row contains."""
        scores, cover = self._scores(tokens, coverage=True)
        return scores, np.zeros(len(scores)) if cover is None else cover

    def _scores(self, tokens: Query, coverage: bool) -> tuple[np.ndarray, np.ndarray | None]:
        # Coverage is a second pass over the postings: skipped when nobody reads it.
        ids, weights = self.query_weights(tokens)
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        for matrix in (self.main_, self.delta_):
            n_rows = matrix.shape[0]
            indptr = matrix.indptr
            spans = [(indptr[i], indptr[i + 1]) for i in ids.tolist()]
            sizes = np.array([e - s for s, e in spans], dtype=np.int64)
            if not n_rows or not sizes.sum():
                parts.append((np.zeros(n_rows), np.zeros(n_rows) if coverage else None))
                continue
            # The query terms' postings are contiguous slices: concatenating them is the
            # cheapest gather (a sparse product costs about three times as much here).
            # Row numbers stay int32: bincount reads them faster than a widened copy.
            rows = np.concatenate([matrix.indices[s:e] for s, e in spans])
            vals = np.concatenate([matrix.data[s:e] for s, e in spans])
            w = np.repeat(weights, sizes)
            vals = vals * w
            parts.append(
                (
                    np.bincount(rows, weights=vals, minlength=n_rows),
                    np.bincount(rows, weights=w, minlength=n_rows) if coverage else None,
                )
            )
        if self.delta_.shape[0]:
            out = np.concatenate([parts[0][0], parts[1][0]])
            cover = np.concatenate([parts[0][1], parts[1][1]]) if coverage else None
        else:
            out, cover = parts[0]
        if not len(ids):
            return out, cover
        out[self._dead] = 0.0
        if cover is not None:
            cover[self._dead] = 0.0
            cover *= 1.0 / weights.sum()
        return out, cover

    def row_vectors(self, rows: np.ndarray) -> sp.csr_matrix:
        """Saturated term weights of ``rows`` (one CSR row each), for feedback models."""
        n_main = self.main_.shape[0]
        main, delta = self._rows_csr()
        width = len(self.vocab_)
        rows = np.asarray(rows, dtype=np.int64)
        in_main = rows < n_main
        order = np.concatenate([np.flatnonzero(in_main), np.flatnonzero(~in_main)])
        main_part = main[rows[in_main]]
        delta_part = delta[rows[~in_main] - n_main]
        main_part.resize((main_part.shape[0], width))
        delta_part.resize((delta_part.shape[0], width))
        stacked = sp.vstack([main_part, delta_part], format="csr")
        return stacked[np.argsort(order)]

    def row_entries(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(position in ``rows``, term id, saturated weight) of every term of ``rows``."""
        n_main = self.main_.shape[0]
        main, delta = self._rows_csr()
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) and rows.max() < n_main:
            # All in the main segment (the usual case): one vectorised gather of the
            # rows' slices instead of a Python loop over them.
            starts, ends = main.indptr[rows], main.indptr[rows + 1]
            sizes = (ends - starts).astype(np.int64)
            doc = np.repeat(np.arange(len(rows)), sizes)
            at = np.arange(int(sizes.sum())) + np.repeat(starts - np.cumsum(sizes) + sizes, sizes)
            return doc, main.indices[at].astype(np.int64), main.data[at].astype(np.float64)
        spans = []
        for r in rows.tolist():
            m, i = (main, r) if r < n_main else (delta, r - n_main)
            spans.append((m, m.indptr[i], m.indptr[i + 1]))
        if not spans:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        sizes = np.array([e - s for _, s, e in spans], dtype=np.int64)
        doc = np.repeat(np.arange(len(spans)), sizes)
        terms = np.concatenate([m.indices[s:e] for m, s, e in spans]).astype(np.int64)
        vals = np.concatenate([m.data[s:e] for m, s, e in spans]).astype(np.float64)
        return doc, terms, vals

    def matched_terms_of(self, rows: np.ndarray, tokens: Sequence[str]) -> list[list[str]]:
        """For each of ``rows``, the query tokens that occur in it (for explanations)."""
        known = [t for t in dict.fromkeys(tokens) if t in self.vocab_]
        if not known or not len(rows):
            return [[] for _ in range(len(rows))]
        ids = np.array([self.vocab_[t] for t in known], dtype=np.int64)
        order = np.argsort(ids)
        doc, terms, _ = self.row_entries(rows)
        hit = np.isin(terms, ids)
        present = np.zeros((len(rows), len(known)), dtype=bool)
        present[doc[hit], order[np.searchsorted(ids[order], terms[hit])]] = True
        return [[known[j] for j in np.flatnonzero(line).tolist()] for line in present]
