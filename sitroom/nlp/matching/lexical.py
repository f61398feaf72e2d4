"""An incremental in-memory BM25 index over integer row ids.

Rows are append-only: editing a document tombstones its old row and appends a new one, so
posting lists never need rewriting. Statistics (df, average length) are kept exact on removal;
dead rows stay in posting lists until the owner compacts (renumbers) everything.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Hashable, Sequence

import numpy as np
import numpy.typing as npt

Scores = npt.NDArray[np.float32]


class BM25Field:
    """BM25 (Robertson/Lucene idf) for one text field."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._rows: dict[str, array] = {}
        self._tfs: dict[str, array] = {}
        self.df: Counter[str] = Counter()
        self.doc_len = array("f")
        self.n_docs = 0
        self.total_len = 0
        self._idf_cache: dict[str, float] = {}
        self._mass_cache: dict[Hashable, float] = {}
        self._idf_cache_n = 0

    def add(self, row: int, tokens: Sequence[str]) -> None:
        if row < len(self.doc_len):
            raise ValueError(f"row {row} already used")
        if row > len(self.doc_len):
            self.doc_len.extend([0.0] * (row - len(self.doc_len)))
        self.doc_len.append(float(len(tokens)))
        if not tokens:
            return
        self.n_docs += 1
        self.total_len += len(tokens)
        for term, tf in Counter(tokens).items():
            postings = self._rows.get(term)
            if postings is None:
                postings = self._rows[term] = array("i")
                self._tfs[term] = array("f")
            postings.append(row)
            self._tfs[term].append(float(tf))
            self.df[term] += 1

    def remove(self, tokens: Sequence[str]) -> None:
        """Forget a row's statistics; its postings are masked by the caller's alive mask."""
        if not tokens:
            return
        self.n_docs -= 1
        self.total_len -= len(tokens)
        for term in set(tokens):
            self.df[term] -= 1
            if self.df[term] <= 0:
                del self.df[term]

    def refresh_idf_cache(self) -> None:
        # Scoring looks up the idf of every candidate's terms; values are cached until the
        # collection size drifts by 1%, which moves an idf by well under 1%.
        if abs(self.n_docs - self._idf_cache_n) > 0.01 * self._idf_cache_n:
            self._idf_cache = {}
            self._mass_cache = {}
            self._idf_cache_n = self.n_docs

    def idf(self, term: str) -> float:
        """Cached idf; call :meth:`refresh_idf_cache` once before a batch of look-ups."""
        cached = self._idf_cache.get(term)
        if cached is None:
            df = self.df.get(term, 0)
            cached = math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5)) if df else 0.0
            self._idf_cache[term] = cached
        return cached

    def coverage(self, doc_terms: frozenset[str], query_terms: set[str], key: Hashable) -> float:
        """Share of a document's idf mass that the query also contains (0..1).

        ``key`` identifies the document's term set (e.g. row and field) for caching its mass.
        """
        mass = self._mass_cache.get(key)
        if mass is None:
            mass = sum(self.idf(t) for t in doc_terms)
            self._mass_cache[key] = mass
        if mass <= 0.0:
            return 0.0
        return sum(self.idf(t) for t in query_terms & doc_terms) / mass

    def scores(self, query_terms: Sequence[str], n_rows: int) -> Scores:
        """BM25 of every row (dead rows included; mask them afterwards)."""
        out = np.zeros(n_rows, dtype=np.float32)
        if self.n_docs == 0:
            return out
        self.refresh_idf_cache()
        avg_len = self.total_len / self.n_docs
        lengths = np.frombuffer(self.doc_len, dtype=np.float32)
        # The length norm only of the rows a query term is in (not of every row, per field
        # and query: that was most of a search's time on a large index).
        k1, b = self.k1, self.b
        for term in set(query_terms):
            rows_buf = self._rows.get(term)
            if rows_buf is None:
                continue
            weight = self.idf(term)
            if weight <= 0.0:
                continue
            rows = np.frombuffer(rows_buf, dtype=np.int32)
            tfs = np.frombuffer(self._tfs[term], dtype=np.float32)
            norm = k1 * (1.0 - b + b * lengths[rows] / avg_len)
            out[rows] += weight * tfs * (k1 + 1.0) / (tfs + norm)
            # Release the buffer views at once so the arrays stay appendable.
            del rows, tfs
        return out
