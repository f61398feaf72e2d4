"""Input cleaning and (cached) sentence embeddings shared by every classifier head."""

from __future__ import annotations

import hashlib
import html
import os
import re
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sitroom.nlp.embedder import Embedder, Vectors, get_embedder

_URL = re.compile(r"(https?://\S+|www\.\S+)", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_RT = re.compile(r"^(rt\s+)?(@user:?\s*)+", re.IGNORECASE)
_WS = re.compile(r"\s+")
_REPEAT_MENTION = re.compile(r"(@user\s*){2,}")
MAX_CHARS = 400


def clean_for_model(text: str) -> str:
    """Normalise a post before it reaches the embedder and the n-gram features.

    URLs and user handles carry no signal but cost tokens (the embedder's run time grows
    with length), so they are reduced to placeholders; very long texts are cut.
    """
    t = html.unescape(text).replace("|LBR|", " ")
    t = _URL.sub(" ", t)
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

    def __init__(self, embedder: Embedder, cache_dir: str | os.PathLike[str] | None = None):
        base = cache_dir or os.environ.get("SITROOM_CACHE_DIR")
        root = Path(base) if base else Path.home() / ".cache" / "sitroom"
        # The engine is part of the key: engines agree only up to rounding, and a benchmark
        # comparing them must not read one engine's vectors for the other.
        engine = getattr(embedder, "engine", "")
        label = f"{embedder.name}-{embedder.version}" + (f"-{engine}" if engine else "")
        tag = re.sub(r"[^A-Za-z0-9._-]+", "_", label)
        self.dir = root / "embeddings" / tag
        self.embedder = embedder
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
            vecs = self.embedder.encode_queries([t for _, t in part])
            with self._lock:
                for (k, _), v in zip(part, vecs, strict=False):
                    self._mem[k] = v
            self._save([k for k, _ in part], vecs)
            if progress:
                print(f"  embedded {min(i + chunk, len(todo))}/{len(todo)}", flush=True)
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([self._mem[k] for k in keys]).astype(np.float32)


def embed(
    texts: Sequence[str], embedder: Embedder | None = None, cache: EmbeddingCache | None = None
) -> Vectors:
    """Embed already-cleaned texts, through ``cache`` when given."""
    if cache is not None:
        return cache.encode(texts)
    return (embedder or get_embedder()).encode_queries(list(texts))
