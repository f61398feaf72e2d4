"""The in-memory matching engine: candidate generation, features, learned scoring.

Pipeline for one query:
1. clean the text (links out, handles/hashtags split), tokenise, embed once;
2. dense cosine against every indexed field (brute force: at ~15k fact-checks x 3 fields a
   matrix-vector product takes a few ms, exact, and needs no ANN rebuilds on update);
3. BM25 per field and over all fields together;
4. candidates = top-K by best dense cosine  U  top-K by BM25;
5. a small logistic model over per-field similarities, relative-to-best features and ranks
   gives P(relevant) for each candidate, which is both the ranking score and the confidence.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from threadpoolctl import ThreadpoolController

from sitroom.nlp.matching.lexical import BM25Field
from sitroom.nlp.matching.text import clean_text, parse_day, tokenize, trailer_day

FloatArray = npt.NDArray[np.float32]

#: Fields the engine indexes, in a fixed order.
FIELDS: tuple[str, ...] = ("title", "subtitle", "claim")
#: Fields that are embedded. A subtitle is embedded (as the claim) only when there is no
#: claim: measured on CLEF-2022, embedding subtitles as well cost a third more encoding time
#: for no gain once titles and claims are embedded and subtitles are keyword-indexed.
DENSE_FIELDS: tuple[str, ...] = ("title", "claim")
ALL = "all"

#: Input keys accepted for each field (first match wins).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "name"),
    "subtitle": ("subtitle", "summary", "description"),
    "claim": ("claim", "vclaim", "claimReviewed", "claim_reviewed", "text"),
}

CANDIDATES_PER_SOURCE = 50
#: Rows x queries of one dense score array in a batch search (8 MB as float32): with 15k
#: fact-checks a chunk is 64 queries (~70 MB in all), with 100k it is 20.
DENSE_CELLS_PER_CHUNK = 2_000_000


def canonical_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    """Map loosely named input fields onto FIELDS; empty values are dropped."""
    out: dict[str, str] = {}
    for name, aliases in FIELD_ALIASES.items():
        for key in aliases:
            value = fields.get(key)
            if isinstance(value, str) and value.strip():
                out[name] = value.strip()
                break
    return out


def dense_field_texts(fields: Mapping[str, str]) -> dict[str, str]:
    """The texts to embed, keyed by DENSE_FIELDS (a lone subtitle stands in for the claim)."""
    out = {}
    if fields.get("title"):
        out["title"] = fields["title"]
    claim = fields.get("claim") or fields.get("subtitle")
    if claim:
        out["claim"] = claim
    return out


@dataclass(frozen=True)
class Match:
    """One fact-check that addresses the query's claim."""

    doc_id: str
    score: float
    dense: float
    lexical: float
    field: str
    field_similarity: float
    reason: str
    meta: dict[str, Any] = dataclass_field(default_factory=dict, compare=False)


# ----------------------------------------------------------------------------------------
# Scoring model


FEATURES: tuple[str, ...] = (
    "cos_title",
    "cos_claim",
    "cos_max",
    "cos_gap",
    "bm25_title",
    "bm25_subtitle",
    "bm25_claim",
    "bm25_all",
    "bm25_abs",
    "cover_title",
    "cover_claim",
    "rr_dense",
    "rr_bm25",
    "date_near",
    "date_known",
)

#: Days over which "published around the time of the post" decays (e^-1 at this gap).
DATE_SCALE_DAYS = 30.0


@dataclass(frozen=True)
class ScoringModel:
    """Standardised logistic regression over FEATURES (parameters in model_params.py)."""

    features: tuple[str, ...]
    mean: FloatArray
    scale: FloatArray
    coef: FloatArray
    intercept: float
    meta: dict[str, Any]

    def logits(self, x: FloatArray) -> npt.NDArray[np.float64]:
        z = ((x.astype(np.float64) - self.mean) / self.scale) @ self.coef.astype(np.float64)
        return z + self.intercept

    def probabilities(self, x: FloatArray) -> npt.NDArray[np.float64]:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(x), -30.0, 30.0)))

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "coef": [float(v) for v in self.coef],
            "intercept": float(self.intercept),
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScoringModel:
        features = tuple(data["features"])
        if features != FEATURES:
            raise ValueError("scoring model was fitted for a different feature set")
        return cls(
            features=features,
            mean=np.asarray(data["mean"], dtype=np.float32),
            scale=np.asarray(data["scale"], dtype=np.float32),
            coef=np.asarray(data["coef"], dtype=np.float32),
            intercept=float(data["intercept"]),
            meta=dict(data.get("meta", {})),
        )


@lru_cache(maxsize=1)
def default_model() -> ScoringModel:
    """The shipped model (``model_params.py``, written by the benchmark's ``--fit``)."""
    from sitroom.nlp.matching.model_params import MODEL

    return ScoringModel.from_json(MODEL)


# ----------------------------------------------------------------------------------------
# In-memory index


@dataclass
class QueryContext:
    text: str
    clean: str
    terms: list[str]
    vector: FloatArray
    day: int | None = None


class EngineCore:
    """Rows of fields, vectors and token lists; not persistent and not locked by itself."""

    def __init__(self, dim: int, capacity: int = 1024) -> None:
        self.dim = dim
        self.n_rows = 0
        self._capacity = capacity
        self.vectors = {f: np.zeros((capacity, dim), dtype=np.float32) for f in DENSE_FIELDS}
        self.has_field = {f: np.zeros(capacity, dtype=bool) for f in DENSE_FIELDS}
        self.alive = np.zeros(capacity, dtype=bool)
        self.day = np.full(capacity, np.nan, dtype=np.float64)
        self.doc_ids: list[str] = []
        self.tokens: list[dict[str, list[str]]] = []
        self.term_sets: list[tuple[frozenset[str], frozenset[str]]] = []
        self.records: list[dict[str, Any] | None] = []
        self.row_of: dict[str, int] = {}
        self.bm25 = {f: BM25Field() for f in (*FIELDS, ALL)}
        self.lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.row_of)

    def _grow(self, need: int) -> None:
        if need <= self._capacity:
            return
        cap = max(need, self._capacity * 2)
        for f in DENSE_FIELDS:
            vec = np.zeros((cap, self.dim), dtype=np.float32)
            vec[: self.n_rows] = self.vectors[f][: self.n_rows]
            self.vectors[f] = vec
            has = np.zeros(cap, dtype=bool)
            has[: self.n_rows] = self.has_field[f][: self.n_rows]
            self.has_field[f] = has
        alive = np.zeros(cap, dtype=bool)
        alive[: self.n_rows] = self.alive[: self.n_rows]
        self.alive = alive
        day = np.full(cap, np.nan, dtype=np.float64)
        day[: self.n_rows] = self.day[: self.n_rows]
        self.day = day
        self._capacity = cap

    def put(
        self,
        doc_id: str,
        fields: Mapping[str, str],
        vectors: Mapping[str, FloatArray],
        record: dict[str, Any],
    ) -> None:
        """Insert or replace a document (the old row, if any, is tombstoned)."""
        self.remove(doc_id)
        row = self.n_rows
        self._grow(row + 1)
        toks = {f: tokenize(fields[f]) if f in fields else [] for f in FIELDS}
        for f in DENSE_FIELDS:
            if f in vectors:
                self.vectors[f][row] = vectors[f]
                self.has_field[f][row] = True
        for f in FIELDS:
            self.bm25[f].add(row, toks[f])
        self.bm25[ALL].add(row, [t for f in FIELDS for t in toks[f]])
        self.alive[row] = True
        published = parse_day((record.get("meta") or {}).get("date"))
        self.day[row] = np.nan if published is None else float(published)
        self.doc_ids.append(doc_id)
        self.tokens.append(toks)
        self.term_sets.append(
            (frozenset(toks["title"]), frozenset(toks["claim"] or toks["subtitle"]))
        )
        self.records.append(record)
        self.row_of[doc_id] = row
        self.n_rows = row + 1

    def remove(self, doc_id: str) -> bool:
        row = self.row_of.pop(doc_id, None)
        if row is None:
            return False
        toks = self.tokens[row]
        for f in FIELDS:
            self.bm25[f].remove(toks[f])
        self.bm25[ALL].remove([t for f in FIELDS for t in toks[f]])
        self.alive[row] = False
        self.tokens[row] = {}
        self.term_sets[row] = (frozenset(), frozenset())
        self.records[row] = None
        return True

    @property
    def dead_rows(self) -> int:
        return self.n_rows - len(self.row_of)

    # -- scoring -----------------------------------------------------------------------

    def cosines(self, vectors: FloatArray) -> dict[str, FloatArray]:
        """Cosine of every row's dense fields to each query vector: field -> [rows, queries].

        One matrix product per field for a batch of queries: the vector matrix is read once,
        not once per query (a 14k-row matrix-vector product is bound by memory, ~3 ms).
        Missing fields have zero vectors, hence cosine 0: below any real match.
        """
        n = self.n_rows
        q = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32).T
        with _single_blas_thread():
            return {f: self.vectors[f][:n] @ q for f in DENSE_FIELDS}

    def candidate_features(
        self, ctx: QueryContext, per_source: int = CANDIDATES_PER_SOURCE
    ) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """Candidate rows and their FEATURES matrix for one query."""
        return self.candidate_features_batch([ctx], per_source=per_source)[0]

    def candidate_features_batch(
        self, ctxs: Sequence[QueryContext], per_source: int = CANDIDATES_PER_SOURCE
    ) -> list[tuple[npt.NDArray[np.int64], FloatArray]]:
        """Per query: candidate rows and their FEATURES matrix.

        The whole batch is scored at once: dense cosines in one matrix product per field,
        BM25 and keyword coverage in one sparse product per field (the queries' terms times
        the field's cached terms x rows matrix).
        """
        n = self.n_rows
        alive = self.alive[:n]
        n_alive = len(self.row_of)
        if n_alive == 0 or not ctxs:
            empty = (np.zeros(0, dtype=np.int64), np.zeros((0, len(FEATURES)), np.float32))
            return [empty for _ in ctxs]
        cos = self.cosines(np.stack([c.vector for c in ctxs]))
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []
        query_ids: list[int] = []
        for j, ctx in enumerate(ctxs):
            for term in set(ctx.terms):
                term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
                query_ids.append(j)
        terms = list(vocabulary)
        queries = sp.csr_matrix(
            (np.ones(len(term_ids), np.float32), (term_ids, query_ids)),
            shape=(len(terms), len(ctxs)),
        )
        bm25 = {f: self.bm25[f].batch_scores(terms, queries, n) for f in (*FIELDS, ALL)}
        lexicon = self.bm25[ALL]
        lexicon.refresh_idf_cache()
        idf = np.array([lexicon.idf(t) for t in terms], dtype=np.float32)
        weighted_queries = sp.csr_matrix(queries.multiply(idf[:, None]))
        query_idf = np.asarray(weighted_queries.sum(axis=0), dtype=np.float64).ravel()

        def shared_idf(f: str) -> FloatArray:
            """[rows x queries]: idf mass of the query terms found in field ``f``."""
            return self.bm25[f].batch_scores(terms, weighted_queries, n, weighted=False)

        cover_title = shared_idf("title")
        # A row's claim terms are its subtitle's when it has no claim (as in term_sets).
        no_claim = np.frombuffer(self.bm25["claim"].doc_len, dtype=np.float32)[:n] == 0
        cover_claim = np.where(no_claim[:, None], shared_idf("subtitle"), shared_idf("claim"))

        out = []
        for j, ctx in enumerate(ctxs):
            cos_max = np.maximum(cos["title"][:, j], cos["claim"][:, j])
            cos_max[~alive] = -np.inf
            bm_all = bm25[ALL][:, j].copy()
            bm_all[~alive] = -np.inf
            k = min(per_source, n_alive)
            top_dense = np.argpartition(-cos_max, k - 1)[:k]
            top_bm = np.argpartition(-bm_all, k - 1)[:k]
            cands = np.union1d(top_dense, top_bm)
            cands = cands[alive[cands]]

            cm = cos_max[cands]
            best_bm = float(max(bm_all[cands].max(), 1e-6))
            x = np.zeros((len(cands), len(FEATURES)), dtype=np.float32)
            x[:, 0] = cos["title"][cands, j]
            x[:, 1] = cos["claim"][cands, j]
            x[:, 2] = cm
            x[:, 3] = cm - cm.max()
            for f_index, f in enumerate((*FIELDS, ALL)):
                x[:, 4 + f_index] = bm25[f][cands, j] / best_bm
            x[:, 8] = bm_all[cands] / max(float(query_idf[j]), 1e-6)
            for i, row in enumerate(cands):
                title_terms, claim_terms = self.term_sets[row]
                title_mass = lexicon.mass(title_terms, (row, 0))
                claim_mass = lexicon.mass(claim_terms, (row, 1))
                x[i, 9] = cover_title[row, j] / title_mass if title_mass > 0.0 else 0.0
                x[i, 10] = cover_claim[row, j] / claim_mass if claim_mass > 0.0 else 0.0
            x[:, 11] = 1.0 / (1.0 + _ranks(cos_max, cands))
            x[:, 12] = 1.0 / (1.0 + _ranks(bm_all, cands))
            if ctx.day is not None:
                gap = np.abs(self.day[cands] - ctx.day)
                known = ~np.isnan(gap)
                x[:, 13] = np.where(known, np.exp(-np.nan_to_num(gap) / DATE_SCALE_DAYS), 0.0)
                x[:, 14] = known
            out.append((cands.astype(np.int64), x))
        return out

    def search_batch(
        self,
        ctxs: Sequence[QueryContext],
        model: ScoringModel,
        top: int = 10,
        min_score: float = 0.0,
        chunk: int = 64,
    ) -> list[list[Match]]:
        """The best ``top`` matches of each query, ``chunk`` queries scored at a time (fewer on
        a large index: a chunk holds about nine dense [rows x queries] arrays)."""
        chunk = max(1, min(chunk, DENSE_CELLS_PER_CHUNK // max(self.n_rows, 1)))
        out: list[list[Match]] = []
        for start in range(0, len(ctxs), chunk):
            found = self.candidate_features_batch(ctxs[start : start + chunk])
            sizes = [len(cands) for cands, _ in found]
            if not sum(sizes):
                out.extend([] for _ in found)
                continue
            probs_all = model.probabilities(np.concatenate([x for _, x in found]))
            offset = 0
            for (cands, x), size in zip(found, sizes, strict=True):
                probs = probs_all[offset : offset + size]
                offset += size
                matches = []
                for i in np.argsort(-probs, kind="stable")[:top]:
                    p = float(probs[i])
                    if p < min_score:
                        break
                    matches.append(self._explain(int(cands[i]), x[i], p))
                out.append(matches)
        return out

    def _explain(self, row: int, x: FloatArray, prob: float) -> Match:
        sims = {f: float(x[j]) for j, f in enumerate(DENSE_FIELDS) if self.has_field[f][row]}
        best_field = max(sims, key=lambda f: sims[f]) if sims else "claim"
        record = self.records[row] or {}
        reason = (
            f"{best_field} similarity {sims.get(best_field, 0.0):.2f}, "
            f"keyword overlap {float(x[10]):.0%} of the claim, "
            f"dense rank {round(1 / x[11] - 1) + 1}, keyword rank {round(1 / x[12] - 1) + 1}"
        )
        return Match(
            doc_id=self.doc_ids[row],
            score=prob,
            dense=float(x[2]),
            lexical=float(x[8]),
            field=best_field,
            field_similarity=sims.get(best_field, 0.0),
            reason=reason,
            meta=dict(record.get("meta") or {}),
        )


@lru_cache(maxsize=1)
def _blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


def _single_blas_thread() -> Any:
    # A 15k x 384 matrix-vector product is memory-bound (~1 ms on one thread); with the
    # default two BLAS threads it measured 47 ms median on a loaded 2-core machine, because
    # the threads spin-wait for each other. Searches therefore use one BLAS thread.
    return _blas_controller().limit(limits=1, user_api="blas")


def _ranks(values: FloatArray, rows: npt.NDArray[np.intp]) -> FloatArray:
    """0-based rank of each of ``rows`` among ``values`` (descending; ties share a rank)."""
    ordered = np.sort(values)
    above = len(values) - np.searchsorted(ordered, values[rows], side="right")
    return above.astype(np.float32)


def make_context(text: str, vector: FloatArray, day: int | None = None) -> QueryContext:
    """``day``: the post's date as an ordinal; by default read from an embedded-post trailer."""
    clean = clean_text(text)
    if day is None:
        day = trailer_day(text)
    return QueryContext(text=text, clean=clean, terms=tokenize(clean), vector=vector, day=day)
