"""A stacked model for one language, helped by other languages' rows (cross-lingual transfer).

The *primary* rows are the language's own training data. *Auxiliary* rows (other languages'
sets, down-weighted) join every fit of the heads but are never scored out of fold: the
calibrator, the decision threshold and the choice between configurations are judged on the
primary language alone, so extra data is used only where it helps that language.

Configurations are compared by a nested out-of-fold F1 (the calibrator and the threshold are
fitted on the other folds' scores, as they would be for unseen data), averaged over a few fold
seeds, so that small training sets do not pick a configuration by luck.

Where every primary row has a time (``RouteData.order``: a tweet id grows with time), the
folds are contiguous blocks in time instead: a model is then always judged on tweets of
another period, with other topics, as it will be on new posts. Random folds put tweets of the
same days on both sides, which flatters the n-gram head (shared names and hashtags).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from sitroom.nlp.classifiers.model import (
    NgramSpec,
    StackedModel,
    _f1,
    _fit_lr,
    _sigmoid,
    best_f1_threshold,
    feature_part,
    fit_idf,
    tfidf,
)


@dataclass(frozen=True)
class RouteConfig:
    c_emb: float = 2.0
    c_ngram: float = 8.0
    use_ngrams: bool = True
    aux_weight: float = 0.0  # weight of one auxiliary row in the embedding head; 0 = unused
    aux_ngrams: bool = False  # auxiliary rows train the n-gram head too
    feature: str = "final"  # the vectors the embedding head reads: "final" or "mid"


@dataclass
class RouteData:
    """Cleaned texts, labels and their embeddings (one row each; with ``mid``, each query
    vector followed by its mid vector: ``embedder.classifier_features``)."""

    cleaned: list[str]
    y: np.ndarray
    emb: np.ndarray
    sources: list[str] = field(default_factory=list)
    order: np.ndarray | None = None  # a time key per row (e.g. tweet id), for blocked folds
    mid: bool = False

    def vectors(self, feature: str) -> np.ndarray:
        width = self.emb.shape[1] // 2 if self.mid else self.emb.shape[1]
        return feature_part(self.emb, width, feature)

    @staticmethod
    def empty(dim: int) -> RouteData:
        return RouteData([], np.zeros(0, dtype=np.int64), np.zeros((0, dim), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.y)


def _folds(y: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(skf.split(np.zeros(len(y)), y))


def _time_folds(order: np.ndarray, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``folds`` contiguous blocks of rows by time (ties keep their input order)."""
    by_time = np.argsort(order, kind="stable")
    blocks = np.array_split(by_time, folds)
    every = np.arange(len(order))
    return [(np.setdiff1d(every, b), np.sort(b)) for b in blocks]


def time_ordered(data: RouteData) -> bool:
    return data.order is not None and len(data.order) == len(data) and len(data) > 0


def _weights(n_primary: int, n_aux: int, aux_weight: float) -> np.ndarray:
    return np.concatenate([np.ones(n_primary), np.full(n_aux, aux_weight)])


class _Heads:
    """Fits the heads on primary rows (a fold's part, or all) plus auxiliary rows, and
    memoises out-of-fold logits so that configurations sharing a head share its cost."""

    def __init__(self, primary: RouteData, aux: RouteData, spec: NgramSpec, folds: int):
        self.p, self.aux, self.spec, self.folds = primary, aux, spec, folds
        self.blocked = time_ordered(primary)
        self._counts: sp.csr_matrix | None = None
        self._aux_counts: sp.csr_matrix | None = None
        self._memo: dict[tuple[Any, ...], np.ndarray] = {}

    def counts(self) -> sp.csr_matrix:
        if self._counts is None:
            self._counts = self.spec.counts(self.p.cleaned)
        return self._counts

    def aux_counts(self) -> sp.csr_matrix:
        if self._aux_counts is None:
            self._aux_counts = self.spec.counts(self.aux.cleaned)
        return self._aux_counts

    def fit_emb(self, rows: np.ndarray, c: float, aux_weight: float, feature: str) -> Any:
        n_aux = len(self.aux) if aux_weight > 0 else 0
        x = np.vstack([self.p.vectors(feature)[rows], self.aux.vectors(feature)[:n_aux]])
        y = np.concatenate([self.p.y[rows], self.aux.y[:n_aux]])
        return _fit_lr(x, y, c, _weights(len(rows), n_aux, aux_weight))

    def fit_ngram(self, rows: np.ndarray, c: float, aux_weight: float) -> tuple[Any, np.ndarray]:
        x, y, w = self.counts()[rows], self.p.y[rows], None
        if aux_weight > 0 and len(self.aux):
            x = sp.vstack([x, self.aux_counts()], format="csr")
            y = np.concatenate([y, self.aux.y])
            w = _weights(len(rows), len(self.aux), aux_weight)
        idf = fit_idf(x)
        return _fit_lr(tfidf(x, idf), y, c, w), idf

    def oof_emb(self, c: float, aux_weight: float, seed: int, feature: str) -> np.ndarray:
        key = ("emb", c, aux_weight, seed, feature)
        if key not in self._memo:
            out = np.zeros(len(self.p))
            x = self.p.vectors(feature)
            for tr, te in self.split(seed):
                out[te] = self.fit_emb(tr, c, aux_weight, feature).decision_function(x[te])
            self._memo[key] = out
        return self._memo[key]

    def oof_ngram(self, c: float, aux_weight: float, seed: int) -> np.ndarray:
        key = ("ngram", c, aux_weight, seed)
        if key not in self._memo:
            out = np.zeros(len(self.p))
            for tr, te in self.split(seed):
                lr_t, idf = self.fit_ngram(tr, c, aux_weight)
                out[te] = lr_t.decision_function(tfidf(self.counts()[te], idf))
            self._memo[key] = out
        return self._memo[key]

    def split(self, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
        if self.blocked:
            assert self.p.order is not None
            return _time_folds(self.p.order, self.folds)
        return _folds(self.p.y, self.folds, seed)

    def oof(self, cfg: RouteConfig, seed: int) -> np.ndarray:
        """Out-of-fold logits of the primary rows: [embedding] or [embedding, n-gram]."""
        cols = [self.oof_emb(cfg.c_emb, cfg.aux_weight, seed, cfg.feature)]
        if cfg.use_ngrams:
            cols.append(self.oof_ngram(cfg.c_ngram, _ngram_aux(cfg), seed))
        return np.column_stack(cols)


def _ngram_aux(cfg: RouteConfig) -> float:
    return cfg.aux_weight if cfg.aux_ngrams else 0.0


def _calibrator(feats: np.ndarray, y: np.ndarray) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=100.0, max_iter=1000).fit(feats, y)


def nested_oof_f1(feats: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0) -> float:
    """F1 of decisions made by a calibrator and threshold fitted on the other folds."""
    pred = np.zeros(len(y), dtype=np.int64)
    for tr, te in _folds(y, folds, seed + 1000):
        cal = _calibrator(feats[tr], y[tr])
        thr = best_f1_threshold(cal.predict_proba(feats[tr])[:, 1], y[tr])
        pred[te] = (cal.predict_proba(feats[te])[:, 1] >= thr).astype(np.int64)
    return _f1(y, pred)


def select_config(
    primary: RouteData,
    aux: RouteData,
    candidates: Sequence[RouteConfig],
    *,
    spec: NgramSpec | None = None,
    folds: int = 5,
    seeds: Sequence[int] = (0, 1, 2),
) -> tuple[RouteConfig, list[dict[str, Any]]]:
    """The candidate with the best nested out-of-fold F1 on the primary rows, averaged over
    ``seeds`` fold assignments (ties: the earlier candidate)."""
    heads = _Heads(primary, aux, spec or NgramSpec(), folds)
    if heads.blocked:
        seeds = seeds[:1]  # time blocks do not depend on the seed
    table = []
    for cfg in candidates:
        f1 = [nested_oof_f1(heads.oof(cfg, s), primary.y, folds, s) for s in seeds]
        table.append({**asdict(cfg), "oof_f1": round(float(np.mean(f1)), 4)})
    best = max(range(len(candidates)), key=lambda i: (table[i]["oof_f1"], -i))
    return candidates[best], table


def train_route(
    task: str,
    primary: RouteData,
    aux: RouteData,
    cfg: RouteConfig,
    *,
    name: str,
    version: str | None = None,
    embedder_name: str = "",
    spec: NgramSpec | None = None,
    folds: int = 5,
    seed: int = 0,
    info: dict[str, Any] | None = None,
) -> StackedModel:
    """Fit the heads on every primary (+ auxiliary) row; the calibrator and the threshold
    on the primary rows' out-of-fold logits."""
    spec = spec or NgramSpec()
    heads = _Heads(primary, aux, spec, folds)
    y = primary.y
    oof = heads.oof(cfg, seed)
    cal = _calibrator(oof, y)
    w = cal.coef_.ravel()
    meta_w = np.array([w[0], w[1] if cfg.use_ngrams else 0.0])
    meta_b = float(cal.intercept_[0])
    p_oof = _sigmoid(oof @ w + meta_b)
    threshold = best_f1_threshold(p_oof, y)
    every = np.arange(len(y))
    lr_e = heads.fit_emb(every, cfg.c_emb, cfg.aux_weight, cfg.feature)
    ngram_w = idf = None
    ngram_b = 0.0
    if cfg.use_ngrams:
        lr_t, idf = heads.fit_ngram(every, cfg.c_ngram, _ngram_aux(cfg))
        ngram_w, ngram_b = lr_t.coef_.ravel().astype(np.float32), float(lr_t.intercept_[0])
    model = StackedModel(
        task=task,
        name=name,
        version=version or time.strftime("%Y%m%d-%H%M%S"),
        embedder_name=embedder_name,
        emb_w=lr_e.coef_.ravel().astype(np.float32),
        emb_b=float(lr_e.intercept_[0]),
        meta_w=meta_w,
        meta_b=meta_b,
        threshold=threshold,
        ngram=spec if cfg.use_ngrams else None,
        idf=idf,
        ngram_w=ngram_w,
        ngram_b=ngram_b,
        info=dict(info or {}),
        emb_feature=cfg.feature,
    )
    model.info.update(
        train_size=len(y),
        train_positive=int(y.sum()),
        embedded_train_size=len(y),
        auxiliary_rows=len(aux) if cfg.aux_weight > 0 else 0,
        auxiliary_sources=sorted(set(aux.sources)) if cfg.aux_weight > 0 else [],
        config=asdict(cfg),
        folds="time blocks" if heads.blocked else "random, stratified",
        oof_f1_at_threshold=round(_f1(y, (p_oof >= threshold).astype(np.int64)), 4),
    )
    return model
