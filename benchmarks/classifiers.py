"""Benchmark the shipped classifiers against simple baselines on the shared data.

    python benchmarks/classifiers.py [--data DIR] [--skip-per-language]
        [--only checkworthy|hate|throughput ...]

Prints plain tables: check-worthiness F1 (positive class) per CLEF dev set, hate-speech
macro-F1 / accuracy on held-back parts per language, HateBR (evaluation only), the
hand-written functional cases (held-out templates), and throughput on this machine.

"sitroom" is the shipped model in sitroom/nlp/models -- the one `sitroom classify` uses.
Embeddings come from the training cache when present (same embedder, same vectors), so a
re-run takes minutes; throughput is measured separately on uncached texts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sitroom.nlp import training as T
from sitroom.nlp.classifiers import datasets as D
from sitroom.nlp.classifiers import load_classifier
from sitroom.nlp.classifiers.features import clean_for_model
from sitroom.nlp.classifiers.model import StackedModel

Example = D.Example


def tfidf_lr(train: Sequence[Example]):  # type: ignore[no-untyped-def]
    """Baseline: word 1-2-gram TF-IDF + class-balanced logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced"),
    )
    pipe.fit([clean_for_model(e.text) for e in train], [e.label for e in train])
    return lambda exs: pipe.predict([clean_for_model(e.text) for e in exs])


def majority(train: Sequence[Example]):  # type: ignore[no-untyped-def]
    lab = int(np.mean([e.label for e in train]) >= 0.5)
    return lambda exs: np.full(len(exs), lab)


def model_pred(model: StackedModel, fz: T.Featurizer, exs: Sequence[Example]) -> np.ndarray:
    cleaned = [clean_for_model(e.text) for e in exs]
    return model.labels_from(cleaned, fz.for_model(model, cleaned))


def fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


def checkworthiness(fz: T.Featurizer, per_language: bool) -> None:
    shipped = load_classifier("checkworthy")
    evals = T.checkworthy_eval_sets()
    trains = T.checkworthy_training_sets()
    pairs = {
        "clef2024-en-dev": "clef2024-en-train",
        "clef2024-ar-dev": "clef2024-ar-train",
        "clef2024-nl-dev": "clef2024-nl-train",
        "clef2024-es-dev": "clef2022-es-train",  # CLEF 2024 has no Spanish train set
        "clef2022-ar-dev": "clef2022-ar-train",
        "clef2022-bg-dev": "clef2022-bg-train",
        "clef2022-nl-dev": "clef2022-nl-train",
        "clef2022-es-dev": "clef2022-es-train",
        "clef2022-tr-dev": "clef2022-tr-train",
        "clef2022-en-dev": "clef2022-en-train",  # English tweets: the "en-social" route
        "clef2020-en-dev": "clef2020-train",
    }
    rows = []
    for ev_name, tr_name in pairs.items():
        ev = D.hash_sample(evals[ev_name], T.EVAL_BUDGET.get(ev_name))
        tr, _ = T.deduplicate_against(trains[tr_name], ev)
        y = [e.label for e in ev]
        f_maj = T.binary_metrics(y, majority(tr)(ev))["f1"]
        f_tfidf = T.binary_metrics(y, tfidf_lr(tr)(ev))["f1"]
        f_ship = T.binary_metrics(y, model_pred(shipped, fz, ev))["f1"]
        f_lang = None
        if per_language:
            m = T.train("checkworthy", tr, featurizer=fz, config=T.DEFAULT_CONFIGS["checkworthy"])
            f_lang = T.binary_metrics(y, model_pred(m, fz, ev))["f1"]
        size = f"{len(ev)}" + ("*" if len(ev) < len(evals[ev_name]) else "")
        rows.append(
            [
                ev_name,
                size,
                str(sum(y)),
                tr_name,
                fmt(f_maj),
                fmt(f_tfidf),
                fmt(f_ship),
                f"{f_ship - f_tfidf:+.3f}",
                fmt(f_lang),
            ]
        )
    table(
        "CHECK-WORTHINESS  (F1 of the positive class; * = fixed random sample of the dev set)",
        [
            "dev set",
            "n",
            "pos",
            "baselines trained on",
            "majority",
            "tfidf+LR",
            "sitroom",
            "vs tfidf",
            "same code, this train set only",
        ],
        rows,
    )


def hate(fz: T.Featurizer) -> None:
    shipped = load_classifier("hate")
    tox = load_classifier("toxicity")
    trains, helds = T.hate_splits("hate")
    by_lang = {
        "en": ["davidson_en", "mlma_en"],
        "fr": ["mlma_fr"],
        "ar": ["mlma_ar"],
        "de": ["germeval2018_de"],
        "pt": ["toldbr_pt"],
    }
    rows = []
    for lang, sets in by_lang.items():
        tr = [e for s in sets for e in trains[s]]
        ev = [e for s in sets for e in D.hash_sample(helds[s], T.EVAL_BUDGET["hate-heldback"])]
        y = [e.label for e in ev]
        res = [T.binary_metrics(y, f(ev)) for f in (majority(tr), tfidf_lr(tr))]
        res.append(T.binary_metrics(y, model_pred(shipped, fz, ev)))
        rows.append(
            [f"{lang} ({'+'.join(sets)})", str(len(ev)), str(sum(y))]
            + [f"{r['macro_f1']:.3f} / {r['accuracy']:.3f}" for r in res]
        )
    # HateBR: offensive vs not, evaluation only (CC BY-NC).
    hb = D.hash_sample(D.load_hatebr(), T.EVAL_BUDGET["hatebr"])
    ttr, _ = T.hate_splits("toxicity")
    y = [e.label for e in hb]
    res = [
        T.binary_metrics(y, majority(ttr["toldbr_pt"])(hb)),
        T.binary_metrics(y, tfidf_lr(ttr["toldbr_pt"])(hb)),
        T.binary_metrics(y, model_pred(shipped, fz, hb)),
    ]
    rows.append(
        ["pt HateBR* (offensive; hate model)", str(len(hb)), str(sum(y))]
        + [f"{r['macro_f1']:.3f} / {r['accuracy']:.3f}" for r in res]
    )
    r_tox = T.binary_metrics(y, model_pred(tox, fz, hb))
    rows.append(
        ["pt HateBR* (offensive; toxicity model)", str(len(hb)), str(sum(y)), "", "",
         f"{r_tox['macro_f1']:.3f} / {r_tox['accuracy']:.3f}"]
    )  # fmt: skip
    table(
        "HATE SPEECH  (macro-F1 / accuracy on held-back 20% of each training set, max 400 per "
        "set; baselines trained on the same language's 80%; HateBR* = 600-comment sample, "
        "baselines trained on ToLD-Br toxicity)",
        ["set", "n", "pos", "majority", "tfidf+LR", "sitroom"],
        rows,
    )

    # Hand-written functional cases: templates never seen in training.
    _, func_te = T.functional_examples("hate")
    all_tr = [e for v in trains.values() for e in v]
    base = tfidf_lr(all_tr)
    rows = []
    langs = sorted({e.lang for e in func_te})
    for lang in [*langs, "all"]:
        ev = [e for e in func_te if lang in ("all", e.lang)]
        y = [e.label for e in ev]
        r_b = T.binary_metrics(y, base(ev))
        r_s = T.binary_metrics(y, model_pred(shipped, fz, ev))
        rows.append(
            [lang, str(len(ev)), str(sum(y)), f"{r_b['macro_f1']:.3f} / {r_b['accuracy']:.3f}",
             f"{r_s['macro_f1']:.3f} / {r_s['accuracy']:.3f}"]
        )  # fmt: skip
    table(
        "HATE SPEECH, FUNCTIONAL CASES  (held-out templates: the first set's six and every "
        "template of functional_heldout.py; macro-F1 / accuracy; per functionality: "
        "benchmarks/hate_functional.py)",
        ["lang", "n", "hateful", "tfidf+LR (all public sets)", "sitroom"],
        rows,
    )


def throughput(n: int) -> None:
    from benchmarks.lexicon import lexicon_throughput, spanish_tweets
    from sitroom.nlp.classifiers.model import _sigmoid  # noqa: F401

    texts = [e.text for e in D.load_clef2022("en", "train")[:n]]
    texts = [f"{t} [{i}]" for i, t in enumerate(texts)]  # defeat any caching
    rows = []
    for task in ("checkworthy", "hate", "toxicity"):
        m = load_classifier(task)
        t0 = time.perf_counter()
        m.predict(texts)
        full = time.perf_counter() - t0
        cleaned = [clean_for_model(t) for t in texts]
        emb = m._embed(cleaned[:1], None)
        emb = np.repeat(emb, len(texts), axis=0)
        t0 = time.perf_counter()
        m.proba_from(cleaned, emb)
        heads = time.perf_counter() - t0
        rows.append(
            [task, str(len(texts)), f"{len(texts) / full:.1f}", f"{100 * heads / full:.1f}%"]
        )
    lex_rate, raw_rate = lexicon_throughput(spanish_tweets(3000))
    table(
        f"THROUGHPUT  (this machine, {os.cpu_count()} cores as seen by the OS, other jobs may "
        "be running; tweets, uncached embedder)",
        ["task", "texts", "texts/s end-to-end", "share of time in heads"],
        rows,
    )
    print(
        f"lexicon matcher, 30,000 terms, Spanish tweets: {lex_rate:,.0f} texts/s (CPU time, "
        f"best of 3; plain Aho-Corasick over lower-cased text: {raw_rate:,.0f} texts/s)"
    )


def unseen_language(fz: T.Featurizer, langs: list[str]) -> None:
    """The multilingual fallback's recipe (every language it has, each tweet once) trained
    without one language, scored on that language's dev sets: how a language with no
    check-worthiness data of its own is served. Baseline: TF-IDF + LR on the same rows."""
    pool = T.default_training_examples("checkworthy")
    evals = T.checkworthy_eval_sets()
    rows = []
    for lang in langs:
        rest = T.fallback_rows([e for e in pool if e.lang != lang])
        m = T.train_checkworthy_fallback(rest, fz)
        base = tfidf_lr(rest)
        for name, ev in evals.items():
            if f"-{lang}-" not in name:
                continue
            ev = D.hash_sample(ev, T.EVAL_BUDGET.get(name))
            y = [e.label for e in ev]
            rows.append(
                [
                    name,
                    str(len(ev)),
                    f"{len(rest)} rows, no {lang}",
                    fmt(T.binary_metrics(y, base(ev))["f1"]),
                    fmt(T.binary_metrics(y, model_pred(m, fz, ev))["f1"]),
                ]
            )
    table(
        "CHECK-WORTHINESS IN A LANGUAGE WITHOUT TRAINING DATA  (fallback recipe trained on every "
        "other language; F1 of the positive class)",
        ["dev set", "n", "trained on", "tfidf+LR", "sitroom"],
        rows,
    )


SECTIONS = ("checkworthy", "hate", "throughput")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None, help="shared data root (else $SITROOM_SHARED_DATA)")
    ap.add_argument("--skip-per-language", action="store_true")
    ap.add_argument("--throughput-n", type=int, default=200)
    ap.add_argument(
        "--only", action="append", choices=SECTIONS, help="run only these sections (repeatable)"
    )
    ap.add_argument(
        "--leave-out",
        action="append",
        metavar="LANG",
        help="also train the multilingual fallback without LANG and score LANG's dev sets",
    )
    args = ap.parse_args()
    sections = args.only or list(SECTIONS)
    if args.data:
        os.environ["SITROOM_SHARED_DATA"] = args.data
    t0 = time.time()
    fz = T.Featurizer()
    if "checkworthy" in sections:
        checkworthiness(fz, not args.skip_per_language)
    if "hate" in sections:
        hate(fz)
    if "throughput" in sections:
        throughput(args.throughput_n)
    if args.leave_out:
        unseen_language(fz, args.leave_out)
    print(f"\n(total {time.time() - t0:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
