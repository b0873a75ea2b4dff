"""An incremental BM25 index over weighted fields (a simple BM25F).

Each document is a few token lists with a weight (e.g. name x3, body x1); term
frequencies and lengths are summed with those weights, then saturated once.
Documents live in a compressed *main* segment plus a small *delta* segment of
recent additions, as search engines do: publishing one offering appends to the
delta, suspending one clears an ``alive`` flag, and the delta is folded into
the main segment once it grows, so no update costs a full re-tokenisation.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

Fields = Sequence[tuple[Sequence[str], float]]


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
        # Stream documents into typed arrays of raw weighted term frequencies, then saturate
        # them in one vectorised step once the mean length is known: no per-document
        # Counter outlives its document, which keeps the peak memory of a 100k fit low.
        self.main_ = self._matrix(weighted_counts(fields) for fields in docs)
        self.delta_rows_: list[tuple[Counter, float]] = []
        self.delta_ = self._matrix([])
        self.alive_ = np.ones(self.main_.shape[0], dtype=bool)
        self._csr: tuple[sp.csr_matrix, sp.csr_matrix] | None = None
        self.df_ = np.zeros(len(self.vocab_), dtype=np.float64)
        self._count_df(self.main_, +1)
        return self

    def _term_id(self, term: str) -> int:
        tid = self.vocab_.get(term)
        if tid is None:
            tid = self.vocab_[term] = len(self.vocab_)
        return tid

    def _matrix(self, counts: Iterable[tuple[Counter, float]]) -> sp.csc_matrix:
        """Saturated term weights tf·(k1+1)/(tf+k1·(1-b+b·dl/avgdl)), one row per doc.

        The first call (``fit``) sets ``avgdl_``; later calls (the delta segment) reuse it.
        """
        indptr = array("q", [0])
        cols = array("i")
        tfs = array("d")
        lengths = array("d")
        for tf, length in counts:
            for term, f in tf.items():
                cols.append(self._term_id(term))
                tfs.append(f)
            indptr.append(len(cols))
            lengths.append(length)
        lens = np.frombuffer(lengths, dtype=np.float64) if len(lengths) else np.zeros(0)
        if not hasattr(self, "avgdl_"):
            self.avgdl_ = float(lens.mean()) if len(lens) and lens.mean() > 0 else 1.0
        ptr = np.frombuffer(indptr, dtype=np.int64)
        tf = np.frombuffer(tfs, dtype=np.float64) if len(tfs) else np.zeros(0)
        norm = np.repeat(self.k1 * (1.0 - self.b + self.b * lens / self.avgdl_), np.diff(ptr))
        data = tf * (self.k1 + 1.0) / (tf + norm)
        col_ids = np.frombuffer(cols, dtype=np.int32) if len(cols) else np.zeros(0, np.int32)
        shape = (len(lens), len(self.vocab_))
        return sp.csr_matrix((data, col_ids, ptr), shape=shape).tocsc()

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
        if self._csr is None:
            self._csr = (self.main_.tocsr(), self.delta_.tocsr())
        return self._csr

    # -- incremental updates ----------------------------------------------------------------
    @property
    def n_rows(self) -> int:
        return self.main_.shape[0] + self.delta_.shape[0]

    @property
    def n_alive(self) -> int:
        return int(self.alive_.sum())

    def add(self, fields: Fields) -> int:
        """Index one document; return its row."""
        counts = weighted_counts(fields)
        self.delta_rows_.append(counts)
        self.delta_ = self._matrix(self.delta_rows_)
        self._grow_main()
        self._csr = None
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

    def _merge(self) -> None:
        self.main_ = sp.vstack([self.main_, self.delta_], format="csc")
        self.delta_rows_ = []
        self.delta_ = sp.csc_matrix((0, self.main_.shape[1]))
        self._csr = None

    # -- scoring ----------------------------------------------------------------------------
    def idf(self, term_ids: np.ndarray) -> np.ndarray:
        n = max(self.n_alive, 1)
        df = self.df_[term_ids]
        return np.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def query_weights(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Known term ids of ``tokens`` and their weights idf·(query term count)."""
        qtf = Counter(t for t in tokens if t in self.vocab_)
        if not qtf:
            return np.array([], dtype=np.int64), np.array([], dtype=np.float64)
        ids = np.fromiter((self.vocab_[t] for t in qtf), dtype=np.int64, count=len(qtf))
        counts = np.fromiter(qtf.values(), dtype=np.float64, count=len(qtf))
        return ids, self.idf(ids) * counts

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row (removed rows score 0)."""
        return self.scores_and_coverage(tokens)[0]

    def scores_and_coverage(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """BM25 score of every row, and the share of the query's idf mass each row contains."""
        ids, weights = self.query_weights(tokens)
        out = np.zeros(self.n_rows, dtype=np.float64)
        cover = np.zeros(self.n_rows, dtype=np.float64)
        if len(ids) == 0:
            return out, cover
        n_main = self.main_.shape[0]
        for matrix, offset in ((self.main_, 0), (self.delta_, n_main)):
            if matrix.shape[0] == 0:
                continue
            indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
            starts, ends = indptr[ids], indptr[ids + 1]
            sizes = ends - starts
            if not sizes.sum():
                continue
            pos = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
            w = np.repeat(weights, sizes)
            part = np.bincount(indices[pos], weights=data[pos] * w, minlength=matrix.shape[0])
            out[offset : offset + matrix.shape[0]] += part
            seen = np.bincount(indices[pos], weights=w, minlength=matrix.shape[0])
            cover[offset : offset + matrix.shape[0]] += seen
        out[~self.alive_] = 0.0
        cover[~self.alive_] = 0.0
        return out, cover / weights.sum()

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

    def matched_terms(self, row: int, tokens: Sequence[str]) -> list[str]:
        """Query tokens that occur in document ``row`` (for explanations)."""
        n_main = self.main_.shape[0]
        matrix, r = (self.main_, row) if row < n_main else (self.delta_, row - n_main)
        found = []
        for tok in dict.fromkeys(tokens):
            tid = self.vocab_.get(tok)
            if tid is None or tid >= matrix.shape[1]:
                continue
            col = matrix.indices[matrix.indptr[tid] : matrix.indptr[tid + 1]]
            if r in col:
                found.append(tok)
        return found


def bm25_idf(n: int, df: float) -> float:
    """The BM25 idf used above, for one term (handy in tests)."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
