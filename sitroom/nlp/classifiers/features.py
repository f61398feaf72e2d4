"""Input cleaning and (cached) sentence embeddings shared by every classifier head."""

from __future__ import annotations

import functools
import hashlib
import html
import os
import re
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sitroom.nlp.embedder import Embedder, Vectors, classifier_features, get_embedder
from sitroom.nlp.text import LEET, scrub

_URL = re.compile(r"(https?://\S+|www\.\S+)", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_RT = re.compile(r"^(rt\s+)?(@user:?\s*)+", re.IGNORECASE)
_WS = re.compile(r"\s+")
_REPEAT_MENTION = re.compile(r"(@user\s*){2,}")
MAX_CHARS = 400

# A letter for the obfuscation rules: any letter, or a Devanagari sign (vowel signs are not
# \w, and a spaced-out Hindi word separates them too).
_LETTER = r"(?:[^\W\d_]|[\u0900-\u0963\u0966-\u097f])"
# Three or more single letters with single spaces between them: "t r a n s" -> "trans".
_SPACED = re.compile(rf"(?<![\w\u0900-\u097f]){_LETTER}(?: {_LETTER}){{2,}}(?![\w\u0900-\u097f])")
_TOKEN = re.compile(r"(?<![#\w@$])[\w@$]+")  # not inside a hashtag
_LEET_CHARS = str.maketrans({c: v for c, v in LEET.items() if c.isdigit() or c in "@$"})
# A lone digit, @ or $ between two letters, one of them lower case ("G7EZ" is a code).
_WEDGED = re.compile(
    r"(?<=[^\W\d_])[0-9@$](?=[^\W\d_])(?<=[^\W\d_A-Z].)|(?<=[^\W\d_])[0-9@$](?=[^\W\d_A-Z])"
)
_LEET_RUN = re.compile(r"[0-9@$]+")
# A letter written three or more times in a row ("sooooo", "مسلميييين"): no word of the
# Latin, Cyrillic or Greek alphabets doubles a letter more than twice, and Arabic script does
# not double letters at all (a doubled consonant is a diacritic).
_REPEATED = re.compile(r"([^\W\d_])\1{2,}")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f]")


def _collapse(m: re.Match[str]) -> str:
    ch = m.group(1)
    return ch if _ARABIC_SCRIPT.match(ch) else ch * 2


def _unleet(m: re.Match[str]) -> str:
    tok = m.group()
    # Leetspeak: a lone digit (or @, $) between letters, in a word of three letters or more,
    # and no longer number in it unless digits are strewn all over ("h0m053xu3l5"): "k1ll",
    # "n1gg3r" and Spanish "tod@s" are read; "COVID19NL", "covid2019", "4ever", "B2B",
    # "h1n1", "A3N", hashtags and handles are not.
    if tok[0] == "@" or sum(c.isalpha() for c in tok) < 3 or not _WEDGED.search(tok):
        return tok  # a handle is left for the mention rule
    runs = _LEET_RUN.findall(tok)
    if len(runs) < 3 and any(len(r) > 1 for r in runs):
        return tok
    return tok.translate(_LEET_CHARS)


# Letters that are words on their own (Latin "a", "o"; Slavic "и", "в", "с"; Arabic "و"): a
# run of three in which two of them stand is a phrase ("и е с", "u r a"), not a spaced word.
_ONE_LETTER_WORDS = frozenset("aiouàèé" + "авеиксуоя" + "وفبلك")


def _join_spaced(m: re.Match[str]) -> str:
    letters = m.group().split(" ")
    if len(letters) == 3 and sum(c.lower() in _ONE_LETTER_WORDS for c in letters) >= 2:
        return m.group()
    return "".join(letters)


def deobfuscate(text: str) -> str:
    """Undo the spellings that hide a word from the embedder without changing its letters:
    letters spaced out ("j e w s"), leetspeak digits ("h0m053xu3l5") and letters repeated
    ("haaaate": two of them are kept, one in Arabic script).

    Measured on the held-out functional hate cases: spaced-out words were 61% right and
    leetspeak 75%, against 86% for the same cases plainly written. Dropped and swapped letters
    are left alone (that would need a dictionary per language).
    """
    if " " in text:
        text = _SPACED.sub(_join_spaced, text)
    text = _REPEATED.sub(_collapse, text)
    return _TOKEN.sub(_unleet, text)


@functools.lru_cache(maxsize=16384)  # one pipeline batch cleans each text for every head
def clean_for_model(text: str) -> str:
    """Normalise a post before it reaches the embedder and the n-gram features.

    URLs and user handles carry no signal but cost tokens (the embedder's run time grows
    with length), so they are reduced to placeholders; obfuscated spellings are undone
    (:func:`deobfuscate`); very long texts are cut.
    """
    t = scrub(html.unescape(text)).replace("|LBR|", " ")
    t = deobfuscate(_URL.sub(" ", t))
    t = _MENTION.sub("@user", t)
    t = _REPEAT_MENTION.sub("@user ", t)
    t = _RT.sub("", t.strip())
    t = _WS.sub(" ", t).strip()
    return t[:MAX_CHARS] if t else "(empty)"


_KEY_BYTES = 12


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=_KEY_BYTES).digest()


class EmbeddingCache:
    """Disk cache of query embeddings keyed by text hash, one folder per embedder version.

    Only training and benchmarks use it: re-embedding tens of thousands of texts costs many
    minutes. Chunks are append-only npz files so an interrupted run keeps its progress.
    """

    def __init__(
        self,
        embedder: Embedder,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        mid: bool = False,
        sibling: EmbeddingCache | None = None,
    ) -> None:
        base = cache_dir or os.environ.get("SITROOM_CACHE_DIR")
        root = Path(base) if base else Path.home() / ".cache" / "sitroom"
        # The engine is part of the key: engines agree only up to rounding, and a benchmark
        # comparing them must not read one engine's vectors for the other.
        engine = getattr(embedder, "engine", "")
        label = f"{embedder.name}-{embedder.version}" + (f"-{engine}" if engine else "")
        # With ``mid``, a row is the query vector followed by its mid vector
        # (``classifier_features``); the query vectors also go to ``sibling`` (a plain cache).
        tag = re.sub(r"[^A-Za-z0-9._-]+", "_", label) + ("-mid" if mid else "")
        self.dir = root / "embeddings" / tag
        self.embedder = embedder
        self.mid = mid
        self.sibling = sibling
        self._mem: dict[bytes, np.ndarray] = {}
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        if not self.dir.exists():
            return
        for f in sorted(self.dir.glob("chunk-*.npz")):
            try:
                with np.load(f) as z:
                    keys, vecs = z["keys"], z["vecs"]
            except (OSError, ValueError, KeyError):
                continue
            for k, v in zip(keys, vecs, strict=False):
                # numpy's "S12" drops trailing NUL bytes: pad back to the full key.
                self._mem[bytes(k).ljust(_KEY_BYTES, b"\0")] = v

    def _save(self, keys: list[bytes], vecs: np.ndarray) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".tmp-{uuid.uuid4().hex}.npz"
        np.savez(tmp, keys=np.array(keys, dtype=f"S{_KEY_BYTES}"), vecs=vecs.astype(np.float32))
        tmp.replace(self.dir / f"chunk-{uuid.uuid4().hex}.npz")

    def encode(self, texts: Sequence[str], chunk: int = 512, progress: bool = False) -> Vectors:
        keys = [_key(t) for t in texts]
        missing: dict[bytes, str] = {}
        for k, t in zip(keys, texts, strict=False):
            if k not in self._mem and k not in missing:
                missing[k] = t
        todo = list(missing.items())
        for i in range(0, len(todo), chunk):
            part = todo[i : i + chunk]
            vecs = classifier_features(self.embedder, [t for _, t in part], mid=self.mid)
            self.add([k for k, _ in part], vecs)
            if self.sibling is not None:
                self.sibling.add([k for k, _ in part], vecs[:, : self.embedder.dim])
            if progress:
                print(f"  embedded {min(i + chunk, len(todo))}/{len(todo)}", flush=True)
        if not texts:
            return np.zeros((0, self.embedder.dim * (2 if self.mid else 1)), dtype=np.float32)
        return np.stack([self._mem[k] for k in keys]).astype(np.float32)

    def add(self, keys: list[bytes], vecs: np.ndarray) -> None:
        """Keep (and save) vectors computed elsewhere; keys already held are skipped."""
        with self._lock:
            new = [i for i, k in enumerate(keys) if k not in self._mem]
            for i in new:
                self._mem[keys[i]] = vecs[i]
        if new:
            self._save([keys[i] for i in new], vecs[new])


def embed(
    texts: Sequence[str], embedder: Embedder | None = None, cache: EmbeddingCache | None = None
) -> Vectors:
    """Embed already-cleaned texts, through ``cache`` when given."""
    if cache is not None:
        return cache.encode(texts)
    return (embedder or get_embedder()).encode_queries(list(texts))
