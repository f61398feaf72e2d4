"""Train, evaluate, register and activate classifier models.

Entry points for a Django management command:

* :func:`train_from_labels` -- retrain a task from a deployment's own labels (optionally
  on top of the public data), evaluate on a held-back part, register the version and
  activate it only when it is not worse than the active one (:func:`activate_if_not_worse`).
* :func:`build_defaults` -- reproduce the shipped models in ``sitroom/nlp/models``:
  ``python -m sitroom.nlp.training build-defaults``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sitroom.nlp.classifiers import datasets as D
from sitroom.nlp.classifiers.augment import with_neutral_tags
from sitroom.nlp.classifiers.base import TASKS, stable_hash
from sitroom.nlp.classifiers.features import EmbeddingCache, clean_for_model
from sitroom.nlp.classifiers.functional import functional_cases, split_by_template
from sitroom.nlp.classifiers.model import (
    THRESHOLD_METRICS,
    AnyModel,
    GenreSplit,
    RoutedModel,
    StackedModel,
    TrainConfig,
    detect_langs,
    feature_part,
    load_model,
    recall_threshold,
    train_stacked,
)
from sitroom.nlp.classifiers.transfer import RouteConfig, RouteData, select_config, train_route
from sitroom.nlp.embedder import Embedder, classifier_features, get_embedder

logger = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).resolve().parent / "models"
Example = D.Example


# ---------------------------------------------------------------- metrics


def binary_metrics(y: Sequence[int], pred: Sequence[int] | np.ndarray) -> dict[str, float]:
    yt = np.asarray(y, dtype=int)
    yp = np.asarray(pred, dtype=int)
    out: dict[str, float] = {"n": float(len(yt)), "positives": float(yt.sum())}
    f1s = []
    for cls in (1, 0):
        tp = float(((yp == cls) & (yt == cls)).sum())
        fp = float(((yp == cls) & (yt != cls)).sum())
        fn = float(((yp != cls) & (yt == cls)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        f1s.append(f)
        if cls == 1:
            out.update(precision=p, recall=r, f1=f)
    out["macro_f1"] = float(np.mean(f1s))
    out["accuracy"] = float((yt == yp).mean()) if len(yt) else 0.0
    return {k: round(v, 4) for k, v in out.items()}


# ---------------------------------------------------------------- splits & de-duplication


def split_heldback(
    examples: Sequence[Example], fraction: float = 0.2, salt: str = "heldback"
) -> tuple[list[Example], list[Example]]:
    """Deterministic split by text hash: the same text always lands on the same side, so
    the held-back part stays held back across retrains and duplicates never straddle."""
    train: list[Example] = []
    held: list[Example] = []
    cut = int(fraction * 10_000)
    for ex in examples:
        (held if stable_hash(salt + ex.text) % 10_000 < cut else train).append(ex)
    return train, held


_ALNUM = re.compile(r"[^\w]+", re.UNICODE)


def _dup_keys(text: str) -> list[str]:
    t = _ALNUM.sub("", clean_for_model(text).casefold())
    if len(t) < 20:
        return [t]
    return [t, "^" + t[:60], "$" + t[-60:]]


def deduplicate_against(
    train: Sequence[Example], held: Iterable[Example]
) -> tuple[list[Example], int]:
    """Drop training texts that equal, or share a 60-character prefix or suffix with, any
    held-out text (after cleaning, case folding and removing punctuation/spaces)."""
    keys: set[str] = set()
    for ex in held:
        keys.update(_dup_keys(ex.text))
    kept = [ex for ex in train if not any(k in keys for k in _dup_keys(ex.text))]
    return kept, len(train) - len(kept)


# ---------------------------------------------------------------- train / evaluate


class Featurizer:
    """Cleans texts and embeds them (through a disk cache during training)."""

    def __init__(self, embedder: Embedder | None = None, use_cache: bool = True) -> None:
        self.embedder = embedder or get_embedder()
        self.cache = EmbeddingCache(self.embedder) if use_cache else None
        self._mid_cache: EmbeddingCache | None = None

    @property
    def embedder_name(self) -> str:
        return f"{self.embedder.name}@{self.embedder.version}"

    def __call__(self, cleaned: Sequence[str], *, mid: bool = False) -> np.ndarray:
        """Query vectors, or with ``mid`` each followed by its mid vector
        (``classifier_features``), what a model with ``needs_mid`` reads."""
        if self.cache is None:
            return classifier_features(self.embedder, cleaned, mid=mid)
        if not mid:
            return self.cache.encode(list(cleaned))
        if self._mid_cache is None:
            self._mid_cache = EmbeddingCache(self.embedder, mid=True, sibling=self.cache)
        return self._mid_cache.encode(list(cleaned))

    def for_model(self, model: AnyModel, cleaned: Sequence[str]) -> np.ndarray:
        return self(cleaned, mid=bool(getattr(model, "needs_mid", False)))


# Embedding is the dominant cost (~100 short texts/s on two idle cores, far less when busy),
# so the embedding head may see a fixed, hash-chosen sample of a large public set (None = every
# row); the n-gram head sees everything. Deployment labels and the functional cases are always
# embedded in full. Samples are nested, so raising a budget only adds rows.
CHECKWORTHY_EMBED_BUDGET: int | None = None  # every row of every CLEF train set
EMBED_BUDGET: dict[str, int | None] = {
    "clef2024-en-train": None,
    **{
        f"clef{year}-{lang}-train": CHECKWORTHY_EMBED_BUDGET
        for year, langs in (("2024", ("ar", "nl")), ("2022", ("ar", "bg", "nl", "es", "tr", "en")))
        for lang in langs
    },
}
# The hate-speech / toxicity corpora: every row (already capped per set by
# datasets.HATE_CAPS). Out-of-fold macro-F1 of a logistic embedding head (functional weight 1)
# on the corpora: 0.619 with 400 rows per set, 0.658 with every row; on functional templates
# 0.682 -> 0.644, as the corpora then outweigh them (the hidden-layer head recovers it).
DEFAULT_EMBED_BUDGET: int | None = None
UNCAPPED_SOURCES = {"functional"}
# Dev sets are scored in full (the Spanish ones were 1000- and 600-row samples while
# embedding ran at ~30 texts/s; the 600-row sample of CLEF 2022 Spanish gave 0.568 against
# TF-IDF 0.478, the full 2500 rows 0.588 against 0.484). Hate held-back parts stay sampled.
EVAL_BUDGET: dict[str, int] = {
    "hate-heldback": 400,
    "hatebr": 600,
}


def embed_budget(source: str) -> int | None:
    return EMBED_BUDGET.get(source, DEFAULT_EMBED_BUDGET)


def _public_source(source: str) -> bool:
    return source.startswith(("clef", "davidson", "mlma", "germeval", "toldbr", "claimbuster"))


def embedded_subset(examples: Sequence[Example], budget_scale: float = 1.0) -> list[int]:
    """Indices of the examples whose embeddings the model is trained on."""
    by_src: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        by_src.setdefault(ex.source, []).append(i)
    keep: list[int] = []
    for src, ids in by_src.items():
        if src in UNCAPPED_SOURCES or not _public_source(src):
            keep.extend(ids)
            continue
        exs = [examples[i] for i in ids]
        budget = embed_budget(src)
        n = None if budget is None else int(budget * budget_scale)
        chosen = {id(e) for e in D.hash_sample(exs, n)}
        keep.extend(i for i, e in zip(ids, exs, strict=True) if id(e) in chosen)
    return sorted(keep)


def train(
    task: str,
    examples: Sequence[Example],
    *,
    name: str | None = None,
    version: str | None = None,
    featurizer: Featurizer | None = None,
    config: TrainConfig | None = None,
    weighted: bool = False,
    budget_scale: float = 1.0,
    info: dict[str, Any] | None = None,
) -> StackedModel:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    labels = {ex.label for ex in examples}
    if labels != {0, 1}:
        raise ValueError(f"training needs both labels; got {sorted(labels)}")
    fz = featurizer or Featurizer()
    cfg = config or TrainConfig()
    if cfg.emb_feature != "final" and not hasattr(fz.embedder, "encode_queries_mid"):
        # An embedder without the middle layers (any sentence-transformers model): its
        # sentence embedding only, one network.
        logger.info("%s: the embedder gives no middle layers; training on its vectors", task)
        cfg = dataclasses.replace(cfg, emb_feature="final", emb_split=1)
    exs = list(examples)
    cleaned = [clean_for_model(ex.text) for ex in exs]
    idx = embedded_subset(exs, budget_scale)
    feature = cfg.emb_feature
    # The head is fitted on the columns it will read (StackedModel.emb_feature).
    emb = feature_part(
        fz([cleaned[i] for i in idx], mid=feature != "final"), fz.embedder.dim, feature
    )
    sub = [exs[i] for i in idx]
    groups = [ex.target_group if ex.label == 1 else None for ex in exs]
    centre_langs: list[str] = []
    shift = None
    if cfg.lang_centre:
        centre_langs, shift, emb = lang_centres(
            [cleaned[i] for i in idx], sub, emb, cfg.min_lang_rows
        )
    model = train_stacked(
        task,
        cleaned,
        [ex.label for ex in exs],
        idx,
        emb,
        name=name or f"sitroom-{task}",
        version=version,
        embedder_name=fz.embedder_name,
        config=cfg,
        weight_all=np.asarray(example_weights(task, exs, head="ngram")) if weighted else None,
        weight_emb=np.asarray(example_weights(task, sub)) if weighted else None,
        groups=groups if task == "hate" and any(groups) else None,
        info=info,
        fold_ids=template_folds(exs, cfg.folds) if task != "checkworthy" else None,
    )
    model.centre_langs, model.centre_shift = centre_langs, shift
    return model


def lang_centres(
    cleaned: Sequence[str], examples: Sequence[Example], emb: np.ndarray, min_rows: int = 150
) -> tuple[list[str], np.ndarray | None, np.ndarray]:
    """Per-language shifts from the functional cases, and ``emb`` shifted by them.

    The functional cases say the same things in every language, so the difference between a
    language's mean vector over them and the mean of all languages' means is (mostly) the
    language, not the content. Languages (as detected) with fewer than ``min_rows`` cases
    are left as they are. (Shifting every language onto English's mean instead scored
    0.004-0.015 lower on every Multilingual HateCheck language: models/MODELS.md.)"""
    langs = detect_langs(cleaned)
    rows: dict[str, list[int]] = {}
    for i, (ex, lang) in enumerate(zip(examples, langs, strict=True)):
        # Only cases detected as the language they were written in: Hindi or Arabic in Latin
        # letters is detected as anything from Somali to Dutch, and would give those
        # languages a centre made of other languages' text.
        if ex.source == "functional" and lang == ex.lang:
            rows.setdefault(lang, []).append(i)
    names = sorted(k for k, v in rows.items() if len(v) >= min_rows)
    if len(names) < 2:
        return [], None, emb
    means = np.stack([emb[rows[k]].mean(axis=0) for k in names])
    shift = (means.mean(axis=0) - means).astype(np.float32)
    pos = {k: j for j, k in enumerate(names)}
    out = np.array(emb, dtype=np.float32)
    for i, lang in enumerate(langs):
        if lang in pos:
            out[i] += shift[pos[lang]]
    return names, shift, out


def template_folds(examples: Sequence[Example], folds: int = 5) -> list[int] | None:
    """Fold per row for out-of-fold scores: a functional case by its template (contrast
    cases "x-..." with their template), any other row by its text. The calibrator and the
    threshold then see scores for templates the heads never saw, as in deployment."""
    if not any(ex.source == "functional" for ex in examples):
        return None
    out = []
    for ex in examples:
        key = ex.meta.get("template", "").removeprefix("x-") if ex.source == "functional" else ""
        out.append(stable_hash("t:" + key if key else "r:" + ex.text) % folds)
    return out


def evaluate(
    model: AnyModel, examples: Sequence[Example], featurizer: Featurizer | None = None
) -> dict[str, float]:
    if not examples:
        return {"n": 0.0}
    fz = featurizer
    cleaned = [clean_for_model(ex.text) for ex in examples]
    emb = fz.for_model(model, cleaned) if fz is not None else model._embed(cleaned, None)
    return binary_metrics([ex.label for ex in examples], model.labels_from(cleaned, emb))


# ---------------------------------------------------------------- registry


@dataclass
class ActivationDecision:
    activated: bool
    metric: str
    candidate_score: float
    current_score: float | None
    reason: str
    candidate_version: str


class ModelRegistry:
    """Versions on disk: ``<root>/<task>/<version>/{model.json,weights.npz,metrics.json}``
    and ``<root>/<task>/ACTIVE`` naming the active version (switched atomically)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _task_dir(self, task: str) -> Path:
        return self.root / task

    def register(self, model: AnyModel, metrics: dict[str, Any] | None = None) -> Path:
        d = self._task_dir(model.task) / model.version
        if d.exists():
            model.version = f"{model.version}-{uuid.uuid4().hex[:6]}"
            d = self._task_dir(model.task) / model.version
        tmp = self._task_dir(model.task) / f".tmp-{uuid.uuid4().hex}"
        model.save(tmp)
        (tmp / "metrics.json").write_text(json.dumps(metrics or {}, indent=2) + "\n")
        tmp.replace(d)
        return d

    def versions(self, task: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        base = self._task_dir(task)
        if not base.exists():
            return out
        active = self.active_version(task)
        for d in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
            m = d / "metrics.json"
            out.append(
                {
                    "version": d.name,
                    "active": d.name == active,
                    "metrics": json.loads(m.read_text()) if m.exists() else {},
                }
            )
        return out

    def active_version(self, task: str) -> str | None:
        f = self._task_dir(task) / "ACTIVE"
        return f.read_text().strip() or None if f.exists() else None

    def load(self, task: str, version: str | None = None) -> AnyModel | None:
        v = version or self.active_version(task)
        if not v:
            return None
        return load_model(self._task_dir(task) / v)

    def activate(self, task: str, version: str) -> None:
        if not (self._task_dir(task) / version / "model.json").exists():
            raise FileNotFoundError(f"no version {version!r} for task {task!r}")
        tmp = self._task_dir(task) / f".ACTIVE.{uuid.uuid4().hex}"
        tmp.write_text(version + "\n")
        tmp.replace(self._task_dir(task) / "ACTIVE")


def activate_if_not_worse(
    candidate: AnyModel,
    current: AnyModel | None,
    heldback: Sequence[Example],
    *,
    registry: ModelRegistry | None = None,
    metric: str = "f1",
    tolerance: float = 0.0,
    featurizer: Featurizer | None = None,
) -> ActivationDecision:
    """Activate ``candidate`` only if it scores at least as well as ``current`` on the
    deployment's held-back examples (``metric`` >= current - ``tolerance``)."""
    cand = evaluate(candidate, heldback, featurizer).get(metric, 0.0)
    if current is None:
        ok, cur, why = True, None, "no active model"
    elif not heldback:
        ok, cur, why = False, None, "no held-back examples to compare on"
    else:
        cur = evaluate(current, heldback, featurizer).get(metric, 0.0)
        ok = cand >= cur - tolerance
        why = f"candidate {metric} {cand:.4f} {'>=' if ok else '<'} current {cur:.4f}"
    if ok and registry is not None and registry.active_version(candidate.task) != candidate.version:
        if not (registry.root / candidate.task / candidate.version).exists():
            registry.register(candidate, {"heldback": {metric: cand}})
        registry.activate(candidate.task, candidate.version)
    return ActivationDecision(ok, metric, cand, cur, why, candidate.version)


def train_from_labels(
    task: str,
    labels_path: str | os.PathLike[str],
    registry_dir: str | os.PathLike[str],
    *,
    include_public: bool = False,
    data_root: str | None = None,
    heldback_fraction: float = 0.2,
    featurizer: Featurizer | None = None,
) -> ActivationDecision:
    """``sitroom train``: retrain from a deployment's labels, register, maybe activate.

    The deployment's labels are split deterministically; the held-back part is never
    trained on and decides activation against the active (or shipped) model.
    """
    own = D.load_labelled_file(labels_path)
    tr, held = split_heldback(own, heldback_fraction)
    data = list(tr)
    if include_public:
        pub = default_training_examples(task, data_root)
        pub, _ = deduplicate_against(pub, held)
        data += pub
    fz = featurizer or Featurizer()
    model = train(
        task,
        data,
        featurizer=fz,
        config=DEFAULT_CONFIGS.get(task),
        weighted=include_public,
        info={"labels": Path(labels_path).name},
    )
    reg = ModelRegistry(registry_dir)
    metrics = {"heldback": evaluate(model, held, fz), "heldback_size": len(held)}
    reg.register(model, metrics)
    current = reg.load(task) or load_shipped(task)
    return activate_if_not_worse(model, current, held, registry=reg, featurizer=fz)


def load_shipped(task: str) -> AnyModel | None:
    d = SHIPPED_DIR / task
    return load_model(d) if (d / "model.json").exists() else None


# ---------------------------------------------------------------- public training data


def checkworthy_eval_sets(root: str | None = None) -> dict[str, list[Example]]:
    r = Path(root) if root else None
    out = {}
    for lang in ("en", "ar", "nl", "es"):
        out[f"clef2024-{lang}-dev"] = D.load_clef2024(lang, "dev", r)
    for lang in ("ar", "bg", "nl", "es", "tr", "en"):
        out[f"clef2022-{lang}-dev"] = D.load_clef2022(lang, "dev", r)
    out["clef2020-en-dev"] = D.load_clef2020("dev", r)
    return out


def checkworthy_training_sets(root: str | None = None) -> dict[str, list[Example]]:
    r = Path(root) if root else None
    out = {"clef2024-en-train": D.load_clef2024("en", "train", r)}
    for lang in ("ar", "nl"):
        out[f"clef2024-{lang}-train"] = D.load_clef2024(lang, "train", r)
    for lang in ("ar", "bg", "nl", "es", "tr", "en"):
        out[f"clef2022-{lang}-train"] = D.load_clef2022(lang, "train", r)
    out["clef2020-train"] = D.load_clef2020("train", r)  # English tweets (COVID-19, 2020)
    return out


def _hate_examples(task: str, root: str | None) -> dict[str, list[Example]]:
    key = "hate" if task == "hate" else "toxic"
    out: dict[str, list[Example]] = {}
    for name, rows in D.load_hate_corpus(Path(root) if root else None).items():
        exs = []
        for r in rows:
            lab = r.hate if key == "hate" else r.toxic
            if lab is not None:
                exs.append(Example(r.text, lab, r.lang, name, r.target_group))
        out[name] = exs
    return out


def hate_splits(
    task: str, root: str | None = None
) -> tuple[dict[str, list[Example]], dict[str, list[Example]]]:
    """Per public set: (train part, held-back part) -- 80/20 by text hash."""
    trains, helds = {}, {}
    for name, exs in _hate_examples(task, root).items():
        # One salt for both tasks: a text held back for one is held back for the other.
        trains[name], helds[name] = split_heldback(exs, 0.2, salt="hate:")
    return trains, helds


# Non-hateful functional cases that still count as toxic (abuse and profanity).
_TOXIC_FUNCTIONS = {
    "abuse-nonprotected",
    "abuse-individual",
    "abuse-object",
    "profanity-nonhateful",
    "no-target",
}


def functional_examples(task: str) -> tuple[list[Example], list[Example]]:
    """The hand-written functional cases as (train, held-out templates)."""
    tr, te = split_by_template(functional_cases())

    def conv(cases: Sequence[Any]) -> list[Example]:
        out = []
        for c in cases:
            if task == "hate":
                out.append(
                    Example(c.text, c.label, c.lang, "functional", c.target_group,
                            {"template": c.template})
                )  # fmt: skip
            else:
                t = c.template
                if t.startswith(("c-", "x-c-")):
                    # The composed cases teach hate's distinctions (rebuilt with them, the
                    # toxicity model fell from 0.706 to 0.683 macro-F1 on HateBR offensive).
                    continue
                if t.startswith("n-counter") or c.functionality == "counter-quote":
                    continue  # quoting hate is offensive wording but not hostile
                if t.startswith(("v-", "w-")):
                    # The election cases (functional_election.py, 2026-11-24) were written
                    # for hate; the shipped toxicity model was built without them, and
                    # build-defaults must rebuild it as shipped.
                    continue
                lab = 1 if (c.label == 1 or c.functionality in _TOXIC_FUNCTIONS) else 0
                out.append(Example(c.text, lab, c.lang, "functional", None, {"template": t}))
        return out

    train = conv(tr)
    if task in TAGGED_TASKS:
        train += [
            dataclasses.replace(train[i], text=tagged, meta={**train[i].meta, "tags": "neutral"})
            for i, tagged in with_neutral_tags([e.text for e in train], [e.lang for e in train])
        ]
    return train, conv(te)


# Tasks whose functional training cases get tagged copies (augment.py): neutral hashtags
# moved hate across the threshold ("#Elections2027 les musulmans doivent tous être tués":
# 0.89 -> 0.23 with the hate model 1835c7f5). Toxicity was tried and not kept: it moves less
# with tags (held-out accuracy 0.731 plain, 0.717 tagged), and tagged training gave 0.713 and
# 0.723, with the corpora's held-back parts within 0.012.
TAGGED_TASKS = {"hate"}


def default_training_examples(task: str, root: str | None = None) -> list[Example]:
    if task == "checkworthy":
        evals = [e for v in checkworthy_eval_sets(root).values() for e in v]
        train_all = [e for v in checkworthy_training_sets(root).values() for e in v]
        kept, _ = deduplicate_against(train_all, evals)
        return kept
    trains, _ = hate_splits(task, root)
    func_tr, _ = functional_examples(task)
    return [e for v in trains.values() for e in v] + func_tr


# Weight of one functional case per task, for the (embedding head, n-gram head); default
# (10, 10). Hate, chosen on out-of-fold scores of the training data (corpora rows by text,
# functional cases by template; macro-F1 corpora mean / functional): embedding MLP with
# weight 1: 0.690 / 0.731, weight 3 (logistic head): 0.633 / 0.678; adding an n-gram head
# trained on every row: 0.737 / 0.714, on the corpora only (weight 0): 0.728 / 0.725.
FUNCTIONAL_WEIGHT: dict[str, tuple[float, float]] = {"hate": (1.0, 0.0)}
# The composed cases (functional_compose.py) count like the hand-written ones. Weighing them
# 0.4 instead (2026-11-23) lowered held-out functional macro-F1 from 0.849 to 0.799 and did
# not help the corpora (held-back macro-F1 en 0.738 -> 0.729, pt 0.700 -> 0.663).


def example_weights(task: str, examples: Sequence[Example], head: str = "emb") -> list[float]:
    """Balance sources: each public set counts roughly the same in total, and the
    functional cases (few, but they carry the distinctions) count extra."""
    from collections import Counter

    counts = Counter(ex.source.split("-")[0] if task != "checkworthy" else ex.source
                     for ex in examples)  # fmt: skip
    out = []
    for ex in examples:
        src = ex.source.split("-")[0] if task != "checkworthy" else ex.source
        n = counts[src]
        if ex.source == "functional":
            # Few rows, but they carry the distinctions the corpora blur.
            w = FUNCTIONAL_WEIGHT.get(task, (10.0, 10.0))[0 if head == "emb" else 1]
        elif not _public_source(ex.source):
            w = 3.0  # a deployment's own labels outweigh public data
        else:
            w = min(1.0, 3000.0 / n)
            if task != "checkworthy":
                w = max(w, 0.25)
        out.append(w)
    return out


DEFAULT_CONFIGS: dict[str, TrainConfig] = {
    "checkworthy": TrainConfig(c_emb=2.0, c_ngram=8.0, lang_meta=True),
    # Hate: a one-hidden-layer network on the embeddings (out-of-fold macro-F1 corpora mean /
    # functional templates 0.690 / 0.731, logistic head 0.656 / 0.645) and an n-gram head
    # trained on the corpora only (see FUNCTIONAL_WEIGHT), which the calibrator weighs on
    # template-held-out scores. Its threshold maximised macro-F1 until 2026-11-23 (out of fold:
    # corpora 0.738, functional 0.723; the positive-class F1 threshold: 0.728 / 0.725); now it
    # maximises balanced accuracy on out-of-fold scores: the share of hate differs from the
    # training mix (39%) wherever it is used, and that threshold does not depend on it (0.386
    # against 0.427; MODELS.md).
    # Its input is centred per language on the functional cases (``lang_centres``, 2026-11-23):
    # held-back macro-F1 fr 0.575 -> 0.608, ar 0.785 -> 0.795, de 0.771 -> 0.781, pt 0.700 ->
    # 0.712, en 0.736 -> 0.730; Multilingual HateCheck nl/pl/pt/fr/it +0.013-0.031 (MODELS.md).
    # Two networks, one on the last layer and one on the middle layers (emb_feature "both",
    # emb_split 2), trained apart and averaged (2026-11-23): mean over nine HateCheck suites
    # 0.782 / 0.748 -> 0.798 / 0.770 accuracy / macro-F1, with the composed negative-emotion,
    # identity-neutral and vulgar cases 0.807 / 0.778 (MODELS.md). One network on both
    # halves at once scored no better than the last layer alone.
    # Since 2026-11-24 the shipped threshold is chosen on the held-out templates instead of the
    # out-of-fold scores (HELDOUT_THRESHOLD): first by balanced accuracy, since session 18 as
    # the score flagging 93% of their hateful cases (HELDOUT_RECALL).
    "hate": TrainConfig(
        c_ngram=8.0,
        emb_hidden=256,
        emb_alpha=1e-2,
        emb_epochs=60,
        threshold_metric="balanced",
        lang_centre=True,
        emb_feature="both",
        emb_split=2,
    ),
    "toxicity": TrainConfig(c_emb=8.0, c_ngram=4.0),
}


def build_default(
    task: str,
    out_dir: str | os.PathLike[str] = SHIPPED_DIR,
    root: str | None = None,
    featurizer: Featurizer | None = None,
    weighted: bool = True,
) -> StackedModel:
    fz = featurizer or Featurizer()
    exs = default_training_examples(task, root)
    sources = sorted({ex.source for ex in exs})
    model = train(
        task,
        exs,
        name=f"sitroom-{task}",
        version=time.strftime("%Y%m%d") + f"-{task}",
        featurizer=fz,
        config=DEFAULT_CONFIGS[task],
        weighted=weighted,
        info={"sources": sources, "built": time.strftime("%Y-%m-%d")},
    )
    if task in HELDOUT_THRESHOLD:
        model.info["oof_threshold"] = round(float(model.threshold), 4)
        model.threshold = heldout_threshold(model, task, fz)
        model.info["threshold_from"] = (
            f"held-out functional templates, hateful recall {HELDOUT_RECALL[task]:g}"
            if task in HELDOUT_RECALL
            else "held-out functional templates"
        )
    # A same-day rebuild must not reuse the version: results are keyed on it.
    model.version = f"{model.version}-{weights_digest(model)}"
    model.save(Path(out_dir) / task)
    return model


# Tasks whose shipped threshold is chosen on the functional templates held out of training
# (functional_heldout.py and the first set's held-out templates) instead of on out-of-fold
# scores. The out-of-fold scores come from the five fold networks, and where the final
# network puts its bias on template-like text depends on its random start: three seeds of
# the same hate model scored 0.725-0.771 mean accuracy on ten Multilingual HateCheck
# samples, nearly all of it the bias (MODELS.md). The held-out templates are scored by the
# final network itself, which never saw them: the same seeds then scored 0.748-0.788 (mean
# 0.749 -> 0.773). A deployment's own retraining (``sitroom train``) keeps the out-of-fold
# threshold: its held-back data is the judge there.
HELDOUT_THRESHOLD = {"hate"}

# Where set, the held-out threshold is an operating point instead of the config's metric: the
# score at which this share of the held-out hateful cases is flagged. Other teams' test
# suites score hateful text lower than our held-out templates do (their phrasings are further
# from ours, and most in languages with little training data), and a flag is a suggestion a
# monitor reviews, so a missed case costs more than a false one. Chosen across public suite
# samples of four families (HateCheck, Multilingual HateCheck in ten languages, SEAHateCheck
# Indonesian and Tagalog, SGHateCheck Malay and Tamil; not shipped, not trained on): the
# threshold that does best on any three families did better on the fourth than balanced
# accuracy's for three of the four, and those thresholds flag 0.93-0.94 of the held-out
# hateful cases. It costs precision on the corpora's held-back rows (MODELS.md, 2026-11-24).
HELDOUT_RECALL = {"hate": 0.93}


def heldout_threshold(model: StackedModel, task: str, fz: Featurizer) -> float:
    """The shipped threshold from the held-out functional templates: the operating point of
    HELDOUT_RECALL, else the threshold maximising the config's metric."""
    _, held = functional_examples(task)
    cleaned = [clean_for_model(e.text) for e in held]
    p = model.proba_from(cleaned, fz.for_model(model, cleaned))
    y = np.array([e.label for e in held])
    if task in HELDOUT_RECALL:
        return recall_threshold(p, y, HELDOUT_RECALL[task])
    return float(THRESHOLD_METRICS[DEFAULT_CONFIGS[task].threshold_metric](p, y))


def weights_digest(model: StackedModel) -> str:
    h = hashlib.blake2b(digest_size=4)
    h.update(np.asarray(model.emb_w, dtype=np.float32).tobytes())
    h.update(f"{model.emb_b:.6g}/{model.threshold:.6g}".encode())
    return h.hexdigest()


DATA_NOTES = {
    "checkworthy": (
        "CLEF CheckThat! 2024 task 1 train sets (en, ar, nl) and CLEF 2022 task 1A train sets "
        "(ar, bg, nl, es, tr, en), and the CLEF 2020 task 1 English tweets (the en-social route "
        "and the fallback; parts built before 2026-11-23 did not use them); licence: research "
        "use. Every "
        "training sentence equal to, or sharing a 60-character prefix or suffix with, any CLEF "
        "2020/2022/2024 dev sentence was removed first. ClaimBuster (GPL-3.0) is NOT used: it is the same debate source as "
        "CLEF 2024 English and would leak dev sentences."
    ),
    "hate": (
        "80% (by text hash) of: Davidson et al. 2017 (MIT; 'hate' = hateful, 'offensive' and "
        "'neither' = non-hateful), MLMA en/fr/ar (MIT; 'hateful' vs 'normal', other hostility "
        "labels unused), GermEval 2018 (CC BY 4.0; ABUSE = hateful, INSULT/PROFANITY/OTHER = "
        "non-hateful), ToLD-Br (CC BY-SA 4.0; racism/misogyny/homophobia/xenophobia flagged by "
        ">= 2 of 3 annotators = hateful, no identity flag = non-hateful), plus the project's own "
        "hand-written functional cases in 11 languages (sitroom/nlp/classifiers/functional.py "
        "and functional_train.py; the templates of functional_heldout.py and the first set's "
        "held-out templates are never trained on) and composed cases (functional_compose.py: "
        "derogatory predicates (some vulgar), denied positives, threats and negative emotions "
        "in statement, opinion, question and pronoun frames, each paired with its denial, its "
        "rejection and the same words said of non-protected targets, and neutral mentions of "
        "groups; for Arabic also in colloquial Egyptian and Levantine forms and in Latin "
        "letters, 'Arabizi'; for Hindi also in Latin letters; in Swahili, Indonesian, Tagalog "
        "and Turkish only composed (and election) cases; each frame filled with three of "
        "fourteen protected groups per language: the eight of the templates and six religions "
        "and peoples), with deterministic misspellings, "
        "and election cases (functional_election.py, all fifteen languages: election claims, "
        "voting information and "
        "abuse of the election body, parties and candidates, non-hateful; groups denied the "
        "vote or called vermin, hateful; the same groups defended or named neutrally, not). "
        "Some of the functional cases have a copy with one to three neutral election, news or "
        "place hashtags, same label (augment.py). "
        "The n-gram head is trained on the corpora only; the embedding head on corpora and "
        "functional cases. The calibrator is fitted on out-of-fold scores in which every "
        "functional template is scored by heads that never saw it; the threshold is the score "
        "at which the final model flags 93% of the held-out templates' hateful cases "
        "(HELDOUT_THRESHOLD, HELDOUT_RECALL). HateBR (CC BY-NC) is never trained on."
    ),
    "toxicity": (
        "Same sets and split as the hate model with toxicity labels: Davidson hate+offensive, "
        "MLMA any non-normal label, GermEval OFFENSE, ToLD-Br any category flagged by >= 2 "
        "annotators; hand-written functional cases (not the composed ones) with profanity / "
        "abuse counted as toxic."
    ),
}


def write_models_md(out_dir: str | os.PathLike[str], models: dict[str, AnyModel]) -> Path:
    lines = [
        "# Shipped classifier models",
        "",
        "Built by `python -m sitroom.nlp.training build-defaults` (data root from "
        "`--data` or `$SITROOM_SHARED_DATA`). Each folder holds `model.json` (configuration, "
        "provenance) and `weights.npz` (plain arrays; no pickles). Models: a logistic head on "
        "the shared sentence embedder (multilingual-e5-small, 4-bit) and a logistic head on "
        "hashed character 2-5-grams + word 1-2-grams (TF-IDF, where listed), combined by a "
        "logistic calibrator fitted on out-of-fold scores; `score` is the calibrated probability, the "
        "label uses the stored threshold (chosen on out-of-fold scores; the hate model's on the "
        "held-out functional templates).",
        "",
        "The embedding head is trained on every row of every CLEF train set (check-worthiness "
        "models built before 2026-11-23 saw a hash-chosen sample of 800 rows of each non-English "
        "set: see `embedded` below) "
        + (
            f"and of {DEFAULT_EMBED_BUDGET} rows of each hate-speech corpus"
            if DEFAULT_EMBED_BUDGET
            else "and on every row of the (capped) hate-speech corpora"
        )
        + ", and on every functional "
        "case; the n-gram head on every row. Embeddings are cached on disk "
        "(`$SITROOM_CACHE_DIR`, default `~/.cache/sitroom`), so a rebuild only embeds new texts.",
        "",
        "Benchmarks: `python benchmarks/classifiers.py --skip-per-language`.",
        "",
    ]
    for task, top in models.items():
        if isinstance(top, RoutedModel):
            lines += [
                f"## {task} (routed by detected language)",
                "",
                "Languages with their own training data get their own model (trained on that "
                "language's sets, plus other languages' tweets at a lower weight where the "
                "route's out-of-fold F1 chose them); every other language uses the multilingual "
                "model. Varieties the language detector names go to their language's route "
                "(Egyptian and Moroccan Arabic to ar; Aragonese and Extremaduran to es: "
                "`LANG_VARIETIES`). A route's embedding head reads either the sentence "
                "embedding or, where its out-of-fold F1 chose them, the 'mid' vectors: the "
                "mean-pooled states of "
                "the encoder's 7th to 10th layers, from the same pass (docs/embedder.md).",
                "",
            ]
            for lang, split in top.splits.items():
                sp = top.info.get("splits", {}).get(lang, {})
                acc = ", ".join(f"{k} {v:.3f}" for k, v in sp.get("oof_accuracy", {}).items())
                lines += [
                    f"Genre split: a {lang!r} text goes to route {split.route!r} when a logistic "
                    f"probe on its embedding, trained on the two routes' sets (rows: "
                    f"{sp.get('rows', '?')}), says it is of that route's kind; out-of-fold "
                    f"accuracy per side: {acc or '?'}.",
                    "",
                ]
            parts = [(f"{task} / route {k}", v) for k, v in top.routes.items()]
            parts.append((f"{task} / multilingual fallback", top.fallback))
        else:
            parts = [(task, top)]
        for title, m in parts:
            lines += _model_lines(task, title, m)
    path = Path(out_dir) / "MODELS.md"
    # A hand-pasted benchmark section at the end survives a rebuild.
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    tail = old[old.index(BENCHMARK_HEADING) :] if BENCHMARK_HEADING in old else ""
    path.write_text("\n".join(lines) + ("\n" + tail if tail else ""), encoding="utf-8")
    return path


BENCHMARK_HEADING = "## Benchmark"


def _model_lines(task: str, title: str, m: StackedModel) -> list[str]:
    lines = [
        f"### {title}" if "/" in title else f"## {title}",
        "",
        f"- name / version: `{m.name}` / `{m.version}`; embedder: `{m.embedder_name}`",
        "- components: embedding head"
        + (
            f" ({m.emb_hidden_w.shape[1]} hidden ReLU units)"
            if m.emb_hidden_w is not None
            else " (logistic)"
        )
        + (" on the mid vectors (middle layers)" if m.emb_feature == "mid" else "")
        + (
            " on the last layer and the middle layers together: networks on each, trained"
            " apart and averaged"
            if m.emb_feature == "both"
            else ""
        )
        + (
            f", its input centred per language ({', '.join(m.centre_langs)}: each language's"
            " mean vector over the functional cases moved to the mean of all of them)"
            if m.centre_langs
            else ""
        )
        + (" + n-gram head" if m.ngram is not None else " only (no n-gram head)")
        + (f"; per-language calibration for {', '.join(m.langs)}" if m.langs else ""),
        f"- training data: {DATA_NOTES[task]}",
        f"- rows: {m.info.get('train_size')} ({m.info.get('train_positive')} positive), "
        f"embedded: {m.info.get('embedded_train_size')}",
        (
            f"- out-of-fold F1 at the out-of-fold threshold ({m.info['oof_threshold']:.3f}): "
            f"{m.info.get('oof_f1_at_threshold')}; threshold ({m.info['threshold_from']}): "
            f"{m.threshold:.3f}"
            if "oof_threshold" in m.info
            else f"- out-of-fold F1 at the threshold ({m.threshold:.3f}): "
            f"{m.info.get('oof_f1_at_threshold')}"
        ),
        f"- sources: {', '.join(m.info.get('sources', []))}",
    ]
    if m.groups:
        lines.append(f"- target groups: {', '.join(m.groups)}")
    if m.info.get("selection"):
        lines += _selection_lines(m.info)
    lines.append("")
    return lines


def _describe_route_config(c: dict[str, Any]) -> str:
    vectors = "middle layers" if c.get("feature") == "mid" else "sentence embedding"
    out = f"{vectors}, c_emb {c['c_emb']:g}, " + (
        f"n-gram C {c['c_ngram']:g}" if c["use_ngrams"] else "no n-gram head"
    )
    if c["aux_weight"] > 0:
        out += f", other languages' tweets at weight {c['aux_weight']:g}"
    return out


def _selection_lines(info: dict[str, Any]) -> list[str]:
    """A route's configuration and the candidates it was chosen from (check-worthiness)."""
    aux = info.get("auxiliary_sources") or []
    return [
        f"- configuration: {_describe_route_config(info['config'])}"
        + (f" ({info['auxiliary_rows']} rows of {', '.join(aux)})" if aux else ""),
        "- chosen by nested out-of-fold F1 on this language's rows ("
        + (
            "5 blocks of time by tweet id"
            if info.get("folds") == "time blocks"
            else "mean of 3 fold seeds"
        )
        + "): "
        + "; ".join(f"{_describe_route_config(r)}: {r['oof_f1']:.4f}" for r in info["selection"]),
    ]


# Check-worthiness routes: language -> its own training sets (English: the debate set only,
# which is what CLEF 2024 English evaluates; tweets in English go to it too). Arabic has two
# years of tweets; CLEF 2024 Dutch holds the same tweets as CLEF 2022 Dutch.
CHECKWORTHY_ROUTES: dict[str, list[str]] = {
    "en": ["clef2024-en-train"],
    "ar": ["clef2024-ar-train", "clef2022-ar-train"],
    "nl": ["clef2024-nl-train"],
    "es": ["clef2022-es-train"],
    "bg": ["clef2022-bg-train"],
    "tr": ["clef2022-tr-train"],
    # English social-media posts: the "en" genre split (below) sends them here, not to the
    # debate model (which scored 0.359 F1 on CLEF 2022 English tweets, TF-IDF 0.554).
    "en-social": ["clef2022-en-train", "clef2020-train"],
}
# Within a language, a linear probe on the embedding separates a second genre into its own
# route: language -> (route of the other genre, its sources; the language's own sources).
GENRE_SPLITS: dict[str, str] = {"en": "en-social"}
# Tweet sets that another language's route may borrow, down-weighted, when its out-of-fold F1
# says they help (the CLEF 2024 English debates are another genre).
CHECKWORTHY_AUX_SOURCES = [
    "clef2022-ar-train", "clef2024-ar-train", "clef2022-bg-train", "clef2022-en-train",
    "clef2022-es-train", "clef2024-nl-train", "clef2022-tr-train",
]  # fmt: skip
# Every non-English route picks among these by nested out-of-fold F1 on its own rows, in
# blocks of time where the rows are tweets with ids (transfer.py)
# (`select_config`); the English route keeps its fixed configuration below.
CHECKWORTHY_CANDIDATES: list[RouteConfig] = (
    [RouteConfig(c_emb=c, feature=f) for f in ("final", "mid") for c in (0.5, 2.0, 8.0)]
    + [RouteConfig(c_emb=2.0, aux_weight=0.3, feature=f) for f in ("final", "mid")]
    + [RouteConfig(c_emb=2.0, use_ngrams=False, feature=f) for f in ("final", "mid")]
)
ROUTE_CONFIG = TrainConfig(c_emb=2.0, c_ngram=8.0)
# English (CLEF 2024, every row embedded): stacked out-of-fold F1 0.7223 / 0.7247 / 0.7251 /
# 0.7248 / 0.7239 for c_emb 1 / 2 / 4 / 8 / 16 (n-gram head C=8); with c_emb 4 on the mid
# vectors 0.7298 against 0.7248 on the sentence embedding (2026-11-23).
ROUTE_CONFIGS: dict[str, TrainConfig] = {
    "en": TrainConfig(c_emb=4.0, c_ngram=8.0, emb_feature="mid")
}
FALLBACK_ROUTE = "fallback"


def _route_data(examples: Sequence[Example], fz: Featurizer) -> RouteData:
    cleaned = [clean_for_model(ex.text) for ex in examples]
    y = np.asarray([ex.label for ex in examples], dtype=np.int64)
    emb = fz(cleaned, mid=True)  # both kinds of vector: the configurations choose
    return RouteData(
        cleaned, y, emb, [ex.source for ex in examples], _time_order(examples), mid=True
    )


def _time_order(examples: Sequence[Example]) -> np.ndarray | None:
    """Tweet ids (they grow with time), so that out-of-fold judging uses blocks of time
    (transfer.py). The odd row without one takes its predecessor's; None unless 95% have one."""
    ids = [ex.meta.get("id", "") for ex in examples]
    if not ids or sum(map(bool, ids)) < 0.95 * len(ids):
        return None
    out, last = [], next(int(i) for i in ids if i)
    for i in ids:
        last = int(i) if i else last
        out.append(last)
    return np.asarray(out, dtype=np.int64)


def _first_copies(examples: Sequence[Example], seen: set[str]) -> list[Example]:
    """``examples`` without near-duplicates of each other or of texts in ``seen`` (updated)."""
    out = []
    for e in examples:
        keys = _dup_keys(e.text)
        if seen.isdisjoint(keys):
            seen.update(keys)
            out.append(e)
    return out


def train_checkworthy_route(
    lang: str, pool: Sequence[Example], fz: Featurizer, version: str, built: str
) -> StackedModel:
    """One language's model: its own rows (every one embedded), other languages' tweets as
    down-weighted extra rows if that wins out of fold, configuration chosen the same way."""
    sources = CHECKWORTHY_ROUTES[lang]
    info: dict[str, Any] = {"sources": sources, "route": lang, "built": built}
    if lang in ROUTE_CONFIGS:
        own = [e for e in pool if e.source in sources]
        return train(
            "checkworthy", own, name="sitroom-checkworthy", version=f"{version}-{lang}",
            featurizer=fz, config=ROUTE_CONFIGS[lang], info=info,
        )  # fmt: skip
    # A tweet counts once: CLEF 2022 Arabic train is contained in CLEF 2024 Arabic train, and
    # a duplicate in two folds would let the n-gram head score its twin out of fold (inflated
    # out-of-fold F1, an over-trusted n-gram head and a wrong threshold).
    seen: set[str] = set()
    own = _first_copies([e for s in sources for e in pool if e.source == s], seen)
    aux_ex = _first_copies(
        [e for e in pool if e.source in CHECKWORTHY_AUX_SOURCES and e.lang != lang.split("-")[0]],
        seen,
    )
    primary, aux = _route_data(own, fz), _route_data(aux_ex, fz)
    cfg, table = select_config(primary, aux, CHECKWORTHY_CANDIDATES)
    info["selection"] = table
    return train_route(
        "checkworthy", primary, aux, cfg, name="sitroom-checkworthy",
        version=f"{version}-{lang}", embedder_name=fz.embedder_name, info=info,
    )  # fmt: skip


def fallback_rows(pool: Sequence[Example]) -> list[Example]:
    """The multilingual model's rows: every language's, each tweet once (CLEF 2022 Arabic
    and Dutch are inside their CLEF 2024 sets)."""
    return _first_copies(pool, set())


def train_checkworthy_fallback(
    rows: Sequence[Example], fz: Featurizer, **kwargs: Any
) -> StackedModel:
    """The multilingual check-worthiness model on ``fallback_rows(...)``."""
    return train(
        "checkworthy", rows, featurizer=fz, config=DEFAULT_CONFIGS["checkworthy"],
        weighted=True, **kwargs,
    )  # fmt: skip


def train_genre_split(
    lang: str, route: str, pool: Sequence[Example], fz: Featurizer
) -> tuple[GenreSplit, dict[str, Any]]:
    """A logistic probe on the embedding: ``lang``'s own sets (0) against ``route``'s (1),
    classes balanced; its out-of-fold accuracy per side goes into the model's info."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rows = [(e, 0) for e in pool if e.source in CHECKWORTHY_ROUTES[lang]]
    rows += [(e, 1) for e in pool if e.source in CHECKWORTHY_ROUTES[route]]
    x = fz([clean_for_model(e.text) for e, _ in rows])
    y = np.asarray([g for _, g in rows])
    lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    oof = cross_val_predict(lr, x, y, cv=StratifiedKFold(5, shuffle=True, random_state=0))
    lr.fit(x, y)
    info = {
        "route": route,
        "rows": {lang: int((y == 0).sum()), route: int((y == 1).sum())},
        "oof_accuracy": {
            lang: round(float((oof[y == 0] == 0).mean()), 4),
            route: round(float((oof[y == 1] == 1).mean()), 4),
        },
    }
    return GenreSplit(route, lr.coef_[0].astype(np.float64), float(lr.intercept_[0])), info


def build_routed_checkworthy(
    out_dir: str | os.PathLike[str] = SHIPPED_DIR,
    root: str | None = None,
    featurizer: Featurizer | None = None,
    only: Sequence[str] | None = None,
) -> RoutedModel:
    """Build the routed check-worthiness model; with ``only`` (route languages and/or
    ``"fallback"``), rebuild just those parts and keep the rest of the model in ``out_dir``."""
    fz = featurizer or Featurizer()
    pool = default_training_examples("checkworthy", root)  # already de-duplicated vs dev
    # A new version on every build (results are keyed on it); a kept route keeps its own.
    version = time.strftime("%Y%m%d-%H%M") + "-checkworthy"
    built = time.strftime("%Y-%m-%d")
    wanted = set(only or [*CHECKWORTHY_ROUTES, FALLBACK_ROUTE])
    old: RoutedModel | None = None
    if not wanted >= {*CHECKWORTHY_ROUTES, FALLBACK_ROUTE}:
        prev = load_model(Path(out_dir) / "checkworthy")
        if not isinstance(prev, RoutedModel):
            raise ValueError("rebuilding some routes needs a routed model in --out")
        old = prev
    if FALLBACK_ROUTE in wanted or old is None:
        fallback = train_checkworthy_fallback(
            fallback_rows(pool), fz, name="sitroom-checkworthy", version=version,
            info={"sources": sorted({e.source for e in pool}), "route": "multilingual",
                  "built": built},
        )  # fmt: skip
    else:
        fallback = old.fallback
    routes = {}
    for lang in CHECKWORTHY_ROUTES:
        if lang in wanted or old is None or lang not in old.routes:
            routes[lang] = train_checkworthy_route(lang, pool, fz, version, built)
        else:
            routes[lang] = old.routes[lang]
    splits: dict[str, GenreSplit] = {}
    info: dict[str, Any] = {"splits": {}}
    for lang, route in GENRE_SPLITS.items():
        # The probe reads the two routes' training texts, not their models: rebuilding the
        # second route's heads keeps it (the first route's rebuild retrains it).
        if old is not None and lang in old.splits and lang not in wanted:
            splits[lang] = old.splits[lang]
            info["splits"][lang] = old.info.get("splits", {}).get(lang, {})
        else:
            splits[lang], info["splits"][lang] = train_genre_split(lang, route, pool, fz)
    model = RoutedModel(
        "checkworthy", "sitroom-checkworthy", version, routes, fallback, info, splits
    )
    model.save(Path(out_dir) / "checkworthy")
    return model


def _cli(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sitroom.nlp.training")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build-defaults", help="train the shipped models from public data")
    b.add_argument("--data", default=None, help="shared data root (else $SITROOM_SHARED_DATA)")
    b.add_argument("--out", default=str(SHIPPED_DIR))
    b.add_argument("--task", action="append", choices=TASKS)
    b.add_argument(
        "--route", action="append", choices=[*CHECKWORTHY_ROUTES, FALLBACK_ROUTE],
        help="checkworthy: rebuild only these routes, keep the others in --out",
    )  # fmt: skip
    c = sub.add_parser("build-centres", help="measure the language centres narratives read")
    c.add_argument("--data", default=None, help="shared data root (else $SITROOM_SHARED_DATA)")
    c.add_argument("--out", default=None, help="file to write (else the shipped centres.npz)")
    t = sub.add_parser("train", help="retrain from a deployment's labels")
    t.add_argument("--task", required=True, choices=TASKS)
    t.add_argument("--labels", required=True)
    t.add_argument("--registry", required=True)
    t.add_argument("--include-public", action="store_true")
    t.add_argument("--data", default=None)
    args = ap.parse_args(argv)
    if args.cmd == "build-defaults":
        fz = Featurizer()
        built: dict[str, AnyModel] = {}
        for task in args.task or list(TASKS):
            t0 = time.time()
            if task == "checkworthy":
                built[task] = build_routed_checkworthy(args.out, args.data, fz, args.route)
            else:
                built[task] = build_default(task, args.out, args.data, fz)
            print(f"{task}: built in {time.time() - t0:.0f}s")
        for task in TASKS:  # tasks not rebuilt: describe the copy in --out, else the shipped one
            for base in (Path(args.out), SHIPPED_DIR):
                if task not in built and (base / task / "model.json").exists():
                    built[task] = load_model(base / task)
        write_models_md(args.out, {t: built[t] for t in TASKS if t in built})
        return 0
    if args.cmd == "build-centres":
        from sitroom.nlp import centres

        built_centres = centres.build(args.data)
        built_centres.save(Path(args.out) if args.out else centres.FILE)
        print(f"centres: {built_centres.space}, languages {', '.join(built_centres.langs)}")
        return 0
    dec = train_from_labels(
        args.task, args.labels, args.registry, include_public=args.include_public,
        data_root=args.data,
    )  # fmt: skip
    print(json.dumps(asdict(dec)))
    return 0


if __name__ == "__main__":
    sys.exit(_cli())
