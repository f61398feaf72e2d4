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
        self._changes = 0  # rows added or removed: cached matrices are rebuilt
        self._idf_cache_changes = 0
        # Cached for batch_scores: the terms x rows structure (keyed on _changes) and the
        # matrices on it (BM25 values also keyed on the idf cache; presence).
        self._postings: (
            tuple[int, dict[str, int], npt.NDArray[np.int32], npt.NDArray[np.int64]] | None
        ) = None
        self._matrices: dict[bool, tuple[tuple[int, int], sp.csr_matrix]] = {}

    def add(self, row: int, tokens: Sequence[str]) -> None:
        self._changes += 1
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
        self._changes += 1
        if not tokens:
            return
        self.n_docs -= 1
        self.total_len -= len(tokens)
        for term in set(tokens):
            self.df[term] -= 1
            if self.df[term] <= 0:
                del self.df[term]

    def refresh_idf_cache(self) -> None:
        # Scoring looks up the idf of every candidate's terms; values are cached until rows
        # added or removed since amount to 1% of the collection, which moves an idf by well
        # under 1%. (Counting changes, not the size's drift: edits replace rows without
        # changing the size, and the terms they bring or take away change the df.)
        if self._changes - self._idf_cache_changes > 0.01 * self.n_docs:
            self._idf_cache = {}
            self._mass_cache = {}
            self._idf_cache_changes = self._changes

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

    def batch_scores(
        self, terms: Sequence[str], queries: sp.csr_matrix, n_rows: int, *, weighted: bool = True
    ) -> Scores:
        """[rows x queries] for a batch of queries, dead rows included (mask them afterwards).

        ``queries``: [terms x queries], each query's weight for each of ``terms`` (its
        distinct terms; 1 for BM25). Weighted: BM25 of every row. Not weighted: the sum of
        the weights of the query's terms found in the row.

        One sparse product with the field's [terms x rows] matrix of BM25 contributions (or
        presence), which is built once and kept until a row is added or removed or the idf
        cache is refreshed.
        """
        vocabulary, matrix = self._matrix(weighted)
        cols = np.fromiter((vocabulary.get(t, -1) for t in terms), dtype=np.int64, count=len(terms))
        known = np.flatnonzero(cols >= 0)
        product = queries[known].T.tocsr() @ matrix[cols[known]]  # [queries x field rows]
        scores = np.asarray(product.toarray(), dtype=np.float32).T
        out = np.zeros((n_rows, queries.shape[1]), dtype=np.float32)
        height = min(n_rows, scores.shape[0])
        out[:height] = scores[:height]
        return out

    def _matrix(self, weighted: bool) -> tuple[dict[str, int], sp.csr_matrix]:
        """The vocabulary and the [terms x rows] matrix: BM25 contributions, or presence.

        Both matrices share one structure (each term's rows, in posting order), rebuilt
        when a row is added or removed; the BM25 values also follow the idf cache.
        """
        if weighted:
            self.refresh_idf_cache()
        key = (self._changes, self._idf_cache_changes if weighted else -1)
        cached = self._matrices.get(weighted)
        if cached is not None and cached[0] == key:
            return self._structure()[0], cached[1]
        vocabulary, rows, indptr = self._structure()
        if weighted:
            # Copies (np.concatenate), so the posting arrays stay appendable.
            tfs = np.concatenate(
                [np.frombuffer(self._tfs[t], dtype=np.float32) for t in vocabulary]
                or [np.zeros(0, np.float32)]
            )
            idf = np.fromiter((self.idf(t) for t in vocabulary), np.float32, len(vocabulary))
            lengths = np.frombuffer(self.doc_len, dtype=np.float32)
            avg_len = self.total_len / self.n_docs if self.n_docs else 1.0
            k1, b = self.k1, self.b
            norm = k1 * (1.0 - b + b * lengths[rows] / avg_len)
            del lengths
            values = np.repeat(idf, np.diff(indptr)) * tfs * (k1 + 1.0) / (tfs + norm)
        else:
            values = np.ones(len(rows), dtype=np.float32)
        matrix = sp.csr_matrix(
            (values.astype(np.float32), rows, indptr), shape=(len(vocabulary), len(self.doc_len))
        )
        self._matrices[weighted] = (key, matrix)
        return vocabulary, matrix

    def _structure(self) -> tuple[dict[str, int], npt.NDArray[np.int32], npt.NDArray[np.int64]]:
        """Every term's position, and the rows of all terms' postings one after the other
        with where each term's start (CSR ``indices`` and ``indptr``)."""
        if self._postings is not None and self._postings[0] == self._changes:
            return self._postings[1], self._postings[2], self._postings[3]
        terms = list(self._rows)
        indptr = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(
            np.fromiter((len(self._rows[t]) for t in terms), np.int64, len(terms)),
            out=indptr[1:],
        )
        # Copies (np.concatenate), so the posting arrays stay appendable.
        rows = np.concatenate(
            [np.frombuffer(self._rows[t], dtype=np.int32) for t in terms] or [np.zeros(0, np.int32)]
        )
        vocabulary = {t: i for i, t in enumerate(terms)}
        self._postings = (self._changes, vocabulary, rows, indptr)
        return vocabulary, rows, indptr
