from __future__ import annotations

import numpy as np
import pytest

from sitroom.nlp import centres as C
from sitroom.nlp.embedder import get_embedder


def _centres() -> C.Centres:
    return C.Centres(
        embedder="toy@1",
        langs=("en", "fr"),
        means=np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32),
        overall=np.array([0.5, 0.5, 0.0], dtype=np.float32),
        counts=(200, 180),
    )


def test_apply_subtracts_the_language_centre_and_returns_unit_vectors():
    c = _centres()
    v = np.array([[2.0, 0.0, 1.0], [2.0, 0.0, 1.0], [2.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    out = c.apply(v, ["en", "fr", "sw", "en"])
    expected = [[1.0, 0.0, 1.0], [2.0, -1.0, 1.0], [1.5, -0.5, 1.0]]
    for row, want in zip(out[:3], expected, strict=True):
        assert np.allclose(row, np.array(want) / np.linalg.norm(want), atol=1e-6)
    assert np.allclose(out[3], 0.0)  # exactly the centre: no direction, no division by zero
    assert np.allclose(np.linalg.norm(out[:3], axis=1), 1.0)
    assert c.apply(np.zeros((0, 3)), []).shape == (0, 3)


def test_saved_centres_read_back_and_load_only_for_their_embedder(tmp_path):
    c = _centres()
    path = tmp_path / "centres.npz"
    c.save(path)
    back = C.Centres.read(path)
    assert back.langs == c.langs and back.counts == c.counts and back.space == c.space
    assert np.array_equal(back.means, c.means) and np.array_equal(back.overall, c.overall)
    assert C.Centres.load("toy@1", path) is not None
    assert C.Centres.load("another-model@2", path) is None
    assert C.Centres.load("toy@1", tmp_path / "missing.npz") is None
    assert c.space.startswith("centred-")
    changed = C.Centres(c.embedder, c.langs, c.means + 0.1, c.overall, c.counts)
    assert changed.space != c.space  # new centres name a new space


def test_the_shipped_centres_fit_the_bundled_embedder_and_group_a_claim_across_languages():
    e = get_embedder()
    shipped = C.Centres.load(f"{e.name}@{e.version}")
    assert shipped is not None, "sitroom/nlp/models/centres.npz: rebuild with build-centres"
    assert {"ar", "en", "es", "fr", "pt"} <= set(shipped.langs)
    texts = [
        ("en", "The polling stations have been moved to the police stations, do not go to the schools on Sunday."),
        ("fr", "Les bureaux de vote ont été déplacés dans les commissariats, n'allez pas aux écoles dimanche."),
        ("es", "Los centros de votación se trasladaron a las comisarías, no vayan a las escuelas el domingo."),
        ("en", "Great match last night, what a goal in the last minute!"),
        ("fr", "Embouteillages sur le pont ce matin, prévoyez une heure de plus."),
    ]  # fmt: skip
    raw = e.encode_queries([t for _, t in texts])
    out = shipped.apply(raw, [lang for lang, _ in texts])
    sims = out @ out.T
    same_claim = [sims[0, 1], sims[0, 2], sims[1, 2]]
    unrelated = [sims[0, 3], sims[1, 4], sims[0, 4], sims[1, 3]]
    assert min(same_claim) > max(unrelated) + 0.2
    # Raw cosine puts the unrelated French post nearly as close to the French claim.
    raw_unit = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    assert (raw_unit[1] @ raw_unit[4]) > 0.75


@pytest.mark.parametrize("lang", ["arz", "ary"])
def test_arabic_varieties_take_the_arabic_centre(lang):
    c = C.Centres(
        "toy@1", ("ar",), np.array([[1.0, 0.0]], np.float32), np.zeros(2, np.float32), (150,)
    )
    assert np.allclose(
        c.apply(np.array([[2.0, 1.0]]), [lang]), c.apply(np.array([[2.0, 1.0]]), ["ar"])
    )


def test_build_measures_a_centre_for_each_language_with_enough_reference_rows(monkeypatch):
    from sitroom.nlp.training import Featurizer

    en = [f"The polling station number {i} opens at seven in the morning." for i in range(160)]
    fr = [f"Le bureau de vote numéro {i} ouvre à sept heures du matin." for i in range(160)]
    sw = ["Kituo cha kupigia kura kitafunguliwa saa moja asubuhi."] * 20
    monkeypatch.setattr(C, "reference_texts", lambda data_root=None: en + fr + sw)

    class Fake(Featurizer):
        def __init__(self) -> None:
            pass

        @property
        def embedder_name(self) -> str:
            return "fake@1"

        def __call__(self, cleaned, *, mid=False):  # type: ignore[no-untyped-def]
            code = {"The": [1.0, 0.0, 0.0], "Le": [0.0, 1.0, 0.0]}
            return np.array([code.get(t.split()[0], [0.0, 0.0, 1.0]) for t in cleaned], "f4")

    built = C.build(featurizer=Fake())
    assert built.embedder == "fake@1" and built.langs == ("en", "fr")
    assert built.counts == (160, 160)
    assert np.allclose(built.means, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert np.allclose(built.overall, np.array([160, 160, 20]) / 340)
