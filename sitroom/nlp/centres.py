"""Language centres: e5's sentence vectors with their language's mean removed.

multilingual-e5-small's cosines crowd together: two unrelated posts often score 0.85-0.92,
and a post sits nearer to other posts *in its language* than to the same claim in another.
Subtracting each language's mean vector (measured once on a fixed multilingual reference
set) removes both the shared direction and most of the language, so what is left is mostly
the content. Narrative grouping reads these vectors (``docs/monitoring.md``, "Narratives";
``benchmarks/narratives.py``): on the CLEF 2022 claim-retrieval tweets the join decision's AUC
rose from 0.756 to 0.817 and wrong joins fell from 0.217 to 0.094 at the same share of right
ones, and the same election claims written in eleven languages group into their claims
(B-cubed F1 0.564 -> 0.943).

The reference set (``build``): 4,000 of the functional cases (eleven languages, written for
the project) and 400 rows of each CLEF 2022 check-worthiness training set (ar, bg, nl, es, tr,
en) and of each hate-speech training corpus (en, fr, ar, de, pt). A language with fewer
than ``MIN_ROWS`` reference rows (as detected) uses the mean of all rows.

Build: ``python -m sitroom.nlp.training build-centres`` (needs ``SITROOM_SHARED_DATA``).
The file names the embedder it was measured with; with another embedder there are no
centres and narratives fall back to raw cosine (``Centres.load`` returns None).
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILE = Path(__file__).resolve().parent / "models" / "centres.npz"
MIN_ROWS = 150
FUNCTIONAL_SAMPLE = 4000
PER_SET = 400
CHECKWORTHY_LANGS = ("ar", "bg", "nl", "es", "tr", "en")


def unit_rows(rows: np.ndarray) -> np.ndarray:
    """Each row at unit length (a zero row stays zero), as float32."""
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return (rows / np.where(norms > 0, norms, 1.0)).astype(np.float32)


@dataclass(frozen=True)
class Centres:
    embedder: str  # "name@version" of the vectors the means were measured on
    langs: tuple[str, ...]
    means: np.ndarray  # one row per language
    overall: np.ndarray  # mean of every reference row: languages without a centre
    counts: tuple[int, ...]

    @property
    def space(self) -> str:
        """Names these centres (stored with each narrative's vector sum)."""
        digest = hashlib.blake2b(self.means.tobytes() + self.overall.tobytes(), digest_size=6)
        return f"centred-{digest.hexdigest()}"

    def apply(self, vectors: np.ndarray, langs: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``vectors`` minus their language's centre (varieties folded into
        their language as the classifiers do; any other language: the overall mean)."""
        from sitroom.nlp.classifiers.model import LANG_VARIETIES

        pos = {lang: i for i, lang in enumerate(self.langs)}
        langs = [LANG_VARIETIES.get(lang, lang) for lang in langs]
        rows = np.asarray(vectors, dtype=np.float32).reshape(len(langs), self.overall.shape[0])
        centres = (
            np.stack([self.means[pos[lang]] if lang in pos else self.overall for lang in langs])
            if langs
            else rows
        )
        return unit_rows(rows - centres)

    def save(self, path: Path = FILE) -> None:
        meta = {"embedder": self.embedder, "langs": list(self.langs), "counts": list(self.counts)}
        with open(path, "wb") as fh:
            np.savez(
                fh,
                means=self.means.astype("<f4"),
                overall=self.overall.astype("<f4"),
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            )

    @classmethod
    def read(cls, path: Path = FILE) -> Centres:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            return cls(
                embedder=meta["embedder"],
                langs=tuple(meta["langs"]),
                means=np.array(z["means"], dtype=np.float32),
                overall=np.array(z["overall"], dtype=np.float32),
                counts=tuple(meta["counts"]),
            )

    @classmethod
    def load(cls, embedder: str, path: Path = FILE) -> Centres | None:
        """The shipped centres if they were measured with ``embedder``, else None."""
        return _load_cached(embedder, str(path))


@functools.cache
def _load_cached(embedder: str, path: str) -> Centres | None:
    if not Path(path).exists():
        return None
    centres = Centres.read(Path(path))
    return centres if centres.embedder == embedder else None


def reference_texts(data_root: str | None = None) -> list[str]:
    """The reference set (module docstring), in a fixed order."""
    from sitroom.nlp.classifiers import datasets as D
    from sitroom.nlp.classifiers.functional import functional_cases

    root = D.shared_data_dir(data_root)
    texts = random.Random(0).sample([c.text for c in functional_cases()], FUNCTIONAL_SAMPLE)
    rng = random.Random(5)
    for lang in CHECKWORTHY_LANGS:
        rows = D.load_clef2022(lang, "train", root)
        texts += [e.text for e in rng.sample(rows, min(PER_SET, len(rows)))]
    for corpus in D.load_hate_corpus(root).values():
        texts += [r.text for r in rng.sample(corpus, min(PER_SET, len(corpus)))]
    return texts


def build(data_root: str | None = None, featurizer: object | None = None) -> Centres:
    """Measure the centres on the reference set with the current embedder."""
    from sitroom.nlp.classifiers.model import clean_for_model, detect_langs
    from sitroom.nlp.training import Featurizer

    fz = featurizer if isinstance(featurizer, Featurizer) else Featurizer()
    cleaned = [clean_for_model(t) for t in reference_texts(data_root)]
    vectors = fz(cleaned)
    langs = detect_langs(cleaned)
    rows: dict[str, list[int]] = {}
    for i, lang in enumerate(langs):
        rows.setdefault(lang, []).append(i)
    names = sorted(k for k, v in rows.items() if len(v) >= MIN_ROWS)
    return Centres(
        embedder=fz.embedder_name,
        langs=tuple(names),
        means=np.stack([vectors[rows[k]].mean(axis=0) for k in names]).astype(np.float32),
        overall=vectors.mean(axis=0).astype(np.float32),
        counts=tuple(len(rows[k]) for k in names),
    )
