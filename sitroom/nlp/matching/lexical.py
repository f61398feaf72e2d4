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
import scipy.sparse as sp


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

    def mass(self, doc_terms: frozenset[str], key: Hashable) -> float:
        """The idf mass of a document's term set; ``key`` (e.g. row and field) caches it."""
        mass = self._mass_cache.get(key)
        if mass is None:
            mass = self._mass_cache[key] = sum(self.idf(t) for t in doc_terms)
        return mass

    def postings(
        self, terms: Sequence[str], n_rows: int, *, weighted: bool = True
    ) -> sp.csc_matrix:
        """[rows x terms]: each term's BM25 contribution to every row it is in (dead rows
        included; mask them afterwards), or 1 where it is in the row (``weighted=False``).

        Multiplied by a [terms x queries] matrix of the queries' distinct terms, this scores
        a batch of queries in one sparse product instead of a Python loop per query.
        """
        if weighted:
            self.refresh_idf_cache()
        lengths = np.frombuffer(self.doc_len, dtype=np.float32)
        avg_len = self.total_len / self.n_docs if self.n_docs else 1.0
        k1, b = self.k1, self.b
        indptr = [0]
        row_parts: list[npt.NDArray[np.int32]] = []
        data_parts: list[npt.NDArray[np.float32]] = []
        for term in terms:
            rows_buf = self._rows.get(term)
            weight = self.idf(term) if weighted and rows_buf is not None else 1.0
            if rows_buf is None or weight <= 0.0:
                indptr.append(indptr[-1])
                continue
            # Copies, so the posting arrays stay appendable.
            rows = np.array(np.frombuffer(rows_buf, dtype=np.int32))
            if weighted:
                tfs = np.frombuffer(self._tfs[term], dtype=np.float32)
                norm = k1 * (1.0 - b + b * lengths[rows] / avg_len)
                data = (weight * tfs * (k1 + 1.0) / (tfs + norm)).astype(np.float32)
                del tfs
            else:
                data = np.ones(len(rows), dtype=np.float32)
            row_parts.append(rows)
            data_parts.append(data)
            indptr.append(indptr[-1] + len(rows))
        return sp.csc_matrix(
            (
                np.concatenate(data_parts) if data_parts else np.zeros(0, np.float32),
                np.concatenate(row_parts) if row_parts else np.zeros(0, np.int32),
                np.asarray(indptr, dtype=np.int64),
            ),
            shape=(n_rows, len(terms)),
        )
