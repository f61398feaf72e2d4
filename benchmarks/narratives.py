"""Narrative grouping: language-centred vectors (shipped) against raw cosine (the baseline).

    python benchmarks/narratives.py [--data DIR] [--orders 5]

Three sets, each scored in both spaces at that space's shipped join threshold
(``sitroom.monitoring.narratives``: centred 0.44, raw 0.87) and at its own best threshold:

- CLEF 2022 task 2A claim retrieval (English tweets, ``$SITROOM_SHARED_DATA``): each tweet
  against its verified claim and 2,000 other claims. The join decision is "the tweet's own
  claim passes the threshold" (join-own) against "the best other claim passes" (wrong-join);
  AUC of own against best other, top-1, balanced accuracy.
- The demo's 30 base posts (5 narratives in up to 5 languages, 6 unrelated posts).
- The election claims of ``functional_election.CLAIMS``: the same 10 texts in 11 languages,
  each text one narrative. (Their language centres are measured on a reference set that holds
  these texts among 8,800: not a blind set.)

Demo and claims are grouped as the pipeline does (nearest centroid of summed unit vectors,
else a new narrative), over ``--orders`` random arrival orders; B-cubed F1 against the truth.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sitroom.nlp.centres import Centres, unit_rows
from sitroom.nlp.classifiers.datasets import shared_data_dir
from sitroom.nlp.classifiers.functional_election import CLAIMS
from sitroom.nlp.classifiers.model import clean_for_model, detect_langs
from sitroom.nlp.training import Featurizer

Transform = Callable[[np.ndarray, Sequence[str]], np.ndarray]


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Area under the ROC curve of own-claim scores (positive) against best-other scores."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([1] * len(pos) + [0] * len(neg), np.concatenate([pos, neg])))


def group(x: np.ndarray, threshold: float, seed: int) -> list[int]:
    """Narrative per row, rows arriving in a random order, with the pipeline's own centroid
    index (``narratives.CentroidIndex``): nearest centroid at ``threshold``, else a new one."""
    from sitroom.monitoring.narratives import CentroidIndex

    order = list(range(len(x)))
    random.Random(seed).shuffle(order)
    index = CentroidIndex()
    sums: list[np.ndarray] = []
    label = [0] * len(x)
    for i in order:
        nid, sim = index.nearest(x[i])
        if nid is None or sim < threshold:
            nid = len(sums) + 1  # ids from 1: the index marks a free row with 0
            sums.append(np.zeros_like(x[i]))
        sums[nid - 1] = sums[nid - 1] + x[i]
        index.put(nid, unit_rows(sums[nid - 1]))
        label[i] = nid
    return label


def bcubed_f1(pred: Sequence[int], gold: Sequence[str]) -> float:
    p = r = 0.0
    for i in range(len(pred)):
        same_pred = [j for j in range(len(pred)) if pred[j] == pred[i]]
        same_gold = [j for j in range(len(pred)) if gold[j] == gold[i]]
        both = sum(gold[j] == gold[i] for j in same_pred)
        p += both / len(same_pred)
        r += both / len(same_gold)
    p, r = p / len(pred), r / len(pred)
    return 2 * p * r / (p + r)


def clef_sets(root: Path) -> tuple[list[str], list[int], list[str]]:
    d = root / "claim-retrieval" / "clef2022-2a-en"
    with open(d / "CT2022-Task2A-EN-Train-Dev_Queries.tsv", encoding="utf-8") as fh:
        tweets = dict(line.rstrip("\n").split("\t", 1) for line in fh if "\t" in line)
    claims: dict[str, str] = {}
    with open(d / "vclaims_combined.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            claims[row["vclaim_id"]] = row["vclaim"]
    pairs = []
    for name in ("CT2022-Task2A-EN-Train_QRELs.tsv", "CT2022-Task2A-EN-Dev_QRELs.tsv"):
        with open(d / name, encoding="utf-8") as fh:
            for line in fh:
                parts = line.split("\t")
                if len(parts) >= 3 and parts[0] in tweets and parts[2] in claims:
                    pairs.append((parts[0], parts[2]))
    used = sorted({c for _, c in pairs})
    others = random.Random(1).sample(sorted(set(claims) - set(used)), 2000)
    ids = used + others
    pos = {c: i for i, c in enumerate(ids)}
    return [tweets[t] for t, _ in pairs], [pos[c] for _, c in pairs], [claims[c] for c in ids]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None, help="shared data root (else $SITROOM_SHARED_DATA)")
    ap.add_argument("--orders", type=int, default=5, help="arrival orders per grouped set")
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sitroom.settings")
    import django

    django.setup()  # the narratives module reads the monitoring models
    from sitroom.monitoring.demo import BASE_POSTS
    from sitroom.monitoring.narratives import CENTRED_THRESHOLD, RAW_THRESHOLD

    fz = Featurizer()
    centres = Centres.load(fz.embedder_name)
    if centres is None:
        print(f"no shipped centres for {fz.embedder_name}: nothing to compare")
        return 1

    def embed(texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        cleaned = [clean_for_model(t) for t in texts]
        return fz(cleaned), detect_langs(cleaned)

    spaces: dict[str, tuple[Transform, float]] = {
        "raw cosine (baseline)": (lambda v, langs: unit_rows(v), RAW_THRESHOLD),
        f"centred ({centres.space})": (centres.apply, CENTRED_THRESHOLD),
    }
    grid = np.round(np.arange(0.20, 0.961, 0.01), 2)
    print(f"embedder {fz.embedder_name}; centres for {', '.join(centres.langs)}\n")

    tw_texts, own, claim_texts = clef_sets(shared_data_dir(args.data))
    tw, tw_langs = embed(tw_texts)
    cl, cl_langs = embed(claim_texts)
    print(f"CLEF 2022 2A: {len(tw_texts)} tweets against {len(claim_texts)} claims")
    print(
        f"{'space':34} {'thr':>5} {'AUC':>6} {'top-1':>6} {'own':>6} {'wrong':>6} {'bal':>6}  best"
    )
    for name, (transform, thr) in spaces.items():
        sims = transform(tw, tw_langs) @ transform(cl, cl_langs).T
        rows = np.arange(len(own))
        pos = sims[rows, own]
        others = sims.copy()
        others[rows, own] = -2.0
        neg = others.max(axis=1)
        bal = [((pos >= t).mean() + (neg < t).mean()) / 2 for t in grid]
        k = int(np.argmax(bal))
        print(
            f"{name:34} {thr:5.2f} {auc(pos, neg):6.3f} {(sims.argmax(1) == own).mean():6.3f} "
            f"{(pos >= thr).mean():6.3f} {(neg >= thr).mean():6.3f} "
            f"{((pos >= thr).mean() + (neg < thr).mean()) / 2:6.3f}  {bal[k]:.3f} at {grid[k]:.2f}"
        )

    grouped = {
        "demo posts": (
            [p[3] for p in BASE_POSTS],
            [p[0] if p[0] != "noise" else f"noise{i}" for i, p in enumerate(BASE_POSTS)],
        ),
        "election claims, 11 languages": (
            [text for rows in CLAIMS.values() for _, text in rows],
            [f"claim{i}" for rows in CLAIMS.values() for i in range(len(rows))],
        ),
    }
    for set_name, (texts, gold) in grouped.items():
        v, langs = embed(texts)
        print(f"\n{set_name}: {len(texts)} texts, {len(set(gold))} narratives; B-cubed F1")
        print(f"{'space':34} {'thr':>5} {'F1':>6}  best")
        for name, (transform, thr) in spaces.items():
            x = transform(v, langs)

            def f1(t: float, x: np.ndarray = x, gold: list[str] = gold) -> float:
                scores = [bcubed_f1(group(x, t, s), gold) for s in range(args.orders)]
                return float(np.mean(scores))

            best = max(grid, key=f1)
            print(f"{name:34} {thr:5.2f} {f1(thr):6.3f}  {f1(best):.3f} at {best:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
