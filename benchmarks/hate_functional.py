"""Hate-speech model on held-out functional templates, per language and per functionality.

    python benchmarks/hate_functional.py [--data DIR] [--model DIR]

The cases come from sitroom/nlp/classifiers/functional*.py; only templates the shipped model
never saw are scored (``split_by_template``): the first set's held-out templates and every
template of functional_heldout.py. HateCheck-style reading: accuracy per functionality
(all cases of a functionality share one gold label), macro-F1 per language.
Baseline: word 1-2-gram TF-IDF + logistic regression trained on the public corpora's
training parts (the same rows the shipped model's corpora part comes from).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sitroom.nlp import training as T
from sitroom.nlp.classifiers import load_classifier
from sitroom.nlp.classifiers.features import clean_for_model
from sitroom.nlp.classifiers.functional import (
    FIRST_HELDOUT,
    FunctionalCase,
    functional_cases,
    split_by_template,
)
from sitroom.nlp.classifiers.model import load_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classifiers import table  # the benchmarks' shared table printer

Predict = Callable[[Sequence[str]], np.ndarray]


def tfidf_baseline() -> Predict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    trains, _ = T.hate_splits("hate")
    rows = [e for v in trains.values() for e in v]
    pipe = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced"),
    )
    pipe.fit([clean_for_model(e.text) for e in rows], [e.label for e in rows])
    return lambda texts: np.asarray(pipe.predict([clean_for_model(t) for t in texts]))


def cell(y: np.ndarray, p: np.ndarray) -> str:
    m = T.binary_metrics(list(y), p)
    return f"{m['macro_f1']:.3f} / {m['accuracy']:.3f}"


def report(name: str, cases: list[FunctionalCase], preds: dict[str, np.ndarray]) -> None:
    y = np.array([c.label for c in cases])
    langs = sorted({c.lang for c in cases})
    rows = []
    for lang in [*langs, "all"]:
        sel = np.array([lang in ("all", c.lang) for c in cases])
        rows.append(
            [lang, str(sel.sum()), str(y[sel].sum())]
            + [cell(y[sel], p[sel]) for p in preds.values()]
        )
    table(
        f"{name}: macro-F1 / accuracy per language",
        ["lang", "n", "hateful", *preds],
        rows,
    )
    rows = []
    for fn in sorted({c.functionality for c in cases}):
        sel = np.array([c.functionality == fn for c in cases])
        gold = "hateful" if y[sel].mean() == 1 else "non-hateful" if y[sel].max() == 0 else "mixed"
        accs = [f"{(p[sel] == y[sel]).mean():.3f}" for p in preds.values()]
        rows.append([fn, gold, str(sel.sum()), *accs])
    table(f"{name}: accuracy per functionality", ["functionality", "gold", "n", *preds], rows)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None, help="shared data root (else $SITROOM_SHARED_DATA)")
    ap.add_argument("--model", default=None, help="a hate model directory (default: shipped)")
    args = ap.parse_args()
    if args.data:
        os.environ["SITROOM_SHARED_DATA"] = args.data
    t0 = time.time()
    model = load_model(args.model) if args.model else load_classifier("hate")
    fz = T.Featurizer()
    _, held = split_by_template(functional_cases())
    texts = [clean_for_model(c.text) for c in held]
    preds = {
        "majority (hateful)": np.ones(len(held), dtype=int),
        "tfidf+LR (public sets)": tfidf_baseline()(texts),
        "sitroom": model.labels_from(texts, fz.for_model(model, texts)),
    }
    first = np.array([c.template in FIRST_HELDOUT for c in held])
    for name, sel in (
        ("ALL HELD-OUT TEMPLATES", np.ones(len(held), dtype=bool)),
        ("FIRST SET'S HELD-OUT TEMPLATES (h-shoot, h-live, n-quote, n-rights, n-lies, "
         "x-h-plague*)", first),
        ("FUNCTIONAL_HELDOUT.PY TEMPLATES (e-*)", ~first),
    ):  # fmt: skip
        idx = np.flatnonzero(sel)
        report(name, [held[i] for i in idx], {k: v[idx] for k, v in preds.items()})
    print(f"\nmodel: {model.name} {model.version}; (total {time.time() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
