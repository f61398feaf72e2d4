"""Throughput of the hate-speech lexicon matcher on a worst-case lexicon.

    python benchmarks/lexicon.py [--data DIR] [--texts 3000] [--repeat 3]

30,000 made-up three-syllable terms ("bababa" ... ), many of them inside Spanish words,
against CLEF 2022 Spanish tweets: texts per second of CPU time, best of --repeat runs (the
machine may be shared). The baseline is plain Aho-Corasick over lower-cased text with the
same terms: no obfuscation handling, no word boundaries, no offsets into the original.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import ahocorasick

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sitroom.nlp.classifiers import datasets as D
from sitroom.nlp.lexicon import LexiconEntry, LexiconMatcher


def worst_case_terms(n: int = 30_000) -> list[str]:
    syl = [c + v for c in "bdfgkmnprstvz" for v in "aeiou"]
    return [a + b + c for a in syl for b in syl for c in syl][:n]


def best_rate(fn: Callable[[str], object], texts: Sequence[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        for t in texts:
            fn(t)
        best = min(best, time.process_time() - t0)
    return len(texts) / best


def lexicon_throughput(texts: Sequence[str], repeat: int = 3) -> tuple[float, float]:
    """(sitroom matcher, plain Aho-Corasick baseline) texts/s on `texts`."""
    terms = worst_case_terms()
    matcher = LexiconMatcher.build([LexiconEntry(w) for w in terms])
    raw = ahocorasick.Automaton()
    for w in terms:
        raw.add_word(w, w)
    raw.make_automaton()
    return (
        best_rate(matcher.match, texts, repeat),
        best_rate(lambda t: list(raw.iter(t.lower())), texts, repeat),
    )


def spanish_tweets(n: int) -> list[str]:
    return [e.text for e in D.load_clef2022("es", "train")[:n]]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=None, help="shared data root (else $SITROOM_SHARED_DATA)")
    ap.add_argument("--texts", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.data:
        os.environ["SITROOM_SHARED_DATA"] = args.data
    texts = spanish_tweets(args.texts)
    rate, raw = lexicon_throughput(texts, args.repeat)
    print(
        f"lexicon matcher, 30,000 terms, {len(texts)} Spanish tweets: {rate:,.0f} texts/s "
        f"(CPU time, best of {args.repeat}); plain Aho-Corasick over lower-cased text: "
        f"{raw:,.0f} texts/s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
