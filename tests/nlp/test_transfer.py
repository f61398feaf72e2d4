"""Route models with cross-lingual extra rows, and the embedding cache's keys."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from sitroom.nlp.classifiers.features import EmbeddingCache, _key
from sitroom.nlp.classifiers.model import StackedModel
from sitroom.nlp.classifiers.transfer import RouteConfig, RouteData, select_config, train_route

WORDS_POS = ["percent", "million", "rose", "fell", "jobs"]
WORDS_NEG = ["thanks", "welcome", "love", "bless", "evening"]


def _data(n: int, seed: int, noise: float, source: str) -> RouteData:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    emb = rng.normal(size=(n, 8)).astype(np.float32)
    emb[:, 0] += np.where(y == 1, 1.0, -1.0) * (1.0 - noise)
    words = [WORDS_POS if lab else WORDS_NEG for lab in y]
    cleaned = [f"{w[i % 5]} {w[(i + 2) % 5]} item {i}" for i, w in enumerate(words)]
    return RouteData(cleaned, y.astype(np.int64), emb, [source] * n)


def test_route_scores_and_calibrates_on_its_own_rows_only() -> None:
    own, aux = _data(120, 0, 0.2, "own"), _data(300, 1, 0.9, "other")
    cands = [RouteConfig(c_emb=1.0), RouteConfig(c_emb=1.0, aux_weight=0.3)]
    cfg, table = select_config(own, aux, cands, folds=3, seeds=(0,))
    assert cfg in cands and [r["oof_f1"] > 0.5 for r in table] == [True, True]
    m = train_route("checkworthy", own, aux, RouteConfig(aux_weight=0.3), name="t", folds=3)
    assert m.info["train_size"] == 120 and m.info["auxiliary_rows"] == 300
    assert m.info["auxiliary_sources"] == ["other"]
    assert 0 < m.threshold < 1 and m.ngram is not None
    assert (m.labels_from(own.cleaned, own.emb) == own.y).mean() > 0.9


def test_route_without_extra_rows_or_ngrams_roundtrips(tmp_path: Path) -> None:
    own = _data(90, 2, 0.1, "own")
    m = train_route(
        "checkworthy", own, own, RouteConfig(use_ngrams=False), name="t", version="v", folds=3
    )
    assert m.info["auxiliary_rows"] == 0 and m.ngram is None and m.meta_w[1] == 0.0
    m.save(tmp_path / "m")
    back = StackedModel.load(tmp_path / "m")
    assert np.allclose(back.proba_from(own.cleaned, own.emb), m.proba_from(own.cleaned, own.emb))


def test_rows_with_a_time_are_judged_on_blocks_of_time() -> None:
    from sitroom.nlp.classifiers.transfer import _time_folds

    order = np.array([50, 10, 40, 20, 30, 60])
    folds = _time_folds(order, 3)
    assert [sorted(order[te].tolist()) for _, te in folds] == [[10, 20], [30, 40], [50, 60]]
    for tr, te in folds:
        assert sorted([*tr, *te]) == list(range(6))

    own = _data(120, 3, 0.2, "own")
    own.order = np.arange(120)[::-1].copy()  # newest first in the file
    m = train_route("checkworthy", own, own, RouteConfig(), name="t", folds=3)
    assert m.info["folds"] == "time blocks"
    _, table = select_config(own, own, [RouteConfig()], folds=3, seeds=(0, 1, 2))
    assert table[0]["oof_f1"] > 0.5
    own.order = None
    assert (
        train_route("checkworthy", own, own, RouteConfig(), name="t", folds=3).info["folds"]
        == "random, stratified"
    )


def test_time_order_comes_from_tweet_ids_and_fills_the_odd_gap() -> None:
    from sitroom.nlp import training as T
    from sitroom.nlp.classifiers.datasets import Example

    exs = [Example(f"t{i}", i % 2, "es", "s", meta={"id": str(1000 + i)}) for i in range(40)]
    exs[5] = Example("t5", 1, "es", "s")  # no id: takes its predecessor's
    order = T._time_order(exs)
    assert order is not None and order[5] == 1004 and order[6] == 1006
    assert T._time_order([Example("x", 0, "es", "s")] * 3) is None


class _CountingEmbedder:
    name, version, dim = "fake", "1", 4

    def __init__(self) -> None:
        self.calls = 0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        return np.ones((len(texts), self.dim), dtype=np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_queries(texts)


def test_cache_finds_keys_ending_in_a_zero_byte(tmp_path: Path) -> None:
    # numpy's fixed-width bytes drop trailing zero bytes; such texts must still hit the cache.
    text = next(f"text {i}" for i in range(10_000) if _key(f"text {i}").endswith(b"\0"))
    first = _CountingEmbedder()
    EmbeddingCache(first, tmp_path).encode([text, "plain"])
    again = _CountingEmbedder()
    EmbeddingCache(again, tmp_path).encode([text, "plain"])
    assert first.calls == 2 and again.calls == 0


def _with_mid(data: RouteData, seed: int) -> RouteData:
    """``data`` whose signal sits only in the mid vectors (the final ones are noise)."""
    rng = np.random.default_rng(seed)
    final = rng.normal(size=data.emb.shape).astype(np.float32)
    emb = np.hstack([final, data.emb])
    return RouteData(data.cleaned, data.y, emb, data.sources, data.order, mid=True)


def test_a_route_can_choose_mid_vectors_and_keeps_reading_them(tmp_path: Path) -> None:
    from sitroom.nlp.classifiers.model import feature_part

    own, aux = _with_mid(_data(150, 4, 0.2, "own"), 5), _with_mid(_data(60, 6, 0.9, "x"), 7)
    cands = [
        RouteConfig(c_emb=1.0, use_ngrams=False),
        RouteConfig(c_emb=1.0, use_ngrams=False, feature="mid"),
    ]
    cfg, table = select_config(own, aux, cands, folds=3, seeds=(0,))
    assert cfg.feature == "mid" and table[1]["oof_f1"] > table[0]["oof_f1"] + 0.05, [
        r["oof_f1"] for r in table
    ]
    m = train_route("checkworthy", own, aux, cfg, name="t", version="v", folds=3)
    assert m.emb_feature == "mid" and m.needs_mid and m.emb_width == 8
    assert (m.labels_from(own.cleaned, own.emb) == own.y).mean() > 0.75
    m.save(tmp_path / "m")
    back = StackedModel.load(tmp_path / "m")
    assert back.emb_feature == "mid"
    assert np.allclose(back.proba_from(own.cleaned, own.emb), m.proba_from(own.cleaned, own.emb))
    # Without the mid columns the head refuses, rather than read the wrong vectors.
    with pytest.raises(ValueError, match="no mid vectors"):
        m.proba_from(own.cleaned, own.emb[:, :8])
    assert feature_part(own.emb, 8, "final").shape == (150, 8)
    assert np.array_equal(feature_part(own.emb[:, :8], 8), own.emb[:, :8])
    with pytest.raises(ValueError, match="expected one of"):
        feature_part(own.emb, 8, "top")


class _MidEmbedder(_CountingEmbedder):
    def encode_queries_mid(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        final = self.encode_queries(texts)
        return final, -final


def test_the_mid_cache_fills_the_plain_one_too(tmp_path: Path) -> None:
    first = _MidEmbedder()
    plain = EmbeddingCache(first, tmp_path)
    both = EmbeddingCache(first, tmp_path, mid=True, sibling=plain).encode(["a", "b"])
    assert both.shape == (2, 2 * first.dim) and first.calls == 2
    np.testing.assert_array_equal(both[:, first.dim :], -both[:, : first.dim])
    assert np.array_equal(plain.encode(["a", "b"]), both[:, : first.dim]) and first.calls == 2
    again = _MidEmbedder()  # both survive on disk, each in its own folder
    EmbeddingCache(again, tmp_path, mid=True).encode(["a", "b"])
    EmbeddingCache(again, tmp_path).encode(["a", "b"])
    assert again.calls == 0


class _SignalInMid:
    """Vectors whose label signal sits only in the mid half."""

    name, version, dim = "fake-mid", "1", 4

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        rng = np.random.default_rng(len(texts))
        return rng.normal(size=(len(texts), self.dim)).astype(np.float32)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_queries(texts)

    def encode_queries_mid(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        mid = np.zeros((len(texts), self.dim), dtype=np.float32)
        mid[:, 0] = [1.0 if "percent" in t else -1.0 for t in texts]
        return self.encode_queries(texts), mid


def test_the_generic_trainer_can_train_on_mid_vectors() -> None:
    from sitroom.nlp import training as T
    from sitroom.nlp.classifiers.datasets import Example
    from sitroom.nlp.classifiers.model import TrainConfig

    exs = [
        Example(f"{'percent rose' if i % 2 else 'good evening'} number {i}", i % 2, "en", "s")
        for i in range(80)
    ]
    fz = T.Featurizer(_SignalInMid(), use_cache=False)  # type: ignore[arg-type]
    cfg = TrainConfig(use_ngrams=False, emb_feature="mid", folds=3)
    m = T.train("checkworthy", exs, featurizer=fz, config=cfg)
    assert m.emb_feature == "mid" and m.emb_width == 4
    cleaned = ["percent rose again", "good evening all"]
    assert list(m.labels_from(cleaned, fz.for_model(m, cleaned))) == [1, 0]
    assert list(m.predict_proba(cleaned, embed_fn=lambda c: fz(c, mid=True)) > 0.5) == [1, 0]


def test_a_hidden_layer_head_reads_its_half_of_concatenated_vectors() -> None:
    from sitroom.nlp import training as T
    from sitroom.nlp.classifiers.datasets import Example
    from sitroom.nlp.classifiers.model import TrainConfig

    exs = [
        Example(f"{'percent rose' if i % 2 else 'good evening'} number {i}", i % 2, "en", "s")
        for i in range(80)
    ]
    fz = T.Featurizer(_SignalInMid(), use_cache=False)  # type: ignore[arg-type]
    cleaned = ["percent rose again", "good evening all"]
    for feature in ("mid", "final"):
        cfg = TrainConfig(use_ngrams=False, emb_feature=feature, emb_hidden=8, folds=3)
        m = T.train("checkworthy", exs, featurizer=fz, config=cfg)
        both = fz(cleaned, mid=True)
        # The same logits whether the head is given both halves or only its own.
        own = both[:, 4:] if feature == "mid" else both[:, :4]
        if feature == "final":
            np.testing.assert_allclose(m.embedding_logits(both), m.embedding_logits(own))
        else:
            assert list(m.labels_from(cleaned, both)) == [1, 0]


class _SignalInBoth(_SignalInMid):
    """The label signal in both halves (a different column in each)."""

    def encode_queries_mid(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        final, mid = super().encode_queries_mid(texts)
        final[:, 1] = mid[:, 0]
        return final, mid


def test_split_heads_average_one_network_per_half(tmp_path: Path) -> None:
    """emb_feature "both" with emb_split 2: a network on the last layer and one on the middle
    layers, each trained alone, averaged; stored as one network with block-diagonal weights."""
    from dataclasses import replace

    from sitroom.nlp import training as T
    from sitroom.nlp.classifiers.datasets import Example
    from sitroom.nlp.classifiers.model import TrainConfig, _EmbeddingHead

    exs = [
        Example(f"{'percent rose' if i % 2 else 'good evening'} number {i}", i % 2, "en", "s")
        for i in range(80)
    ]
    fz = T.Featurizer(_SignalInBoth(), use_cache=False)  # type: ignore[arg-type]
    cfg = TrainConfig(use_ngrams=False, emb_feature="both", emb_split=2, emb_hidden=8, folds=3)
    m = T.train("checkworthy", exs, featurizer=fz, config=cfg)
    assert m.emb_feature == "both" and m.needs_mid and m.emb_width == 8
    assert m.emb_hidden_w is not None and m.emb_hidden_w.shape == (8, 16)
    assert not m.emb_hidden_w[:4, 8:].any() and not m.emb_hidden_w[4:, :8].any()
    cleaned = ["percent rose again", "good evening all"]
    both = fz(cleaned, mid=True)
    assert list(m.labels_from(cleaned, both)) == [1, 0]
    # The stored head's logit is the mean of the two networks', each fitted on its half.
    x = fz([e.text for e in exs], mid=True)
    y = np.array([e.label for e in exs])
    one = replace(cfg, emb_split=1)
    halves = [_EmbeddingHead(one).fit(x[:, s], y, None) for s in (slice(0, 4), slice(4, 8))]
    pair = _EmbeddingHead(cfg).fit(x, y, None)
    np.testing.assert_allclose(
        pair.decision_function(both),
        (halves[0].decision_function(both[:, :4]) + halves[1].decision_function(both[:, 4:])) / 2,
        rtol=1e-6, atol=1e-6,
    )  # fmt: skip
    m.save(tmp_path / "m")
    back = StackedModel.load(tmp_path / "m")
    assert back.emb_feature == "both"
    np.testing.assert_allclose(back.proba_from(cleaned, both), m.proba_from(cleaned, both),
                               atol=1e-3)  # fmt: skip
    # emb_bag networks of different seeds per half: wider, the same kind of head.
    bagged = _EmbeddingHead(replace(cfg, emb_bag=2)).fit(x, y, None)
    assert bagged.model[0].shape == (8, 32)
    z = bagged.decision_function(both)
    assert z[0] > z[1]  # "percent rose" above "good evening"
    # An embedder without middle layers trains on its sentence vectors instead.
    plain = T.Featurizer(_CountingEmbedder(), use_cache=False)  # type: ignore[arg-type]
    m2 = T.train("checkworthy", exs, featurizer=plain, config=cfg)
    assert m2.emb_feature == "final" and not m2.needs_mid
