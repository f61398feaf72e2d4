"""Fingerprints of text for exact and near-duplicate detection (reposts, copy-paste campaigns).

``exact_key`` is equal for texts that differ only in case, accents, spacing, punctuation,
URLs, @mentions and a leading RT/FW marker. ``minhash`` is a MinHash signature over character
5-grams (so it works in every script, with or without spaces); the share of equal positions of
two signatures estimates the Jaccard similarity of the texts. ``lsh_keys`` cuts a signature into
bands, so a database or a dict finds candidate near-duplicates by equality on a few keys
instead of comparing every pair: texts with similarity 0.7 share a key with p ≈ 0.98, texts
with similarity 0.3 with p ≈ 0.12 (then confirmed with ``similarity``).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

import numpy as np
import numpy.typing as npt

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_LEADING_MARKER = re.compile(r"^(rt|fwd?|tr)\b\s*:?\s*")

SHINGLE = 5
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
NEAR_DUPLICATE_SIMILARITY = 0.6

_PRIME = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(20260501)  # fixed: signatures must be comparable across processes
_A = _rng.integers(1, (1 << 61) - 1, size=PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, (1 << 61) - 1, size=PERMUTATIONS, dtype=np.uint64)

Signature = npt.NDArray[np.uint32]


@functools.lru_cache(maxsize=4096)  # a batch's texts are keyed, then fingerprinted
def normalise_for_dedup(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _URL.sub(" ", text.casefold())
    text = _MENTION.sub(" ", text)
    text = _LEADING_MARKER.sub("", text.strip())
    return " ".join(_NON_WORD.sub(" ", text).split())


def exact_key(text: str) -> str:
    return hashlib.blake2b(normalise_for_dedup(text).encode(), digest_size=16).hexdigest()


# Shingles recur across posts (common words, hashtags, names): their digests are kept, up to a
# bound, which takes a third off fingerprinting a stream of tweets (identical signatures).
_GRAM_DIGESTS: dict[str, bytes] = {}
_GRAM_DIGESTS_MAX = 200_000


def _gram_digest(gram: str) -> bytes:
    digest = _GRAM_DIGESTS.get(gram)
    if digest is None:
        digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
        if len(_GRAM_DIGESTS) < _GRAM_DIGESTS_MAX:
            _GRAM_DIGESTS[gram] = digest
    return digest


def _shingle_hashes(normalised: str) -> npt.NDArray[np.uint64]:
    if len(normalised) <= SHINGLE:
        grams = {normalised}
    else:
        grams = {normalised[i : i + SHINGLE] for i in range(len(normalised) - SHINGLE + 1)}
    digests = b"".join(map(_gram_digest, grams))
    # Keep 61 bits so (a*x + b) below stays exact in uint64 arithmetic after the mod.
    return np.frombuffer(digests, dtype=">u8").astype(np.uint64) & _PRIME


def minhash(text: str) -> Signature:
    hashes = _shingle_hashes(normalise_for_dedup(text))
    # (a*x + b) mod p, vectorised; uint64 overflow wraps, which is still a fine hash family.
    permuted = (np.outer(hashes, _A) + _B) % _PRIME
    return permuted.min(axis=0).astype(np.uint32)


def similarity(a: Signature, b: Signature) -> float:
    return float(np.mean(a == b))


def is_near_duplicate(a: Signature, b: Signature) -> bool:
    return similarity(a, b) >= NEAR_DUPLICATE_SIMILARITY


def lsh_keys(signature: Signature) -> list[int]:
    """One signed 63-bit key per band (the band number is mixed in), fit for a SQL BIGINT."""
    keys = []
    for band in range(BANDS):
        chunk = signature[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return keys


def signature_to_bytes(signature: Signature) -> bytes:
    return signature.astype("<u4").tobytes()


def signature_from_bytes(data: bytes) -> Signature:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)
