"""Stacked text classifier: sentence-embedding head + hashed n-gram head + calibrator.

Stored as ``model.json`` (configuration, metrics, provenance) and ``weights.npz`` (plain
arrays), never as a pickle, so a model directory is data and cannot run code on load.
"""

from __future__ import annotations

import functools
import json
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from sitroom.nlp.classifiers.base import LABELS, ModelNotFoundError, Prediction
from sitroom.nlp.classifiers.features import clean_for_model
from sitroom.nlp.embedder import Embedder, classifier_features, get_embedder
from sitroom.nlp.lexicon import LexiconMatcher

FORMAT_VERSION = 1
Floats = npt.NDArray[np.float32]
EmbedFn = Callable[[Sequence[str]], Floats]


# Varieties the language detector names, served by their language's route and calibration:
# Egyptian and Moroccan Arabic; Aragonese and Extremaduran (mostly the detector's mistakes on
# Spanish posts: 34 of the 2,500 CLEF 2022 Spanish dev tweets, 65 of CLEF 2024's 5,000);
# Malay, with Indonesian the two standards of one language, which the detector tells apart
# badly (567 of the 1,412 Indonesian training cases of the hate model are read as Malay, so
# they went without the Indonesian centre).
LANG_VARIETIES = {"arz": "ar", "ary": "ar", "an": "es", "ext": "es", "ms": "id"}


def detect_langs(texts: Sequence[str]) -> list[str]:
    """The language the models treat each text as (``LANG_VARIETIES`` folded in)."""
    return [LANG_VARIETIES.get(lang, lang) for lang in map(_detect_lang, texts)]


@functools.lru_cache(maxsize=16384)  # routing and calibration ask for the same texts
def _detect_lang(text: str) -> str:
    import py3langid

    return str(py3langid.classify(text)[0])


EMB_FEATURES = ("final", "mid", "both")


def feature_part(emb: Floats, width: int, feature: str = "final") -> Floats:
    """The columns an embedding head reads. ``emb`` is either the query vectors (``width``
    columns) or each followed by its mid vector (2 x ``width``: ``classifier_features``)."""
    if feature not in EMB_FEATURES:
        raise ValueError(f"embedding feature {feature!r}: expected one of {EMB_FEATURES}")
    cols = emb.shape[1]
    if cols == 2 * width:
        return {"final": emb[:, :width], "mid": emb[:, width:]}.get(feature, emb)
    if cols == width and feature == "final":
        return emb
    raise ValueError(
        f"the head reads {feature!r} vectors of {width} columns; got {cols} columns"
        + (
            " (no mid vectors: embed with classifier_features(..., mid=True))"
            if cols == width
            else ""
        )
    )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class NgramSpec:
    """Hashed n-gram features; hashing keeps the model small and vocabulary-free."""

    char_range: tuple[int, int] = (2, 5)
    word_range: tuple[int, int] = (1, 2)
    n_features: int = 2**17

    def vectorizers(self) -> list[Any]:
        from sklearn.feature_extraction.text import HashingVectorizer

        common = dict(n_features=self.n_features, alternate_sign=False, norm=None)
        return [
            HashingVectorizer(analyzer="char_wb", ngram_range=self.char_range, **common),
            HashingVectorizer(
                analyzer="word",
                ngram_range=self.word_range,
                token_pattern=r"(?u)\b\w+\b",  # noqa: S106 -- a regex, not a password
                **common,
            ),
        ]

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Log counts of the hashed n-grams (read-only: a recent result may be shared).

        The classifiers of one pipeline batch (hate, toxicity, check-worthiness and its
        per-language routes) featurise the same texts, or some of them, with the same spec:
        the last few batches are kept, so each text is featurised once.
        """
        spec = (self.char_range, self.word_range, self.n_features)
        with _recent_lock:
            recent = [(rows, x) for key, (rows, x) in _recent_counts.items() if key[0] == spec]
        for rows, x in reversed(recent):
            if all(t in rows for t in texts):
                picked = [rows[t] for t in texts]
                return x if picked == list(range(x.shape[0])) else x[picked]
        mats = [v.transform(texts) for v in self.vectorizers()]
        x = sp.hstack(mats, format="csr").astype(np.float32)
        x.data = np.log1p(x.data)
        with _recent_lock:
            _recent_counts[(spec, tuple(texts))] = ({t: i for i, t in enumerate(texts)}, x)
            while len(_recent_counts) > 8:
                _recent_counts.pop(next(iter(_recent_counts)))
        return x


# The last few featurised batches, each with its row of every text (insertion-ordered; the
# oldest goes first).
_recent_counts: dict[tuple[Any, ...], tuple[dict[str, int], sp.csr_matrix]] = {}
_recent_lock = threading.Lock()


def tfidf(x: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    from sklearn.preprocessing import normalize

    return normalize(x.multiply(idf.astype(np.float32)).tocsr(), copy=False)


def fit_idf(x: sp.csr_matrix) -> np.ndarray:
    n = x.shape[0]
    df = np.bincount(x.indices, minlength=x.shape[1])
    return (np.log((1 + n) / (1 + df)) + 1.0).astype(np.float32)


@dataclass
class StackedModel:
    task: str
    name: str
    version: str
    embedder_name: str
    emb_w: np.ndarray
    emb_b: float
    meta_w: np.ndarray  # weights over [z_embedding, z_ngram]
    meta_b: float
    threshold: float = 0.5
    ngram: NgramSpec | None = None
    idf: np.ndarray | None = None
    ngram_w: np.ndarray | None = None
    ngram_b: float = 0.0
    groups: list[str] = field(default_factory=list)
    group_w: np.ndarray | None = None  # (k, dim)
    group_b: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)
    # Per-language calibration (check-worthiness: sources differ in base rate by language).
    langs: list[str] = field(default_factory=list)
    lang_w: np.ndarray | None = None
    lang_thresholds: dict[str, float] = field(default_factory=dict)
    # Optional hidden layer of the embedding head (dim x h, h): then ``emb_w`` / ``emb_b``
    # are its output layer over the ReLU units.
    emb_hidden_w: np.ndarray | None = None
    emb_hidden_b: np.ndarray | None = None
    # Which vectors the embedding head reads: "final" (the sentence embedding) or "mid"
    # (middle layers: embedder.classifier_features).
    emb_feature: str = "final"
    # Per-language shifts added to the embedding head's input (and the target-group head's):
    # the language's mean vector over the same (translated) cases is replaced by the mean of
    # all languages' means, so what the heads learnt mostly from English carries over.
    centre_langs: list[str] = field(default_factory=list)
    centre_shift: np.ndarray | None = None  # (len(centre_langs), width)
    # Optional: a deployment's lexicon, whose hits are reported as evidence.
    lexicon: LexiconMatcher | None = field(default=None, repr=False, compare=False)
    _embedder: Embedder | None = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------ scoring
    def _embed(self, cleaned: Sequence[str], embed_fn: EmbedFn | None) -> Floats:
        if embed_fn is not None:
            return embed_fn(cleaned)
        if self._embedder is None:
            self._embedder = get_embedder()
        return classifier_features(self._embedder, cleaned, mid=self.needs_mid)

    @property
    def needs_mid(self) -> bool:
        return self.emb_feature in ("mid", "both")

    @property
    def emb_width(self) -> int:
        return int(self.emb_hidden_w.shape[0] if self.emb_hidden_w is not None else len(self.emb_w))

    def head_input(self, cleaned: Sequence[str] | None, emb: Floats, width: int) -> Floats:
        """The columns the heads read, shifted per detected language where centred."""
        dim = width // 2 if self.emb_feature == "both" else width
        h = feature_part(emb, dim, self.emb_feature)
        if self.centre_langs and self.centre_shift is not None and cleaned is not None:
            pos = {lang: k for k, lang in enumerate(self.centre_langs)}
            rows = [(i, pos[lg]) for i, lg in enumerate(detect_langs(cleaned)) if lg in pos]
            if rows:
                h = np.array(h, dtype=np.float32)
                ii, kk = (np.array(v) for v in zip(*rows, strict=True))
                h[ii] += self.centre_shift[kk].astype(np.float32)
        return h

    def embedding_logits(self, emb: Floats, cleaned: Sequence[str] | None = None) -> np.ndarray:
        h = self.head_input(cleaned, emb, self.emb_width)
        if self.emb_hidden_w is not None and self.emb_hidden_b is not None:
            h = np.maximum(h @ self.emb_hidden_w + self.emb_hidden_b, 0.0)
        return np.asarray(h @ self.emb_w.astype(np.float32) + self.emb_b)

    def logits(
        self, cleaned: Sequence[str], emb: Floats
    ) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix | None]:
        z_e = self.embedding_logits(emb, cleaned)
        xt = None
        if self.ngram is not None and self.idf is not None and self.ngram_w is not None:
            xt = tfidf(self.ngram.counts(cleaned), self.idf)
            z_t = xt @ self.ngram_w.astype(np.float32) + self.ngram_b
        else:
            z_t = np.zeros_like(z_e)
        return z_e, np.asarray(z_t).ravel(), xt

    def _calibrate(
        self, cleaned: Sequence[str], z_e: np.ndarray, z_t: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated probabilities and the per-row decision thresholds."""
        z = self.meta_w[0] * z_e + self.meta_w[1] * z_t + self.meta_b
        thr = np.full(len(z), self.threshold)
        if self.langs:
            for i, lang in enumerate(detect_langs(cleaned)):
                if lang in self.langs and self.lang_w is not None:
                    z[i] += self.lang_w[self.langs.index(lang)]
                thr[i] = self.lang_thresholds.get(lang, self.threshold)
        return _sigmoid(z), thr

    def proba_from(self, cleaned: Sequence[str], emb: Floats) -> np.ndarray:
        z_e, z_t, _ = self.logits(cleaned, emb)
        return self._calibrate(cleaned, z_e, z_t)[0]

    def labels_from(self, cleaned: Sequence[str], emb: Floats) -> np.ndarray:
        """1/0 decisions (probability at or above the row's threshold)."""
        z_e, z_t, _ = self.logits(cleaned, emb)
        p, thr = self._calibrate(cleaned, z_e, z_t)
        return (p >= thr).astype(int)

    def predict_proba(self, texts: Sequence[str], embed_fn: EmbedFn | None = None) -> np.ndarray:
        cleaned = [clean_for_model(t) for t in texts]
        return self.proba_from(cleaned, self._embed(cleaned, embed_fn))

    def predict(self, texts: Sequence[str], embed_fn: EmbedFn | None = None) -> list[Prediction]:
        if not texts:
            return []
        cleaned = [clean_for_model(t) for t in texts]
        emb = self._embed(cleaned, embed_fn)
        z_e, z_t, xt = self.logits(cleaned, emb)
        p, thr = self._calibrate(cleaned, z_e, z_t)
        neg, pos = LABELS[self.task]
        out = []
        groups = self._target_groups(emb, cleaned) if self.groups else [None] * len(texts)
        positives = [i for i in range(len(cleaned)) if p[i] >= thr[i]]
        top_words = (
            dict(zip(positives, self._top_words([cleaned[i] for i in positives]), strict=True))
            if xt is not None
            else {}
        )
        for i in range(len(cleaned)):
            positive = bool(p[i] >= thr[i])
            ev = [f"embedding logit {z_e[i]:+.2f}", f"n-gram logit {z_t[i]:+.2f}"]
            ev.extend(top_words.get(i, []))
            group = groups[i] if positive and self.task == "hate" else None
            if self.lexicon is not None:
                for h in self.lexicon.match(texts[i]):
                    ev.append(
                        f"lexicon '{h.surface}' [{h.start}:{h.end}] = {h.entry.term} "
                        f"({h.entry.category or 'uncategorised'}, severity {h.entry.severity})"
                    )
                    if positive and group is None and self.task == "hate":
                        group = h.entry.target_group
            out.append(
                Prediction(
                    label=pos if positive else neg,
                    score=round(float(p[i]), 4),
                    model_name=self.name,
                    model_version=self.version,
                    evidence=ev,
                    target_group=group,
                )
            )
        return out

    def _target_groups(self, emb: Floats, cleaned: Sequence[str]) -> list[str | None]:
        assert self.group_w is not None and self.group_b is not None
        emb = self.head_input(cleaned, emb, self.group_w.shape[1])
        z = emb @ self.group_w.T.astype(np.float32) + self.group_b
        z = z - z.max(axis=1, keepdims=True)
        pr = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        best = pr.argmax(axis=1)
        return [self.groups[b] if pr[i, b] >= 0.4 else None for i, b in enumerate(best)]

    def _top_words(self, texts: Sequence[str], k: int = 3) -> list[list[str]]:
        """Per text, the words whose own n-grams push hardest towards the positive label.

        Every distinct word of the batch is scored once, in one call.
        """
        assert self.ngram is not None and self.idf is not None and self.ngram_w is not None
        per_text = [
            sorted({w for w in re.findall(r"\w+", t.lower()) if len(w) > 2})[:60] for t in texts
        ]
        vocabulary = sorted({w for words in per_text for w in words})
        if not vocabulary:
            return [[] for _ in texts]
        x = self.ngram.counts(vocabulary).multiply(self.idf).tocsr()
        contrib = dict(
            zip(vocabulary, np.asarray(x @ self.ngram_w.astype(np.float32)).ravel(), strict=True)
        )
        out = []
        for words in per_text:
            best = sorted(((contrib[w], w) for w in words if contrib[w] > 0), reverse=True)
            out.append([f"term '{w}' (+{c:.2f})" for c, w in best[:k]])
        return out

    # ------------------------------------------------------------ storage
    def save(self, directory: str | os.PathLike[str]) -> Path:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {
            "emb_w": self.emb_w.astype(np.float32),
            "meta_w": np.asarray(self.meta_w, dtype=np.float32),
        }
        if self.idf is not None and self.ngram_w is not None:
            arrays["idf"] = self.idf.astype(np.float16)
            arrays["ngram_w"] = self.ngram_w.astype(np.float16)
        if self.lang_w is not None:
            arrays["lang_w"] = self.lang_w.astype(np.float32)
        if self.centre_shift is not None:
            arrays["centre_shift"] = self.centre_shift.astype(np.float32)
        if self.group_w is not None and self.group_b is not None:
            arrays["group_w"] = self.group_w.astype(np.float32)
            arrays["group_b"] = self.group_b.astype(np.float32)
        if self.emb_hidden_w is not None and self.emb_hidden_b is not None:
            arrays["emb_hidden_w"] = self.emb_hidden_w.astype(np.float16)  # halves the file
            arrays["emb_hidden_b"] = self.emb_hidden_b.astype(np.float32)
        meta = {
            "format": FORMAT_VERSION,
            "task": self.task,
            "name": self.name,
            "version": self.version,
            "embedder": self.embedder_name,
            "emb_b": float(self.emb_b),
            "meta_b": float(self.meta_b),
            "ngram_b": float(self.ngram_b),
            "threshold": float(self.threshold),
            "emb_feature": self.emb_feature,
            "ngram": None
            if self.ngram is None
            else {
                "char_range": list(self.ngram.char_range),
                "word_range": list(self.ngram.word_range),
                "n_features": self.ngram.n_features,
            },
            "groups": self.groups,
            "langs": self.langs,
            "lang_thresholds": self.lang_thresholds,
            "centre_langs": self.centre_langs,
            "info": self.info,
        }
        tmp_w = d / ".weights.npz.tmp"
        with open(tmp_w, "wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
        tmp_w.replace(d / "weights.npz")
        tmp_j = d / ".model.json.tmp"
        tmp_j.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp_j.replace(d / "model.json")
        return d

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> StackedModel:
        d = Path(directory)
        if not (d / "model.json").exists() or not (d / "weights.npz").exists():
            raise ModelNotFoundError(f"no model in {d}")
        meta = json.loads((d / "model.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{d}: unsupported model format {meta.get('format')!r}")
        with np.load(d / "weights.npz", allow_pickle=False) as z:
            arr = {k: z[k] for k in z.files}
        ng = meta.get("ngram")
        spec = (
            NgramSpec(tuple(ng["char_range"]), tuple(ng["word_range"]), int(ng["n_features"]))
            if ng
            else None
        )
        return cls(
            task=meta["task"],
            name=meta["name"],
            version=meta["version"],
            embedder_name=meta["embedder"],
            emb_w=arr["emb_w"].astype(np.float32),
            emb_b=float(meta["emb_b"]),
            meta_w=arr["meta_w"].astype(np.float64),
            meta_b=float(meta["meta_b"]),
            threshold=float(meta["threshold"]),
            ngram=spec,
            idf=arr["idf"].astype(np.float32) if "idf" in arr else None,
            ngram_w=arr["ngram_w"].astype(np.float32) if "ngram_w" in arr else None,
            ngram_b=float(meta.get("ngram_b", 0.0)),
            groups=list(meta.get("groups") or []),
            group_w=arr.get("group_w"),
            group_b=arr.get("group_b"),
            info=dict(meta.get("info") or {}),
            langs=list(meta.get("langs") or []),
            lang_w=arr["lang_w"].astype(np.float64) if "lang_w" in arr else None,
            lang_thresholds={k: float(v) for k, v in (meta.get("lang_thresholds") or {}).items()},
            emb_hidden_w=(
                arr["emb_hidden_w"].astype(np.float32) if "emb_hidden_w" in arr else None
            ),
            emb_hidden_b=arr.get("emb_hidden_b"),
            emb_feature=str(meta.get("emb_feature") or "final"),
            centre_langs=list(meta.get("centre_langs") or []),
            centre_shift=arr.get("centre_shift"),
        )


# ---------------------------------------------------------------- training


@dataclass
class TrainConfig:
    use_ngrams: bool = True
    c_emb: float = 4.0
    c_ngram: float = 8.0
    folds: int = 5
    ngram: NgramSpec = field(default_factory=NgramSpec)
    tune_threshold: bool = True
    lang_meta: bool = False  # per-language calibration offsets and thresholds
    min_lang_rows: int = 150
    seed: int = 0
    # Hidden ReLU units of the embedding head (0 = logistic regression), its L2 penalty and
    # training epochs.
    emb_hidden: int = 0
    emb_alpha: float = 1e-2
    emb_epochs: int = 60
    # Networks averaged (different seeds); their mean logit is one wider network's, so the
    # stored head is the same kind of array, emb_bag times as wide.
    emb_bag: int = 1
    # Column blocks of the head's input with networks of their own (see _EmbeddingHead.fit):
    # 2 with emb_feature "both" averages a network on the last layer and one on the middle
    # layers, each trained without the other.
    emb_split: int = 1
    # What the decision threshold maximises on out-of-fold scores: "f1" (positive class),
    # "macro_f1" (mean of both classes' F1) or "balanced" (mean of both classes' recall).
    threshold_metric: str = "f1"
    # The vectors the embedding head reads: "final" (sentence embedding), "mid" or "both".
    emb_feature: str = "final"
    # Centre the embedding head's input per language on the functional cases (which say the
    # same things in every language): see StackedModel.centre_langs.
    lang_centre: bool = False

    def __post_init__(self) -> None:  # refused before any training is spent on it
        if self.threshold_metric not in THRESHOLD_METRICS:
            raise ValueError(
                f"threshold_metric {self.threshold_metric!r}: expected one of "
                f"{sorted(THRESHOLD_METRICS)}"
            )
        if self.emb_bag < 1:
            raise ValueError(f"emb_bag {self.emb_bag}: at least one network")
        if self.emb_feature not in EMB_FEATURES:
            raise ValueError(f"emb_feature {self.emb_feature!r}: expected one of {EMB_FEATURES}")
        if self.emb_split not in ((1, 2) if self.emb_feature == "both" else (1,)):
            raise ValueError(
                f"emb_split {self.emb_split}: 1, or 2 with emb_feature 'both' (a network on "
                "the last layer and one on the middle layers)"
            )


def _fit_lr(x: Any, y: np.ndarray, c: float, w: np.ndarray | None) -> Any:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear")
    lr.fit(x, y, sample_weight=w)
    return lr


class _EmbeddingHead:
    """Logistic regression, or a one-hidden-layer ReLU network, on sentence embeddings;
    classes balanced through the sample weights."""

    def __init__(self, cfg: TrainConfig) -> None:
        self.cfg = cfg
        self.model: Any = None

    def fit(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> _EmbeddingHead:
        if not self.cfg.emb_hidden:
            self.model = _fit_lr(x, y, self.cfg.c_emb, w)
            return self
        from sklearn.neural_network import MLPClassifier

        sw = np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)
        rate = float(np.average(y, weights=sw))
        sw = sw * np.where(y == 1, 0.5 / rate, 0.5 / (1 - rate))
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        # ``emb_split`` column blocks (with the "both" input: last layer, middle layers) each
        # get their own networks; all of them are averaged, as one network whose hidden
        # units each read one block (the other block's weights are zero).
        blocks = self.cfg.emb_split
        width = x.shape[1] // blocks
        nets: list[tuple[int, Any]] = []
        for b in range(blocks):
            xb = x[:, b * width : (b + 1) * width]
            for k in range(self.cfg.emb_bag):
                net = MLPClassifier(
                    hidden_layer_sizes=(self.cfg.emb_hidden,),
                    alpha=self.cfg.emb_alpha,
                    max_iter=self.cfg.emb_epochs,
                    random_state=self.cfg.seed + 1000 * k,
                )
                with warnings.catch_warnings():
                    # A fixed epoch budget is the regulariser here, not a failure to converge.
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    net.fit(xb, y, sample_weight=sw / sw.mean())
                nets.append((b, net))
        w1 = np.zeros((x.shape[1], self.cfg.emb_hidden * len(nets)), dtype=np.float64)
        for j, (b, net) in enumerate(nets):
            cols = slice(j * self.cfg.emb_hidden, (j + 1) * self.cfg.emb_hidden)
            w1[b * width : (b + 1) * width, cols] = net.coefs_[0]
        self.model = (
            w1,
            np.concatenate([n.intercepts_[0] for _, n in nets]),
            np.concatenate([n.coefs_[1][:, 0] for _, n in nets]) / len(nets),
            float(np.mean([n.intercepts_[1][0] for _, n in nets])),
        )
        return self

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        if not self.cfg.emb_hidden:
            return np.asarray(self.model.decision_function(x))
        w1, b1, w2, b2 = self.model
        return np.asarray(np.maximum(x @ w1 + b1, 0.0) @ w2 + b2)

    def store(self, model: StackedModel) -> None:
        if not self.cfg.emb_hidden:
            model.emb_w = self.model.coef_.ravel().astype(np.float32)
            model.emb_b = float(self.model.intercept_[0])
            return
        w1, b1, w2, b2 = self.model
        model.emb_hidden_w, model.emb_hidden_b = w1.astype(np.float32), b1.astype(np.float32)
        model.emb_w, model.emb_b = w2.astype(np.float32), float(b2)


def _best_cut(p: np.ndarray, y: np.ndarray, gain: Callable[..., np.ndarray]) -> float:
    """The threshold between the k-th and (k+1)-th highest score for the k maximising
    ``gain(tp, k, n, pos)``: true positives and predicted positives when the top k are
    called positive, the number of rows and of positive rows."""
    order = np.argsort(-p)
    ys = y[order]
    n, pos = len(ys), float(ys.sum())
    i = int(np.argmax(gain(np.cumsum(ys), np.arange(1, n + 1), n, pos)))
    return float((p[order][i] + p[order][min(i + 1, len(p) - 1)]) / 2)


def best_macro_f1_threshold(p: np.ndarray, y: np.ndarray) -> float:
    def gain(tp: np.ndarray, k: np.ndarray, n: int, pos: float) -> np.ndarray:
        tn = (n - pos) - (k - tp)
        return 2 * tp / (k + pos) + 2 * tn / np.maximum((n - k) + (n - pos), 1)

    return _best_cut(p, y, gain)


def best_balanced_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold maximising balanced accuracy (the mean of both classes' recall, Youden's
    J): unlike F1 or macro-F1 it does not depend on how common each class is, so it holds
    when the share of positives where the model is used differs from the training mix."""
    return _best_cut(p, y, lambda tp, k, n, pos: tp / max(pos, 1.0) - (k - tp) / max(n - pos, 1.0))


def best_f1_threshold(p: np.ndarray, y: np.ndarray) -> float:
    return _best_cut(p, y, lambda tp, k, n, pos: 2 * tp / (k + pos))


def recall_threshold(p: np.ndarray, y: np.ndarray, recall: float) -> float:
    """The highest threshold at which at least ``recall`` of the positive rows score at or
    above it (an operating point, where a missed positive costs more than a false flag)."""
    if not 0.0 < recall <= 1.0:
        raise ValueError(f"recall must be in (0, 1], not {recall!r}")
    pos = np.sort(np.asarray(p, dtype=np.float64)[np.asarray(y) == 1])
    if not len(pos):
        raise ValueError("no positive rows to take a recall from")
    return float(pos[int(np.floor(len(pos) * (1.0 - recall) + 1e-9))])


THRESHOLD_METRICS = {
    "f1": best_f1_threshold,
    "macro_f1": best_macro_f1_threshold,
    "balanced": best_balanced_threshold,
}


def train_stacked(
    task: str,
    cleaned: Sequence[str],
    y: Sequence[int],
    emb_idx: Sequence[int],
    emb: Floats,
    *,
    name: str,
    version: str | None = None,
    embedder_name: str = "",
    config: TrainConfig | None = None,
    weight_all: np.ndarray | None = None,
    weight_emb: np.ndarray | None = None,
    groups: Sequence[str | None] | None = None,
    info: dict[str, Any] | None = None,
    fold_ids: Sequence[int] | None = None,
) -> StackedModel:
    """Fit both heads, then a 2-input logistic calibrator on out-of-fold logits.

    The n-gram head sees every row; the embedding head only the rows in ``emb_idx``
    (``emb`` holds their vectors) because embedding is the expensive part. The calibrator
    and the decision threshold are fitted on the embedded rows' out-of-fold logits.
    ``fold_ids`` (one per row, 0..folds-1) replaces the stratified folds, e.g. to keep every
    case of a template in one fold so out-of-fold scores measure transfer to new templates.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    cfg = config or TrainConfig()
    y_all = np.asarray(y, dtype=np.int64)
    idx = np.asarray(emb_idx, dtype=np.int64)
    y_e = y_all[idx]
    sw_e = None if weight_emb is None else np.asarray(weight_emb, dtype=np.float64)
    sw_a = None if weight_all is None else np.asarray(weight_all, dtype=np.float64)
    oof = np.zeros((len(idx), 2), dtype=np.float64)
    skf = StratifiedKFold(n_splits=cfg.folds, shuffle=True, random_state=cfg.seed)

    def splits(y_part: np.ndarray, rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        if fold_ids is None:
            return list(skf.split(np.zeros(len(y_part)), y_part))
        f = np.asarray(fold_ids)[rows]
        return [(np.flatnonzero(f != k), np.flatnonzero(f == k)) for k in range(cfg.folds)]

    for tr, te in splits(y_e, idx):
        head = _EmbeddingHead(cfg).fit(emb[tr], y_e[tr], None if sw_e is None else sw_e[tr])
        oof[te, 0] = head.decision_function(emb[te])
    head_e = _EmbeddingHead(cfg).fit(emb, y_e, sw_e)
    idf_all = ngram_w = None
    ngram_b = 0.0
    if cfg.use_ngrams:
        counts = cfg.ngram.counts(cleaned)
        oof_t = np.zeros(len(y_all), dtype=np.float64)
        for tr, te in splits(y_all, np.arange(len(y_all))):
            idf = fit_idf(counts[tr])
            w_tr = None if sw_a is None else sw_a[tr]
            lr_t = _fit_lr(tfidf(counts[tr], idf), y_all[tr], cfg.c_ngram, w_tr)
            oof_t[te] = lr_t.decision_function(tfidf(counts[te], idf))
        oof[:, 1] = oof_t[idx]
        idf_all = fit_idf(counts)
        lr_t = _fit_lr(tfidf(counts, idf_all), y_all, cfg.c_ngram, sw_a)
        ngram_w, ngram_b = lr_t.coef_.ravel().astype(np.float32), float(lr_t.intercept_[0])
    feats = oof if cfg.use_ngrams else oof[:, :1]
    langs: list[str] = []
    row_langs: list[str] = []
    if cfg.lang_meta:
        row_langs = detect_langs([cleaned[i] for i in idx])
        counts_by_lang: dict[str, int] = {}
        for lang in row_langs:
            counts_by_lang[lang] = counts_by_lang.get(lang, 0) + 1
        langs = sorted(k for k, v in counts_by_lang.items() if v >= cfg.min_lang_rows)
        onehot = np.array([[lg == k for k in langs] for lg in row_langs], dtype=np.float64)
        feats = np.hstack([feats, onehot.reshape(len(idx), len(langs))])
    meta = LogisticRegression(C=100.0, max_iter=1000)
    meta.fit(feats, y_e, sample_weight=sw_e)
    mw = meta.coef_.ravel()
    k0 = 2 if cfg.use_ngrams else 1
    meta_w = np.array([mw[0], mw[1] if cfg.use_ngrams else 0.0])
    lang_w = mw[k0:].copy() if langs else None
    z_oof = oof @ meta_w + meta.intercept_[0]
    if lang_w is not None:
        z_oof = z_oof + feats[:, k0:] @ lang_w
    p_oof = _sigmoid(z_oof)
    pick = THRESHOLD_METRICS[cfg.threshold_metric]
    threshold = pick(p_oof, y_e) if cfg.tune_threshold else 0.5
    lang_thresholds: dict[str, float] = {}
    if langs and cfg.tune_threshold:
        rl = np.array(row_langs)
        for lang in langs:
            sel = rl == lang
            if y_e[sel].sum() >= 10 and (1 - y_e[sel]).sum() >= 10:
                lang_thresholds[lang] = pick(p_oof[sel], y_e[sel])
    model = StackedModel(
        task=task,
        name=name,
        version=version or time.strftime("%Y%m%d-%H%M%S"),
        embedder_name=embedder_name,
        emb_w=np.zeros(0, dtype=np.float32),
        emb_b=0.0,
        meta_w=meta_w,
        meta_b=float(meta.intercept_[0]),
        threshold=threshold,
        ngram=cfg.ngram if cfg.use_ngrams else None,
        idf=idf_all,
        ngram_w=ngram_w,
        ngram_b=ngram_b,
        info=dict(info or {}),
        langs=langs,
        lang_w=lang_w,
        lang_thresholds=lang_thresholds,
        emb_feature=cfg.emb_feature,
    )
    head_e.store(model)
    model.info.setdefault("train_size", len(y_all))
    model.info.setdefault("train_positive", int(y_all.sum()))
    model.info.setdefault("embedded_train_size", len(idx))
    thr_rows = np.array([lang_thresholds.get(lg, threshold) for lg in row_langs] or threshold)
    model.info["oof_f1_at_threshold"] = round(float(_f1(y_e, (p_oof >= thr_rows).astype(int))), 4)
    if groups is not None:
        _fit_groups(model, emb, [groups[i] for i in idx])
    return model


def _fit_groups(model: StackedModel, emb: Floats, groups: Sequence[str | None]) -> None:
    from sklearn.linear_model import LogisticRegression

    idx = [i for i, g in enumerate(groups) if g]
    names = sorted({g for g in groups if g})
    if len(names) < 2 or len(idx) < 20:
        return
    lab = np.array([names.index(groups[i]) for i in idx])  # type: ignore[arg-type]
    lr = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    lr.fit(emb[idx], lab)
    model.groups = names
    w, b = lr.coef_, lr.intercept_
    if len(names) == 2:  # sklearn returns one row for two classes
        w, b = np.vstack([-w[0] / 2, w[0] / 2]), np.array([-b[0] / 2, b[0] / 2])
    model.group_w, model.group_b = w.astype(np.float32), b.astype(np.float32)


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(((pred == 1) & (y == 1)).sum())
    fp = float(((pred == 1) & (y == 0)).sum())
    fn = float(((pred == 0) & (y == 1)).sum())
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


@dataclass
class GenreSplit:
    """Within one language, sends a text to another route when a linear probe on its
    embedding says it is of that route's genre (e.g. English posts vs. debate transcripts).

    ``w`` and ``b``: logistic weights over the embedding; a score above 0.5 goes to ``route``.
    """

    route: str
    w: np.ndarray
    b: float

    def scores(self, emb: Floats) -> np.ndarray:
        emb = feature_part(np.asarray(emb, dtype=np.float64), len(self.w))
        return _sigmoid(emb @ self.w + self.b)


class RoutedModel:
    """Per-language models with a multilingual fallback, chosen by detected language.

    Check-worthiness differs by source (debate transcripts vs. tweets, and each CLEF
    language's annotation): a model trained on one language's data beats the pooled model
    on that language, so the pooled model only serves languages without their own.
    """

    def __init__(
        self,
        task: str,
        name: str,
        version: str,
        routes: dict[str, StackedModel],
        fallback: StackedModel,
        info: dict[str, Any] | None = None,
        splits: dict[str, GenreSplit] | None = None,
    ) -> None:
        self.task, self.name, self.version = task, name, version
        self.routes, self.fallback = routes, fallback
        self.info = dict(info or {})
        self.splits = dict(splits or {})  # language -> genre split into another route

    @property
    def threshold(self) -> float:
        return self.fallback.threshold

    @property
    def lexicon(self) -> LexiconMatcher | None:
        return self.fallback.lexicon

    @lexicon.setter
    def lexicon(self, value: LexiconMatcher | None) -> None:
        for m in [*self.routes.values(), self.fallback]:
            m.lexicon = value

    def _split(self, cleaned: Sequence[str], emb: Floats) -> dict[str, list[int]]:
        parts: dict[str, list[int]] = {}
        for i, lang in enumerate(detect_langs(cleaned)):
            parts.setdefault(lang if lang in self.routes else "", []).append(i)
        for lang, split in self.splits.items():
            ids = parts.get(lang)
            if not ids or split.route not in self.routes:
                continue
            moved = split.scores(emb[ids]) > 0.5
            if moved.any():
                parts[split.route] = [i for i, m in zip(ids, moved, strict=True) if m]
                parts[lang] = [i for i, m in zip(ids, moved, strict=True) if not m]
        return {k: v for k, v in parts.items() if v}

    def _model(self, key: str) -> StackedModel:
        return self.routes.get(key, self.fallback)

    @property
    def needs_mid(self) -> bool:
        return any(m.needs_mid for m in [*self.routes.values(), self.fallback])

    def _embed(self, cleaned: Sequence[str], embed_fn: EmbedFn | None) -> Floats:
        if embed_fn is not None:
            return embed_fn(cleaned)
        fb = self.fallback
        if fb._embedder is None:
            fb._embedder = get_embedder()
        return classifier_features(fb._embedder, cleaned, mid=self.needs_mid)

    def _gather(self, cleaned: Sequence[str], emb: Floats, method: str) -> np.ndarray:
        out = np.zeros(len(cleaned), dtype=np.float64)
        for key, ids in self._split(cleaned, emb).items():
            fn = getattr(self._model(key), method)
            out[ids] = fn([cleaned[i] for i in ids], emb[ids])
        return out

    def proba_from(self, cleaned: Sequence[str], emb: Floats) -> np.ndarray:
        return self._gather(cleaned, emb, "proba_from")

    def labels_from(self, cleaned: Sequence[str], emb: Floats) -> np.ndarray:
        return self._gather(cleaned, emb, "labels_from").astype(int)

    def predict_proba(self, texts: Sequence[str], embed_fn: EmbedFn | None = None) -> np.ndarray:
        cleaned = [clean_for_model(t) for t in texts]
        return self.proba_from(cleaned, self._embed(cleaned, embed_fn))

    def predict(self, texts: Sequence[str], embed_fn: EmbedFn | None = None) -> list[Prediction]:
        if not texts:
            return []
        cleaned = [clean_for_model(t) for t in texts]
        emb = self._embed(cleaned, embed_fn)
        out: list[Prediction | None] = [None] * len(texts)
        for key, ids in self._split(cleaned, emb).items():
            sub = [texts[i] for i in ids]
            sub_emb = emb[ids]

            def embed_fn_sub(_c: Sequence[str], sub_emb: Floats = sub_emb) -> Floats:
                return sub_emb

            preds = self._model(key).predict(sub, embed_fn=embed_fn_sub)
            for i, p in zip(ids, preds, strict=True):
                p.model_name, p.model_version = self.name, self.version
                p.evidence.insert(0, f"route: {key or 'multilingual'}")
                out[i] = p
        return [p for p in out if p is not None]

    def save(self, directory: str | os.PathLike[str]) -> Path:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        for lang, m in self.routes.items():
            m.save(d / f"route-{lang}")
        self.fallback.save(d / "route-all")
        meta = {
            "format": FORMAT_VERSION,
            "kind": "routed",
            "task": self.task,
            "name": self.name,
            "version": self.version,
            "routes": {lang: f"route-{lang}" for lang in self.routes},
            "fallback": "route-all",
            "info": self.info,
            "splits": {lang: {"route": sp.route, "b": sp.b} for lang, sp in self.splits.items()},
        }
        if self.splits:
            arrays = {lang: np.asarray(sp.w, dtype=np.float32) for lang, sp in self.splits.items()}
            np.savez(d / "splits.npz", **arrays)  # type: ignore[arg-type]
        tmp = d / ".model.json.tmp"
        tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(d / "model.json")
        stale = d / "weights.npz"  # left over if a single model was stored here before
        if stale.exists():
            stale.unlink()
        return d

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> RoutedModel:
        d = Path(directory)
        meta = json.loads((d / "model.json").read_text(encoding="utf-8"))
        routes = {lang: StackedModel.load(d / sub) for lang, sub in meta["routes"].items()}
        splits = {}
        if meta.get("splits"):
            with np.load(d / "splits.npz", allow_pickle=False) as w:
                splits = {
                    lang: GenreSplit(sp["route"], w[lang].astype(np.float64), float(sp["b"]))
                    for lang, sp in meta["splits"].items()
                }
        return cls(
            meta["task"],
            meta["name"],
            meta["version"],
            routes,
            StackedModel.load(d / meta["fallback"]),
            meta.get("info"),
            splits,
        )


AnyModel = StackedModel | RoutedModel


def load_model(directory: str | os.PathLike[str]) -> AnyModel:
    """Load a stored model of either kind."""
    d = Path(directory)
    if not (d / "model.json").exists():
        raise ModelNotFoundError(f"no model in {d}")
    meta = json.loads((d / "model.json").read_text(encoding="utf-8"))
    return RoutedModel.load(d) if meta.get("kind") == "routed" else StackedModel.load(d)
